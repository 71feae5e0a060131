//! `graph-conformance report merge A.json B.json … --out DIR`: the shards of one partitioned run
//! (`--partition hash:K/N`) as one report.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::outcome::{Report, Summary};

use super::{json::read_report, trend::started_key, ReportError};

/// Merges shard reports into one: the union of their results (sorted by trial name; a name in
/// two shards is an error naming it), the summary recomputed (`throttled` summed from the shards,
/// since passing generated inputs keep no exchanges), `started` the earliest, `finished` the
/// latest, `interrupted` / `insecure` if any shard was, `restored` concatenated, `partition` and
/// `baseline` cleared (run [`super::diff`] on the merged report to compare it with a baseline).
///
/// The shards must come from one run: the same tool name and version, the same seed, the same
/// `--strict`, and the same target URL (shards against the embedded service each start their own,
/// on its own port; those count as the same target, and the first shard's URL is kept).
/// Shards are named in errors by position and partition, e.g. `report 2 (hash:2/3)`.
pub fn merge(reports: Vec<Report>) -> Result<Report, ReportError> {
    let labelled = reports
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let label = match &r.partition {
                Some(p) => format!("report {} ({p})", i + 1),
                None => format!("report {}", i + 1),
            };
            (label, r)
        })
        .collect();
    merge_labelled(labelled)
}

/// Reads each `report.json` and merges them as [`merge`] does, naming shards by path in errors.
pub fn merge_files(paths: &[PathBuf]) -> Result<Report, ReportError> {
    let labelled = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), read_report(p)?)))
        .collect::<Result<Vec<_>, ReportError>>()?;
    merge_labelled(labelled)
}

fn merge_labelled(shards: Vec<(String, Report)>) -> Result<Report, ReportError> {
    let mut shards = shards.into_iter();
    let Some((first_label, mut merged)) = shards.next() else {
        return Err(ReportError::MergeNothing);
    };
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for r in &merged.results {
        if let Some(earlier) = owner.insert(r.name.clone(), first_label.clone()) {
            return Err(ReportError::MergeDuplicate {
                name: r.name.clone(),
                first: earlier,
                second: first_label.clone(),
            });
        }
    }
    let mut throttled = merged.summary.throttled;
    for (label, shard) in shards {
        let mismatch = |what: &'static str, a: String, b: String| ReportError::MergeMismatch {
            what,
            first: first_label.clone(),
            first_value: a,
            other: label.clone(),
            other_value: b,
        };
        if shard.tool != merged.tool {
            return Err(mismatch(
                "tool",
                format!("{} {}", merged.tool.name, merged.tool.version),
                format!("{} {}", shard.tool.name, shard.tool.version),
            ));
        }
        let same_target = (merged.target.embedded && shard.target.embedded)
            || (merged.target.embedded == shard.target.embedded
                && merged.target.url == shard.target.url);
        if !same_target {
            let show = |t: &crate::outcome::Target| {
                format!("{}{}", t.url, if t.embedded { " (embedded)" } else { "" })
            };
            return Err(mismatch(
                "target",
                show(&merged.target),
                show(&shard.target),
            ));
        }
        if shard.seed != merged.seed {
            return Err(mismatch("seed", merged.seed.clone(), shard.seed.clone()));
        }
        if shard.strict != merged.strict {
            return Err(mismatch(
                "--strict",
                merged.strict.to_string(),
                shard.strict.to_string(),
            ));
        }
        for r in &shard.results {
            if let Some(earlier) = owner.insert(r.name.clone(), label.clone()) {
                return Err(ReportError::MergeDuplicate {
                    name: r.name.clone(),
                    first: earlier,
                    second: label,
                });
            }
        }
        if started_key(&shard.started) < started_key(&merged.started) {
            merged.started = shard.started;
        }
        if started_key(&shard.finished) > started_key(&merged.finished) {
            merged.finished = shard.finished;
        }
        merged.interrupted |= shard.interrupted;
        merged.insecure |= shard.insecure;
        merged.restored.extend(shard.restored);
        merged.results.extend(shard.results);
        throttled += shard.summary.throttled;
    }
    merged.results.sort_by(|a, b| a.name.cmp(&b.name));
    merged.summary = Summary {
        throttled,
        ..Summary::of(&merged.results)
    };
    merged.partition = None;
    merged.baseline = None;
    Ok(merged)
}
