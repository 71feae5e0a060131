//! Tests of the resource-page reader: entity, complex and enum pages in the template's shape,
//! the quirks of the hand-edited `intune-shared-*` pages, and every way one can be refused.

use super::*;
use crate::import::markdown::TypeCell;

const ENTITY: &str = r##"---
title: "widgetThing resource type"
description: "An abstract class for widgets."
author: "dougeby"
doc_type: resourcePageType
---

# widgetThing resource type

Namespace: microsoft.graph

> **Note:** The Microsoft Graph API for Intune requires an active Intune license.

An abstract class for widgets.


Inherits from [baseThing](../resources/intune-x-basething.md)

## Methods
|Method|Return Type|Description|
|:---|:---|:---|
|[Get widgetThing](../api/intune-x-widgetthing-get.md)|[widgetThing](../resources/intune-x-widgetthing.md)|Read.|
[Create widgetThing](../api/intune-x-widgetthing-create.md)|Create a new one.|

## Properties
|Property|Type|Description|
|:---|:---|:---|
|id|String|Key. Inherited from [baseThing](../resources/intune-x-basething.md)|
|**Group**|
|kinds|[widgetKind](../resources/intune-x-widgetkind.md) collection|The kinds.
They are many.|
|size|Int64|Size in bytes. |

## Relationships
|Relationship|Type|Description|
|:---|:---|:---|
|**Group**|
|parts|[widgetPart](../resources/intune-x-widgetpart.md) collection|The parts.|

## JSON Representation
Here is a JSON representation of the resource.
<!-- {
  "blockType": "resource",
  "keyProperty": "id",
  "@odata.type": "microsoft.graph.widgetThing"
}
-->
``` json
{
  "@odata.type": "#microsoft.graph.widgetThing",
  "id": "String (identifier)"
}
```
"##;

const COMPLEX: &str = r##"---
title: "widgetDetection resource type"
doc_type: resourcePageType
---

# widgetDetection resource type

Namespace: microsoft.graph

Base class to detect a widget.

## Properties
|Property|Type|Description|
|:---|:---|:---|

## Relationships
None

## JSON Representation
<!-- {
  "blockType": "resource",
  "@odata.type": "microsoft.graph.widgetDetection"
}
-->
``` json
{
  "@odata.type": "#microsoft.graph.widgetDetection"
}
```
"##;

const ENUM: &str = r##"---
title: "widgetKind enum type"
doc_type: enumPageType
---

# widgetKind enum type

Namespace: microsoft.graph

Kinds of widgets.

## Members
|Member|Value|Description|
|:---|:---|:---|
|none|0|No flags set.|
|remote_Control|-1000| Negative. |
|large|512|Out of order.|
|small|2|Small.|



"##;

fn link(text: &str, file: &str) -> Link {
    Link {
        text: text.into(),
        file: file.into(),
    }
}

fn names(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

fn refused(text: &str) -> ParseError {
    parse_resource_page(text).expect_err("refused")
}

#[test]
fn an_entity_page_reads_kind_base_and_tables() {
    let page = parse_resource_page(ENTITY).expect("parses");
    assert_eq!(page.kind, ResourceKind::Entity);
    assert_eq!(page.name, "widgetThing");
    assert_eq!(page.namespace.as_deref(), Some("microsoft.graph"));
    assert_eq!(page.base, Some(link("baseThing", "intune-x-basething.md")));
    assert!(page.abstract_hint);
    assert_eq!(names(&page.properties), ["id", "kinds", "size"]);
    assert_eq!(page.properties[1].description, "The kinds. They are many.");
    assert_eq!(page.properties[2].description, "Size in bytes.");
    assert_eq!(
        page.properties[1].ty,
        TypeCell::Link {
            link: link("widgetKind", "intune-x-widgetkind.md"),
            collection: true
        }
    );
    assert_eq!(names(&page.relationships), ["parts"]);
    assert!(page.members.is_empty());
}

#[test]
fn a_complex_page_has_no_key_property() {
    let page = parse_resource_page(COMPLEX).expect("parses");
    assert_eq!(page.kind, ResourceKind::Complex);
    assert_eq!(page.name, "widgetDetection");
    assert!(page.properties.is_empty(), "an empty table");
    assert!(page.relationships.is_empty(), "None");
    assert_eq!(page.base, None);
    assert!(!page.abstract_hint, "\"Base class\" is not called abstract");
}

#[test]
fn an_enum_page_lists_members_in_page_order() {
    let page = parse_resource_page(ENUM).expect("parses");
    assert_eq!(page.kind, ResourceKind::Enum);
    assert_eq!(page.name, "widgetKind");
    let members: Vec<(&str, i64)> = page.members.iter().map(|(m, v)| (m.as_str(), *v)).collect();
    assert_eq!(
        members,
        [
            ("none", 0),
            ("remote_Control", -1000),
            ("large", 512),
            ("small", 2)
        ]
    );
    assert!(page.properties.is_empty() && page.relationships.is_empty());
}

#[test]
fn enum_members_skip_label_rows_and_refuse_bad_values() {
    let text = ENUM.replace(
        "|none|0|No flags set.|",
        "|**Group**|\n|none|0|No flags set.|",
    );
    assert_eq!(parse_resource_page(&text).expect("parses").members.len(), 4);
    let err = refused(&ENUM.replace("|large|512|", "|large|0x200|"));
    assert_eq!(err.section, "Members");
    assert!(err.problem.contains("`0x200`"), "{err}");
    let err = refused(&ENUM.replace("|large|512|", "|large members|512|"));
    assert!(err.problem.contains("not a member name"), "{err}");
}

#[test]
fn an_enum_page_needs_members() {
    let cut = ENUM.find("|none|").expect("rows");
    let err = refused(&ENUM[..cut]);
    assert!(err.problem.contains("lists no member"), "{err}");
    let err = refused(&ENUM.replace("## Members", "## Values"));
    assert!(err.problem.contains("no \"## Members\" section"), "{err}");
    let err = refused(&ENUM.replace("|Member|Value|Description|", "|Name|Value|Description|"));
    assert!(
        err.problem.contains("expected |Member|Value|Description|"),
        "{err}"
    );
}

#[test]
fn abstract_hints_come_from_the_description_prose() {
    let hint = |description: &str| {
        let text = COMPLEX.replace("Base class to detect a widget.", description);
        parse_resource_page(&text).expect("parses").abstract_hint
    };
    assert!(hint("An abstract class that represents a widget."));
    assert!(hint("An abstract base class containing properties."));
    assert!(hint("Abstract class to contain properties."));
    assert!(!hint("A concrete class."));
    assert!(!hint("The value is an abstractComplex object."));
    assert!(!hint("Abstract thinking."));
    let in_table = ENTITY
        .replace("An abstract class for widgets.", "Widgets.")
        .replace("|Size in bytes. |", "|An abstract class size.|");
    assert!(
        !parse_resource_page(&in_table)
            .expect("parses")
            .abstract_hint
    );
}

#[test]
fn the_kind_follows_doc_type_and_must_agree_with_the_title() {
    let err = refused(&ENUM.replace("doc_type: enumPageType", "doc_type: resourcePageType"));
    assert_eq!(err.section, "title");
    assert!(err.problem.contains("disagrees"), "{err}");
    let err = refused(&COMPLEX.replace("resourcePageType", "apiPageType"));
    assert_eq!((err.section.as_str(), err.line), ("front matter", 3));
    assert!(err.problem.contains("`apiPageType`"), "{err}");
    let bare = &ENUM[ENUM.find("# widgetKind").expect("title")..];
    assert_eq!(
        parse_resource_page(bare).expect("parses").kind,
        ResourceKind::Enum
    );
    let bare = &ENTITY[ENTITY.find("# widgetThing").expect("title")..];
    assert_eq!(
        parse_resource_page(bare).expect("parses").kind,
        ResourceKind::Entity
    );
}

#[test]
fn a_title_that_is_not_a_resource_title_is_refused() {
    for title in [
        "# Update widgetThing",
        "# widget thing resource type",
        "# resource type",
    ] {
        let err = refused(&COMPLEX.replace("# widgetDetection resource type", title));
        assert_eq!(err.section, "title", "{title}");
        assert!(err.problem.contains("not a resource page"), "{err}");
    }
    let err = refused("no title here\n");
    assert_eq!((err.section.as_str(), err.line), ("title", 1));
}

#[test]
fn a_comment_block_that_is_not_json_is_refused() {
    let text = ENTITY.replace("\"keyProperty\": \"id\",", "\"keyProperty\": id,");
    let err = refused(&text);
    assert_eq!(err.section, "JSON Representation");
    assert_eq!(
        err.line,
        text.lines().position(|l| l == "<!-- {").expect("block") + 1
    );
    let prose = ENTITY.replace("## Methods", "<!-- a note, not JSON -->\n\n## Methods");
    assert_eq!(
        parse_resource_page(&prose).expect("parses").kind,
        ResourceKind::Entity
    );
}

#[test]
fn properties_must_be_a_table_or_none() {
    let err = refused(&COMPLEX.replace("## Properties", "## Fields"));
    assert!(
        err.problem.contains("no \"## Properties\" section"),
        "{err}"
    );
    let text = COMPLEX.replace(
        "|Property|Type|Description|\n|:---|:---|:---|\n",
        "Nothing.\n",
    );
    let err = refused(&text);
    assert_eq!(err.section, "Properties");
    assert!(
        err.problem
            .contains("neither a |Property|Type|Description| table nor \"None\""),
        "{err}"
    );
    let none = COMPLEX.replace("|Property|Type|Description|\n|:---|:---|:---|\n", "None\n");
    assert!(parse_resource_page(&none)
        .expect("parses")
        .properties
        .is_empty());
    let err = refused(&ENTITY.replace("|Relationship|Type|", "|Property|Type|"));
    assert_eq!(err.section, "Relationships");
}

#[test]
fn a_bad_type_in_a_resource_table_is_refused_with_its_line() {
    let text = ENTITY.replace("|size|Int64|", "|size|Long|");
    let err = refused(&text);
    let line = text
        .lines()
        .position(|l| l.starts_with("|size|Long|"))
        .expect("row")
        + 1;
    assert_eq!((err.section.as_str(), err.line), ("Properties", line));
}

#[test]
fn an_inherits_from_line_needs_a_link() {
    let text = ENTITY.replace(
        "Inherits from [baseThing](../resources/intune-x-basething.md)",
        "Inherits from baseThing",
    );
    let err = refused(&text);
    assert_eq!(err.section, "widgetThing resource type");
    assert!(err.problem.contains("names no base"), "{err}");
}

#[test]
fn no_prefix_of_a_page_panics() {
    for text in [ENTITY, COMPLEX, ENUM] {
        for (end, _) in text.char_indices() {
            let _ = parse_resource_page(&text[..end]);
        }
    }
}

#[test]
fn a_members_section_without_a_table_is_refused() {
    let cut = ENUM.find("|Member|").expect("table");
    let err = refused(&format!("{}Listed elsewhere.\n", &ENUM[..cut]));
    assert_eq!(err.section, "Members");
    assert!(
        err.problem.contains("no |Member|Value|Description| table"),
        "{err}"
    );
}

#[test]
fn descriptions_keep_their_text_verbatim() {
    let odd = "Proxy as <server>\\[\u{201c}:\u{201d}<port>\\], it\u{2019}s set to \u{200b}Disabled.  Two spaces. &amp;";
    let text = ENTITY.replace("|Size in bytes. |", &format!("|{odd}\u{a0}|"));
    let page = parse_resource_page(&text).expect("parses");
    assert_eq!(page.properties[2].description, odd);
}
