//! The conformance statement and the levels of the OData validator's rules (issue 26): a
//! verdict for every clause, MAY as information only, not applicable and not judged with their
//! reasons, and the derived-type rule on a pack imported from Graph's pages.

use graph_conformance::contract::CATALOGUE;
use graph_conformance::outcome::{Outcome, Report};
use graph_conformance::statement::{ClauseVerdict, Verdict};

use crate::support::{self, bin, run_against, run_suite as run, serve, shared, text};

const VARIANT: &str = "ios-scep-root-certificate::";

fn verdict<'r>(report: &'r Report, id: &str) -> &'r ClauseVerdict {
    report
        .clauses
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} is not in the statement: {:?}", report.clauses))
}

#[test]
fn the_statement_lists_every_clause_and_the_reference_breaks_none() {
    let dir = tempfile::tempdir().unwrap();
    let (out, report) = run(&["--cases", "8", VARIANT], dir.path());
    let report = support::clean(&out, report);
    let ids: Vec<&str> = report.clauses.iter().map(|c| c.id.as_str()).collect();
    let catalogue: Vec<&str> = CATALOGUE.iter().map(|c| c.id).collect();
    assert_eq!(ids, catalogue, "one line per clause, in CONTRACT's order");
    for c in &report.clauses {
        assert!(
            matches!(c.verdict, Verdict::Kept | Verdict::NotApplicable),
            "the reference: {c:?}"
        );
        assert_eq!(
            c.verdict == Verdict::NotApplicable,
            !c.reason.is_empty(),
            "a reason exactly when not applicable: {c:?}"
        );
    }
    for kept in ["C3.14", "C4.8", "C4.9", "C4.10", "C6.3"] {
        assert_eq!(verdict(&report, kept).verdict, Verdict::Kept, "{kept}");
    }
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(md.contains("### Conformance statement"), "{md}");
    assert!(md.contains("| C4.10 | SHOULD | kept |"), "{md}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains(r#"data-clause="C4.8" data-verdict="kept""#));
}

#[test]
fn a_may_clause_broken_is_information_with_or_without_strict() {
    for strict in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["--fault", "odata-version-ignored", "--cases", "4", VARIANT];
        if strict {
            args.push("--strict");
        }
        let (out, report) = run(&args, dir.path());
        let report = report.unwrap_or_else(|| panic!("no report\n{}", text(&out)));
        assert_eq!(
            out.status.code(),
            Some(0),
            "strict {strict}: {}",
            text(&out)
        );
        let s = &report.summary;
        assert_eq!((s.failed, s.warned), (0, 0), "strict {strict}");
        assert!(s.info > 0, "the MAY clause is counted as information");
        assert_eq!(support::clauses(&report, Outcome::Info), ["C3.14"]);
        assert_eq!(verdict(&report, "C3.14").verdict, Verdict::Info);
        assert!(
            text(&out).contains("information (MAY clauses"),
            "{}",
            text(&out)
        );
    }
}

#[test]
fn streaming_order_is_not_applicable_when_no_answer_advertises_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let (out, report) = run(
        &["--deviation", "plain-content-type", "--cases", "4", VARIANT],
        dir.path(),
    );
    let report = support::clean(&out, report);
    let c = verdict(&report, "C4.10");
    assert_eq!(c.verdict, Verdict::NotApplicable, "{c:?}");
    assert!(c.reason.contains("odata.streaming"), "{c:?}");
}

#[test]
fn a_clause_no_trial_reached_is_not_judged_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (out, report) = run(&["--cases", "4", "direct::C4.4::"], dir.path());
    let report = support::clean(&out, report);
    let c = verdict(&report, "C3.14");
    assert_eq!(c.verdict, Verdict::NotJudged, "{c:?}");
    assert!(c.reason.contains("filter"), "{c:?}");
    assert_eq!(verdict(&report, "C4.4").verdict, Verdict::Kept);
}

/// A `win32LobApp` reached through `mobileApps/{id}` must name its type in every answer.
#[test]
fn the_derived_type_rule_is_caught_on_a_pack_imported_from_graph_docs() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("win32");
    let imported = bin(&["import"])
        .arg(shared.join("graph-docs/api/intune-apps-win32lobapp-update.md"))
        .arg("--resources")
        .arg(shared.join("graph-docs/resources"))
        .arg("--out")
        .arg(&pack)
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", text(&imported));
    let pack = pack.to_str().unwrap();
    for (fault, exit) in [(None, 0), (Some("derived-type-unannounced"), 1)] {
        let mut args = vec!["--pack", pack];
        args.extend(fault.iter().flat_map(|f| ["--fault", *f]));
        let served = serve(dir.path(), &args);
        let reports = dir
            .path()
            .join(format!("r-{}", fault.unwrap_or("reference")));
        let (out, report) = run_against(&served, pack, &["--cases", "4", "direct::"], &reports);
        let report = report.unwrap_or_else(|| panic!("no report\n{}", text(&out)));
        assert_eq!(out.status.code(), Some(exit), "{fault:?}: {}", text(&out));
        let c4_3 = verdict(&report, "C4.3").verdict;
        if fault.is_some() {
            assert_eq!(c4_3, Verdict::Broken);
            assert_eq!(support::clauses(&report, Outcome::Failed), ["C4.3"]);
        } else {
            assert_eq!(c4_3, Verdict::Kept);
        }
    }
}
