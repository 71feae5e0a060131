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

/// A pack written as data with a flags enum and a plain one: a set of members is valid for the
/// first only, and a service that gets either side wrong is caught citing C3.12.
#[test]
fn enum_sets_are_probed_from_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let pack_dir = dir.path().join("lamp");
    lamp_pack(&pack_dir);
    let pack = pack_dir.to_str().unwrap();
    let reference = serve(dir.path(), &["--pack", pack]);
    let (out, report) = run_against(
        &reference,
        pack,
        &["--cases", "16"],
        &dir.path().join("ref"),
    );
    support::clean(&out, report);
    let mut missed = Vec::new();
    for fault in service::all_faults()
        .into_iter()
        .filter(|f| f.name.starts_with("enum-set-"))
    {
        let served = serve(dir.path(), &["--pack", pack, "--fault", &fault.name]);
        let reports = dir.path().join(&fault.name);
        let (out, report) = run_against(&served, pack, &["--cases", "16", "generated-"], &reports);
        missed.extend(support::missed(&fault, &out, report.as_ref()));
    }
    assert!(missed.is_empty(), "not caught:\n{}", missed.join("\n"));
}

fn lamp_pack(dir: &Path) {
    let pack = serde_json::json!({
        "name": "lamp-status", "title": "Update lampStatus",
        "source": {"page": "written for the tests", "date": "2026-12"},
        "version": "v1.0", "namespace": "microsoft.example",
        "entity": {"type": "microsoft.example.lampStatus", "key": "id", "properties": [
            {"name": "id", "type": "Edm.String", "readOnly": true},
            {"name": "colours", "type": "microsoft.example.colours"},
            {"name": "mode", "type": "microsoft.example.mode"}]},
        "permissions": {"delegated": ["Lamps.ReadWrite.All"], "application": [], "read": []},
        "success": {"status": 200, "entity": true},
        "types": {
            "microsoft.example.lamp": {"kind": "entity"},
            "microsoft.example.colours": {"kind": "enum", "flags": true, "members": ["red", "green", "blue"]},
            "microsoft.example.mode": {"kind": "enum", "members": ["off", "on", "auto"]}},
        "variants": [{"name": "direct", "template": "/lamps/{lampId}/status"}],
        "example": {"colours": "red", "mode": "on"}
    });
    let fixtures = serde_json::json!({
        "root": {"lamps": ["l1"]},
        "nodes": {
            "l1": {"type": "microsoft.example.lamp", "links": {"status": "s1"}},
            "s1": {"type": "microsoft.example.lampStatus"}
        },
        "variants": {"direct": {"keys": {"lampId": "l1"}, "reads": {"lampId": "l1"}}}
    });
    let cases = serde_json::json!({"cases": [
        {"name": "doc-example", "clause": "C4.4", "kind": "accepted", "request": {"body": {"colours": "red", "mode": "on"}}}
    ]});
    std::fs::create_dir_all(dir).unwrap();
    for (name, value) in [
        ("pack.json", pack),
        ("fixtures.json", fixtures),
        ("all-variants.json", cases),
    ] {
        std::fs::write(
            dir.join(name),
            serde_json::to_string_pretty(&value).unwrap(),
        )
        .unwrap();
    }
}
