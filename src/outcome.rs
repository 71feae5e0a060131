//! Verdicts and findings: what each check said, what each trial concluded, the failed and warned
//! trials grouped by clause and symptom, and the run's report as `report.json` fixes it
//! (DESIGN.md). Reporters read these; nothing here does I/O.

use serde::{Deserialize, Serialize};

pub use crate::contract::Level;
use crate::transcript::Exchange;

/// A trial's outcome (and, for a single check, `passed` / `failed` / `warned`, or one of the
/// two a check alone can have: `info` for a MAY clause not kept, `not_applicable` when the
/// answer gave the check nothing to judge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    Error,
    Warned,
    Skipped,
    Info,
    NotApplicable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Error => "error",
            Self::Warned => "warned",
            Self::Skipped => "skipped",
            Self::Info => "info",
            Self::NotApplicable => "not_applicable",
        }
    }
}

/// One check's verdict: the clause it enforces, what it expected and what it saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub clause: String,
    pub level: Level,
    /// `passed`, `failed` (a MUST check, or a SHOULD check under `--strict`) or `warned`.
    pub outcome: Outcome,
    pub expected: String,
    pub actual: String,
    pub message: String,
}

/// What a generated trial ran: counts for passing inputs, the shrunk input for a failing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    pub cases: u32,
    pub passed: u32,
    /// The minimal failing input (a JSON body), when one failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_input: Option<String>,
}

/// One trial: a case on a variant, about one clause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialResult {
    /// `<variant>::<clause>::<case>`.
    pub name: String,
    pub variant: String,
    pub clause: String,
    pub level: Level,
    pub outcome: Outcome,
    pub duration_ms: u64,
    /// Empty when passed; otherwise what went wrong and what to do about it.
    pub message: String,
    pub checks: Vec<Check>,
    pub exchanges: Vec<Exchange>,
    /// A curl line that replays the revealing exchange, reading the token from `$GRAPH_TOKEN`.
    pub reproduce: String,
    /// Passed only on a retry (`--retries`), or flipped between pass and fail over the recent
    /// runs under the same reports root (`report::trend::flipped`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub flaky: bool,
    /// Why `flaky` is set, when it is: which retry passed, or the outcomes that flipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flaky_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    /// The seed of the shard that ran the trial, when the shards of a merged report drew
    /// different seeds (`report merge`): what `--seed` replays it with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: u64,
    pub failed: u64,
    pub errors: u64,
    pub warned: u64,
    pub skipped: u64,
    /// Throttled answers (429/503 with Retry-After) that were waited out and retried.
    pub throttled: u64,
    #[serde(default)]
    pub flaky: u64,
    /// HTTP requests sent, retries included (what the run cost the target).
    #[serde(default)]
    pub requests: u64,
    /// PATCHes sent, retries included (what counts against a tenant's write budget).
    #[serde(default)]
    pub writes: u64,
    /// Time spent waiting out throttling (Retry-After) and the rate budgets, in milliseconds,
    /// summed over requests (waits overlap, so it can exceed the run's wall time).
    #[serde(default)]
    pub waited_ms: u64,
    /// Trials with a MAY clause the target did not keep: information, never a failure.
    #[serde(default)]
    pub info: u64,
    /// Connections the harness opened to the target (0: not counted, as in a merged report).
    #[serde(default, skip_serializing_if = "no_count")]
    pub connections: u64,
    /// The most requests in flight to the target at once.
    #[serde(default, skip_serializing_if = "no_count")]
    pub most_in_flight: u64,
}

fn no_count(n: &u64) -> bool {
    *n == 0
}

impl Summary {
    pub fn of(results: &[TrialResult]) -> Self {
        let mut s = Self::default();
        for r in results {
            match r.outcome {
                Outcome::Passed | Outcome::Info | Outcome::NotApplicable => s.passed += 1,
                Outcome::Failed => s.failed += 1,
                Outcome::Error => s.errors += 1,
                Outcome::Warned => s.warned += 1,
                Outcome::Skipped => s.skipped += 1,
            }
            s.flaky += u64::from(r.flaky);
            s.info += u64::from(r.checks.iter().any(|c| c.outcome == Outcome::Info));
            s.throttled += r
                .exchanges
                .iter()
                .map(|e| u64::from(e.throttled))
                .sum::<u64>();
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub url: String,
    pub embedded: bool,
}

/// Which contract pack a run checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackInfo {
    pub name: String,
    /// The page the pack was read from, and its date.
    pub source: String,
    /// sha256 of the pack's files: the same digest, the same contract.
    pub digest: String,
}

/// How the embedded service was started (`--fault`, `--deviation`), so history compares
/// runs against the same service only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fault: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) deviations: Vec<String>,
}

/// An overview written back to its recorded original at the end of a run against a real target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restored {
    pub variant: String,
    pub url: String,
    /// `restored`; `unchanged: <why>` (writing back failed, but it reads back as it was before
    /// the run); or `failed: <why>` (the run exits 2).
    pub status: String,
}

/// The whole run, as written to `report.json`. Fields may be added, never renamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub tool: Tool,
    pub target: Target,
    /// The contract pack checked (absent in reports written before packs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<PackInfo>,
    /// The embedded service's fault and deviations, when the target was the embedded service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceSettings>,
    pub started: String,
    pub finished: String,
    pub seed: String,
    pub summary: Summary,
    /// Failed and warned trials grouped by clause and symptom (see [`findings`]); empty when
    /// everything held, absent in reports written before findings.
    #[serde(default)]
    pub findings: Vec<Finding>,
    pub results: Vec<TrialResult>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub interrupted: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restored: Vec<Restored>,
    /// `hash:K/N` when the run was one shard of a partitioned suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// The comparison with `--baseline REPORT.json`, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineDiff>,
    /// The conformance statement: a verdict for every clause of the contract.
    #[serde(default)]
    pub clauses: Vec<crate::statement::ClauseVerdict>,
}

/// This run's failing trials against a baseline run's, by trial name. A trial is *failing* when
/// its outcome is `failed` or `error`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineDiff {
    /// Where the baseline came from (the path given to `--baseline`), when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The baseline run's `started`.
    #[serde(default)]
    pub baseline_started: String,
    /// Failing now, and not failing in the baseline (passed, warned, skipped there, or absent).
    pub new_failures: Vec<String>,
    /// Failing in the baseline, passed or warned now.
    pub fixed: Vec<String>,
    /// Failing in both.
    pub still_failing: Vec<String>,
    /// In this run, not in the baseline (whatever their outcome).
    pub added: Vec<String>,
    /// In the baseline, not in this run.
    pub gone: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One problem the run found: the failed and warned trials whose checks of one clause said the
/// same thing (their messages equal once values are normalised, see [`symptom`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `<clause>-<8 hex digits of the symptom's hash>`: the same problem keeps its id from run
    /// to run, whatever its trials' values.
    pub id: String,
    pub clause: String,
    pub level: Level,
    /// The symptom, values normalised: what every trial of the finding was told.
    pub title: String,
    /// The trials it covers, in the run's order.
    pub trials: Vec<String>,
    /// Their variants, in the run's order.
    pub variants: Vec<String>,
    /// One trial to read first: the first one with exchanges.
    pub example: String,
    /// The example's reproduce line.
    pub reproduce: String,
}

/// The `expected` of a check that says what a trial left its entity with (trial isolation): the
/// trial counts under that finding too, beside its verdict's.
pub(crate) const LEFT_BEHIND: &str = "the start state, once written back";

/// The failed and warned trials of `results` as findings, ordered by level (MUST first), clause
/// and then the number of trials (most first). A failed trial counts once, under its verdict: the
/// first failed check citing the trial's clause (the clause its failure breaks), and under what
/// it left its entity with, if anything; a warned trial under each distinct warning. A trial
/// without such a check (a harness panic) counts under its own clause and the first line of its
/// message.
pub fn findings(results: &[TrialResult]) -> Vec<Finding> {
    let mut groups: Vec<(Symptom, Vec<&TrialResult>)> = Vec::new();
    for r in results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed | Outcome::Warned))
    {
        for s in symptoms_of(r) {
            match groups.iter_mut().find(|(g, _)| *g == s) {
                Some((_, trials)) => trials.push(r),
                None => groups.push((s, vec![r])),
            }
        }
    }
    let mut out: Vec<Finding> = groups
        .into_iter()
        .map(|(s, trials)| finding(s, &trials))
        .collect();
    out.sort_by(|a, b| {
        (a.level, crate::contract::clause_key(&a.clause))
            .cmp(&(b.level, crate::contract::clause_key(&b.clause)))
            .then(b.trials.len().cmp(&a.trials.len()))
            .then_with(|| a.title.cmp(&b.title))
    });
    out
}

/// What groups trials into one finding: a clause, its level, a normalised message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Symptom {
    clause: String,
    level: Level,
    title: String,
}

/// The distinct symptoms of one failed or warned trial.
fn symptoms_of(r: &TrialResult) -> Vec<Symptom> {
    let of = |c: &Check| Symptom {
        clause: c.clause.clone(),
        level: c.level,
        title: symptom(&c.clause, &c.message),
    };
    let mut out: Vec<Symptom> = Vec::new();
    let mut add = |s: Symptom| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if r.outcome == Outcome::Failed {
        let failed = || r.checks.iter().filter(|c| c.outcome == Outcome::Failed);
        if let Some(c) = failed().find(|c| c.clause == r.clause && c.expected != LEFT_BEHIND) {
            add(of(c));
        }
        failed()
            .filter(|c| c.expected == LEFT_BEHIND)
            .for_each(|c| add(of(c)));
    } else {
        r.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Warned)
            .for_each(|c| add(of(c)));
    }
    if out.is_empty() {
        out.push(Symptom {
            clause: r.clause.clone(),
            level: r.level,
            title: symptom(&r.clause, r.message.lines().next().unwrap_or_default()),
        });
    }
    out
}

fn finding(s: Symptom, trials: &[&TrialResult]) -> Finding {
    let example = trials
        .iter()
        .find(|t| !t.exchanges.is_empty())
        .or(trials.first())
        .copied();
    let mut variants: Vec<String> = Vec::new();
    for t in trials {
        if !variants.contains(&t.variant) {
            variants.push(t.variant.clone());
        }
    }
    Finding {
        id: finding_id(&s),
        trials: trials.iter().map(|t| t.name.clone()).collect(),
        variants,
        example: example.map(|t| t.name.clone()).unwrap_or_default(),
        reproduce: example.map(|t| t.reproduce.clone()).unwrap_or_default(),
        clause: s.clause,
        level: s.level,
        title: s.title,
    }
}

fn finding_id(s: &Symptom) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}\n{}\n{}", s.clause, s.level.as_str(), s.title));
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", s.clause)
}

/// A check's message with the values that differ from trial to trial replaced, so trials told
/// the same thing group together: a parenthesised detail becomes `(…)`, URLs `<url>`, quoted
/// values `"…"`, GUIDs `<id>`, DateTimeOffsets `<datetime>` and numbers `<n>`. Words, clause
/// ids (`C4.7`) and type names (`Int32`) stay, and so does the status after `answered`: an
/// answer of 404 is another symptom than one of 500. A leading `<clause>: ` is dropped (the
/// finding names its clause).
pub(crate) fn symptom(clause: &str, message: &str) -> String {
    static DETAIL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\([^()]*\)").expect("the detail pattern is valid")
    });
    static VALUES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?x)
            (?P<url>https?://[^\s,;()]+)
            | (?P<quoted>"(?:[^"\\]|\\.)*"|'[^'\s]*')
            | (?P<id>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
            | (?P<datetime>\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
            | (?P<status>\banswered\s[1-5]\d\d\b)
            | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
            | (?P<number>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)
            "#,
        )
        .expect("the value pattern is valid")
    });
    let text = message.trim();
    let mut text = text
        .strip_prefix(clause)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(text)
        .to_owned();
    // Innermost first, so a detail with parentheses inside it goes as a whole.
    while DETAIL.is_match(&text) {
        text = DETAIL.replace_all(&text, "(…)").replace("(…)", "\u{0}");
    }
    let text = text.replace('\u{0}', "(…)");
    VALUES
        .replace_all(&text, |c: &regex::Captures<'_>| {
            if c.name("url").is_some() {
                "<url>".to_owned()
            } else if let Some(q) = c.name("quoted") {
                if q.as_str().starts_with('\'') {
                    "'…'"
                } else {
                    "\"…\""
                }
                .to_owned()
            } else if c.name("id").is_some() {
                "<id>".to_owned()
            } else if c.name("datetime").is_some() {
                "<datetime>".to_owned()
            } else if c.name("number").is_some() {
                "<n>".to_owned()
            } else {
                c[0].to_owned()
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symptoms_normalise_values_and_keep_words_and_statuses() {
        let a = symptom(
            "C4.4",
            "C4.4: numberOfPendingUsers came back as 0, not 2147483647 at http://127.0.0.1:4000/beta/x/1b4e28ba-2fa1-11d2-883f-0016d3cca427/y; \"abc\" 1e400 at 2021-03-04T05:06:07.1234567Z, 1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        );
        assert_eq!(
            a,
            "numberOfPendingUsers came back as <n>, not <n> at <url>; \"…\" <n> at <datetime>, <id>"
        );
        assert_eq!(
            symptom(
                "C5.1",
                "C5.1: GET /a answered 500, then 404, an Int32 with 5xx"
            ),
            "GET /a answered 500, then <n>, an Int32 with 5xx"
        );
        assert_eq!(
            symptom("C3.3", "'bogus' was unexpected"),
            "'…' was unexpected"
        );
        assert_eq!(
            symptom("C5.3", "changed it (a: 1 → 2 (b); c) and (d)"),
            "changed it (…) and (…)"
        );
    }

    fn trial(name: &str, variant: &str, outcome: Outcome, checks: Vec<Check>) -> TrialResult {
        TrialResult {
            name: name.into(),
            variant: variant.into(),
            clause: name.split("::").nth(1).unwrap_or_default().into(),
            level: Level::Must,
            outcome,
            duration_ms: 0,
            message: "the trial's message".into(),
            checks,
            exchanges: Vec::new(),
            reproduce: format!("curl {name}"),
            flaky: false,
            flaky_reason: None,
            generated: None,
            seed: None,
        }
    }

    fn check(clause: &str, level: Level, outcome: Outcome, message: &str) -> Check {
        Check {
            clause: clause.into(),
            level,
            outcome,
            expected: String::new(),
            actual: String::new(),
            message: message.into(),
        }
    }

    #[test]
    fn findings_group_by_clause_and_symptom_and_order_by_level_then_clause() {
        let warn = check(
            "C4.7",
            Level::Should,
            Outcome::Warned,
            "C4.7: no request-id",
        );
        let lost = |v: u32| {
            check(
                "C4.4",
                Level::Must,
                Outcome::Failed,
                &format!("C4.4: policyRevision came back as 0, not {v}"),
            )
        };
        let results = vec![
            trial("a::C4.7::x", "a", Outcome::Warned, vec![warn.clone()]),
            trial(
                "a::C4.4::y",
                "a",
                Outcome::Failed,
                vec![lost(3), warn.clone()],
            ),
            trial("b::C4.4::y", "b", Outcome::Failed, vec![lost(9)]),
            trial("b::C4.4::z", "b", Outcome::Passed, vec![]),
            trial("b::C1.1::p", "b", Outcome::Failed, vec![]),
        ];
        let f = findings(&results);
        let shape: Vec<(&str, usize)> = f
            .iter()
            .map(|f| (f.clause.as_str(), f.trials.len()))
            .collect();
        // The failed trial's warning stays with its verdict: each trial counts once.
        assert_eq!(shape, [("C1.1", 1), ("C4.4", 2), ("C4.7", 1)]);
        assert_eq!(f[1].title, "policyRevision came back as <n>, not <n>");
        assert_eq!(f[1].variants, ["a", "b"]);
        assert_eq!(f[1].example, "a::C4.4::y");
        assert_eq!(f[1].reproduce, "curl a::C4.4::y");
        assert_eq!(f[0].title, "the trial's message");
        assert!(f[2].id.starts_with("C4.7-") && f[2].id.len() == "C4.7-".len() + 8);
        assert_eq!(f[2].level, Level::Should);
        assert!(findings(&results[3..4]).is_empty());
    }
}
