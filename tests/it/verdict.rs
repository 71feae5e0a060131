//! Every run ends with a verdict (issue 14): a target silent on one kind of request, a target
//! that throttles hard, a trial that panics, and history read only from comparable runs (the
//! sharded workflow of docs/reports-ci.yml runs in action.rs, through the action).

use std::sync::Arc;

use graph_conformance::app::minted_tokens;
use graph_conformance::client::{Client, ClientOptions};
use graph_conformance::executor::Target;
use graph_conformance::harness::{trials_with, Runner, Setup};
use graph_conformance::outcome::{Outcome, Summary};
use graph_conformance::pack::{Pack, Selection};
use graph_conformance::plan::plan;
use graph_conformance::service::{self, ServiceOptions};

use crate::support::{bin, clauses, read_report, run_against, run_suite, serve, text, token};

/// Like Prism's mock: silent when the body is not JSON, a fixed example for everything else.
#[test]
fn a_target_silent_on_malformed_json_still_gets_its_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &["--fault", "mock-like"]);
    let started = std::time::Instant::now();
    let (out, report) = run_against(
        &served,
        "user-overview-2017",
        &["--timeout", "1", "--cases", "16", "direct::"],
        &dir.path().join("r"),
    );
    let t = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed clause, not an unusable target: {t}"
    );
    let report = report.expect("a report");
    assert!(
        clauses(&report, Outcome::Failed).contains(&"C4.4".to_owned()),
        "{t}"
    );
    let silent: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Error)
        .collect();
    assert!(
        !silent.is_empty(),
        "the exchanges that got no answer are errors: {t}"
    );
    assert!(
        silent
            .iter()
            .all(|r| r.message.contains("no complete answer within 1s")),
        "{:?}",
        silent.iter().map(|r| &r.message).collect::<Vec<_>>()
    );
    assert_eq!(
        report.summary.skipped, 0,
        "nothing skipped as unusable: {t}"
    );
    assert!(started.elapsed().as_secs() < 120, "{:?}", started.elapsed());
}

#[test]
fn a_target_that_goes_away_mid_run_still_ends_the_run_quickly_with_exit_2() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut served = serve(dir.path(), &[]);
    let mut child = bin(&[
        "--target",
        &served.url,
        "--ids",
        served.ids.to_str().unwrap(),
        "--timeout",
        "2",
        "--progress",
        "0.2",
        "-q",
    ])
    .arg("--report-dir")
    .arg(dir.path().join("r"))
    .env("GRAPH_TOKEN", token("user-overview-2017", false))
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let seen: Vec<String> = lines
        .by_ref()
        .map_while(Result::ok)
        .take_while(|l| !l.starts_with("progress after"))
        .collect();
    // The run is under way: the target goes away.
    served.stop();
    let gone = std::time::Instant::now();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    let t = format!("{}\n{}", seen.join("\n"), rest.join("\n"));
    assert_eq!(status.code(), Some(2), "{t}");
    assert!(
        gone.elapsed().as_secs() < 60,
        "ended quickly: {:?}\n{t}",
        gone.elapsed()
    );
    let report = read_report(&dir.path().join("r")).expect("a report even so");
    assert!(
        report.summary.skipped > 0,
        "the rest is skipped as unusable: {:?}",
        report.summary
    );
}

#[test]
fn a_run_that_waits_on_throttling_says_so_while_it_runs_and_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let (out, report) = run_suite(
        &[
            "--deviation",
            "throttle-1s",
            "--cases",
            "4",
            "--progress",
            "1",
            "direct::C3.4::",
        ],
        dir.path(),
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let report = report.unwrap();
    assert!(report.summary.waited_ms >= 1000, "{:?}", report.summary);
    assert!(
        t.contains("throttled") && t.contains("waited"),
        "a progress line and the closing line say it: {t}"
    );
    let progress = t
        .lines()
        .filter(|l| l.starts_with("progress after"))
        .count();
    assert!(progress >= 1, "a progress line while waiting: {t}");
}

/// A panic in a trial is a failed trial with the panic's message, counted in the summary
/// every report is written from (and so in the exit code).
#[test]
fn a_trial_that_panics_fails_the_run() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let pack = Arc::new(Pack::load(&Selection::default()).unwrap());
    let svc = rt
        .block_on(service::start(
            Arc::clone(&pack),
            ServiceOptions::default(),
            0,
        ))
        .unwrap();
    let tokens = minted_tokens(&pack);
    let (_cancel, cancelled) = tokio::sync::watch::channel(false);
    let client = Client::new(
        ClientOptions::default(),
        tokens.secrets(),
        cancelled.clone(),
    )
    .unwrap();
    let runner = Arc::new(Runner::new(Setup {
        runtime: rt.handle().clone(),
        client,
        target: Target {
            base_url: svc.base_url.clone(),
        },
        tokens,
        pack: Arc::clone(&pack),
        interrupted: cancelled,
    }));
    let planned: Vec<_> = plan(&pack, &svc.ids, false)
        .cases
        .into_iter()
        .filter(|c| c.name.starts_with("direct::"))
        .take(3)
        .collect();
    let doomed = planned[1].name.clone();
    let inner = Arc::clone(&runner);
    let doomed_name = doomed.clone();
    let run = Arc::new(move |pc: &graph_conformance::plan::PlannedCase| {
        if pc.name == doomed_name {
            panic!("on purpose, for the test");
        }
        inner.run_trial(pc)
    });
    let args = libtest_mimic::Arguments {
        test_threads: Some(1),
        quiet: true,
        ..Default::default()
    };
    let conclusion = libtest_mimic::run(&args, trials_with(&runner, planned, run));
    assert!(conclusion.has_failed());
    let results = runner.results();
    assert_eq!(results.len(), 3, "the panicking trial is in the results");
    let failed = results.iter().find(|r| r.name == doomed).unwrap();
    assert_eq!(failed.outcome, Outcome::Failed);
    assert!(
        failed.message.contains("on purpose, for the test") && failed.message.contains("bug"),
        "{}",
        failed.message
    );
    assert_eq!(Summary::of(&results).failed, 1);
}

#[test]
fn history_and_flaky_marks_come_only_from_comparable_runs_beside_the_report() {
    let root = tempfile::tempdir().unwrap();
    let runs = root.path().join("nightly");
    // Pass, then a run against another service (a fault) that fails C5.1, then pass again:
    // counted as one history, the C5.1 trials would flip twice and be marked flaky.
    let (out, _) = run_suite(&["--cases", "4", "direct::"], &runs.join("run-1-clean"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (out, _) = run_suite(
        &["--cases", "4", "--fault", "not-persisted", "direct::"],
        &runs.join("run-2-faulty"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let (out, report) = run_suite(&["--cases", "4", "direct::"], &runs.join("run-3-clean"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = report.unwrap();
    assert!(
        report.results.iter().all(|r| !r.flaky),
        "no flaky marks from another service's run"
    );
    let html = std::fs::read_to_string(runs.join("run-3-clean/report.html")).unwrap();
    assert!(
        html.contains("run-1-clean"),
        "the trend reads the report directory's own parent"
    );
    assert!(
        !html.contains("run-2-faulty"),
        "a run against another service is not history"
    );
}
