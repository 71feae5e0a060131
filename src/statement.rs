//! The conformance statement: one verdict for every clause of the contract, whatever the run
//! touched — kept, broken, warned, information, not applicable or not judged, with the reason
//! for the last two — so a reader can hand it to the owner of the service.

use serde::{Deserialize, Serialize};

use crate::contract::{Clause, Level, CATALOGUE};
use crate::domain::types::Family;
use crate::domain::EntityModel;
use crate::outcome::{Check, Outcome, TrialResult};

/// What a run concluded about one clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Broken,
    Warned,
    Info,
    Kept,
    NotApplicable,
    NotJudged,
}

impl Verdict {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Broken => "broken",
            Self::Warned => "warned",
            Self::Info => "info",
            Self::Kept => "kept",
            Self::NotApplicable => "not applicable",
            Self::NotJudged => "not judged",
        }
    }
}

/// One line of the statement (report.json's `clauses`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClauseVerdict {
    pub id: String,
    pub(crate) level: Level,
    pub(crate) title: String,
    pub verdict: Verdict,
    /// Trials that judged the clause (a check of theirs cites it) or were about it.
    pub(crate) trials: u64,
    /// Why a clause is not applicable or not judged; empty otherwise.
    #[serde(default)]
    pub reason: String,
}

/// The statement of one run of `model`'s pack, clause by clause in CONTRACT.md's order.
pub fn of(results: &[TrialResult], model: &EntityModel) -> Vec<ClauseVerdict> {
    CATALOGUE
        .iter()
        .map(|clause| verdict_of(clause, results, model))
        .collect()
}

fn verdict_of(clause: &Clause, results: &[TrialResult], model: &EntityModel) -> ClauseVerdict {
    let cites =
        |r: &&TrialResult| r.clause == clause.id || r.checks.iter().any(|c| c.clause == clause.id);
    let reached: Vec<&TrialResult> = results.iter().filter(cites).collect();
    let checks: Vec<&Check> = reached
        .iter()
        .flat_map(|r| r.checks.iter())
        .filter(|c| c.clause == clause.id)
        .collect();
    let (verdict, reason) = match judged(&checks) {
        Some(judged) => judged,
        None => unjudged(clause, &reached, model),
    };
    ClauseVerdict {
        id: clause.id.to_owned(),
        level: clause.level,
        title: clause.title.to_owned(),
        verdict,
        trials: reached.len() as u64,
        reason,
    }
}

/// The verdict the clause's checks give, worst first; `None` when no check cited it.
fn judged(checks: &[&Check]) -> Option<(Verdict, String)> {
    let any = |o: Outcome| checks.iter().any(|c| c.outcome == o);
    let verdict = [
        (Outcome::Failed, Verdict::Broken),
        (Outcome::Warned, Verdict::Warned),
        (Outcome::Info, Verdict::Info),
        (Outcome::Passed, Verdict::Kept),
    ]
    .into_iter()
    .find(|(o, _)| any(*o))
    .map(|(_, v)| (v, String::new()));
    verdict.or_else(|| {
        let first = checks
            .iter()
            .find(|c| c.outcome == Outcome::NotApplicable)?;
        Some((Verdict::NotApplicable, first.message.clone()))
    })
}

/// A clause no check judged: not applicable where the pack or the contract says so, else not
/// judged, saying what kept it from being judged.
fn unjudged(clause: &Clause, reached: &[&TrialResult], model: &EntityModel) -> (Verdict, String) {
    if clause.about_the_harness() {
        return (
            Verdict::NotApplicable,
            "describes what the harness does, not the target".into(),
        );
    }
    if let Some(word) = absent_type(clause, model) {
        return (
            Verdict::NotApplicable,
            format!("the pack's entity has no writable {word} property"),
        );
    }
    let why = |o: Outcome| reached.iter().find(|r| r.outcome == o);
    let reason = match (why(Outcome::Skipped), why(Outcome::Error)) {
        (Some(r), _) => format!("its trials were skipped: {}", first_line(&r.message)),
        (None, Some(r)) => format!("its trials ended in error: {}", first_line(&r.message)),
        (None, None) => {
            "no trial of this run reached it (a filter, --skip or a partition left it out)".into()
        }
    };
    (Verdict::NotJudged, reason)
}

/// The type family words of a type clause (C3.4, C3.5, C3.8–C3.13) when no writable
/// property of the entity has one of its types.
fn absent_type(clause: &Clause, model: &EntityModel) -> Option<String> {
    let families: Vec<Family> = Family::all()
        .into_iter()
        .filter(|f| f.clause() == clause.id)
        .collect();
    let used = model
        .writable()
        .any(|(_, p)| families.iter().any(|f| f.touches(&p.ty)));
    (!families.is_empty() && !used).then(|| {
        families
            .iter()
            .map(|f| f.word())
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The statements of several shards as one: per clause the worst verdict any shard gave
/// (a clause one shard judged is judged), trials summed.
pub(crate) fn merged(parts: &[&[ClauseVerdict]]) -> Vec<ClauseVerdict> {
    let mut out: Vec<ClauseVerdict> = Vec::new();
    for part in parts {
        for line in part.iter() {
            match out.iter_mut().find(|o| o.id == line.id) {
                Some(o) => {
                    o.trials += line.trials;
                    if line.verdict < o.verdict {
                        o.verdict = line.verdict;
                        o.reason = line.reason.clone();
                    }
                }
                None => out.push(line.clone()),
            }
        }
    }
    out
}

/// `"12 kept, 1 info, 5 not applicable"`: the statement in one line.
pub(crate) fn tally(statement: &[ClauseVerdict]) -> String {
    let mut counts: Vec<(Verdict, usize)> = Vec::new();
    for line in statement {
        match counts.iter_mut().find(|(v, _)| *v == line.verdict) {
            Some((_, n)) => *n += 1,
            None => counts.push((line.verdict, 1)),
        }
    }
    counts.sort();
    counts
        .iter()
        .map(|(v, n)| format!("{n} {}", v.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(clause: &str, outcome: Outcome) -> Check {
        Check {
            clause: clause.into(),
            level: Level::Should,
            outcome,
            expected: String::new(),
            actual: String::new(),
            message: "nothing to judge".into(),
        }
    }

    #[test]
    fn the_worst_check_decides_and_not_applicable_is_never_kept() {
        let na = check("C4.10", Outcome::NotApplicable);
        let passed = check("C4.10", Outcome::Passed);
        let warned = check("C4.10", Outcome::Warned);
        assert_eq!(judged(&[&na]).map(|j| j.0), Some(Verdict::NotApplicable));
        assert_eq!(judged(&[&na, &passed]).map(|j| j.0), Some(Verdict::Kept));
        assert_eq!(
            judged(&[&passed, &warned]).map(|j| j.0),
            Some(Verdict::Warned)
        );
        assert_eq!(judged(&[]), None);
    }

    #[test]
    fn shards_merge_to_the_worst_verdict() {
        let line = |verdict, trials| ClauseVerdict {
            id: "C4.8".into(),
            level: Level::Should,
            title: String::new(),
            verdict,
            trials,
            reason: String::new(),
        };
        let a = [line(Verdict::NotJudged, 0)];
        let b = [line(Verdict::Kept, 3)];
        let m = merged(&[&a, &b]);
        assert_eq!((m[0].verdict, m[0].trials), (Verdict::Kept, 3));
        assert_eq!(tally(&m), "1 kept");
    }
}
