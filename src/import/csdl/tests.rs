use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

const SMALL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="gadgetKind"><Member Name="small" Value="0"/><Member Name="large" Value="1"/></EnumType>
      <EnumType Name="gadgetFlags" IsFlags="true"><Member Name="none" Value="0"/><Member Name="red" Value="1"/></EnumType>
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
      </EntityType>
      <EntityType Name="gadget" BaseType="graph.entity">
        <Property Name="spins" Type="Edm.Int32" Nullable="false"/>
        <Property Name="label" Type="Edm.String"/>
        <Property Name="kinds" Type="Collection(graph.gadgetKind)" Nullable="false"/>
        <NavigationProperty Name="overview" Type="graph.gadgetOverview" ContainsTarget="true"/>
        <NavigationProperty Name="parts" Type="Collection(graph.gadget)"/>
      </EntityType>
      <EntityType Name="fancyGadget" BaseType="graph.gadget"/>
      <EntityType Name="gadgetOverview" BaseType="graph.entity"/>
      <ComplexType Name="range"><Property Name="low" Type="Edm.Int64"/></ComplexType>
      <ComplexType Name="wideRange" BaseType="graph.range"><Property Name="high" Type="Edm.Int64" Nullable="false"/></ComplexType>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;

#[test]
fn types_properties_nullability_enums_and_navigations_are_read_with_aliases_resolved() {
    let csdl = parse(SMALL).expect("parses");
    let gadget = &csdl.entities["microsoft.graph.gadget"];
    assert_eq!(gadget.base.as_deref(), Some("microsoft.graph.entity"));
    assert_eq!(
        gadget.properties[2],
        Property {
            name: "kinds".into(),
            type_name: "Collection(microsoft.graph.gadgetKind)".into(),
            nullable: false,
        }
    );
    assert!(gadget.properties[1].nullable, "CSDL's default is nullable");
    assert_eq!(
        gadget.navigations[0].target,
        "microsoft.graph.gadgetOverview"
    );
    assert!(!gadget.navigations[0].collection);
    assert!(gadget.navigations[1].collection);
    assert!(csdl.entities["microsoft.graph.entity"].is_abstract);
    assert!(csdl.entities.contains_key("microsoft.graph.fancyGadget"));
    assert_eq!(
        csdl.enums["microsoft.graph.gadgetKind"].members,
        ["small", "large"]
    );
    assert!(csdl.enums["microsoft.graph.gadgetFlags"].flags);
    assert!(!csdl.enums["microsoft.graph.gadgetKind"].flags);
    assert_eq!(
        csdl.derived_of("microsoft.graph.range"),
        ["microsoft.graph.wideRange"]
    );
    let id = csdl
        .property("microsoft.graph.gadget", "id")
        .expect("inherited");
    assert!(!id.nullable);
    let all: Vec<&str> = csdl
        .all_properties("microsoft.graph.fancyGadget")
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(all, ["id", "spins", "label", "kinds"]);
    let (derived, _) = EntitySource::derived(&csdl, "microsoft.graph.gadget");
    assert_eq!(derived, ["microsoft.graph.fancyGadget"]);
}

#[test]
fn malformed_xml_and_missing_names_are_errors_with_a_line() {
    let (line, problem) = parse("<Schema Namespace=\"x\">\n<EntityType Name=\"a\">\n</Schema>")
        .expect_err("mismatched end tag");
    assert!(problem.contains("not well-formed"), "{problem}");
    assert!(line >= 2, "{line}");
    let (line, problem) =
        parse("<Schema Namespace=\"x\">\n\n<EntityType><Property Type=\"Edm.String\"/></EntityType></Schema>")
            .expect_err("no name");
    assert_eq!(line, 3);
    assert!(problem.contains("without Name"), "{problem}");
}

/// Graph v1.0's whole `$metadata` (3.4 MB), when the shared data is there.
#[test]
fn graphs_v1_metadata_parses_in_well_under_a_second() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/csdl/v1.0-Prod.csdl");
    if !path.is_file() {
        eprintln!(
            "skipped: {} is absent, so there is no CSDL to read",
            path.display()
        );
        return;
    }
    let started = Instant::now();
    let csdl = read_csdl(&path).expect("Graph's v1.0 CSDL reads");
    let took = started.elapsed();
    assert!(csdl.entities.len() > 1000, "{}", csdl.entities.len());
    let overview = &csdl.entities["microsoft.graph.deviceConfigurationUserOverview"];
    assert!(overview
        .properties
        .iter()
        .any(|p| p.name == "pendingCount" && p.type_name == "Edm.Int32" && !p.nullable));
    // A debug build on a shared machine is slower than the release figure in the README.
    assert!(took < Duration::from_secs(2), "{took:?}");
}
