use super::*;

const GADGET: &str = "# gadget resource type\n\nNamespace: microsoft.graph\n\n\
    Inherits from [entity](../resources/intune-x-entity.md)\n\n\
    ## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n|id|String|Key.|\n";
const FANCY: &str = "# fancyGadget resource type\n\n\
    Inherits from [gadget](../resources/intune-x-gadget.md)\n\n\
    ## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n|id|String|Key.|\n";

fn folder(pages: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in pages {
        std::fs::write(dir.path().join(name), text).expect("written");
    }
    dir
}

#[test]
fn a_page_is_parsed_only_when_asked_for_and_a_broken_one_only_fails_then() {
    let dir = folder(&[
        ("intune-x-gadget.md", GADGET.as_bytes()),
        (
            "intune-x-broken.md",
            b"# broken resource type\n```\nnever closed\n",
        ),
        ("intune_x_fancygadget.md", FANCY.as_bytes()),
    ]);
    let resources = Resources::open(Some(dir.path())).expect("lists");
    let gadget = resources.get("intune-x-gadget.md").expect("present");
    assert_eq!(gadget.expect("parses").name, "gadget");
    assert_eq!(
        resources.parsed.borrow().len(),
        1,
        "only the page asked for"
    );
    let (file, e) = resources
        .get("intune-x-broken.md")
        .expect("present")
        .expect_err("broken");
    assert_eq!(file, "intune-x-broken.md");
    assert!(e.problem.contains("never closed"), "{e}");
    assert!(resources.get("intune-x-missing.md").is_none());
    // '_' in a file name is read as '-', as links are.
    assert!(resources.get("intune-x-fancygadget.md").is_some());
}

#[test]
fn types_are_found_by_name_and_derived_types_by_their_inherits_line() {
    let dir = folder(&[
        ("intune-x-gadget.md", GADGET.as_bytes()),
        ("intune-y-gadget.md", b"# not the same\n"),
        ("intune-x-fancygadget.md", FANCY.as_bytes()),
        (
            "intune-x-bytes.md",
            b"\xff\xfe Inherits from [gadget](x.md)\n",
        ),
    ]);
    let resources = Resources::open(Some(dir.path())).expect("lists");
    assert_eq!(
        resources.files_of("Gadget"),
        ["intune-x-gadget.md", "intune-y-gadget.md"]
    );
    let found = resources.by_name("gadget").expect("one parses");
    assert_eq!(found.expect("found").name, "gadget");
    resources.note_link("gadget", "intune-y-gadget.md");
    assert_eq!(resources.files_of("gadget"), ["intune-y-gadget.md"]);
    assert_eq!(
        resources.derived_files("gadget"),
        ["intune-x-fancygadget.md"]
    );
    assert!(resources.derived_files("fancyGadget").is_empty());
}

#[test]
fn reach_follows_seeds_bases_derived_types_and_the_paths_navigations_only() {
    let entity = |base: Option<&str>, navs: &[(&str, &str)]| EntityInfo {
        described: true,
        base: base.map(str::to_owned),
        navigations: navs
            .iter()
            .map(|(n, t)| ((*n).to_owned(), ((*t).to_owned(), false)))
            .collect(),
    };
    struct Fixed(BTreeMap<String, EntityInfo>);
    impl EntitySource for Fixed {
        fn entity(&self, name: &str) -> Result<Option<EntityInfo>, ImportError> {
            Ok(self.0.get(name).cloned())
        }
        fn derived(&self, name: &str) -> (Vec<String>, Vec<String>) {
            let d = self
                .0
                .iter()
                .filter(|(_, i)| i.base.as_deref() == Some(name))
                .map(|(n, _)| n.clone())
                .collect();
            (d, Vec::new())
        }
    }
    let source = Fixed(BTreeMap::from([
        (
            "a".to_owned(),
            entity(Some("base"), &[("next", "b"), ("other", "c")]),
        ),
        ("sub".to_owned(), entity(Some("a"), &[])),
        ("b".to_owned(), entity(None, &[])),
        ("c".to_owned(), entity(None, &[])),
    ]));
    let navigations = BTreeSet::from(["next".to_owned()]);
    let (known, _) = reach(&source, &["a".to_owned()], &navigations).expect("reaches");
    let names: Vec<&str> = known.entities.keys().map(String::as_str).collect();
    // "base" has no description of its own but is still a type; "c" is off every path.
    assert_eq!(names, ["a", "b", "base", "sub"]);
    assert!(!known.entities["base"].described);
}
