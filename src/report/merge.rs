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
    let Some((first_label, first)) = shards.next() else {
        return Err(ReportError::MergeNothing);
    };
    let mut merging = Merging::start(first_label, first)?;
    for (label, shard) in shards {
        merging.same_run(&label, &shard)?;
        merging.add(label, shard)?;
    }
    Ok(merging.finish())
}

/// A merge under way: the first shard's report, grown by each further shard.
struct Merging {
    merged: Report,
    first_label: String,
    /// Which shard each trial came from, to name both when a trial comes twice.
    owner: BTreeMap<String, String>,
    /// Each shard's label and seed, in the order given.
    seeds: Vec<(String, String)>,
    /// Each shard's conformance statement, merged at the end.
    statements: Vec<Vec<crate::statement::ClauseVerdict>>,
}

impl Merging {
    fn start(label: String, mut first: Report) -> Result<Self, ReportError> {
        let mut owner = BTreeMap::new();
        claim(&mut owner, &first.results, &label)?;
        stamp_seed(&mut first.results, &first.seed);
        Ok(Merging {
            seeds: vec![(label.clone(), first.seed.clone())],
            statements: vec![std::mem::take(&mut first.clauses)],
            merged: first,
            first_label: label,
            owner,
        })
    }

    /// Refuses a shard of another run: another tool, target, pack or `--strict`.
    fn same_run(&self, label: &str, shard: &Report) -> Result<(), ReportError> {
        let merged = &self.merged;
        let mismatch = |what: &'static str, a: String, b: String| ReportError::MergeMismatch {
            what,
            first: self.first_label.clone(),
            first_value: a,
            other: label.to_owned(),
            other_value: b,
        };
        let tool = |r: &Report| format!("{} {}", r.tool.name, r.tool.version);
        if shard.tool != merged.tool {
            return Err(mismatch("tool", tool(merged), tool(shard)));
        }
        // Shards against the embedded service each start their own, on its own port.
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
        if pack(shard) != pack(merged) {
            return Err(mismatch("pack", pack(merged), pack(shard)));
        }
        if shard.strict != merged.strict {
            return Err(mismatch(
                "--strict",
                merged.strict.to_string(),
                shard.strict.to_string(),
            ));
        }
        Ok(())
    }

    /// Adds a shard of the same run: its trials (each keeping its shard's seed), the widest
    /// time span, any interruption or insecurity, its restores and its costs.
    fn add(&mut self, label: String, mut shard: Report) -> Result<(), ReportError> {
        claim(&mut self.owner, &shard.results, &label)?;
        let merged = &mut self.merged;
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
        self.statements.push(std::mem::take(&mut shard.clauses));
        self.seeds.push((label, shard.seed));
        merged.results.extend(shard.results);
        // Passing generated inputs keep no exchanges, so these cannot be recounted from the
        // results: they are summed.
        let (sum, add) = (&mut merged.summary, &shard.summary);
        sum.throttled += add.throttled;
        sum.requests += add.requests;
        sum.writes += add.writes;
        sum.waited_ms += add.waited_ms;
        Ok(())
    }

    /// The merged report: trials by name, the summary, findings and statement over them all.
    fn finish(self) -> Report {
        let Merging {
            mut merged,
            seeds,
            statements,
            ..
        } = self;
        // Shards may draw their own seeds (the documented workflow passes none): each trial
        // keeps its shard's, so its reproduce line and `--replay` stay right.
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
        let costs = &merged.summary;
        merged.summary = Summary {
            throttled: costs.throttled,
            requests: costs.requests,
            writes: costs.writes,
            waited_ms: costs.waited_ms,
            ..Summary::of(&merged.results)
        };
        merged.findings = crate::outcome::findings(&merged.results);
        let parts: Vec<&[crate::statement::ClauseVerdict]> =
            statements.iter().map(Vec::as_slice).collect();
        merged.clauses = crate::statement::merged(&parts);
        merged.partition = None;
        merged.baseline = None;
        merged
    }
}

/// Records that `label`'s shard ran `results`; a trial another shard (or this one) already ran
/// is an error naming both.
fn claim(
    owner: &mut BTreeMap<String, String>,
    results: &[crate::outcome::TrialResult],
    label: &str,
) -> Result<(), ReportError> {
    for r in results {
        if let Some(earlier) = owner.insert(r.name.clone(), label.to_owned()) {
            return Err(ReportError::MergeDuplicate {
                name: r.name.clone(),
                first: earlier,
                second: label.to_owned(),
            });
        }
    }
    Ok(())
}

/// Records `seed` on every result that has none yet.
fn stamp_seed(results: &mut [crate::outcome::TrialResult], seed: &str) {
    for r in results.iter_mut().filter(|r| r.seed.is_none()) {
        r.seed = Some(seed.to_owned());
    }
}
