//! Run history under a reports root: the pass-rate trend of earlier runs and the trials that
//! flipped between pass and fail (flaky).
//!
//! Pass and fail here: `passed` and `warned` count as a pass, `failed` and `error` as a fail;
//! `skipped` (or a trial absent from a run) says nothing either way. A trial is *flipped* when
//! its pass/fail sequence over the runs compared, the current one last, changes direction at
//! least twice (pass → fail → pass, or fail → pass → fail). A single change is a regression or a
//! fix, which the baseline diff reports; it is not flakiness.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::outcome::{Outcome, Report, Target};

use super::{is_failing, json::read_report, pass_rate, REPORT_JSON};

/// One run, as the trend chart plots it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPoint {
    /// The run directory's name under the reports root (empty for the current run).
    pub run: String,
    pub started: String,
    pub(crate) passed: u64,
    pub failed: u64,
    pub(crate) errors: u64,
    #[serde(default)]
    pub(crate) warned: u64,
    #[serde(default)]
    pub(crate) skipped: u64,
    /// `(passed + warned) / (passed + warned + failed + errors)`, in 0..=1; 0 when nothing ran.
    pub pass_rate: f64,
    /// Trials failing in this run that were not failing in the run before it (for the oldest
    /// run loaded: its own baseline diff, if it had one, else 0).
    pub new_failures: u64,
    /// The names of the trials failing in this run.
    #[serde(default)]
    pub(crate) failing: Vec<String>,
}

impl RunPoint {
    /// The point for `report`, named `run`, with new failures counted against `previous`.
    pub(crate) fn of(run: &str, report: &Report, previous: Option<&RunPoint>) -> Self {
        let s = &report.summary;
        let failing: Vec<String> = {
            let mut f: Vec<String> = report
                .results
                .iter()
                .filter(|r| is_failing(r.outcome))
                .map(|r| r.name.clone())
                .collect();
            f.sort();
            f.dedup();
            f
        };
        let new_failures = match previous {
            Some(p) => failing
                .iter()
                .filter(|n| p.failing.binary_search(n).is_err())
                .count() as u64,
            None => report
                .baseline
                .as_ref()
                .map_or(0, |b| b.new_failures.len() as u64),
        };
        Self {
            run: run.to_string(),
            started: report.started.clone(),
            passed: s.passed,
            failed: s.failed,
            errors: s.errors,
            warned: s.warned,
            skipped: s.skipped,
            pass_rate: pass_rate(s.passed, s.warned, s.failed, s.errors),
            new_failures,
            failing,
        }
    }
}

/// An earlier run found under the reports root.
#[derive(Debug, Clone, PartialEq)]
pub struct PastRun {
    pub dir: PathBuf,
    pub report: Report,
}

/// True when two runs can be compared: the same target (the same URL, or both the embedded
/// service), the same pack, and the same embedded service settings (fault, deviations).
pub(crate) fn comparable(a: &Report, b: &Report) -> bool {
    let pack = |r: &Report| r.pack.as_ref().map(|p| p.name.clone());
    same_target(&a.target, &b.target) && pack(a) == pack(b) && a.service == b.service
}

/// The last `limit` runs under `reports_root` (each `*/report.json`) comparable with `like`,
/// oldest first by `started`, leaving out `exclude` (the current run's directory), symlinks
/// (`latest`) and anything unreadable. Reports are read newest file first and only until
/// `limit` comparable ones are found (at most [`MAX_EXAMINED`]), so a reports folder that
/// grows night after night, or holds runs of other targets, costs a run little.
pub(crate) fn load_history(
    reports_root: &Path,
    exclude: &Path,
    limit: usize,
    like: &Report,
) -> Vec<PastRun> {
    let Ok(entries) = fs::read_dir(reports_root) else {
        return Vec::new();
    };
    let exclude = fs::canonicalize(exclude).unwrap_or_else(|_| exclude.to_path_buf());
    let mut candidates: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|dir| fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()) != exclude)
        .filter_map(|dir| {
            let modified = fs::metadata(dir.join(REPORT_JSON)).ok()?.modified().ok()?;
            Some((modified, dir))
        })
        .collect();
    candidates.sort_by(|a, b| b.cmp(a));
    let mut runs: Vec<PastRun> = Vec::new();
    for (_, dir) in candidates.into_iter().take(MAX_EXAMINED) {
        if runs.len() >= limit {
            break;
        }
        let Ok(report) = read_report(&dir.join(REPORT_JSON)) else {
            continue;
        };
        if comparable(&report, like) {
            runs.push(PastRun { dir, report });
        }
    }
    runs.sort_by(|a, b| {
        started_key(&a.report.started)
            .cmp(&started_key(&b.report.started))
            .then_with(|| a.dir.cmp(&b.dir))
    });
    runs
}

/// Earlier reports read at most, looking for comparable ones.
pub(crate) const MAX_EXAMINED: usize = 64;

/// Sort key for a `started` timestamp: the instant when it parses as RFC 3339, else the text.
pub(crate) fn started_key(started: &str) -> (Option<chrono::DateTime<chrono::Utc>>, String) {
    let instant = chrono::DateTime::parse_from_rfc3339(started)
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc));
    (instant, started.to_string())
}

/// The trend points of earlier runs (see [`load_history`]), oldest first.
pub fn run_points(past: &[PastRun]) -> Vec<RunPoint> {
    let mut points: Vec<RunPoint> = Vec::with_capacity(past.len());
    for run in past {
        let name = run
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let point = RunPoint::of(&name, &run.report, points.last());
        points.push(point);
    }
    points
}

/// The pass-rate trend of the last `limit` runs under `reports_root`, oldest first, leaving out
/// `exclude` (the current run's directory). The oldest point's new failures are counted against
/// the run before it when there is one.
pub fn history(reports_root: &Path, exclude: &Path, limit: usize, like: &Report) -> Vec<RunPoint> {
    let past = load_history(reports_root, exclude, limit.saturating_add(1), like);
    let mut points = run_points(&past);
    let skip = points.len().saturating_sub(limit);
    points.split_off(skip)
}

/// Why each flipped trial is flaky: the trial name and its pass/fail sequence, over `history`
/// (oldest first) and then `current`. Only earlier runs against the same target are compared
/// (the same URL, or both the embedded service).
pub fn flips<'a>(
    history: impl IntoIterator<Item = &'a Report>,
    current: &'a Report,
) -> BTreeMap<String, String> {
    let runs: Vec<&Report> = history
        .into_iter()
        .filter(|r| comparable(r, current))
        .chain(std::iter::once(current))
        .collect();
    let by_name: Vec<BTreeMap<&str, Outcome>> = runs
        .iter()
        .map(|r| {
            r.results
                .iter()
                .map(|t| (t.name.as_str(), t.outcome))
                .collect()
        })
        .collect();
    let mut flips = BTreeMap::new();
    for trial in &current.results {
        let seq: Vec<Outcome> = by_name
            .iter()
            .filter_map(|run| run.get(trial.name.as_str()).copied())
            .filter(|o| *o != Outcome::Skipped)
            .collect();
        let fails: Vec<bool> = seq.iter().map(|o| is_failing(*o)).collect();
        let changes = fails.windows(2).filter(|w| w[0] != w[1]).count();
        if changes >= 2 {
            let outcomes: Vec<&str> = seq.iter().map(|o| o.as_str()).collect();
            flips.insert(
                trial.name.clone(),
                format!(
                    "flipped between pass and fail over the last {} runs: {} (this run last)",
                    seq.len(),
                    outcomes.join(" → ")
                ),
            );
        }
    }
    flips
}

/// The trials that flipped between pass and fail over `history` and `current` (see [`flips`]).
pub fn flipped<'a>(
    history: impl IntoIterator<Item = &'a Report>,
    current: &'a Report,
) -> BTreeSet<String> {
    flips(history, current).into_keys().collect()
}

/// Marks the flipped trials of `report` flaky, with their reason (kept after a retry's reason
/// when the trial was already flaky), and updates `summary.flaky`. Outcomes do not change.
/// Returns how many trials became flaky.
pub fn mark_flaky(report: &mut Report, flips: &BTreeMap<String, String>) -> usize {
    let mut marked = 0;
    for trial in &mut report.results {
        let Some(reason) = flips.get(&trial.name) else {
            continue;
        };
        if !trial.flaky {
            trial.flaky = true;
            marked += 1;
        }
        trial.flaky_reason = Some(match trial.flaky_reason.take() {
            Some(earlier) if !earlier.contains(reason.as_str()) => format!("{earlier}; {reason}"),
            Some(earlier) => earlier,
            None => reason.clone(),
        });
    }
    report.summary.flaky = report.results.iter().filter(|t| t.flaky).count() as u64;
    marked
}

fn same_target(a: &Target, b: &Target) -> bool {
    (a.embedded && b.embedded) || (!a.embedded && !b.embedded && a.url == b.url)
}
