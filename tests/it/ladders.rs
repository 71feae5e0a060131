//! Rules probed from both sides and at every scale (issue 23): the ladders and pairs derived
//! from the pack run once on the canonical variant, the reference keeps every rung, and each
//! fault that breaks one side or one rung is caught citing its clause on an imported pack (the
//! built-in packs' runs are in suite.rs and packs.rs, over every fault).

use std::path::Path;

use graph_conformance::pack::{Pack, Selection};
use graph_conformance::service;

use crate::support::{self, run_against, run_suite as run, serve, text, CANONICAL_ONLY};

#[test]
fn the_reference_keeps_every_rung_and_both_sides_once_per_entity() {
    let dir = tempfile::tempdir().unwrap();
    let (out, report) = run(&["--cases", "4", "direct::"], dir.path());
    let report = support::clean(&out, report);
    let names: Vec<&str> = report.results.iter().map(|r| r.name.as_str()).collect();
    for name in [
        "direct::C3.2::padded-body-32",
        "direct::C3.2::padded-body-1024",
        "direct::C3.2::whitespace-around-object",
        "direct::C6.2::padded-empty-object-2097152",
        "direct::C6.2::nesting-depth-64",
        "direct::C6.2::nesting-depth-10000",
        "direct::C6.2::members-1000",
        "direct::C6.2::number-digits-10000",
        "direct::C6.2::string-length-65536",
        "direct::C3.1::json-media-prefix",
        "direct::C3.3::name-cut-short",
    ] {
        assert!(names.contains(&name), "{name} ran");
    }
    let (out, report) = run(
        &["--cases", "4", "root-certificate::C6.2::nesting"],
        dir.path(),
    );
    let report = report.unwrap_or_else(|| panic!("{}", text(&out)));
    assert!(
        report.results.is_empty(),
        "ladders run once, on the canonical variant"
    );
}

#[test]
fn each_side_and_rung_fault_is_caught_on_an_imported_pack() {
    let dir = tempfile::tempdir().unwrap();
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pages/every-type");
    let pack = dir.path().join("pack");
    support::imported(
        &pages.join("api/intune-gadgets-gadgetstatus-update.md"),
        &pages.join("resources"),
        &pack,
    );
    let pack = pack.to_str().unwrap();
    let loaded = Pack::load(&Selection {
        pack: Some(pack.to_owned()),
        ..Selection::default()
    })
    .unwrap();
    let mut missed = Vec::new();
    for fault in service::all_faults()
        .into_iter()
        .filter(|f| CANONICAL_ONLY.contains(&f.name.as_str()))
    {
        assert!(fault.fault.applies(&loaded), "{} applies", fault.name);
        let served = serve(dir.path(), &["--pack", pack, "--fault", &fault.name]);
        let reports = dir.path().join(&fault.name);
        // The trials of the fault's clause on the canonical variant, where the ladders run.
        let filter = format!("direct::{}::", fault.clause);
        let (out, report) = run_against(&served, pack, &["--cases", "4", &filter], &reports);
        missed.extend(support::missed(&fault, &out, report.as_ref()));
    }
    assert!(missed.is_empty(), "not caught:\n{}", missed.join("\n"));
}
