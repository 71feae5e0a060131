//! The one view of a run that the human-facing writers (`summary.md`, `report.html`) render:
//! what they show and in which order — totals, notices, the variant × clause matrix, the trials
//! failures first with their anchors, the baseline lists, the flaky trials, the conformance
//! statement — built once from a scrubbed report, so the two formats cannot disagree about it.
//! How each thing looks (words, symbols, markup) stays with its writer.

use std::collections::BTreeMap;

use crate::outcome::{BaselineDiff, Finding, Outcome, Report, Restored, TrialResult};
use crate::statement::ClauseVerdict;

use super::{secrets, variant_rows};
use crate::contract::{clause_key, family_of};

/// Builds the view of `report` with every JWT-shaped string scrubbed and hands it to `render`:
/// the only way to get a view, so no writer can show an unscrubbed report.
pub(crate) fn with_view<T>(report: &Report, render: impl FnOnce(&View<'_>) -> T) -> T {
    let scrubbed = secrets::scrub(report);
    let anchors = anchors(&scrubbed.results);
    render(&View::of(&scrubbed, &anchors))
}

pub struct View<'a> {
    /// The run's facts shown as they are: tool, target, pack, seed, times, partition, summary.
    pub(crate) report: &'a Report,
    /// The summary's counts in the order both writers show them.
    pub(crate) totals: [Total; 7],
    pub(crate) notices: Vec<Notice>,
    /// Originals that could not be written back (the target keeps the harness's writes).
    pub(crate) not_restored: Vec<&'a Restored>,
    pub(crate) findings: &'a [Finding],
    pub(crate) matrix: Matrix<'a>,
    /// Every trial, failed and errored first, then warned, passed and skipped, each group in
    /// the run's order: a reader starts with what needs reading.
    pub(crate) trials: Vec<TrialView<'a>>,
    pub(crate) baseline: Option<BaselineView<'a>>,
    /// The flaky trials in the run's order.
    pub(crate) flaky: Vec<FlakyView<'a>>,
    pub(crate) statement: &'a [ClauseVerdict],
    /// The statement in one line, e.g. `12 kept, 1 info`.
    pub(crate) tally: String,
    /// The anchor of each trial by name, for links from findings and baseline lists.
    anchor_of: BTreeMap<&'a str, &'a str>,
}

/// One count of the summary; `outcome` is the key the HTML filters and styles by.
#[derive(serde::Serialize)]
pub(crate) struct Total {
    pub outcome: &'static str,
    pub label: &'static str,
    pub count: u64,
}

/// A condition of the whole run a reader must see before the results.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    Interrupted,
    Strict,
    Insecure,
}

impl Notice {
    /// The key the HTML banners carry (`data-kind`).
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Self::Interrupted => "interrupted",
            Self::Strict => "strict",
            Self::Insecure => "insecure",
        }
    }
}

/// A trial with its anchor: unique in the report, stable for a given name.
pub(crate) struct TrialView<'a> {
    pub result: &'a TrialResult,
    pub anchor: &'a str,
}

impl TrialView<'_> {
    /// Failed and errored trials: the ones that fail a run.
    pub(crate) fn is_failing(&self) -> bool {
        matches!(self.result.outcome, Outcome::Failed | Outcome::Error)
    }

    /// Failed, errored, warned and flaky trials get a detail section with checks and exchanges.
    pub(crate) fn has_detail(&self) -> bool {
        self.result.flaky
            || matches!(
                self.result.outcome,
                Outcome::Failed | Outcome::Error | Outcome::Warned
            )
    }
}

pub(crate) struct BaselineView<'a> {
    pub source: &'a str,
    pub started: &'a str,
    /// New failures, fixed, still failing, added, gone: in that order.
    pub lists: [NamedList<'a>; 5],
}

pub(crate) struct NamedList<'a> {
    /// The HTML id of the list.
    pub id: &'static str,
    pub title: &'static str,
    pub names: &'a [String],
}

pub(crate) struct FlakyView<'a> {
    pub trial: &'a TrialResult,
    pub anchor: &'a str,
    /// Why the trial is flaky; "passed on a retry" when the run did not say.
    pub reason: &'a str,
}

impl<'a> View<'a> {
    /// `anchors` are the report's trials' anchors, in the run's order (see [`anchors`]).
    fn of(report: &'a Report, anchors: &'a [String]) -> View<'a> {
        let with_anchors = || {
            report
                .results
                .iter()
                .zip(anchors.iter().map(String::as_str))
        };
        View {
            report,
            totals: totals(report),
            notices: notices(report),
            not_restored: report
                .restored
                .iter()
                .filter(|r| r.status.starts_with("failed"))
                .collect(),
            findings: &report.findings,
            matrix: Matrix::of(report),
            trials: failures_first(with_anchors()),
            baseline: report.baseline.as_ref().map(baseline),
            flaky: with_anchors()
                .filter(|(t, _)| t.flaky)
                .map(|(trial, anchor)| FlakyView {
                    trial,
                    anchor,
                    reason: trial.flaky_reason.as_deref().unwrap_or("passed on a retry"),
                })
                .collect(),
            statement: &report.clauses,
            tally: crate::statement::tally(&report.clauses),
            anchor_of: with_anchors().map(|(t, a)| (t.name.as_str(), a)).collect(),
        }
    }

    /// The anchor of the trial named `name`, if the report has one.
    pub(crate) fn anchor(&self, name: &str) -> Option<&'a str> {
        self.anchor_of.get(name).copied()
    }

    /// The trials that fail the run (failed, error), in the run's order.
    pub(crate) fn failing(&self) -> impl Iterator<Item = &TrialView<'a>> {
        self.trials.iter().filter(|t| t.is_failing())
    }
}

fn totals(report: &Report) -> [Total; 7] {
    let s = &report.summary;
    let total = |outcome, label, count| Total {
        outcome,
        label,
        count,
    };
    [
        total("passed", "passed", s.passed),
        total("failed", "failed", s.failed),
        total("error", "errors", s.errors),
        total("warned", "warned", s.warned),
        total("skipped", "skipped", s.skipped),
        total("flaky", "flaky", s.flaky),
        total("throttled", "throttled", s.throttled),
    ]
}

fn notices(report: &Report) -> Vec<Notice> {
    [
        (report.interrupted, Notice::Interrupted),
        (report.strict, Notice::Strict),
        (report.insecure, Notice::Insecure),
    ]
    .into_iter()
    .filter_map(|(on, notice)| on.then_some(notice))
    .collect()
}

fn baseline(b: &BaselineDiff) -> BaselineView<'_> {
    fn list<'a>(id: &'static str, title: &'static str, names: &'a [String]) -> NamedList<'a> {
        NamedList { id, title, names }
    }
    BaselineView {
        source: &b.source,
        started: &b.baseline_started,
        lists: [
            list("baseline-new", "New failures", &b.new_failures),
            list("baseline-fixed", "Fixed", &b.fixed),
            list("baseline-still", "Still failing", &b.still_failing),
            list("baseline-added", "Added", &b.added),
            list("baseline-gone", "Gone", &b.gone),
        ],
    }
}

/// The trials failed and errored first, then warned, passed and skipped; the sort is stable,
/// so each group keeps the run's order.
fn failures_first<'a>(
    trials: impl Iterator<Item = (&'a TrialResult, &'a str)>,
) -> Vec<TrialView<'a>> {
    let rank = |o: Outcome| match o {
        Outcome::Failed | Outcome::Error => 0,
        Outcome::Warned => 1,
        Outcome::Passed | Outcome::Info | Outcome::NotApplicable => 2,
        Outcome::Skipped => 3,
    };
    let mut trials: Vec<TrialView<'a>> = trials
        .map(|(result, anchor)| TrialView { result, anchor })
        .collect();
    trials.sort_by_key(|t| rank(t.result.outcome));
    trials
}

/// Unique, stable-per-name anchors: the name with anything but `[A-Za-z0-9_-]` as `-`, and a
/// counter suffix when two names map to the same text.
fn anchors(results: &[TrialResult]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    results
        .iter()
        .map(|t| {
            let base: String = t
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}-{n}")
            }
        })
        .collect()
}

/// Variants (rows, in the run's order) × the clauses that occur (columns, in clause order),
/// each cell the outcome counts of its trials; the Markdown writer folds the columns into
/// clause families.
pub(crate) struct Matrix<'a> {
    pub variants: Vec<String>,
    pub clauses: Vec<&'a str>,
    cells: BTreeMap<(&'a str, &'a str), Counts>,
}

impl<'a> Matrix<'a> {
    fn of(report: &'a Report) -> Self {
        let mut clauses: Vec<&str> = report.results.iter().map(|r| r.clause.as_str()).collect();
        clauses.sort_by_key(|c| clause_key(c));
        clauses.dedup();
        let mut cells: BTreeMap<(&str, &str), Counts> = BTreeMap::new();
        for t in &report.results {
            cells
                .entry((t.variant.as_str(), t.clause.as_str()))
                .or_default()
                .add(t.outcome, t.flaky);
        }
        Matrix {
            variants: variant_rows(report),
            clauses,
            cells,
        }
    }

    /// The counts of `variant`'s trials of `clause` (zero when there are none).
    pub(crate) fn cell(&self, variant: &str, clause: &str) -> Counts {
        self.cells
            .get(&(variant, clause))
            .copied()
            .unwrap_or_default()
    }

    /// The counts of `variant`'s trials of every clause of `family`.
    pub(crate) fn family_cell(&self, variant: &str, family: &str) -> Counts {
        let mut sum = Counts::default();
        for c in self.clauses.iter().filter(|c| family_of(c) == family) {
            sum.absorb(self.cell(variant, c));
        }
        sum
    }

    /// The families of the clause columns, in clause order.
    pub(crate) fn families(&self) -> Vec<&'a str> {
        let mut families: Vec<&str> = self.clauses.iter().map(|c| family_of(c)).collect();
        families.dedup();
        families
    }
}

/// Outcome counts of a group of trials (a matrix cell).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub errors: u64,
    pub warned: u64,
    pub skipped: u64,
    pub flaky: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, outcome: Outcome, flaky: bool) {
        match outcome {
            Outcome::Passed | Outcome::Info | Outcome::NotApplicable => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Warned => self.warned += 1,
            Outcome::Skipped => self.skipped += 1,
        }
        self.flaky += u64::from(flaky);
    }

    fn absorb(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.errors += other.errors;
        self.warned += other.warned;
        self.skipped += other.skipped;
        self.flaky += other.flaky;
    }

    pub(crate) fn total(&self) -> u64 {
        self.passed + self.failed + self.errors + self.warned + self.skipped
    }

    /// The non-zero counts in the order cells show them: passed, failed, errors, warned, skipped
    /// (each writer picks its symbols).
    pub(crate) fn shown(&self) -> impl Iterator<Item = (Outcome, u64)> {
        [
            (Outcome::Passed, self.passed),
            (Outcome::Failed, self.failed),
            (Outcome::Error, self.errors),
            (Outcome::Warned, self.warned),
            (Outcome::Skipped, self.skipped),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
    }

    /// The worst outcome among the counted trials: failed, error, warned, passed, skipped.
    pub(crate) fn worst(&self) -> Option<Outcome> {
        [
            (self.failed, Outcome::Failed),
            (self.errors, Outcome::Error),
            (self.warned, Outcome::Warned),
            (self.passed, Outcome::Passed),
            (self.skipped, Outcome::Skipped),
        ]
        .into_iter()
        .find(|(n, _)| *n > 0)
        .map(|(_, o)| o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_prefers_failures() {
        let mut c = Counts::default();
        c.add(Outcome::Passed, false);
        assert_eq!(c.worst(), Some(Outcome::Passed));
        c.add(Outcome::Error, false);
        c.add(Outcome::Failed, false);
        assert_eq!(c.worst(), Some(Outcome::Failed));
        assert_eq!(Counts::default().worst(), None);
    }
}
