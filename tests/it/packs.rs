//! Contract packs (issue 11): both built-in packs pass the embedded service; every fault that
//! can show on the 2021 pack is caught citing its clause; a pack written as data alone (another
//! entity, other names, three variants of its own) runs against `serve --pack`; a pack with a
//! mistake is refused naming the file and the field; ids files of the first wave still work.

use std::path::Path;

use graph_conformance::outcome::Outcome;
use graph_conformance::pack::{Pack, Selection};
use graph_conformance::service;
use serde_json::{json, Value};

use crate::support::{
    self, bin, clauses, clean, read_report, run_against, run_suite, serve, text, token,
};

/// The 2021 variant with a cast, a keyed navigation and an alias: it meets every clause.
const VARIANT_2021: &str = "windows-wifi-enterprise-eap-root-certificates-for-server-validation::";

#[test]
fn the_2021_pack_passes_the_embedded_service_with_no_failure_and_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (out, report) = run_suite(
        &["--pack", "user-overview-2021", "--cases", "16"],
        dir.path(),
    );
    let report = clean(&out, report);
    let s = &report.summary;
    let variants: std::collections::BTreeSet<_> =
        report.results.iter().map(|r| r.variant.as_str()).collect();
    assert_eq!(variants.len(), 10, "every path of the 2021 page ran");
    let pack = report.pack.expect("the report names its pack");
    assert_eq!(pack.name, "user-overview-2021");
    assert!(pack.source.contains("2021"), "{}", pack.source);
    assert_eq!(pack.digest.len(), 64);
    assert!(
        s.requests > 0 && s.writes > 0 && s.writes < s.requests,
        "{s:?}"
    );
}

/// As a user would: `serve --pack user-overview-2021 --fault F`, and the suite with `--target`
/// pointed at it, every token set.
#[test]
fn every_fault_that_can_show_on_the_2021_pack_is_caught_citing_its_clause_through_serve() {
    let pack = Pack::load(&Selection {
        pack: Some("user-overview-2021".into()),
        ..Selection::default()
    })
    .unwrap();
    let faults: Vec<_> = service::all_faults()
        .into_iter()
        .filter(|f| f.fault.applies(&pack))
        .collect();
    assert!(faults.len() > 40, "{}", faults.len());
    let mut missed = Vec::new();
    for fault in &faults {
        let dir = tempfile::tempdir().unwrap();
        let served = serve(
            dir.path(),
            &["--pack", "user-overview-2021", "--fault", &fault.name],
        );
        let (out, report) = run_against(
            &served,
            "user-overview-2021",
            &[
                "--cases",
                "64",
                support::filter_for(&fault.name, VARIANT_2021),
            ],
            &dir.path().join("r"),
        );
        missed.extend(support::missed(fault, &out, report.as_ref()));
    }
    assert!(
        missed.is_empty(),
        "faults not caught as they should be:\n{}",
        missed.join("\n")
    );
}

/// A pack nobody wrote Rust for: its own entity, names, permission, version and variants.
fn widget_pack(dir: &Path) {
    let pack = json!({
        "name": "widget-status", "title": "Update widgetStatus",
        "source": {"page": "written for the tests", "date": "2026-12"},
        "version": "v1.0", "namespace": "microsoft.example",
        "entity": {"type": "microsoft.example.widgetStatus", "key": "id", "properties": [
            {"name": "id", "type": "Edm.String", "readOnly": true},
            {"name": "spins", "type": "Edm.Int32"},
            {"name": "label", "type": "Edm.String", "nullable": true},
            {"name": "enabled", "type": "Edm.Boolean"},
            {"name": "checkedAt", "type": "Edm.DateTimeOffset"}]},
        "permissions": {"delegated": ["Widgets.ReadWrite.All"], "application": ["Widgets.ReadWrite.All"], "read": ["Widgets.Read.All"]},
        "success": {"status": 200, "entity": true},
        "types": {
            "microsoft.example.widget": {"kind": "entity"},
            "microsoft.example.fancyWidget": {"kind": "entity", "base": "microsoft.example.widget"},
            "microsoft.example.plainWidget": {"kind": "entity", "base": "microsoft.example.widget"}},
        "variants": [
            {"name": "direct", "template": "/widgets/{widgetId}/status"},
            {"name": "part", "template": "/widgets/{widgetId}/parts/{partId}/status"},
            {"name": "fancy-twin", "template": "/widgets/{widgetId}/microsoft.example.fancyWidget/twin/status"}],
        "example": {"spins": 3, "label": "blue", "enabled": true, "checkedAt": "2020-01-01T00:00:00Z"}
    });
    let widget =
        |ty: &str, links: Value| json!({"type": format!("microsoft.example.{ty}"), "links": links});
    let status = json!({"type": "microsoft.example.widgetStatus"});
    let fixtures = json!({
        "root": {"widgets": ["w1", "w2", "p1", "w3", "w4", "wp", "w5"]},
        "nodes": {
            "w1": widget("plainWidget", json!({"status": "s1"})), "s1": status,
            "w2": widget("widget", json!({"status": "s2", "parts": ["p1"]})), "s2": status,
            "p1": widget("widget", json!({"status": "sp"})), "sp": status,
            "w3": widget("fancyWidget", json!({"status": "s3", "twin": "w4"})), "s3": status,
            "w4": widget("widget", json!({"status": "s4"})), "s4": status,
            "wp": widget("plainWidget", json!({"status": "sw", "twin": "w5"})), "sw": status,
            "w5": widget("widget", json!({"status": "s5"})), "s5": status
        },
        "variants": {
            "direct": {"keys": {"widgetId": "w1"}, "reads": {"widgetId": "w1"}},
            "part": {"keys": {"widgetId": "w2", "partId": "p1"}, "reads": {"widgetId": "p1"},
                     "probes": {"not-a-member": {"keys": {"widgetId": "w2", "partId": "w4"}, "reads": {"widgetId": "w4"}}}},
            "fancy-twin": {"keys": {"widgetId": "w3"}, "reads": {"widgetId": "w4"},
                           "probes": {"cast-mismatch": {"keys": {"widgetId": "wp"}, "reads": {"widgetId": "w5"}}}}
        }
    });
    let cases = json!({"cases": [
        {"name": "doc-example", "clause": "C4.4", "kind": "accepted", "request": {"body": {"spins": 3, "label": "blue", "enabled": true, "checkedAt": "2020-01-01T00:00:00Z"}}},
        {"name": "label-null", "clause": "C3.11", "kind": "accepted", "request": {"body": {"label": null}}},
        {"name": "persisted", "clause": "C5.1", "kind": "accepted", "request": {"body": {"spins": 11, "enabled": false}}},
        {"name": "idempotent", "clause": "C5.2", "kind": "repeat", "request": {"body": {"spins": 12}}},
        {"name": "boolean-string", "clause": "C3.8", "kind": "refused", "request": {"body": {"enabled": "true"}}, "status": [400]},
        {"name": "unknown-property", "clause": "C3.3", "kind": "refused", "request": {"body": {"colour": "red"}}, "status": [400]},
        {"name": "no-authorization", "clause": "C2.1", "kind": "refused", "request": {"auth": "none", "body": {"spins": 1}}, "status": [401]},
        {"name": "token-without-scope", "clause": "C2.2", "kind": "refused", "request": {"auth": "no-scope", "body": {"spins": 1}}, "status": [401, 403]}
    ]});
    let variant_file = |name: &str, extra: Value| {
        let mut cases = vec![
            json!({"name": "printed-spelling", "clause": "C1.1", "kind": "accepted", "request": {"body": {"spins": 21}}}),
            json!({"name": "unknown-id", "clause": "C1.3", "kind": "refused", "request": {"id": "unknown", "body": {"spins": 23}}, "status": [404, 400]}),
        ];
        cases.extend(extra.as_array().cloned().unwrap_or_default());
        json!({"variant": name, "cases": cases})
    };
    let alias = json!({"name": "alias-consistency", "clause": "C1.2", "kind": "alias", "request": {"body": {"spins": 31}}});
    let files = [
        ("pack.json", pack),
        ("fixtures.json", fixtures),
        ("all-variants.json", cases),
        ("direct.json", variant_file("direct", json!([]))),
        (
            "part.json",
            variant_file(
                "part",
                json!([alias, {"name": "not-a-member", "clause": "C1.3", "kind": "refused", "request": {"id": "not-a-member", "body": {"spins": 26}}, "status": [404, 400]}]),
            ),
        ),
        (
            "fancy-twin.json",
            variant_file(
                "fancy-twin",
                json!([alias, {"name": "cast-mismatch", "clause": "C1.3", "kind": "refused", "request": {"id": "cast-mismatch", "body": {"spins": 25}}, "status": [404, 400]}]),
            ),
        ),
    ];
    std::fs::create_dir_all(dir).unwrap();
    for (name, value) in files {
        std::fs::write(
            dir.join(name),
            serde_json::to_string_pretty(&value).unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn a_pack_written_as_data_runs_against_serve_of_it() {
    let work = tempfile::tempdir().unwrap();
    let pack_dir = work.path().join("widget-pack");
    widget_pack(&pack_dir);
    let pack = pack_dir.to_str().unwrap();
    // The embedded service serving it.
    let (out, report) = run_suite(
        &["--pack", pack, "--cases", "16"],
        &work.path().join("embedded"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = report.unwrap();
    assert_eq!(
        report.summary.failed + report.summary.errors + report.summary.skipped,
        0,
        "{}",
        text(&out)
    );
    assert!(
        report.target.url.ends_with("/v1.0"),
        "{}",
        report.target.url
    );
    let names: Vec<&str> = report.results.iter().map(|r| r.name.as_str()).collect();
    assert!(
        names.contains(&"fancy-twin::C1.3::cast-mismatch")
            && names.contains(&"part::C1.2::alias-consistency"),
        "{names:?}"
    );
    assert!(
        names.contains(&"direct::C4.4::generated-valid-boolean"),
        "strategies follow the pack's types: {names:?}"
    );
    // `serve --pack` of it, as a target.
    let served = serve(work.path(), &["--pack", pack]);
    let (out, report) = run_against(
        &served,
        pack,
        &["--cases", "8"],
        &work.path().join("target"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = report.unwrap();
    assert!(
        report.restored.iter().all(|r| r.status == "restored"),
        "{:?}",
        report.restored
    );
    // And the checks are not vacuous on it: a service that keeps nothing is caught.
    let (out, report) = run_suite(
        &["--pack", pack, "--cases", "8", "--fault", "not-persisted"],
        &work.path().join("fault"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(clauses(&report.unwrap(), Outcome::Failed).contains(&"C5.1".to_owned()));
}

/// Writes the widget pack, applies `mistake` to one of its files, and loads it.
fn refused(file: &str, mistake: impl Fn(&mut Value)) -> String {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("pack");
    widget_pack(&dir);
    let path = dir.join(file);
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    mistake(&mut value);
    std::fs::write(&path, value.to_string()).unwrap();
    let out = bin(&["--pack", dir.to_str().unwrap(), "--list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{file}: {}", text(&out));
    let t = text(&out);
    assert!(!t.contains("panicked"), "{t}");
    t
}

#[test]
fn a_pack_with_a_mistake_is_refused_naming_the_file_and_the_field() {
    let t = refused("pack.json", |p| {
        p["variants"][1]["template"] = json!("widgets/{widgetId}/status")
    });
    assert!(
        t.contains("pack.json: variants[1].template") && t.contains("must start with '/'"),
        "{t}"
    );
    let t = refused("pack.json", |p| {
        p["entity"]["properties"][1]["type"] = json!("microsoft.example.gear")
    });
    assert!(
        t.contains("pack.json: entity.properties[1].type") && t.contains("microsoft.example.gear"),
        "{t}"
    );
    let t = refused("pack.json", |p| p["colour"] = json!("red"));
    assert!(
        t.contains("pack.json is not valid") && t.contains("colour"),
        "{t}"
    );
    let t = refused("fixtures.json", |f| {
        f["nodes"]["w3"]["links"].as_object_mut().unwrap().clear()
    });
    assert!(
        t.contains("fixtures.json: variants.fancy-twin.keys") && t.contains("does not resolve"),
        "{t}"
    );
    let t = refused("fixtures.json", |f| {
        f["variants"]["part"]["reads"] = json!({"widgetId": "w1"})
    });
    assert!(t.contains("fixtures.json: variants.part.reads"), "{t}");
    let t = refused("part.json", |c| c["variant"] = json!("spare-part"));
    assert!(
        t.contains("part.json")
            && t.contains("\"variant\": \"spare-part\" is not a variant of the pack"),
        "{t}"
    );
    let t = refused("all-variants.json", |c| {
        c["cases"][0]["request"]["body"]["colour"] = json!("red")
    });
    assert!(
        t.contains("all-variants.json") && t.contains("\"colour\", which is not a property"),
        "{t}"
    );
    let out = bin(&["--pack", "/nonexistent/pack", "--list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("user-overview-2017"),
        "the message lists the built-in packs: {}",
        text(&out)
    );
}

#[test]
fn packs_lists_the_built_in_packs_with_their_source() {
    let out = bin(&["packs"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("user-overview-2017 (default)") && t.contains("user-overview-2021"),
        "{t}"
    );
    assert!(t.contains("2017-02") && t.contains("2021-07"), "{t}");
}

#[test]
fn an_ids_file_of_the_first_wave_still_works() {
    let work = tempfile::tempdir().unwrap();
    let served = serve(work.path(), &[]);
    let ids: Value = serde_json::from_str(&std::fs::read_to_string(&served.ids).unwrap()).unwrap();
    let first_wave: serde_json::Map<String, Value> = ids["variants"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, v)| (name.clone(), json!({"deviceConfigurationId": v["keys"]["deviceConfigurationId"], "overviewOf": v["reads"]["deviceConfigurationId"]})))
        .collect();
    let old = work.path().join("first-wave-ids.json");
    std::fs::write(&old, json!({"variants": first_wave}).to_string()).unwrap();
    let out = bin(&[
        "--target",
        &served.url,
        "--ids",
        old.to_str().unwrap(),
        "--cases",
        "4",
        "-q",
    ])
    .arg("--report-dir")
    .arg(work.path().join("r"))
    .env("GRAPH_TOKEN", token("user-overview-2017", false))
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = read_report(&work.path().join("r")).unwrap();
    // The casts without an ids-file probe borrow another cast variant's configuration.
    let cast = report
        .results
        .iter()
        .find(|r| r.name == "ios-scep-root-certificate::C1.3::cast-mismatch")
        .unwrap();
    assert_eq!(cast.outcome, Outcome::Passed, "{}", cast.message);
}
