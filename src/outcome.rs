//! Verdicts: what each check said, what each trial concluded, and the run's report as
//! `report.json` fixes it (DESIGN.md). Reporters read these; nothing here does I/O.

use serde::{Deserialize, Serialize};

pub use crate::contract::Level;

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

/// Headers as recorded, in order; sensitive values are already redacted.
pub type Headers = Vec<(String, String)>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Headers,
    /// The body as sent, cut at the stated size (see `body_truncated`).
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub body_truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub body_truncated: bool,
}

/// One request and what came of it. `response` is absent when the exchange could not complete
/// (`error` says why). `attempts` counts throttled answers retried before this one (C7.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub request: RecordedRequest,
    pub response: Option<RecordedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub throttled: u32,
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
    pub fault: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deviations: Vec<String>,
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

fn is_zero(n: &u32) -> bool {
    *n == 0
}
