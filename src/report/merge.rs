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
/// `findings` recomputed over the union, `baseline` cleared (run [`super::diff`] on the merged report to compare it with a baseline).
///
/// The shards must come from one run: the same tool name and version, the same pack, the same
/// `--strict`, and the same target URL (their seeds may differ: each trial keeps its shard's) (shards against the embedded service each start their own,
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
    let mut cost = (
        merged.summary.requests,
        merged.summary.writes,
        merged.summary.waited_ms,
    );
    let mut seeds = vec![(first_label.clone(), merged.seed.clone())];
    let mut statements = vec![std::mem::take(&mut merged.clauses)];
    stamp_seed(&mut merged.results, &merged.seed);
    for (label, mut shard) in shards {
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
        let pack = |r: &Report| {
            r.pack.as_ref().map_or_else(
                || "(no pack)".to_owned(),
                |p| format!("{} (digest {})", p.name, p.digest),
            )
        };
        if pack(&shard) != pack(&merged) {
            return Err(mismatch("pack", pack(&merged), pack(&shard)));
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
        stamp_seed(&mut shard.results, &shard.seed);
        statements.push(std::mem::take(&mut shard.clauses));
        seeds.push((label.clone(), shard.seed.clone()));
        merged.results.extend(shard.results);
        throttled += shard.summary.throttled;
        cost = (
            cost.0 + shard.summary.requests,
            cost.1 + shard.summary.writes,
            cost.2 + shard.summary.waited_ms,
        );
    }
    // Shards may draw their own seeds (the documented workflow passes none): each trial keeps
    // its shard's, so its reproduce line and `--replay` stay right.
    if seeds.iter().all(|(_, s)| *s == merged.seed) {
        merged.results.iter_mut().for_each(|r| r.seed = None);
    } else {
        merged.seed = seeds
            .iter()
            .map(|(l, s)| format!("{l}: {s}"))
            .collect::<Vec<_>>()
            .join(", ");
    }
    merged.results.sort_by(|a, b| a.name.cmp(&b.name));
    merged.summary = Summary {
        throttled,
        requests: cost.0,
        writes: cost.1,
        waited_ms: cost.2,
        ..Summary::of(&merged.results)
    };
    merged.findings = crate::outcome::findings(&merged.results);
    let parts: Vec<&[crate::statement::ClauseVerdict]> =
        statements.iter().map(Vec::as_slice).collect();
    merged.clauses = crate::statement::merged(&parts);
    merged.partition = None;
    merged.baseline = None;
    Ok(merged)
}

/// Records `seed` on every result that has none yet.
fn stamp_seed(results: &mut [crate::outcome::TrialResult], seed: &str) {
    for r in results.iter_mut().filter(|r| r.seed.is_none()) {
        r.seed = Some(seed.to_owned());
    }
}
