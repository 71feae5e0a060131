//! The suite end to end: the real binary against the embedded service, with every fault and
//! every allowed deviation, and with bad command lines and case files.

use graph_conformance::outcome::{Level, Outcome, Report};
use graph_conformance::pack::{Pack, Selection};
use graph_conformance::service::{self, Fault};

use crate::support::{
    self, bin, clauses, clean, read_report, run_against, run_suite as run, serve, text,
};

/// A variant with a cast, a navigation and an alias: it meets every clause's cases.
const VARIANT: &str = "ios-scep-root-certificate::";

#[test]
fn the_reference_passes_every_variant_with_no_failure_and_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (out, report) = run(&["--cases", "16"], dir.path());
    let report = clean(&out, report);
    let s = &report.summary;
    let variants: std::collections::BTreeSet<_> =
        report.results.iter().map(|r| r.variant.as_str()).collect();
    assert_eq!(variants.len(), 8, "every path variant ran");
    assert!(s.passed > 500, "the whole suite ran: {}", s.passed);
}

/// Every fault of one point that can show on the seed's pack, each by itself: the run fails
/// (a SHOULD fault warns, a MAY one informs) citing the fault's clause, and `--strict` fails a
/// SHOULD clause but not a MAY one.
fn caught_at(point: fn(Fault) -> bool) {
    let mut missed = Vec::new();
    let pack = Pack::load(&Selection::default()).unwrap();
    let faults: Vec<_> = service::all_faults()
        .into_iter()
        .filter(|f| point(f.fault) && f.fault.applies(&pack))
        .collect();
    assert!(!faults.is_empty(), "the point has faults");
    for fault in faults {
        let dir = tempfile::tempdir().unwrap();
        let (out, report) = run(
            &[
                "--fault",
                &fault.name,
                "--cases",
                "64",
                support::filter_for(&fault.name, VARIANT),
            ],
            dir.path(),
        );
        missed.extend(support::missed(&fault, &out, report.as_ref()));
        if fault.level != Level::Must {
            missed.extend(strict_miss(&fault));
        }
    }
    assert!(
        missed.is_empty(),
        "faults not caught as they should be:\n{}",
        missed.join("\n")
    );
}

/// `--strict` fails a SHOULD clause; a MAY clause stays information.
fn strict_miss(fault: &service::FaultListing) -> Option<String> {
    let wanted = if fault.level == Level::Should { 1 } else { 0 };
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(
        &[
            "--fault",
            &fault.name,
            "--cases",
            "4",
            "--strict",
            support::filter_for(&fault.name, VARIANT),
        ],
        dir.path(),
    );
    (out.status.code() != Some(wanted)).then(|| {
        format!(
            "{} under --strict: exit {:?}",
            fault.name,
            out.status.code()
        )
    })
}

#[test]
fn route_faults_are_caught_citing_their_clause() {
    caught_at(|f| matches!(f, Fault::Route(_)));
}

#[test]
fn auth_faults_are_caught_citing_their_clause() {
    caught_at(|f| matches!(f, Fault::Auth(_)));
}

#[test]
fn body_faults_are_caught_citing_their_clause() {
    caught_at(|f| matches!(f, Fault::Body(_)));
}

#[test]
fn store_faults_are_caught_citing_their_clause() {
    caught_at(|f| matches!(f, Fault::Store(_)));
}

#[test]
fn render_faults_are_caught_citing_their_clause() {
    caught_at(|f| matches!(f, Fault::Render(_)));
}

#[test]
fn error_faults_are_caught_citing_their_clause() {
    caught_at(|f| matches!(f, Fault::Errors(_)));
}

/// The seed pack's types' faults (the body's edge and invalid-form faults, the answer's
/// mangled echo).
#[test]
fn type_faults_are_caught_citing_their_clause() {
    caught_at(|f| matches!(f, Fault::Type(_)));
}

#[test]
fn the_live_204_passes_only_under_allow_204() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(
        &[
            "--fault",
            "patch-204",
            "--cases",
            "8",
            "--allow-204",
            VARIANT,
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn deviations_the_contract_allows_pass() {
    for deviation in service::deviations() {
        let dir = tempfile::tempdir().unwrap();
        let (out, report) = run(
            &["--deviation", deviation.name, "--cases", "16", VARIANT],
            dir.path(),
        );
        let report =
            report.unwrap_or_else(|| panic!("{}: no report\n{}", deviation.name, text(&out)));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {:?}\n{}",
            deviation.name,
            clauses(&report, Outcome::Failed),
            text(&out)
        );
        assert_eq!(
            report.summary.warned,
            0,
            "{} warned: {:?}",
            deviation.name,
            clauses(&report, Outcome::Warned)
        );
        if deviation.name == "throttle" {
            assert!(report.summary.throttled > 0, "throttling is counted");
        }
    }
}

#[test]
fn bad_command_lines_end_with_exit_2_and_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--target", "http://127.0.0.1:9/beta"], "--ids"),
        (&["--target", "not a url", "--ids", "x.json"], "not a URL"),
        (&["--partition", "hash:0/3"], "hash:K/N"),
        (&["--rate", "fast"], "N/S"),
        (&["--fault", "no-such-fault"], "printed-spelling-404"),
        (&["--no-such-flag"], "--no-such-flag"),
        (
            &[
                "--target",
                "http://127.0.0.1:9/beta",
                "--ids",
                "/nonexistent/ids.json",
            ],
            "cannot read the ids file",
        ),
        (&["--cases-dir", "/nonexistent"], "cannot read"),
    ];
    for (args, hint) in cases {
        let (out, _) = run(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains(hint),
            "{args:?} should mention {hint:?}: {}",
            text(&out)
        );
    }
}

#[test]
fn a_target_without_a_token_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.json");
    std::fs::write(
        &ids,
        serde_json::to_string(&Pack::load(&Selection::default()).unwrap().fixture_ids()).unwrap(),
    )
    .unwrap();
    let (out, _) = run(
        &[
            "--target",
            "http://127.0.0.1:9/beta",
            "--ids",
            ids.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("GRAPH_TOKEN"), "{}", text(&out));
}

#[test]
fn a_bad_case_file_names_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    for entry in std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/cases/user-overview-2017"
    ))
    .unwrap()
    {
        let p = entry.unwrap().path();
        std::fs::copy(&p, cases.join(p.file_name().unwrap())).unwrap();
    }
    let broken = r#"{"variant": "direct", "template": "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/userStatusOverview/",
        "cases": [{"name": "x", "clause": "C4.4", "kind": "accepted", "request": {"bodyy": {}}}]}"#;
    std::fs::write(cases.join("direct.json"), broken).unwrap();
    let (out, _) = run(&["--cases-dir", cases.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(t.contains("direct.json") && t.contains("bodyy"), "{t}");
}

#[test]
fn trial_names_do_not_depend_on_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let list = |seed: &str| {
        let (out, _) = run(&["--list", "--seed", seed], dir.path());
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let a = list("1");
    assert_eq!(a, list("2"));
    assert!(a.contains("ios-scep-root-certificate::C4.4::doc-example"));
    assert!(a.contains("direct::C4.4::generated-valid-int32"));
}

#[test]
fn a_loopback_target_is_restored_after_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &[]);
    let (out, report) = run_against(
        &served,
        "user-overview-2017",
        &["--cases", "4", "direct::"],
        &dir.path().join("r"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = report.unwrap();
    assert!(!report.target.embedded);
    assert!(
        !report.restored.is_empty() && report.restored.iter().all(|r| r.status == "restored"),
        "{:?}",
        report.restored
    );
}

#[test]
fn edge_faults_are_caught_by_generated_inputs_on_every_seed() {
    let faults = [
        ("truncate-milliseconds", "C4.4"),
        ("feb29-refused", "C3.5"),
        ("int32-max-refused", "C3.4"),
        ("offset-14-refused", "C3.5"),
        ("int32-wraps", "C3.4"),
        ("offset-sign-flipped", "C4.4"),
    ];
    let only_direct_generated = ["::generated-", "--skip", "certificate", "--skip", "vpn"];
    // Retired names now, given as such: each stands for its type's fault of the same clause,
    // and a fault two of them stand for runs once.
    let mut distinct: Vec<(Fault, &str, &str)> = Vec::new();
    for (alias, clause) in faults {
        let fault = alias.parse::<Fault>().unwrap();
        if !distinct.iter().any(|(f, _, _)| *f == fault) {
            distinct.push((fault, alias, clause));
        }
    }
    assert_eq!(distinct.len(), 4, "{distinct:?}");
    let mut missed = Vec::new();
    for &(_, fault, clause) in &distinct {
        for seed in ["1", "2", "3", "42", "20261129"] {
            let dir = tempfile::tempdir().unwrap();
            let mut args = vec!["--fault", fault, "--seed", seed];
            args.extend(only_direct_generated);
            let (out, report) = run(&args, dir.path());
            let report = report.expect("a report");
            assert!(report
                .results
                .iter()
                .all(|r| r.variant == "direct" && r.generated.is_some()));
            let cited = clauses(&report, Outcome::Failed);
            if out.status.code() != Some(1) || !cited.iter().any(|c| c == clause) {
                missed.push(format!(
                    "{fault} seed {seed}: exit {:?}, failed clauses {cited:?}",
                    out.status.code()
                ));
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

/// Issue 4: a failing run saves its minimal inputs beside the report; `--replay` sends them
/// first, so the failure reproduces even with a case count that would not reach it.
#[test]
fn failing_inputs_are_saved_and_replayed_first() {
    let trial = "direct::C4.4::generated-valid-datetimeoffset";
    let first = tempfile::tempdir().unwrap();
    let (out, _) = run(
        &["--fault", "truncate-milliseconds", "--exact", trial],
        first.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let saved = first.path().join("failing-inputs.json");
    let text_saved = std::fs::read_to_string(&saved).expect("failing-inputs.json is written");
    assert!(text_saved.contains(trial));

    let again = tempfile::tempdir().unwrap();
    let args = [
        "--fault",
        "truncate-milliseconds",
        "--cases",
        "1",
        "--replay",
        saved.to_str().unwrap(),
        "--exact",
        trial,
    ];
    let (out, report) = run(&args, again.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = &report.unwrap().results[0];
    assert_eq!(
        r.generated.as_ref().map(|g| g.cases),
        Some(1),
        "the replayed input failed before any generated one"
    );

    let clean = tempfile::tempdir().unwrap();
    let (out, _) = run(&args[2..], clean.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "the reference keeps the replayed input: {}",
        text(&out)
    );
}

/// Issue 5: three partitions merged give the same set of results as the unpartitioned run.
#[test]
fn three_merged_partitions_equal_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let names = |r: &Report| {
        let mut n: Vec<(String, &str)> = r
            .results
            .iter()
            .map(|t| (t.name.clone(), t.outcome.as_str()))
            .collect();
        n.sort();
        n
    };
    let (out, whole) = run(&["--cases", "4", "--seed", "5"], &dir.path().join("whole"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let shard_dir = dir.path().join(format!("shard{k}"));
        let (out, report) = run(
            &[
                "--cases",
                "4",
                "--seed",
                "5",
                "--partition",
                &format!("hash:{k}/3"),
            ],
            &shard_dir,
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let report = report.unwrap();
        assert_eq!(
            report.partition.as_deref(),
            Some(format!("hash:{k}/3").as_str())
        );
        shards.push(shard_dir.join("report.json"));
    }
    let merged_dir = dir.path().join("merged");
    let mut args: Vec<&str> = vec!["report", "merge"];
    args.extend(shards.iter().map(|p| p.to_str().unwrap()));
    let out = bin(&args).arg("--out").arg(&merged_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let merged = read_report(&merged_dir).unwrap();
    assert_eq!(names(&merged), names(&whole.unwrap()));
    for f in ["junit.xml", "summary.md", "report.html"] {
        assert!(
            merged_dir.join(f).exists(),
            "{f} is written for the merged run"
        );
    }
}

/// Issue 5: two nightly runs with a fault introduced between them show exactly that fault's
/// trials as new failures, and `--fail-on new` gates on them.
#[test]
fn a_fault_introduced_between_two_nights_is_exactly_what_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let night1 = dir.path().join("night1");
    let (out, _) = run(&["--cases", "8", VARIANT], &night1);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let baseline = night1.join("report.json");
    let b = baseline.to_str().unwrap();
    let (out, report) = run(
        &[
            "--cases",
            "8",
            "--fault",
            "lost-update",
            "--baseline",
            b,
            VARIANT,
        ],
        &dir.path().join("night2"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = report.unwrap();
    let diff = report.baseline.expect("a baseline diff");
    let failing: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .map(|r| r.name.clone())
        .collect();
    assert!(!failing.is_empty());
    assert_eq!(diff.new_failures, failing);
    assert!(
        diff.new_failures.iter().all(|n| n.contains("::C5.4::")),
        "{:?}",
        diff.new_failures
    );
    assert!(diff.fixed.is_empty() && diff.still_failing.is_empty());
    // Against the second night as baseline, the same fault is no longer new.
    let b2 = dir.path().join("night2/report.json");
    let (out, _) = run(
        &[
            "--cases",
            "8",
            "--fault",
            "lost-update",
            "--baseline",
            b2.to_str().unwrap(),
            "--fail-on",
            "new",
            VARIANT,
        ],
        &dir.path().join("night3"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "still failing is not new: {}",
        text(&out)
    );
}

/// `serve --list-faults | head -0`: a reader gone before the listing ends it, not the program.
#[test]
fn listing_faults_into_a_closed_pipe_exits_0() {
    let mut child = bin(&["serve", "--list-faults"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the child has loaded its pack, so its first write meets a broken pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
