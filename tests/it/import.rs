//! Import (issue 12): the project's own pages in the template's shape cover every type of
//! CONTRACT's table and every way a page can be unreadable; the shared corpus (when present)
//! imports page by page and each pack passes `serve --pack` of itself; the seed and the 2021
//! page import into the built-in packs.

use std::path::{Path, PathBuf};
use std::process::Output;

use graph_conformance::pack::{Pack, Selection};
use graph_conformance::service;
use serde_json::Value;

use crate::support::{self, bin, clean, run_against, run_suite, serve, shared, text, trial_names};

const PAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pages/every-type");
const PAGE: &str = "api/intune-gadgets-gadgetstatus-update.md";

fn import(page: &Path, resources: Option<&Path>, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = bin(&["import"]);
    cmd.arg(page).arg("--out").arg(out).args(extra);
    if let Some(r) = resources {
        cmd.arg("--resources").arg(r);
    }
    cmd.output().expect("the binary runs")
}

/// The every-type page imported into `dir/pack`.
fn every_type_pack(dir: &Path) -> PathBuf {
    let out = dir.join("pack");
    let pages = Path::new(PAGES);
    let done = import(&pages.join(PAGE), Some(&pages.join("resources")), &out, &[]);
    assert!(done.status.success(), "{}", text(&done));
    out
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_every_type_page_imports_each_type_of_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let pack = json(&every_type_pack(dir.path()).join("pack.json"));
    let ty = |name: &str| -> String {
        let props = pack["entity"]["properties"].as_array().unwrap();
        let p = props
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {props:?}"));
        p["type"].as_str().unwrap().to_owned()
    };
    for (name, want) in [
        ("enabled", "Edm.Boolean"),
        ("spins", "Edm.Int32"),
        ("shortSpins", "Edm.Int16"),
        ("level", "Edm.Byte"),
        ("tilt", "Edm.SByte"),
        ("totalBytes", "Edm.Int64"),
        ("ratio", "Edm.Single"),
        ("weight", "Edm.Double"),
        ("seenDateTime", "Edm.DateTimeOffset"),
        ("startDate", "Edm.Date"),
        ("alarmTime", "Edm.TimeOfDay"),
        ("warmUp", "Edm.Duration"),
        ("ownerId", "Edm.Guid"),
        ("thumbnail", "Edm.Binary"),
        ("label", "Edm.String"),
        ("kind", "microsoft.graph.gadgetKind"),
        ("allowedKinds", "Collection(microsoft.graph.gadgetKind)"),
        ("tags", "Collection(Edm.String)"),
        ("readings", "Collection(Edm.Int64)"),
        ("range", "microsoft.graph.gadgetRange"),
        ("settings", "Collection(microsoft.graph.gadgetSetting)"),
    ] {
        assert_eq!(ty(name), want, "{name}");
    }
    let types = &pack["types"];
    assert_eq!(
        types["microsoft.graph.gadgetKind"]["members"],
        serde_json::json!(["small", "large", "huge"])
    );
    // Nested complex types, and derived ones looked up on their own resource pages.
    assert_eq!(
        types["microsoft.graph.gadgetRange"]["properties"][0]["type"],
        "microsoft.graph.gadgetBound"
    );
    let text_setting = &types["microsoft.graph.gadgetTextSetting"];
    assert_eq!(text_setting["base"], "microsoft.graph.gadgetSetting");
    assert_eq!(
        text_setting["properties"][1]["type"], "microsoft.graph.gadgetBound",
        "{text_setting}"
    );
    assert_eq!(
        types["microsoft.graph.fancyGadget"]["base"],
        "microsoft.graph.gadget"
    );
    // Read-only properties are marked, and the key is the key.
    let read_only: Vec<&str> = pack["entity"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["readOnly"] == true)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(read_only, ["id", "lastModifiedDateTime"]);
    let warnings = pack["warnings"]
        .as_array()
        .expect("warnings written into the pack");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("nullability")),
        "{warnings:?}"
    );
    assert!(
        !warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("no resource page describes")),
        "{warnings:?}"
    );
}

#[test]
fn the_every_type_pack_passes_the_embedded_service_and_serve_of_itself() {
    let dir = tempfile::tempdir().unwrap();
    let pack = every_type_pack(dir.path());
    let pack = pack.to_str().unwrap();
    let (out, report) = run_suite(
        &["--pack", pack, "--cases", "32"],
        &dir.path().join("embedded"),
    );
    let report = clean(&out, report);
    let names: Vec<&str> = report.results.iter().map(|r| r.name.as_str()).collect();
    for family in [
        "boolean",
        "int32",
        "int64",
        "single",
        "double",
        "datetimeoffset",
        "date",
        "timeofday",
        "duration",
        "guid",
        "binary",
        "string",
        "enum",
        "collection",
        "complex",
    ] {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("direct::")
                    && n.contains(&format!("generated-valid-{family}"))),
            "no valid strategy for {family}: {names:?}"
        );
    }
    let served = serve(dir.path(), &["--pack", pack]);
    let (out, report) = run_against(&served, pack, &["--cases", "8"], &dir.path().join("served"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = report.unwrap().summary;
    assert_eq!(
        (s.failed, s.errors, s.warned, s.skipped),
        (0, 0, 0, 0),
        "{}",
        text(&out)
    );
}

#[test]
fn a_fault_that_mishandles_any_type_is_caught_citing_the_types_clause() {
    let dir = tempfile::tempdir().unwrap();
    let pack_dir = every_type_pack(dir.path());
    let pack = Pack::load(&Selection {
        pack: Some(pack_dir.to_str().unwrap().into()),
        ..Selection::default()
    })
    .unwrap();
    let faults: Vec<_> = service::all_faults()
        .into_iter()
        .filter(|f| f.fault.applies(&pack) && matches!(f.fault, service::Fault::Type(_)))
        .collect();
    assert!(
        faults.len() >= 45,
        "a type fault for every family of the table: {}",
        faults.len()
    );
    let mut missed = Vec::new();
    for fault in &faults {
        let reports = dir.path().join(&fault.name);
        let (out, report) = run_suite(
            &[
                "--pack",
                pack_dir.to_str().unwrap(),
                "--fault",
                &fault.name,
                "--cases",
                "32",
                "direct::",
            ],
            &reports,
        );
        missed.extend(support::missed(fault, &out, report.as_ref()));
    }
    assert!(
        missed.is_empty(),
        "type faults not caught:\n{}",
        missed.join("\n")
    );
}

/// The every-type page with `from` replaced by `to` (which must occur), imported without
/// success: exit 2, a message naming the section and the line, and nothing written.
fn unreadable(from: &str, to: &str, section: &str, needle: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read_to_string(Path::new(PAGES).join(PAGE)).unwrap();
    assert!(page.contains(from), "{from}");
    let changed = page.replacen(from, to, 1);
    let path = dir.path().join("intune-gadgets-gadgetstatus-update.md");
    std::fs::write(&path, &changed).unwrap();
    let out_dir = dir.path().join("out");
    let out = import(
        &path,
        Some(&Path::new(PAGES).join("resources")),
        &out_dir,
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    assert!(!out_dir.exists(), "nothing is half-written: {t}");
    assert!(
        t.contains(&format!(
            "intune-gadgets-gadgetstatus-update.md: {section}, line "
        )),
        "names the section {section}: {t}"
    );
    if let Some(needle) = needle {
        let line = changed
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| l.contains(needle))
            .expect("the needle is on the page")
            + 1;
        assert!(
            t.contains(&format!("{section}, line {line}:")),
            "names line {line}: {t}"
        );
    }
    t
}

/// One way to make the every-type page unreadable: `from` becomes `to`; the error names
/// `section` (and the line of the last line holding `line_of`) and says each of `says`.
struct Unreadable {
    from: &'static str,
    to: &'static str,
    section: &'static str,
    line_of: Option<&'static str>,
    says: &'static [&'static str],
}

const UNREADABLE: &[Unreadable] = &[
    Unreadable {
        from: "# Update gadgetStatus",
        to: "# Gadgets explained",
        section: "title",
        line_of: None,
        says: &["not an \"Update <entity>\" page"],
    },
    Unreadable {
        from: "PATCH /deviceManagement/gadgetStatuses/{gadgetStatusId}\n",
        to: "POST /deviceManagement/gadgetStatuses/{gadgetStatusId}/reset\n",
        section: "HTTP Request",
        line_of: Some("POST /deviceManagement"),
        says: &["POST", "action"],
    },
    Unreadable {
        from: "|level|Byte|",
        to: "|level|Decimal|",
        section: "Request body",
        line_of: Some("|level|Decimal|"),
        says: &["Decimal"],
    },
    Unreadable {
        from: "|tilt|SByte|",
        to: "|tilt|Int128|",
        section: "Request body",
        line_of: Some("|tilt|Int128|"),
        says: &["Int128"],
    },
    Unreadable {
        from: "intune-gadgets-gadgetkind.md)|The kind.",
        to: "intune-gadgets-gadgetsort.md)|The kind.",
        section: "Request body",
        line_of: Some("gadgetsort"),
        says: &["intune-gadgets-gadgetsort.md", "--resources"],
    },
    Unreadable {
        from: "|Property|Type|Description|\n|:---|:---|:---|\n|id|",
        to: "|Property|Type|Description|\n|id|",
        section: "Request body",
        line_of: None,
        says: &["separator"],
    },
    Unreadable {
        from: "-08:00\"\n}\n```\n",
        to: "-08:00\"\n}\n",
        section: "Response",
        line_of: Some("``` http"),
        says: &["never closed"],
    },
    Unreadable {
        from: "## HTTP Request\n",
        to: "## HTTP Resources\n",
        section: "Update gadgetStatus",
        line_of: None,
        says: &["no \"## HTTP Request\" section"],
    },
    Unreadable {
        from: "|id|String|Key of the entity. This property is read-only.|\n",
        to: "",
        section: "Request body",
        line_of: None,
        says: &["no id"],
    },
    Unreadable {
        from: "doc_type: apiPageType\n---\n",
        to: "doc_type: apiPageType\n",
        section: "front matter",
        line_of: None,
        says: &["never closed"],
    },
    Unreadable {
        from: "  \"enabled\": true,\n  \"spins\": 7,",
        to: "  \"enabled\": true\n  \"spins\": 7,",
        section: "Request",
        line_of: None,
        says: &["does not parse"],
    },
];

#[test]
fn every_way_a_page_can_be_unreadable_is_an_error_naming_section_and_line() {
    for u in UNREADABLE {
        let t = unreadable(u.from, u.to, u.section, u.line_of);
        for said in u.says {
            assert!(
                t.contains(said),
                "{:?} → {:?}: the message says {said:?}: {t}",
                u.from,
                u.to
            );
        }
    }
}

#[test]
fn a_page_whose_paths_cannot_be_read_needs_path_and_then_imports() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read_to_string(Path::new(PAGES).join(PAGE)).unwrap();
    let generator_miss = "PATCH Entity URI for microsoft.graph.gadgetStatus not found\n";
    let changed = page
        .replacen(
            "PATCH /deviceManagement/gadgetStatuses/{gadgetStatusId}\n",
            generator_miss,
            1,
        )
        .replacen("PATCH /deviceManagement/gadgets/{gadgetId}/status\n", "", 1)
        .replacen(
            "PATCH /deviceManagement/gadgets/{gadgetId}/microsoft.graph.fancyGadget/twin/status\n",
            "",
            1,
        );
    let path = dir.path().join("intune-gadgets-gadgetstatus-update.md");
    std::fs::write(&path, changed).unwrap();
    let resources = Path::new(PAGES).join("resources");
    let out = import(&path, Some(&resources), &dir.path().join("refused"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--path"),
        "tells the user what to pass: {}",
        text(&out)
    );
    assert!(!dir.path().join("refused").exists());
    let pack = dir.path().join("pack");
    let out = import(
        &path,
        Some(&resources),
        &pack,
        &[
            "--path",
            "/deviceManagement/gadgetStatuses/{gadgetStatusId}",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let (out, report) = run_suite(
        &["--pack", pack.to_str().unwrap(), "--cases", "8"],
        &dir.path().join("r"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(report.unwrap().summary.failed, 0);
}

#[test]
fn an_out_folder_that_holds_files_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("notes.txt"), "mine").unwrap();
    let pages = Path::new(PAGES);
    let out = import(
        &pages.join(PAGE),
        Some(&pages.join("resources")),
        &out_dir,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("not empty") || text(&out).contains("--out"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1);
}

#[test]
fn without_resources_the_page_alone_is_used_and_the_rest_is_an_error_naming_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = import(
        &Path::new(PAGES).join(PAGE),
        None,
        &dir.path().join("pack"),
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("intune-gadgets-gadgetrange.md") && t.contains("--resources"),
        "{t}"
    );
}

/// Every update page of the shared corpus, imported and run against `serve --pack` of itself.
#[test]
fn every_shared_update_page_imports_and_passes_serve_of_itself() {
    let Some(shared) = shared() else { return };
    let api = shared.join("graph-docs/api");
    let resources = shared.join("graph-docs/resources");
    let dir = tempfile::tempdir().unwrap();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&api)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    let mut failures = Vec::new();
    let mut passed = 0;
    for page in &pages {
        let name = page.file_stem().unwrap().to_string_lossy().into_owned();
        let pack = dir.path().join(&name);
        // Each pack is run against `serve --pack` of it below, so the self-check is skipped.
        let extra: &[&str] = if name.contains("vulnerablemanageddevice") {
            &[
                "--no-check",
                "--path",
                "/deviceManagement/vulnerableManagedDevices/{vulnerableManagedDeviceId}",
            ]
        } else {
            &["--no-check"]
        };
        let out = import(page, Some(&resources), &pack, extra);
        if name == "intune-policyset-policyset-update" {
            let t = text(&out);
            if out.status.code() != Some(2) || !t.contains("POST") || !t.contains("action") {
                failures.push(format!(
                    "{name}: the action page is not refused as one: {t}"
                ));
            }
            continue;
        }
        if !out.status.success() {
            failures.push(format!("{name}: import failed: {}", text(&out)));
            continue;
        }
        let served = serve(dir.path(), &["--pack", pack.to_str().unwrap()]);
        let reports = dir.path().join(format!("{name}-report"));
        let (run, report) =
            run_against(&served, pack.to_str().unwrap(), &["--cases", "8"], &reports);
        let clean =
            report.is_some_and(|r| r.summary.failed + r.summary.errors + r.summary.warned == 0);
        if run.status.code() != Some(0) || !clean {
            failures.push(format!(
                "{name}: run against serve --pack: exit {:?}\n{}",
                run.status.code(),
                text(&run)
            ));
        } else {
            passed += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(passed, 35, "the 35 update pages of the corpus");
}

/// The built-in pack folder `name`'s files.
fn built_in(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("cases")
        .join(name)
}

#[test]
fn the_seed_page_imports_into_a_pack_running_the_built_in_seed_packs_trials() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(shared.join("seeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    let seed = seeds.first().expect("the seed page");
    let pack = dir.path().join("seed");
    let out = import(seed, None, &pack, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let imported = trial_names(&["--pack", pack.to_str().unwrap()]);
    let mut built_in_names = trial_names(&["--pack", "user-overview-2017"]);
    // The built-in pack adds one case by hand (extras.json): the property name of later Graph.
    built_in_names.retain(|n| !n.ends_with("::later-graph-property-name"));
    assert_eq!(imported, built_in_names);
    assert!(imported.len() > 600, "{}", imported.len());
    let (out, report) = run_suite(
        &["--pack", pack.to_str().unwrap(), "--cases", "16"],
        &dir.path().join("r"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(report.unwrap().summary.failed, 0);
}

#[test]
fn the_2021_page_imports_into_the_built_in_later_pack() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page =
        shared.join("graph-docs/api/intune-deviceconfig-deviceconfigurationuseroverview-update.md");
    let pack = dir.path().join("later");
    let out = import(
        &page,
        Some(&shared.join("graph-docs/resources")),
        &pack,
        &["--name", "user-overview-2021"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let built = built_in("user-overview-2021");
    let mut files: Vec<String> = std::fs::read_dir(&built)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut imported: Vec<String> = std::fs::read_dir(&pack)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    imported.sort();
    assert_eq!(imported, files);
    for file in &files {
        let mut want = json(&built.join(file));
        let got = json(&pack.join(file));
        if file == "pack.json" {
            // The built-in pack's source names the page's revision, which the page itself does
            // not state (it has no ms.date): the one line written by hand.
            want["source"] = got["source"].clone();
        }
        assert_eq!(got, want, "{file}");
    }
}

/// Copies every file of `from` into `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// Pages no import reaches that the reader cannot read: no title, an unclosed block, bytes
/// that are not UTF-8, a bare type name, an enum value that is not a number.
fn add_unreadable_pages(dir: &Path) {
    let pages: [(&str, &[u8]); 5] = [
        ("intune-broken-notitle.md", b"no title here\n|a|b|\n"),
        (
            "intune-broken-fence.md",
            b"# widgetFence resource type\n\n## Properties\n```\nnever closed\n",
        ),
        ("intune-broken-bytes.md", b"# bytes resource type\n\xff\xfe\x00\n"),
        (
            "intune-broken-baretype.md",
            b"# bareThing resource type\n\n## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n|x|someComplexType|bare|\n",
        ),
        (
            "intune-broken-enum.md",
            b"---\ndoc_type: enumPageType\n---\n# brokenKind enum type\n\n## Members\n|Member|Value|Description|\n|:---|:---|:---|\n|a|one|not a number|\n",
        ),
    ];
    for (name, bytes) in pages {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Today's pages (`../shared/graph-docs-current/`), imported as a folder against a copy of their
/// resources folder that also holds unreadable pages no import reaches: every page imports,
/// passes its self-check, and carries its `ms.date`; the seed's pack also passes `serve --pack`
/// of itself run as a separate process.
#[test]
fn todays_pages_import_as_a_folder_and_pass_serve_of_themselves() {
    let Some(shared) = shared() else { return };
    let current = shared.join("graph-docs-current");
    if !current.is_dir() {
        eprintln!("skipped: ../shared/graph-docs-current is absent");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let resources = dir.path().join("resources");
    copy_dir(&current.join("resources"), &resources);
    add_unreadable_pages(&resources);
    let packs = dir.path().join("packs");
    let out = import(&current.join("api"), Some(&resources), &packs, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let table: Vec<&str> = t
        .lines()
        .filter(|l| l.starts_with("intune-") && l.contains("-update.md "))
        .collect();
    assert_eq!(table.len(), 9, "{t}");
    assert!(table.iter().all(|l| l.contains("passed (")), "{t}");
    assert!(t.contains("9 of 9 pages imported"), "{t}");
    assert!(t.contains("[9/9]"), "the progress line: {t}");
    for entry in std::fs::read_dir(&packs).unwrap() {
        let pack = json(&entry.unwrap().path().join("pack.json"));
        let date = pack["source"]["date"].as_str().unwrap();
        assert!(date.starts_with("202"), "{date}");
        let delegated = pack["permissions"]["delegated"].as_array().unwrap();
        assert!(!delegated.is_empty(), "{pack}");
    }
    let seed = packs.join("deviceconfig-deviceconfigurationuseroverview");
    let served = serve(dir.path(), &["--pack", seed.to_str().unwrap()]);
    let (run, report) = run_against(
        &served,
        seed.to_str().unwrap(),
        &["--cases", "8"],
        &dir.path().join("seed-report"),
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let summary = report.unwrap().summary;
    assert_eq!(summary.failed + summary.errors + summary.warned, 0);
}

/// A page the import does reach that cannot be read fails it, naming that page, its line and
/// the chain of links that led there; nothing is written.
#[test]
fn an_unreadable_page_that_is_reached_is_an_error_naming_the_chain() {
    let Some(shared) = shared() else { return };
    let current = shared.join("graph-docs-current");
    if !current.is_dir() {
        eprintln!("skipped: ../shared/graph-docs-current is absent");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let resources = dir.path().join("resources");
    copy_dir(&current.join("resources"), &resources);
    let reached = "intune-deviceconfig-devicemanagementapplicabilityruleosedition.md";
    let text_of = std::fs::read_to_string(resources.join(reached)).unwrap();
    let broken = text_of.replacen("|String|", "|Strung|", 1);
    assert_ne!(broken, text_of, "the page has a String row to break");
    std::fs::write(resources.join(reached), &broken).unwrap();
    let line = broken.lines().position(|l| l.contains("|Strung|")).unwrap() + 1;
    let page = current.join("api/intune-deviceconfig-iosupdateconfiguration-update.md");
    let out_dir = dir.path().join("pack");
    let out = import(&page, Some(&resources), &out_dir, &["--no-check"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(&format!("{reached}: Properties, line {line}:")),
        "{t}"
    );
    assert!(t.contains("`Strung`"), "{t}");
    assert!(
        t.contains(
            "reached this page from intune-deviceconfig-iosupdateconfiguration-update.md, line "
        ),
        "{t}"
    );
    assert!(!out_dir.exists());
}

/// The every-type page with its permissions table saying "Not supported." everywhere: an
/// error naming the section, and nothing written.
#[test]
fn a_page_without_permissions_is_an_error_naming_the_section() {
    let dir = tempfile::tempdir().unwrap();
    let pages = Path::new(PAGES);
    let original = std::fs::read_to_string(pages.join(PAGE)).unwrap();
    let mut changed = String::new();
    for line in original.split_inclusive('\n') {
        let row = line.starts_with("|Delegated (work or school account)|")
            || line.starts_with("|Application|");
        if row {
            let label = line.split('|').nth(1).unwrap();
            changed.push_str(&format!("|{label}|Not supported.|\n"));
        } else {
            changed.push_str(line);
        }
    }
    assert_ne!(changed, original);
    let page = dir.path().join("intune-gadgets-gadgetstatus-update.md");
    std::fs::write(&page, &changed).unwrap();
    let out_dir = dir.path().join("pack");
    let out = import(&page, Some(&pages.join("resources")), &out_dir, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    let heading = changed
        .lines()
        .position(|l| l == "## Prerequisites")
        .unwrap()
        + 1;
    assert!(
        t.contains(&format!(
            "Prerequisites, line {heading}: the section names no permission"
        )),
        "{t}"
    );
    assert!(!out_dir.exists());
}

/// A page whose example breaks its own types (an Int32 of 2^31) imports into a pack whose
/// reference refuses the example: the self-check refuses the pack, lists the failing trials,
/// and writes nothing; `--no-check` writes it anyway.
#[test]
fn the_self_check_refuses_a_pack_that_cannot_pass_its_own_reference() {
    let dir = tempfile::tempdir().unwrap();
    let pages = Path::new(PAGES);
    let original = std::fs::read_to_string(pages.join(PAGE)).unwrap();
    let changed = original.replacen("\"spins\": 7,", "\"spins\": 2147483648,", 1);
    assert_ne!(changed, original);
    let page = dir.path().join("intune-gadgets-gadgetstatus-update.md");
    std::fs::write(&page, &changed).unwrap();
    let out_dir = dir.path().join("pack");
    let out = import(&page, Some(&pages.join("resources")), &out_dir, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("does not pass its own reference service"), "{t}");
    assert!(t.contains("direct::C4.4::doc-example (Failed)"), "{t}");
    assert!(!out_dir.exists(), "a refused pack is not written");
    let siblings: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(siblings.len(), 1, "no partial folder is left behind");
    let out = import(
        &page,
        Some(&pages.join("resources")),
        &out_dir,
        &["--no-check"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("not self-checked"), "{}", text(&out));
}

/// Graph v1.0's pages with Graph v1.0's CSDL and no resource pages: each imports, passes its
/// self-check, and has no nullability warning (the CSDL says which properties may be null).
#[test]
fn v1_pages_import_with_the_csdl_alone() {
    let Some(shared) = shared() else { return };
    let (api, csdl) = (
        shared.join("graph-docs-v1/api"),
        shared.join("csdl/v1.0-Prod.csdl"),
    );
    if !api.is_dir() || !csdl.is_file() {
        eprintln!("skipped: ../shared/graph-docs-v1 or ../shared/csdl is absent");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let packs = dir.path().join("packs");
    let out = import(&api, None, &packs, &["--csdl", csdl.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("4 of 4 pages imported"), "{t}");
    let pack = json(&packs.join("deviceconfig-deviceconfigurationuseroverview/pack.json"));
    assert_eq!(pack["version"], "v1.0");
    let warnings = pack["warnings"].as_array().map_or(&[][..], Vec::as_slice);
    assert!(
        !warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("nullab")),
        "{warnings:?}"
    );
    let pending = pack["entity"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "pendingCount")
        .unwrap();
    assert!(
        pending.get("nullable").is_none_or(|n| n == false),
        "{pending}"
    );
    let content = json(&packs.join("apps-mobileappcontentfile/pack.json"));
    let said = content["warnings"].as_array().unwrap();
    assert!(
        said.iter()
            .any(|w| w.as_str().unwrap().contains("isDependency")),
        "the CSDL's property the page lacks is named: {said:?}"
    );
}

/// Quirks of clear meaning on the page (`DateTime`, `&nbsp;` and U+200B at a cell's edges, a
/// section row) import, each written into pack.json's warnings with the page and its line.
#[test]
fn quirks_of_clear_meaning_are_warnings_with_page_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let pages = Path::new(PAGES);
    let original = std::fs::read_to_string(pages.join(PAGE)).unwrap();
    let changed = original
        .replacen(
            "|seenDateTime|DateTimeOffset|",
            "|seenDateTime|DateTime|",
            1,
        )
        .replacen("|label|String|", "|label&nbsp;|String\u{200B}|", 1)
        .replacen("|spins|Int32|", "|**Counters**|\n|spins|Int32|", 1);
    let line = |needle: &str| changed.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let page = dir.path().join("intune-gadgets-gadgetstatus-update.md");
    std::fs::write(&page, &changed).unwrap();
    let out_dir = dir.path().join("pack");
    let out = import(&page, Some(&pages.join("resources")), &out_dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let pack = json(&out_dir.join("pack.json"));
    let warnings: Vec<&str> = pack["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let name = "intune-gadgets-gadgetstatus-update.md";
    for (needle, says) in [
        ("|seenDateTime|", "read as DateTimeOffset"),
        ("|label", "`&nbsp;`"),
        ("|label", "zero-width"),
        ("|**Counters**|", "section row"),
    ] {
        let at = format!("{name}, line {}:", line(needle));
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&at) && w.contains(says)),
            "{at} … {says}: {warnings:#?}"
        );
    }
    let seen = pack["entity"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "seenDateTime")
        .unwrap();
    assert_eq!(seen["type"], "Edm.DateTimeOffset");
}
