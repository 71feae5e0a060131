//! The comparison with a baseline run (`--baseline REPORT.json`), by trial name.

use std::collections::BTreeMap;

use crate::outcome::{Outcome, Report};

pub(crate) use crate::outcome::BaselineDiff;

use super::is_failing;

/// Compares `current` with `baseline` by trial name; `failed` and `error` count as failing.
///
/// - `new_failures`: failing now, not failing in the baseline (passed, warned or skipped there,
///   or absent from it: a trial that is new and fails is a new failure);
/// - `fixed`: failing in the baseline, `passed` or `warned` now;
/// - `still_failing`: failing in both;
/// - `added` / `gone`: present only in the current run / only in the baseline.
///
/// Every list is sorted by name. `source` is left empty for the caller to fill in (the path).
pub fn diff(current: &Report, baseline: &Report) -> BaselineDiff {
    let before: BTreeMap<&str, Outcome> = baseline
        .results
        .iter()
        .map(|r| (r.name.as_str(), r.outcome))
        .collect();
    let now: BTreeMap<&str, Outcome> = current
        .results
        .iter()
        .map(|r| (r.name.as_str(), r.outcome))
        .collect();
    let mut d = BaselineDiff {
        baseline_started: baseline.started.clone(),
        ..BaselineDiff::default()
    };
    for (&name, &outcome) in &now {
        let was = before.get(name).copied();
        if was.is_none() {
            d.added.push(name.to_string());
        }
        let was_failing = was.is_some_and(is_failing);
        if is_failing(outcome) {
            if was_failing {
                d.still_failing.push(name.to_string());
            } else {
                d.new_failures.push(name.to_string());
            }
        } else if was_failing && matches!(outcome, Outcome::Passed | Outcome::Warned) {
            d.fixed.push(name.to_string());
        }
    }
    d.gone = before
        .keys()
        .filter(|name| !now.contains_key(*name))
        .map(|name| name.to_string())
        .collect();
    d
}

/// Whether `--fail-on new` should fail the run.
pub fn has_new_failures(diff: &BaselineDiff) -> bool {
    !diff.new_failures.is_empty()
}
