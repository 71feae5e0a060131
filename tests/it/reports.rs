//! The report writers: JSON round trip, JUnit counts, Markdown matrix, HTML escaping, matrix
//! counts and self-containment, baseline diff, merge of shards, history / flaky, `latest`, and
//! (ignored unless Chromium is installed) the HTML page rendered and filtered by a real browser.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use graph_conformance::outcome::{
    Check, Generated, Level, Outcome, Report, Restored, Summary, Target, Tool, TrialResult,
};
use graph_conformance::report::{
    self, diff, flipped, has_new_failures, history, html, json, junit, mark_flaky, markdown, merge,
    read_report, trend, write_all, ReportError,
};
use graph_conformance::transcript::{Exchange, RecordedRequest, RecordedResponse};

const XSS: &str = "<script>alert(1)</script>";
const JWT: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzY3AiOiJEZXZpY2VNYW5hZ2VtZW50In0.c2ln";

// ---------------------------------------------------------------------------------------------
// Building reports by hand.

fn trial(variant: &str, clause: &str, case: &str, outcome: Outcome) -> TrialResult {
    let name = format!("{variant}::{clause}::{case}");
    let url =
        "http://127.0.0.1:8080/beta/deviceManagement/deviceConfigurations/0000/userStatusOverview/";
    let check_outcome = match outcome {
        Outcome::Failed => Outcome::Failed,
        Outcome::Warned => Outcome::Warned,
        _ => Outcome::Passed,
    };
    let level = if outcome == Outcome::Warned {
        Level::Should
    } else {
        Level::Must
    };
    let message = match outcome {
        Outcome::Passed => String::new(),
        Outcome::Failed => format!("{clause}: the service answered 500; expected 200"),
        Outcome::Error => {
            "the request could not be made: connection refused; is the target up?".to_string()
        }
        Outcome::Warned => "request-id header missing".to_string(),
        Outcome::Skipped => "GRAPH_TOKEN_NO_SCOPE is not set".to_string(),
        Outcome::Info | Outcome::NotApplicable => unreachable!("a check's outcome, not a trial's"),
    };
    let checks = if outcome == Outcome::Skipped || outcome == Outcome::Error {
        vec![]
    } else {
        vec![Check {
            clause: clause.to_string(),
            level,
            outcome: check_outcome,
            expected: "200".into(),
            actual: if check_outcome == Outcome::Passed {
                "200".into()
            } else {
                "500".into()
            },
            message: message.clone(),
        }]
    };
    let exchanges = match outcome {
        Outcome::Skipped => vec![],
        Outcome::Error => vec![Exchange {
            request: request(url),
            response: None,
            error: Some("connection refused".into()),
            throttled: 0,
        }],
        _ => vec![Exchange {
            request: request(url),
            response: Some(RecordedResponse {
                status: if outcome == Outcome::Failed { 500 } else { 200 },
                headers: vec![("content-type".into(), "application/json".into())],
                body: Some(r#"{"id":"0000","numberOfPendingUsers":7}"#.into()),
                body_truncated: false,
            }),
            error: None,
            throttled: 0,
        }],
    };
    TrialResult {
        reproduce: format!(
            "curl -X PATCH -H \"Authorization: Bearer $GRAPH_TOKEN\" '{url}' --data '{{}}' # {name}"
        ),
        name,
        variant: variant.to_string(),
        clause: clause.to_string(),
        level,
        outcome,
        duration_ms: 12,
        message,
        checks,
        exchanges,
        flaky: false,
        flaky_reason: None,
        generated: None,
        seed: None,
    }
}

fn request(url: &str) -> RecordedRequest {
    RecordedRequest {
        method: "PATCH".into(),
        url: url.to_string(),
        headers: vec![
            ("authorization".into(), "Bearer <redacted>".into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: Some(r#"{"numberOfPendingUsers":7}"#.into()),
        body_truncated: false,
    }
}

fn report_of(results: Vec<TrialResult>) -> Report {
    Report {
        tool: Tool {
            name: "graph-conformance".into(),
            version: "0.1.0".into(),
        },
        target: Target {
            url: "http://127.0.0.1:41234/beta".into(),
            embedded: true,
        },
        pack: None,
        service: None,
        started: "2026-05-01T10:00:00Z".into(),
        finished: "2026-05-01T10:01:00Z".into(),
        seed: "0x5eed".into(),
        summary: Summary::of(&results),
        findings: graph_conformance::outcome::findings(&results),
        clauses: graph_conformance::statement::of(
            &results,
            &graph_conformance::pack::Pack::load(&Default::default())
                .expect("the default pack loads")
                .model,
        ),
        results,
        interrupted: false,
        strict: false,
        insecure: false,
        restored: vec![],
        partition: None,
        baseline: None,
    }
}

/// A run with every outcome: 3 variants, several clauses, one failure whose message carries a
/// script tag, an error, warnings, skips, a flaky trial and a generated one.
fn sample() -> Report {
    let mut results = Vec::new();
    for v in ["direct", "root-certificate", "ios-scep-root-certificate"] {
        results.push(trial(v, "C1.1", "printed-path", Outcome::Passed));
        results.push(trial(v, "C3.4", "int32-too-big", Outcome::Passed));
        results.push(trial(v, "C4.4", "doc-example", Outcome::Passed));
        results.push(trial(v, "C4.7", "request-id", Outcome::Warned));
        results.push(trial(v, "C2.2", "no-scope", Outcome::Skipped));
    }
    let mut bad = trial("direct", "C4.4", "partial-update", Outcome::Failed);
    bad.message = format!("the body echoed {XSS}; check the service's serializer");
    bad.checks[0].actual = XSS.to_string();
    results.insert(0, bad);
    results.push(trial(
        "root-certificate",
        "C6.1",
        "error-body",
        Outcome::Error,
    ));
    let mut flaky = trial(
        "ios-scep-root-certificate",
        "C5.4",
        "concurrent",
        Outcome::Passed,
    );
    flaky.flaky = true;
    flaky.flaky_reason = Some("failed, then passed on retry 1 of 2".into());
    results.push(flaky);
    let mut generated = trial(
        "direct",
        "C3.5",
        "generated-invalid-datetime",
        Outcome::Failed,
    );
    generated.generated = Some(Generated {
        cases: 64,
        passed: 63,
        failing_input: Some(r#"{"lastUpdateTime":"2024-02-30T00:00Z"}"#.into()),
    });
    results.push(generated);
    let mut r = report_of(results);
    r.restored = vec![Restored {
        variant: "direct".into(),
        url: "http://127.0.0.1:41234/beta/x".into(),
        status: "restored".into(),
    }];
    r
}

fn counts(r: &Report) -> (u64, u64, u64, u64, u64) {
    let s = Summary::of(&r.results);
    (s.passed, s.failed, s.errors, s.warned, s.skipped)
}

fn tmpdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

// ---------------------------------------------------------------------------------------------
// A minimal attribute reader for the HTML the template writes (double-quoted attributes).

fn elements<'a>(html: &'a str, opening: &str) -> Vec<BTreeMap<String, String>> {
    let mut found = Vec::new();
    let mut rest: &'a str = html;
    while let Some(at) = rest.find(opening) {
        let tag = &rest[at..];
        let end = tag.find('>').expect("a closed tag");
        found.push(attributes(&tag[..end]));
        rest = &tag[end..];
    }
    found
}

fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    let mut s = tag.trim_start_matches('<');
    s = s.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    loop {
        s = s.trim_start();
        if s.is_empty() || s.starts_with('/') {
            break;
        }
        let key_end = s
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(s.len());
        let key = s[..key_end].to_string();
        s = &s[key_end..];
        if let Some(after) = s.strip_prefix("=\"") {
            let close = after.find('"').expect("a closing quote");
            attrs.insert(key, after[..close].to_string());
            s = &after[close + 1..];
        } else {
            attrs.insert(key, String::new());
        }
    }
    attrs
}

fn num(attrs: &BTreeMap<String, String>, key: &str) -> u64 {
    attrs
        .get(key)
        .unwrap_or_else(|| panic!("attribute {key} in {attrs:?}"))
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// report.json

#[test]
fn json_round_trips_and_read_errors_name_the_file() {
    let r = sample();
    let dir = tmpdir();
    let path = dir.path().join("report.json");
    let mut buf = Vec::new();
    json::write(&mut buf, &r).unwrap();
    std::fs::write(&path, &buf).unwrap();
    assert_eq!(read_report(&path).unwrap(), r);
    let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    for key in [
        "tool", "target", "started", "finished", "seed", "summary", "results",
    ] {
        assert!(v.get(key).is_some(), "report.json lacks {key}");
    }
    assert_eq!(v["results"][0]["outcome"], "failed");

    let missing = dir.path().join("nope/report.json");
    let err = read_report(&missing).unwrap_err().to_string();
    assert!(err.contains("nope/report.json"), "{err}");
    std::fs::write(dir.path().join("bad.json"), "{\"tool\": 1}").unwrap();
    let err = read_report(&dir.path().join("bad.json"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.json") && err.contains("not a graph-conformance report.json"),
        "{err}"
    );
}

#[test]
fn every_format_scrubs_a_leaked_jwt() {
    let mut r = sample();
    r.results[0].exchanges[0].response.as_mut().unwrap().body =
        Some(format!(r#"{{"echo":"Bearer {JWT}"}}"#));
    r.results[0].reproduce = format!("curl -H 'Authorization: Bearer {JWT}' …");
    let mut out = Vec::new();
    json::write(&mut out, &r).unwrap();
    let j = String::from_utf8(out).unwrap();
    let x = junit::to_junit(&r).to_string().unwrap();
    let m = markdown::render(&r);
    let h = html::render(&r, &[]).unwrap();
    for (name, text) in [("json", &j), ("junit", &x), ("markdown", &m), ("html", &h)] {
        assert!(!text.contains("eyJhbGci"), "{name} leaks the token");
    }
    assert!(j.contains(report::secrets::REDACTED));
}

// ---------------------------------------------------------------------------------------------
// junit.xml

#[test]
fn junit_parses_back_with_the_report_counts() {
    let r = sample();
    let mut buf = Vec::new();
    junit::write(&mut buf, &r).unwrap();
    let xml = String::from_utf8(buf).unwrap();
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("junit.xml parses");
    let (passed, failed, errors, warned, skipped) = counts(&r);
    assert_eq!(parsed.tests as u64, r.results.len() as u64);
    assert_eq!(parsed.failures as u64, failed);
    assert_eq!(parsed.errors as u64, errors);
    assert_eq!(parsed.skipped as u64, skipped);
    assert_eq!(
        (parsed.tests - parsed.failures - parsed.errors - parsed.skipped) as u64,
        passed + warned
    );

    // One suite per variant, in matrix order; testcases named by trial, classname = variant.
    let suites: Vec<&str> = parsed.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        suites,
        ["direct", "root-certificate", "ios-scep-root-certificate"]
    );
    let mut names = BTreeSet::new();
    for suite in &parsed.test_suites {
        let props: BTreeMap<&str, &str> = suite
            .properties
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(props["seed"], r.seed);
        assert_eq!(props["target"], r.target.url);
        assert_eq!(props["tool.version"], r.tool.version);
        for case in &suite.test_cases {
            assert_eq!(
                case.classname.as_ref().map(|c| c.as_str()),
                Some(suite.name.as_str())
            );
            names.insert(case.name.as_str().to_string());
        }
    }
    let expected: BTreeSet<String> = r.results.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, expected);

    let case = |name: &str| {
        parsed
            .test_suites
            .iter()
            .flat_map(|s| &s.test_cases)
            .find(|c| c.name.as_str() == name)
            .unwrap_or_else(|| panic!("testcase {name}"))
    };
    let prop = |c: &quick_junit::TestCase, key: &str| {
        c.properties
            .iter()
            .find(|p| p.name.as_str() == key)
            .map(|p| p.value.as_str().to_string())
    };
    // A failure is a <failure>, an error an <error>, with their messages.
    match &case("direct::C4.4::partial-update").status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind, description, ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            let d = description.as_ref().unwrap().as_str();
            assert!(
                d.contains("reproduce:") && d.contains("curl -X PATCH"),
                "{d}"
            );
            assert!(d.contains(XSS), "the raw text survives XML escaping: {d}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    match &case("root-certificate::C6.1::error-body").status {
        quick_junit::TestCaseStatus::NonSuccess { kind, .. } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Error)
        }
        other => panic!("expected an error, got {other:?}"),
    }
    match &case("direct::C2.2::no-scope").status {
        quick_junit::TestCaseStatus::Skipped { message, .. } => assert_eq!(
            message.as_ref().unwrap().as_str(),
            "GRAPH_TOKEN_NO_SCOPE is not set"
        ),
        other => panic!("expected a skip, got {other:?}"),
    }
    // Warnings stay visible; flaky is marked (and a retry-flaky pass is a nextest flakyFailure).
    let warned = case("direct::C4.7::request-id");
    assert_eq!(
        prop(warned, "warning").as_deref(),
        Some("request-id header missing")
    );
    assert!(warned
        .system_out
        .as_ref()
        .unwrap()
        .as_str()
        .contains("warning"));
    let flaky = case("ios-scep-root-certificate::C5.4::concurrent");
    assert!(prop(flaky, "flaky").unwrap().contains("retry"));
    match &flaky.status {
        quick_junit::TestCaseStatus::Success { flaky_runs } => assert_eq!(flaky_runs.len(), 1),
        other => panic!("expected a success, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// summary.md

#[test]
fn markdown_has_the_matrix_and_the_first_reproduce_line() {
    let r = sample();
    let md = markdown::render(&r);
    assert!(
        md.contains("| variant | C1 | C2 | C3 | C4 | C5 | C6 | C7 |"),
        "{md}"
    );
    // direct: C4 has doc-example passed, partial-update failed, request-id warned.
    let direct = md
        .lines()
        .find(|l| l.starts_with("| `direct` |"))
        .expect("a direct row");
    let cells: Vec<&str> = direct.split('|').map(str::trim).collect();
    assert_eq!(cells[2], "✅ 1", "C1 of direct: {direct}");
    assert_eq!(cells[3], "⏭ 1", "C2 of direct: {direct}");
    assert_eq!(cells[4], "✅ 1 / ❌ 1", "C3 of direct: {direct}");
    assert_eq!(cells[5], "✅ 1 / ❌ 1 / ⚠ 1", "C4 of direct: {direct}");
    // Every variant with trials is a row, and only those (a pack's variants vary).
    assert!(md.contains("| `ios-scep-root-certificate` |"));
    assert!(!md.contains("| `windows-phone81-vpn-identity-certificate` |"));
    // The first failure, its expected/actual, and its reproduce line in a code block.
    let first = &r.results[0];
    let at = md.find("### Failures").expect("a failures section");
    let failures = &md[at..];
    assert!(failures.contains(&format!("`{}`", first.name)));
    assert!(
        failures.contains(&format!("```sh\n{}\n```", first.reproduce)),
        "{failures}"
    );
    assert!(failures.contains("expected: 200"));
    // Text from the service does not become markup: escaped in prose, verbatim only inside
    // fenced code blocks.
    assert!(md.contains("\\<script\\>"));
    let prose: String = md.split("\n```").step_by(2).collect::<Vec<_>>().join("\n");
    assert!(!prose.contains(XSS), "{prose}");
    assert!(md.contains("### Flaky (1)"));
}

#[test]
fn markdown_lists_at_most_twenty_failures() {
    let results: Vec<TrialResult> = (0..30)
        .map(|i| trial("direct", "C3.4", &format!("case-{i:02}"), Outcome::Failed))
        .collect();
    let md = markdown::render(&report_of(results));
    assert!(md.contains("### Failures (first 20 of 30; all in report.html)"));
    assert_eq!(md.matches("#### ❌").count(), markdown::MAX_FAILURES);
}

// ---------------------------------------------------------------------------------------------
// report.html

#[test]
fn html_escapes_text_from_the_service() {
    let r = sample();
    let page = html::render(&r, &[]).unwrap();
    assert!(!page.contains(XSS), "raw script tag in the page");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    // Our own script is the only one.
    assert_eq!(page.matches("<script").count(), 1);
}

#[test]
fn html_is_self_contained() {
    let mut r = sample();
    // A body that mentions URLs is fine as text.
    r.results[0].exchanges[0].response.as_mut().unwrap().body =
        Some(r#"{"see":"https://example.com/x","img":"<img src=\"http://evil/x.png\">"}"#.into());
    let page = html::render(&r, &[]).unwrap();
    assert!(page.contains(r#"<meta name="viewport""#));
    assert!(!page.contains("<link"), "no external stylesheet");
    assert!(!page.contains("@import"));
    assert!(!page.contains("url("), "no CSS that fetches");
    // Real attributes (text from the service has its quotes escaped, so it cannot match).
    for attr in [" src=\"", " href=\"", " xmlns=\"", " action=\""] {
        for (at, _) in page.match_indices(attr) {
            let value = &page[at + attr.len()..];
            assert!(
                value.starts_with('#'),
                "{attr} that is not an in-page anchor: {}",
                &value[..value.len().min(60)]
            );
        }
    }
    for bad in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!page.contains(bad), "{bad}");
    }
}

#[test]
fn html_matrix_cells_carry_the_right_counts() {
    let r = sample();
    let page = html::render(&r, &[]).unwrap();
    let cells = elements(&page, "<td class=\"cell\"");
    let clauses: BTreeSet<&str> = r.results.iter().map(|t| t.clause.as_str()).collect();
    // The variants with trials (in the order the results name them) × the clauses that occur.
    let variants: BTreeSet<&str> = r.results.iter().map(|t| t.variant.as_str()).collect();
    assert_eq!(cells.len(), variants.len() * clauses.len());
    let mut seen = 0;
    for cell in &cells {
        let (v, c) = (&cell["data-variant"], &cell["data-clause"]);
        let of_cell: Vec<&TrialResult> = r
            .results
            .iter()
            .filter(|t| &t.variant == v && &t.clause == c)
            .collect();
        let n = |o: Outcome| of_cell.iter().filter(|t| t.outcome == o).count() as u64;
        assert_eq!(num(cell, "data-passed"), n(Outcome::Passed), "{v} {c}");
        assert_eq!(num(cell, "data-failed"), n(Outcome::Failed), "{v} {c}");
        assert_eq!(num(cell, "data-errors"), n(Outcome::Error), "{v} {c}");
        assert_eq!(num(cell, "data-warned"), n(Outcome::Warned), "{v} {c}");
        assert_eq!(num(cell, "data-skipped"), n(Outcome::Skipped), "{v} {c}");
        assert_eq!(num(cell, "data-total"), of_cell.len() as u64);
        assert_eq!(&cell["data-family"], c.split('.').next().unwrap());
        seen += of_cell.len();
    }
    assert_eq!(seen, r.results.len());
    let direct_c44 = cells
        .iter()
        .find(|c| c["data-variant"] == "direct" && c["data-clause"] == "C4.4")
        .unwrap();
    assert_eq!(direct_c44["data-worst"], "failed");

    // Every trial is a row; failed, errored, warned and flaky trials get a detail section.
    let rows = elements(&page, "<tr class=\"trial");
    assert_eq!(rows.len(), r.results.len());
    let shown: BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|row| (row["data-name"].as_str(), row["data-outcome"].as_str()))
        .collect();
    let ran: BTreeSet<(&str, &str)> = r
        .results
        .iter()
        .map(|t| (t.name.as_str(), t.outcome.as_str()))
        .collect();
    assert_eq!(shown, ran);
    let details = elements(&page, "<section class=\"detail\"");
    let expected = r
        .results
        .iter()
        .filter(|t| {
            t.flaky
                || matches!(
                    t.outcome,
                    Outcome::Failed | Outcome::Error | Outcome::Warned
                )
        })
        .count();
    assert_eq!(details.len(), expected);
    for id in [
        "filter-outcome",
        "filter-variant",
        "filter-clause",
        "filter-reset",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // The checks table and the reproduce line of the failure.
    assert!(page.contains("<table class=\"checks\">"));
    assert!(page.contains("<pre class=\"reproduce\">"));
    let totals = elements(&page, "<li class=\"total");
    let failed_total = totals
        .iter()
        .find(|t| t["data-outcome"] == "failed")
        .unwrap();
    assert_eq!(num(failed_total, "data-count"), r.summary.failed);
}

#[test]
fn html_shows_banners_and_the_trend() {
    let mut r = sample();
    r.interrupted = true;
    r.strict = true;
    r.insecure = true;
    let older = {
        let mut o = report_of(vec![trial(
            "direct",
            "C4.4",
            "doc-example",
            Outcome::Passed,
        )]);
        o.started = "2026-04-30T10:00:00Z".into();
        o
    };
    let points = trend::run_points(&[trend::PastRun {
        dir: PathBuf::from("reports/2026-04-30T100000Z"),
        report: older,
    }]);
    let page = html::render(&r, &points).unwrap();
    for kind in ["interrupted", "strict", "insecure"] {
        assert!(page.contains(&format!("data-kind=\"{kind}\"")), "{kind}");
    }
    let circles = elements(&page, "<circle class=\"point");
    assert_eq!(circles.len(), 2, "one earlier run and this one");
    assert_eq!(circles[0]["data-current"], "false");
    assert_eq!(circles[1]["data-current"], "true");
    // This run has three failing trials that were not failing in the one before it.
    assert_eq!(num(&circles[1], "data-new-failures"), 3);
    assert!(page.contains("<polyline class=\"line\""));
}

// ---------------------------------------------------------------------------------------------
// Baseline

#[test]
fn baseline_diff_shows_exactly_the_introduced_fault_as_new() {
    let base = {
        let mut r = sample();
        for t in &mut r.results {
            if t.outcome == Outcome::Failed {
                t.outcome = Outcome::Passed;
            }
        }
        r.summary = Summary::of(&r.results);
        r
    };
    let mut current = base.clone();
    let faulty = "ios-scep-root-certificate::C4.4::doc-example";
    current
        .results
        .iter_mut()
        .find(|t| t.name == faulty)
        .unwrap()
        .outcome = Outcome::Failed;
    current.summary = Summary::of(&current.results);

    let d = diff(&current, &base);
    assert_eq!(d.new_failures, [faulty]);
    assert!(d.fixed.is_empty() && d.added.is_empty() && d.gone.is_empty());
    assert_eq!(d.still_failing, ["root-certificate::C6.1::error-body"]);
    assert!(has_new_failures(&d));
    assert!(!has_new_failures(&diff(&base, &base)));

    // Reverse: the fault is fixed, nothing is new.
    let back = diff(&base, &current);
    assert_eq!(back.fixed, [faulty]);
    assert!(!has_new_failures(&back));

    // Added and gone, by name; an added failing trial is a new failure.
    let mut more = current.clone();
    more.results.pop();
    more.results
        .push(trial("direct", "C5.1", "persist", Outcome::Error));
    let d2 = diff(&more, &base);
    assert_eq!(d2.added, ["direct::C5.1::persist"]);
    assert_eq!(d2.gone, ["direct::C3.5::generated-invalid-datetime"]);
    assert!(d2
        .new_failures
        .contains(&"direct::C5.1::persist".to_string()));

    // The diff appears in every format.
    current.baseline = Some(report::BaselineDiff {
        source: "reports/base/report.json".into(),
        ..d
    });
    let mut j = Vec::new();
    json::write(&mut j, &current).unwrap();
    let back: Report = serde_json::from_slice(&j).unwrap();
    assert_eq!(back.baseline.unwrap().new_failures, [faulty]);
    let x = junit::to_junit(&current);
    let props = &x.test_suites[0].properties;
    assert!(props
        .iter()
        .any(|p| p.name.as_str() == "baseline.new_failures" && p.value.as_str() == "1"));
    let md = markdown::render(&current);
    assert!(md.contains("### Baseline") && md.contains(&format!("`{faulty}`")));
    let page = html::render(&current, &[]).unwrap();
    let lists = elements(&page, "<details id=\"baseline-");
    let new = lists.iter().find(|l| l["id"] == "baseline-new").unwrap();
    assert_eq!(num(new, "data-count"), 1);
}

// ---------------------------------------------------------------------------------------------
// Merge

#[test]
fn merging_three_shards_gives_the_unpartitioned_results() {
    let full = sample();
    let mut shards: Vec<Report> = (1..=3)
        .map(|k| {
            let mut s = full.clone();
            s.partition = Some(format!("hash:{k}/3"));
            s.target.url = format!("http://127.0.0.1:{}/beta", 40000 + k);
            s.started = format!("2026-05-01T10:0{k}:00Z");
            s.finished = format!("2026-05-01T10:1{}:00Z", 4 - k);
            s.results = full
                .results
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 3 == k - 1)
                .map(|(_, t)| t.clone())
                .collect();
            s.summary = Summary::of(&s.results);
            s
        })
        .collect();
    // Shards arrive in any order.
    shards.swap(0, 2);
    let merged = merge(shards.clone()).unwrap();
    let mut expected = full.results.clone();
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(merged.results, expected);
    assert_eq!(merged.summary, Summary::of(&full.results));
    assert_eq!(merged.started, "2026-05-01T10:01:00Z");
    assert_eq!(merged.finished, "2026-05-01T10:13:00Z");
    assert_eq!(merged.partition, None);
    assert_eq!(merged.seed, full.seed);

    // A trial in two shards is an error that names it.
    let mut dup = shards.clone();
    let t = dup[0].results[0].clone();
    dup[1].results.push(t.clone());
    let err = merge(dup).unwrap_err();
    assert!(matches!(err, ReportError::MergeDuplicate { .. }));
    assert!(err.to_string().contains(&t.name), "{err}");

    // Different seeds (shards run without --seed draw their own): merged, each trial keeping
    // its shard's seed, and the run's seed saying which shard drew which.
    let mut seeds = shards.clone();
    seeds[1].seed = "0xother".into();
    let merged = merge(seeds.clone()).unwrap();
    assert!(
        merged.seed.contains("0xother") && merged.seed.contains("0x5eed"),
        "{}",
        merged.seed
    );
    for r in &merged.results {
        let shard = seeds
            .iter()
            .find(|s| s.results.iter().any(|t| t.name == r.name))
            .unwrap();
        assert_eq!(r.seed.as_deref(), Some(shard.seed.as_str()), "{}", r.name);
    }
    // Different packs, or different real targets: an error saying what differs.
    let mut packs = shards.clone();
    packs[1].pack = Some(graph_conformance::outcome::PackInfo {
        name: "user-overview-2021".into(),
        source: "x".into(),
        digest: "d".into(),
    });
    let err = merge(packs).unwrap_err().to_string();
    assert!(
        err.contains("pack") && err.contains("user-overview-2021"),
        "{err}"
    );
    let mut targets = shards.clone();
    for s in &mut targets {
        s.target.embedded = false;
    }
    let err = merge(targets).unwrap_err().to_string();
    assert!(err.contains("target"), "{err}");
    assert!(matches!(merge(vec![]), Err(ReportError::MergeNothing)));
}

#[test]
fn findings_group_failures_and_warnings_and_open_every_format() {
    let r = sample();
    // Three identical warnings are one finding; two failures of different clauses are two.
    let shape: Vec<(&str, Level, usize)> = r
        .findings
        .iter()
        .map(|f| (f.clause.as_str(), f.level, f.trials.len()))
        .collect();
    assert_eq!(
        shape,
        [
            ("C3.5", Level::Must, 1),
            ("C4.4", Level::Must, 1),
            ("C4.7", Level::Should, 3)
        ]
    );
    let warned = &r.findings[2];
    assert_eq!(
        warned.variants,
        ["direct", "root-certificate", "ios-scep-root-certificate"]
    );
    assert_eq!(warned.example, "direct::C4.7::request-id");
    assert!(warned.reproduce.contains("direct::C4.7::request-id"));
    assert_eq!(
        r.findings[1].title,
        "the service answered 500; expected <n>"
    );

    let mut buf = Vec::new();
    json::write(&mut buf, &r).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    let f = &v["findings"][2];
    for key in [
        "id",
        "clause",
        "level",
        "title",
        "trials",
        "variants",
        "example",
        "reproduce",
    ] {
        assert!(!f[key].is_null(), "findings[2].{key} in {f}");
    }
    assert_eq!(f["level"], "SHOULD");

    let md = markdown::render(&r);
    let at = |needle: &str| {
        md.find(needle)
            .unwrap_or_else(|| panic!("{needle} in\n{md}"))
    };
    assert!(
        at("### Findings (3)") < at("### Variant × clause family"),
        "{md}"
    );
    assert!(md.contains("| SHOULD | `C4.7` | 3 |"), "{md}");

    let page = html::render(&r, &[]).unwrap();
    let findings = elements(&page, "<li class=\"finding\"");
    let listed: Vec<(&str, &str, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["data-level"].as_str(),
                f["data-clause"].as_str(),
                num(f, "data-count"),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("MUST", "C3.5", 1),
            ("MUST", "C4.4", 1),
            ("SHOULD", "C4.7", 3)
        ]
    );
    assert!(page.find("id=\"findings\"") < page.find("id=\"matrix\""));
    let s = Summary::of(&r.results);
    let ran = s.passed + s.warned + s.failed + s.errors;
    assert!(
        page.contains(&format!("of the {ran} that ran")),
        "the pass rate is over the trials that ran"
    );
    let rows: Vec<String> = elements(&page, "<tr class=\"trial")
        .into_iter()
        .map(|t| t["data-outcome"].clone())
        .collect();
    let first_other = rows
        .iter()
        .position(|o| o != "failed" && o != "error")
        .unwrap();
    assert!(
        rows[first_other..]
            .iter()
            .all(|o| o != "failed" && o != "error"),
        "failed and errored trials come first: {rows:?}"
    );
    assert_eq!(rows.last().map(String::as_str), Some("skipped"), "{rows:?}");

    // Merging shards recomputes them over the union.
    let shards: Vec<Report> = (0..2)
        .map(|k| {
            let mut s = r.clone();
            s.results = r
                .results
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 2 == k)
                .map(|(_, t)| t.clone())
                .collect();
            s.findings = graph_conformance::outcome::findings(&s.results);
            s
        })
        .collect();
    let merged = merge(shards).unwrap();
    let ids = |r: &Report| -> BTreeSet<(String, usize)> {
        r.findings
            .iter()
            .map(|f| (f.id.clone(), f.trials.len()))
            .collect()
    };
    assert_eq!(ids(&merged), ids(&r));
}

// ---------------------------------------------------------------------------------------------
// History, flaky, write_all, latest

fn run(started: &str, outcomes: &[(&str, Outcome)]) -> Report {
    let mut r = report_of(
        outcomes
            .iter()
            .map(|(case, o)| trial("direct", "C4.4", case, *o))
            .collect(),
    );
    r.started = started.to_string();
    r.finished = started.to_string();
    r
}

#[test]
fn history_reads_earlier_runs_oldest_first_and_finds_flips() {
    use Outcome::{Failed as F, Passed as P};
    let root = tmpdir();
    // Directory names sort differently from `started`, on purpose.
    let runs = [
        (
            "c",
            "2026-05-01T08:00:00Z",
            [("flip", P), ("regress", P), ("steady", F)],
        ),
        (
            "a",
            "2026-05-01T09:00:00Z",
            [("flip", F), ("regress", P), ("steady", F)],
        ),
        (
            "b",
            "2026-05-01T10:00:00Z",
            [("flip", P), ("regress", P), ("steady", F)],
        ),
    ];
    let mut past = Vec::new();
    for (dir, started, outcomes) in &runs {
        let r = run(started, outcomes);
        write_all(&root.path().join(dir), &r, &[]).unwrap();
        past.push(r);
    }
    // Noise the history must skip: an unreadable report, a directory without one, `latest`.
    std::fs::create_dir(root.path().join("broken")).unwrap();
    std::fs::write(root.path().join("broken/report.json"), "not json").unwrap();
    std::fs::create_dir(root.path().join("empty")).unwrap();
    report::update_latest(root.path(), &root.path().join("b")).unwrap();
    let current_dir = root.path().join("d");
    let current = run(
        "2026-05-01T11:00:00Z",
        &[("flip", F), ("regress", F), ("steady", F)],
    );
    write_all(&current_dir, &current, &[]).unwrap();

    let points = history(root.path(), &current_dir, 10, &current);
    let started: Vec<&str> = points.iter().map(|p| p.started.as_str()).collect();
    assert_eq!(
        started,
        [
            "2026-05-01T08:00:00Z",
            "2026-05-01T09:00:00Z",
            "2026-05-01T10:00:00Z"
        ]
    );
    let runs_named: Vec<&str> = points.iter().map(|p| p.run.as_str()).collect();
    assert_eq!(runs_named, ["c", "a", "b"]);
    let new: Vec<u64> = points.iter().map(|p| p.new_failures).collect();
    assert_eq!(new, [0, 1, 0]);
    assert_eq!(points[0].failed, 1);
    assert!((points[0].pass_rate - 2.0 / 3.0).abs() < 1e-9);
    // The limit keeps the newest, still counting new failures against the run before.
    let last_two = history(root.path(), &current_dir, 2, &current);
    assert_eq!(last_two.len(), 2);
    assert_eq!(last_two[0].run, "a");
    assert_eq!(last_two[0].new_failures, 1);

    // pass → fail → pass → fail flips; pass, pass, pass → fail is a regression, not flakiness.
    let flips = flipped(&past, &current);
    assert_eq!(flips, BTreeSet::from(["direct::C4.4::flip".to_string()]));
    let mut marked = current.clone();
    let reasons = trend::flips(&past, &current);
    assert_eq!(mark_flaky(&mut marked, &reasons), 1);
    let t = marked
        .results
        .iter()
        .find(|t| t.name == "direct::C4.4::flip")
        .unwrap();
    assert!(t.flaky && t.outcome == Outcome::Failed);
    assert!(t
        .flaky_reason
        .as_deref()
        .unwrap()
        .contains("passed → failed → passed → failed"));
    assert_eq!(marked.summary.flaky, 1);
    // A run against another (real) target is not compared.
    let mut elsewhere = past.clone();
    for r in &mut elsewhere {
        r.target = Target {
            url: "https://graph.microsoft.com/beta".into(),
            embedded: false,
        };
    }
    assert!(flipped(&elsewhere, &current).is_empty());
}

#[test]
fn write_all_writes_four_files_and_latest_follows_the_newest_run() {
    let root = tmpdir();
    let r = sample();
    let first = root.path().join("2026-05-01T100000Z");
    let written = write_all(&first, &r, &[]).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["report.json", "junit.xml", "summary.md", "report.html"]
    );
    for p in &written {
        assert!(std::fs::metadata(p).unwrap().len() > 0, "{}", p.display());
    }
    assert_eq!(read_report(&written[0]).unwrap(), r);
    assert!(std::fs::read_dir(&first).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".tmp")));

    report::update_latest(root.path(), &first).unwrap();
    let latest = root.path().join("latest");
    assert_eq!(
        std::fs::read_link(&latest).unwrap(),
        Path::new("2026-05-01T100000Z")
    );
    assert_eq!(read_report(&latest.join("report.json")).unwrap(), r);
    let second = root.path().join("2026-05-01T110000Z");
    write_all(&second, &r, &[]).unwrap();
    report::update_latest(root.path(), &second).unwrap();
    assert_eq!(
        std::fs::read_link(&latest).unwrap(),
        Path::new("2026-05-01T110000Z")
    );
    // Nothing left behind but the two runs and the link.
    let mut entries: Vec<String> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        ["2026-05-01T100000Z", "2026-05-01T110000Z", "latest"]
    );
}

// ---------------------------------------------------------------------------------------------
// A real browser.

fn chromium_dom(file: &Path, fragment: &str, profile: &Path) -> String {
    let url = format!("file://{}{fragment}", file.display());
    let out = std::process::Command::new("timeout")
        .arg("90")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs (apt-get install -y chromium)");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs Debian chromium: apt-get install -y chromium; run with cargo test -- --include-ignored"]
fn chromium_renders_the_matrix_and_filters_by_the_hash() {
    let dir = tmpdir();
    let r = sample();
    let written = write_all(dir.path(), &r, &[]).unwrap();
    let page = &written[3];
    let profile = dir.path().join("profile");

    // Unfiltered: the script ran, every trial shows, the matrix has its counts.
    let dom = chromium_dom(page, "", &profile);
    assert!(
        dom.contains("<html lang=\"en\" class=\"js\">"),
        "the script ran"
    );
    let rows = elements(&dom, "<tr class=\"trial");
    assert_eq!(rows.len(), r.results.len());
    assert!(rows.iter().all(|row| !row.contains_key("hidden")));
    let cells = elements(&dom, "<td class=\"cell\"");
    let direct_c44 = cells
        .iter()
        .find(|c| c["data-variant"] == "direct" && c["data-clause"] == "C4.4")
        .expect("the direct × C4.4 cell");
    assert_eq!(num(direct_c44, "data-passed"), 1);
    assert_eq!(num(direct_c44, "data-failed"), 1);
    let populated: u64 = cells.iter().map(|c| num(c, "data-total")).sum();
    assert_eq!(populated, r.results.len() as u64);

    // #outcome=failed: only the failed rows and details show.
    let dom = chromium_dom(page, "#outcome=failed", &profile);
    let rows = elements(&dom, "<tr class=\"trial");
    let shown: Vec<&BTreeMap<String, String>> =
        rows.iter().filter(|r| !r.contains_key("hidden")).collect();
    assert_eq!(shown.len() as u64, r.summary.failed);
    assert!(shown.iter().all(|row| row["data-outcome"] == "failed"));
    let details = elements(&dom, "<section class=\"detail\"");
    assert!(details
        .iter()
        .all(|d| d.contains_key("hidden") == (d["data-outcome"] != "failed")));
    assert!(dom.contains(&format!(
        "<span id=\"shown-count\">{}</span>",
        r.summary.failed
    )));

    // #variant=…&clause=C4 (a family): the matrix link's form of filter.
    let dom = chromium_dom(page, "#variant=direct&clause=C4", &profile);
    let rows = elements(&dom, "<tr class=\"trial");
    let shown: BTreeSet<&str> = rows
        .iter()
        .filter(|r| !r.contains_key("hidden"))
        .map(|r| r["data-name"].as_str())
        .collect();
    let expected: BTreeSet<&str> = r
        .results
        .iter()
        .filter(|t| t.variant == "direct" && t.clause.starts_with("C4."))
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(shown, expected);
}
