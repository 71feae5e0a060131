//! The readers over the whole shared corpus: every update page, every resource page and the
//! 2017 seed, checked against the counts of the docs survey (/tmp/docs-survey.md).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::markdown::{is_read_only, possible_values, prose_rules, Row, TypeCell};
use super::page::{parse_update_page, Page};
use super::resource::{parse_resource_page, Resource, ResourceKind};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

/// Every `.md` file of a folder, by file name.
fn pages(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(dir).expect("the corpus folder is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = path.file_name().expect("a file name").to_string_lossy();
            let text = fs::read_to_string(&path).expect("a UTF-8 page");
            out.insert(name.into_owned(), text);
        }
    }
    out
}

fn type_key(row: &Row) -> String {
    match &row.ty {
        TypeCell::Primitive { name, collection } => format!("{name}{}", suffix(*collection)),
        TypeCell::Link { collection, .. } => format!("link{}", suffix(*collection)),
    }
}

fn suffix(collection: bool) -> &'static str {
    if collection {
        " collection"
    } else {
        ""
    }
}

fn count_types<'a>(rows: impl Iterator<Item = &'a Row>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for row in rows {
        *counts.entry(type_key(row)).or_insert(0) += 1;
    }
    counts
}

#[test]
fn the_shared_corpus_reads_as_the_survey_describes() {
    let shared = Path::new(SHARED);
    if !shared.is_dir() {
        eprintln!("skipped: {SHARED} is absent, so there is no corpus to read");
        return;
    }
    let resources = read_resources(&shared.join("graph-docs/resources"));
    let updates = read_updates(&shared.join("graph-docs/api"));
    check_updates(&updates, &resources);
    check_resources(&resources);
    let seed = fs::read_to_string(shared.join("seeds/000_83efb4ac82b4b477.txt"))
        .expect("the seed is readable");
    check_seed(&parse_update_page(&seed).expect("the seed parses"));
}

fn read_updates(dir: &Path) -> BTreeMap<String, Page> {
    let files = pages(dir);
    assert_eq!(files.len(), 36);
    let mut out = BTreeMap::new();
    for (name, text) in files {
        match parse_update_page(&text) {
            Ok(page) => {
                out.insert(name, page);
            }
            Err(e) if name == "intune-policyset-policyset-update.md" => {
                assert_eq!(e.line, 35, "{e}");
                assert!(e.problem.contains("POST action"), "{e}");
                assert!(
                    e.problem
                        .contains("`POST /deviceAppManagement/policySets/{policySetId}/update`"),
                    "{e}"
                );
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert_eq!(out.len(), 35);
    out
}

fn read_resources(dir: &Path) -> BTreeMap<String, Resource> {
    let files = pages(dir);
    assert_eq!(files.len(), 332);
    files
        .into_iter()
        .map(|(name, text)| match parse_resource_page(&text) {
            Ok(resource) => (name, resource),
            Err(e) => panic!("{name}: {e}"),
        })
        .collect()
}

fn check_updates(updates: &BTreeMap<String, Page>, resources: &BTreeMap<String, Resource>) {
    for (name, page) in updates {
        assert_eq!(page.namespace.as_deref(), Some("microsoft.graph"), "{name}");
        assert_eq!(page.success, (200, true), "{name}");
        assert_eq!(page.version.as_deref(), Some("beta"), "{name}");
        assert!(!page.permissions.delegated.is_empty(), "{name}");
        assert!(!page.permissions.application.is_empty(), "{name}");
        let request = page.example_request.as_ref().expect("an example request");
        let odata = request.value.get("@odata.type").and_then(|v| v.as_str());
        assert_eq!(
            odata,
            Some(format!("#microsoft.graph.{}", page.entity).as_str())
        );
        assert!(page.example_response.is_some(), "{name}");
        check_against_resource(name, page, resources);
    }
    let all_rows = || updates.values().flat_map(|p| &p.properties);
    assert_eq!(all_rows().count(), 810 - 4, "810 rows less policyset's 4");
    let counts = count_types(all_rows());
    assert_eq!(counts["String collection"], 33 - 1);
    assert_eq!(counts["link"], 160);
    assert_eq!(counts["link collection"], 24 - 3);
    let scalar_primitives: usize = counts
        .iter()
        .filter(|(k, _)| !k.contains(' ') && k.as_str() != "link")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(scalar_primitives, 593);
    assert_eq!(counts["Boolean"], 218);
    assert_eq!(counts["String"], 169);
    check_descriptions(updates);
    check_update_pages(updates);
    let lists = check_listed_members(updates.values().flat_map(|p| &p.properties), resources);
    assert_eq!(lists, 112);
}

/// Every api entity's resource page exists, is an entity page, and has the same rows.
fn check_against_resource(name: &str, page: &Page, resources: &BTreeMap<String, Resource>) {
    let link = page.entity_link.as_ref().expect("an entity link");
    assert_eq!(link.text, page.entity);
    let resource = resources.get(&link.file).expect("the entity's page exists");
    assert_eq!(resource.kind, ResourceKind::Entity, "{name}");
    assert_eq!(resource.name, page.entity, "{name}");
    let shape = |rows: &[Row]| -> Vec<(String, TypeCell)> {
        rows.iter()
            .map(|r| (r.name.clone(), r.ty.clone()))
            .collect()
    };
    assert_eq!(
        shape(&page.properties),
        shape(&resource.properties),
        "{name}"
    );
}

fn check_descriptions(updates: &BTreeMap<String, Page>) {
    let rows: Vec<&Row> = updates.values().flat_map(|p| &p.properties).collect();
    let read_only = rows.iter().filter(|r| is_read_only(&r.description)).count();
    assert_eq!(
        read_only,
        85 + 1,
        "85 \"This property is read-only.\" + 1 role definition id"
    );
    let listed = rows
        .iter()
        .filter(|r| possible_values(&r.description).is_some())
        .count();
    assert_eq!(listed, 112);
    let wufb = &updates["intune-deviceconfig-windowsupdateforbusinessconfiguration-update.md"];
    let business = wufb
        .properties
        .iter()
        .find(|r| r.name == "businessReadyUpdatesOnly")
        .expect("the businessReadyUpdatesOnly row");
    assert!(!is_read_only(&business.description));
    let win32 = &updates["intune-apps-win32lobapp-update.md"];
    let upload = win32.properties.iter().find(|r| r.name == "uploadState");
    let upload = upload.expect("the uploadState row");
    assert_eq!(possible_values(&upload.description), None);
    assert_eq!(
        prose_rules(&upload.description),
        ["Possible values are: 0 - `Not Ready`, 1 - `Ready`, 2 - `Processing`."]
    );
}

fn check_update_pages(updates: &BTreeMap<String, Page>) {
    let vulnerable = &updates["intune-partnerintegration-vulnerablemanageddevice-update.md"];
    assert!(vulnerable.paths.is_empty());
    assert_eq!(vulnerable.unreadable_paths.len(), 1);
    assert_eq!(vulnerable.unreadable_paths[0].line, 35);
    assert!(vulnerable.unreadable_paths[0]
        .value
        .starts_with("** Entity URI for"));
    let paths: usize = updates.values().map(|p| p.paths.len()).sum();
    assert_eq!(
        paths,
        101 - 2,
        "101 request lines less the POST and the broken one"
    );
    let rows = |file: &str| updates[file].properties.len();
    assert_eq!(rows("intune-apps-win32lobapp-update.md"), 40);
    assert_eq!(rows("intune-devices-manageddevice-update.md"), 78);
    assert_eq!(
        rows("intune-deviceconfig-windows10generalconfiguration-update.md"),
        293
    );
    let win32 = &updates["intune-apps-win32lobapp-update.md"];
    assert!(win32.properties.iter().any(|r| matches!(
        r.ty,
        TypeCell::Link {
            collection: true,
            ..
        }
    )));
    let v2 = &updates["intune-deviceconfigv2-devicemanagementconfigurationpolicy-update.md"];
    assert_eq!(
        v2.permissions.application,
        [
            "DeviceManagementConfiguration.Read.All",
            "DeviceManagementConfiguration.ReadWrite.All"
        ]
    );
    assert_eq!(
        v2.permissions.delegated,
        ["DeviceManagementConfiguration.ReadWrite.All"]
    );
    let overview = &updates["intune-deviceconfig-deviceconfigurationdeviceoverview-update.md"];
    assert_eq!(overview.paths.len(), 10);
    assert_eq!(overview.paths[0].line, 35);
}

fn check_resources(resources: &BTreeMap<String, Resource>) {
    let kinds = |kind| resources.values().filter(|r| r.kind == kind).count();
    assert_eq!(kinds(ResourceKind::Entity), 118);
    assert_eq!(kinds(ResourceKind::Complex), 71);
    assert_eq!(kinds(ResourceKind::Enum), 143);
    for (name, resource) in resources {
        assert_eq!(
            resource.namespace.as_deref(),
            Some("microsoft.graph"),
            "{name}"
        );
        if resource.kind == ResourceKind::Enum {
            assert!(!resource.members.is_empty(), "{name}");
        } else {
            assert!(resource.members.is_empty(), "{name}");
        }
        if resource.kind == ResourceKind::Complex {
            assert!(resource.relationships.is_empty(), "{name}");
        }
    }
    let members: usize = resources.values().map(|r| r.members.len()).sum();
    assert_eq!(members, 870);
    let relationships: usize = resources.values().map(|r| r.relationships.len()).sum();
    assert_eq!(relationships, 83 + 199);
    let with_table = resources
        .values()
        .filter(|r| r.kind == ResourceKind::Entity && !r.relationships.is_empty())
        .count();
    assert_eq!(with_table, 65);
    assert!(resources
        .values()
        .flat_map(|r| &r.relationships)
        .all(|r| matches!(r.ty, TypeCell::Link { .. })));
    check_resource_types(resources);
    check_resource_pages(resources);
    let lists = check_listed_members(resources.values().flat_map(|r| &r.properties), resources);
    assert_eq!(lists, 241, "not stated by the survey: counted with grep");
}

/// Every "Possible values" list on a link-typed row names members of the linked enum page, in
/// its order, and all of them except on the three rows the survey names; returns the lists.
fn check_listed_members<'a>(
    rows: impl Iterator<Item = &'a Row>,
    resources: &BTreeMap<String, Resource>,
) -> usize {
    let short = ["managementAgent", "applicablePlatforms", "deviceType"];
    let mut lists = 0;
    for row in rows {
        let (TypeCell::Link { link, .. }, Some(listed)) =
            (&row.ty, possible_values(&row.description))
        else {
            continue;
        };
        lists += 1;
        let members: Vec<&str> = resources[&link.file]
            .members
            .iter()
            .map(|(m, _)| m.as_str())
            .collect();
        let mut rest = members.iter();
        let in_order = listed.iter().all(|m| rest.any(|e| e == m));
        assert!(in_order, "{}: {listed:?}", row.name);
        let all = listed.len() == members.len() || short.contains(&row.name.as_str());
        assert!(all, "{}", row.name);
    }
    lists
}

fn check_resource_types(resources: &BTreeMap<String, Resource>) {
    let counts = count_types(resources.values().flat_map(|r| &r.properties));
    let stated = [
        ("String", 637),
        ("String collection", 75),
        ("Boolean", 326),
        ("Int32", 249),
        ("Int64", 15),
        ("Double", 3),
        ("Single", 1),
        ("DateTimeOffset", 153),
        ("Date", 2),
        ("TimeOfDay", 6),
        ("Duration", 1),
        ("Guid", 3),
        ("Binary", 11),
        ("Stream", 1),
    ];
    for (ty, n) in stated {
        assert_eq!(counts.get(ty).copied(), Some(n), "{ty}");
    }
    // Not stated by the survey: counted with awk over the Properties sections.
    assert_eq!(counts["link"], 358);
    assert_eq!(counts["link collection"], 47);
    assert_eq!(counts.values().sum::<usize>(), 1888);
}

fn check_resource_pages(resources: &BTreeMap<String, Resource>) {
    assert_eq!(resources.values().filter(|r| r.base.is_some()).count(), 31);
    let abstract_pages: Vec<&str> = resources
        .values()
        .filter(|r| r.abstract_hint)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        abstract_pages,
        [
            "mobileContainedApp",
            "mobileLobApp",
            "mobileApp",
            "mobileAppAssignmentSettings"
        ]
    );
    let empty: Vec<&str> = resources
        .values()
        .filter(|r| r.kind != ResourceKind::Enum && r.properties.is_empty())
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(empty.len(), 8, "{empty:?}");
    let statement = &resources["intune-fencing-managementconditionstatement.md"];
    let platforms = statement.properties.last().expect("applicablePlatforms");
    assert_eq!(platforms.name, "applicablePlatforms");
    assert!(platforms
        .description
        .ends_with("finding the intersection of applicable platforms."));
    assert_eq!(statement.relationships.len(), 1);
    let user = &resources["intune-shared-user.md"];
    assert_eq!((user.properties.len(), user.relationships.len()), (2, 6));
    let category = &resources["intune-shared-devicecategory.md"];
    assert!(is_read_only(&category.properties[0].description));
    assert_eq!(category.properties.len(), 3);
    let detail = &resources["intune-apps-resultantappstatedetail.md"];
    assert!(detail.members.iter().any(|(_, v)| *v == -1013));
    let agent = &resources["intune-shared-managementagenttype.md"];
    assert!(agent
        .members
        .contains(&("windowsManagementCloudApi".to_string(), 512)));
    let domain_join = &resources["intune-shared-windowsdomainjoinconfiguration.md"];
    let base = domain_join.base.as_ref().expect("a base");
    assert_eq!(base.file, "intune-shared-deviceconfiguration.md");
}

fn check_seed(seed: &Page) {
    assert_eq!(seed.entity, "deviceConfigurationUserOverview");
    assert_eq!(seed.namespace, None);
    let link = seed.entity_link.as_ref().expect("the seed's link");
    assert_eq!(
        link.file,
        "intune-deviceconfig-deviceconfigurationuseroverview.md"
    );
    let scope = ["DeviceManagementConfiguration.ReadWrite.All"];
    assert_eq!(seed.permissions.delegated, scope);
    assert_eq!(seed.permissions.application, scope);
    assert_eq!(seed.paths.len(), 8);
    assert!(seed.paths.iter().all(|p| p.value.ends_with('/')));
    assert_eq!(seed.properties.len(), 7);
    assert_eq!(seed.success, (200, true));
    assert_eq!(seed.version.as_deref(), Some("beta"));
    let request = seed.example_request.as_ref().expect("the seed's request");
    assert_eq!(request.line, 59);
    assert!(request.value.get("@odata.type").is_none());
    assert_eq!(request.value["numberOfPendingUsers"].to_string(), "4");
}
