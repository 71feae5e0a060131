//! `junit.xml` through quick-junit, the way cargo-nextest writes it.
//!
//! Layout: one `<testsuite>` per variant (in matrix order), each `<testcase>` named by the full
//! trial name (`<variant>::<clause>::<case>`) with `classname` = the variant. Outcomes:
//!
//! - `passed` → a plain testcase; `warned` → a plain testcase whose SHOULD warnings are kept in
//!   `<system-out>` and in a `warning` property (a warning does not fail the run);
//! - `failed` (a check disagreed) → `<failure>`, `error` (the request could not be made) →
//!   `<error>`, each with the message, the failing checks' expected/actual, the exchanges in
//!   brief and the `reproduce` line;
//! - `skipped` → `<skipped message="<reason>">`;
//! - flaky → a `flaky` property with the reason, and for a trial that passed on a retry a
//!   `<flakyFailure>` as nextest writes it.
//!
//! Every suite carries the run's properties: `seed`, `target`, `target.embedded`, `pack`,
//! `pack.source`, `pack.digest`, `requests`, `writes`, `tool`,
//! `tool.version`, `started`, `finished`, and `strict` / `insecure` / `interrupted` /
//! `partition` / `baseline.*` when they apply.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use quick_junit::{
    NonSuccessKind, Property, Report as JUnitReport, TestCase, TestCaseStatus, TestRerun, TestSuite,
};

use crate::outcome::{Outcome, Report, TrialResult};

use super::{secrets, variant_rows, ReportError};

/// Writes `report` as JUnit XML.
pub fn write(w: impl Write, report: &Report) -> Result<(), ReportError> {
    to_junit(report).serialize(w)?;
    Ok(())
}

/// The JUnit form of `report` (scrubbed of anything JWT-shaped).
pub fn to_junit(report: &Report) -> JUnitReport {
    let report = secrets::scrub(report);
    let started = chrono::DateTime::parse_from_rfc3339(&report.started).ok();
    let finished = chrono::DateTime::parse_from_rfc3339(&report.finished).ok();
    let elapsed = match (started, finished) {
        (Some(s), Some(f)) => (f - s).to_std().ok(),
        _ => None,
    };

    let mut by_variant: BTreeMap<&str, Vec<&TrialResult>> = BTreeMap::new();
    for r in &report.results {
        by_variant.entry(r.variant.as_str()).or_default().push(r);
    }
    let properties = run_properties(&report);

    let mut junit = JUnitReport::new(report.tool.name.as_str());
    if let Some(s) = started {
        junit.set_timestamp(s);
    }
    if let Some(e) = elapsed {
        junit.set_time(e);
    }
    for variant in variant_rows(&report) {
        let Some(trials) = by_variant.get(variant.as_str()) else {
            continue;
        };
        let mut suite = TestSuite::new(variant.as_str());
        if let Some(s) = started {
            suite.set_timestamp(s);
        }
        suite.set_time(Duration::from_millis(
            trials.iter().map(|t| t.duration_ms).sum(),
        ));
        suite.add_properties(properties.iter().cloned());
        suite.add_test_cases(trials.iter().map(|t| test_case(t)));
        junit.add_test_suite(suite);
    }
    junit
}

fn run_properties(report: &Report) -> Vec<Property> {
    let mut p = vec![
        Property::new("seed", report.seed.as_str()),
        Property::new("target", report.target.url.as_str()),
        Property::new("target.embedded", report.target.embedded.to_string()),
        Property::new("tool", report.tool.name.as_str()),
        Property::new("tool.version", report.tool.version.as_str()),
        Property::new("started", report.started.as_str()),
        Property::new("finished", report.finished.as_str()),
    ];
    for (name, on) in [
        ("strict", report.strict),
        ("insecure", report.insecure),
        ("interrupted", report.interrupted),
    ] {
        if on {
            p.push(Property::new(name, "true"));
        }
    }
    if let Some(part) = &report.partition {
        p.push(Property::new("partition", part.as_str()));
    }
    if let Some(pack) = &report.pack {
        p.push(Property::new("pack", pack.name.as_str()));
        p.push(Property::new("pack.source", pack.source.as_str()));
        p.push(Property::new("pack.digest", pack.digest.as_str()));
    }
    p.push(Property::new(
        "requests",
        report.summary.requests.to_string(),
    ));
    p.push(Property::new("writes", report.summary.writes.to_string()));
    if report.summary.throttled > 0 {
        p.push(Property::new(
            "throttled",
            report.summary.throttled.to_string(),
        ));
    }
    if let Some(b) = &report.baseline {
        if !b.source.is_empty() {
            p.push(Property::new("baseline", b.source.as_str()));
        }
        for (name, list) in [
            ("baseline.new_failures", &b.new_failures),
            ("baseline.fixed", &b.fixed),
            ("baseline.still_failing", &b.still_failing),
            ("baseline.added", &b.added),
            ("baseline.gone", &b.gone),
        ] {
            p.push(Property::new(name, list.len().to_string()));
        }
    }
    p
}

fn test_case(t: &TrialResult) -> TestCase {
    let status = match t.outcome {
        Outcome::Passed | Outcome::Warned | Outcome::Info | Outcome::NotApplicable => {
            let mut s = TestCaseStatus::success();
            if t.flaky && passed_on_retry(t) {
                let mut rerun = TestRerun::new(NonSuccessKind::Failure);
                rerun.set_message(
                    t.flaky_reason
                        .as_deref()
                        .unwrap_or("failed, then passed on a retry (--retries)"),
                );
                s.add_rerun(rerun);
            }
            s
        }
        Outcome::Failed | Outcome::Error => {
            let kind = if t.outcome == Outcome::Failed {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(first_line(&t.message));
            s.set_type(failure_type(t));
            s.set_description(description(t));
            s
        }
        Outcome::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(t.message.as_str());
            s
        }
    };
    let mut tc = TestCase::new(t.name.as_str(), status);
    tc.set_classname(t.variant.as_str());
    tc.set_time(Duration::from_millis(t.duration_ms));
    tc.set_assertions(t.checks.len());
    tc.add_property(Property::new("clause", t.clause.as_str()));
    tc.add_property(Property::new("level", t.level.as_str()));
    if t.outcome == Outcome::Warned {
        tc.add_property(Property::new("warning", first_line(&t.message)));
        tc.set_system_out(format!("warning: {}", description(t)));
    }
    if t.flaky {
        tc.add_property(Property::new(
            "flaky",
            t.flaky_reason.as_deref().unwrap_or("passed on a retry"),
        ));
    }
    if let Some(g) = &t.generated {
        tc.add_property(Property::new(
            "generated",
            format!("{} of {} inputs passed", g.passed, g.cases),
        ));
    }
    tc
}

/// A flaky trial that ended passed either passed on a retry or flipped over the history; only
/// the first is a nextest `<flakyFailure>`. History flips say so in their reason.
fn passed_on_retry(t: &TrialResult) -> bool {
    !t.flaky_reason
        .as_deref()
        .is_some_and(|r| r.starts_with("flipped"))
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn failure_type(t: &TrialResult) -> String {
    if t.outcome == Outcome::Error {
        return "exchange error".into();
    }
    let failing: Vec<String> = t
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .map(|c| c.clause.clone())
        .collect();
    if failing.is_empty() {
        format!("{} failed", t.clause)
    } else {
        format!("{} failed", failing.join(", "))
    }
}

/// The text body of a `<failure>` / `<error>` / warning: message, failing checks, exchanges in
/// brief, reproduce line.
fn description(t: &TrialResult) -> String {
    let mut d = String::new();
    let _ = writeln!(d, "{}", t.message);
    for c in t.checks.iter().filter(|c| c.outcome != Outcome::Passed) {
        let _ = writeln!(
            d,
            "\n[{} {} {}] {}\n  expected: {}\n  actual:   {}",
            c.clause,
            c.level.as_str(),
            c.outcome.as_str(),
            c.message,
            c.expected,
            c.actual
        );
    }
    if let Some(input) = t.generated.as_ref().and_then(|g| g.failing_input.as_ref()) {
        let _ = writeln!(d, "\nfailing input (shrunk): {input}");
    }
    if !t.exchanges.is_empty() {
        let _ = writeln!(d, "\nexchanges:");
        for e in &t.exchanges {
            let answer = match (&e.response, &e.error) {
                (Some(r), _) => r.status.to_string(),
                (None, Some(err)) => format!("no response: {err}"),
                (None, None) => "no response".into(),
            };
            let _ = writeln!(d, "  {} {} -> {answer}", e.request.method, e.request.url);
        }
    }
    if !t.reproduce.is_empty() {
        let _ = writeln!(d, "\nreproduce:\n  {}", t.reproduce);
    }
    d
}
