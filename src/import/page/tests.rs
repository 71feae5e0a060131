//! Tests of the update-page reader on small pages in the template's shape, the 2017 seed's
//! shape, and every way one can be refused.

use super::*;
use crate::import::markdown::TypeCell;

/// A short page of the current template; tests change one part of it at a time.
const TEMPLATE: &str = r##"---
title: "Update widgetThing"
description: "Update the properties of a widgetThing object."
author: "dougeby"
doc_type: apiPageType
---

# Update widgetThing

Namespace: microsoft.graph

> **Important:** Microsoft Graph APIs under the /beta version are subject to change.

Update the properties of a [widgetThing](../resources/intune-x-widgetthing.md) object.

## Prerequisites
One of the following permissions is required to call this API. See [Permissions](/graph/permissions-reference).

|Permission type|Permissions (from least to most privileged)|
|:---|:---|
|Delegated (work or school account)|A.ReadWrite.All|
|Delegated (personal Microsoft account)|Not supported.|
|Application|A.Read.All, A.ReadWrite.All|

## HTTP Request
<!-- {
  "blockType": "ignored"
}
-->
``` http
PATCH /deviceManagement/widgets/{widgetId}
PATCH /deviceManagement/things/{thingId}/widget
```

## Request headers
|Header|Value|
|:---|:---|
|Authorization|Bearer &lt;token&gt; Required.|

## Request body
In the request body, supply a JSON representation for the [widgetThing](../resources/intune-x-widgetthing.md) object.

|Property|Type|Description|
|:---|:---|:---|
|id|String|Key of the entity. This property is read-only.|
|size|Double|The size. Valid values 0 to 10|
|kind|[widgetKind](../resources/intune-x-widgetkind.md)|The kind. Possible values are: `small`, `large`.|
|parts|[widgetPart](../resources/intune-x-widgetpart.md) collection|The parts.|



## Response
If successful, this method returns a `200 OK` response code and an updated [widgetThing](../resources/intune-x-widgetthing.md) object in the response body.

## Example

### Request
Here is an example of the request.
``` http
PATCH https://graph.microsoft.com/beta/deviceManagement/widgets/{widgetId}
Content-type: application/json
Content-length: 80

{
  "@odata.type": "#microsoft.graph.widgetThing",
  "size": 3.0
}
```

### Response
Here is an example of the response.
``` http
HTTP/1.1 200 OK
Content-Type: application/json

{
  "@odata.type": "#microsoft.graph.widgetThing",
  "id": "1"
}
```
"##;

/// The 2017 form: no front matter, no namespace, scopes instead of a table, `|---|`
/// separators, underscore links, headings right after paragraphs, trailing `/` in paths.
const SEED: &str = r##"# Update widgetThing

> **Note:** Using the Microsoft Graph APIs requires a license.

Update the properties of a [widgetThing](../resources/intune_x_widgetthing.md) object.
## Prerequisites
One of the following **scopes** is required to execute this API:

*A.ReadWrite.All*
## HTTP Request
```http
PATCH /deviceManagement/widgets/{widgetId}/
PATCH /deviceManagement/things/{thingId}/widget//part/
```

## Request body
The following table shows the properties that are required when you create a [widgetThing](../resources/intune_x_widgetthing.md).

|Property|Type|Description|
|---|---|---|
|id|String|Key of the entity.|
|count|Int32|Count|



## Response
If successful, this method returns a `200 OK` response code and an updated [widgetThing](../resources/intune_x_widgetthing.md) object in the response body.

## Example
### Request
Here is an example of the request.
```http
PATCH https://graph.microsoft.com/beta/deviceManagement/widgets/{widgetId}/
Content-type: application/json

{
  "count": 4
}
```
"##;

fn with(from: &str, to: &str) -> String {
    assert!(TEMPLATE.contains(from), "the template has {from:?}");
    TEMPLATE.replacen(from, to, 1)
}

fn refused(text: &str) -> ParseError {
    parse_update_page(text).expect_err("refused")
}

/// The refusal of `text`, checked to name `section` and the line that holds `at`.
fn refused_at(text: &str, section: &str, at: &str) -> ParseError {
    let err = refused(text);
    assert_eq!(
        (err.section.as_str(), err.line),
        (section, line_of(text, at)),
        "{err}"
    );
    err
}

/// Checks that the refusal's problem says `words`.
fn says(err: &ParseError, words: &str) {
    assert!(err.problem.contains(words), "{err}");
}

fn without_body_table() -> String {
    let start = TEMPLATE
        .find("|Property|Type|Description|")
        .expect("a table");
    let end = TEMPLATE
        .find("\n\n\n\n## Response")
        .expect("the gap before Response");
    format!("{}{}", &TEMPLATE[..start], &TEMPLATE[end..])
}

fn line_of(text: &str, needle: &str) -> usize {
    let index = text
        .lines()
        .position(|l| l.contains(needle))
        .expect("present");
    index + 1
}

#[test]
fn the_template_reads_into_every_field() {
    let page = parse_update_page(TEMPLATE).expect("parses");
    assert_eq!(page.entity, "widgetThing");
    assert_eq!(page.namespace.as_deref(), Some("microsoft.graph"));
    assert_eq!(
        page.entity_link,
        Some(Link {
            text: "widgetThing".into(),
            file: "intune-x-widgetthing.md".into()
        })
    );
    assert_eq!(page.permissions.delegated, ["A.ReadWrite.All"]);
    assert_eq!(
        page.permissions.application,
        ["A.Read.All", "A.ReadWrite.All"]
    );
    let paths: Vec<(&str, usize)> = page
        .paths
        .iter()
        .map(|p| (p.value.as_str(), p.line))
        .collect();
    let first = line_of(TEMPLATE, "PATCH /deviceManagement/widgets");
    assert_eq!(
        paths,
        [
            ("/deviceManagement/widgets/{widgetId}", first),
            ("/deviceManagement/things/{thingId}/widget", first + 1)
        ]
    );
    assert!(page.unreadable_paths.is_empty());
    assert_eq!(page.success, (200, true));
    assert_eq!(page.version.as_deref(), Some("beta"));
}

#[test]
fn the_template_table_and_examples() {
    let page = parse_update_page(TEMPLATE).expect("parses");
    let names: Vec<&str> = page.properties.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["id", "size", "kind", "parts"]);
    assert_eq!(page.properties[0].line, line_of(TEMPLATE, "|id|String|"));
    assert_eq!(
        page.properties[3].ty,
        TypeCell::Link {
            link: Link {
                text: "widgetPart".into(),
                file: "intune-x-widgetpart.md".into()
            },
            collection: true
        }
    );
    let request = page.example_request.expect("a request body");
    let body_start = TEMPLATE.lines().position(|l| l == "{").expect("a body") + 1;
    assert_eq!(request.line, body_start);
    assert_eq!(
        request.value["size"].to_string(),
        "3.0",
        "numbers keep their text"
    );
    let response = page.example_response.expect("a response body");
    assert_eq!(response.value["id"], "1");
}

#[test]
fn the_seed_form_reads_too() {
    let page = parse_update_page(SEED).expect("parses");
    assert_eq!(page.entity, "widgetThing");
    assert_eq!(page.namespace, None);
    assert_eq!(
        page.entity_link.map(|l| l.file).as_deref(),
        Some("intune-x-widgetthing.md")
    );
    assert_eq!(page.permissions.delegated, ["A.ReadWrite.All"]);
    assert_eq!(page.permissions.application, ["A.ReadWrite.All"]);
    let paths: Vec<&str> = page.paths.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/deviceManagement/widgets/{widgetId}/",
            "/deviceManagement/things/{thingId}/widget//part/"
        ]
    );
    assert_eq!(page.properties.len(), 2);
    assert_eq!(page.version.as_deref(), Some("beta"));
    let request = page.example_request.expect("a request");
    assert!(request.value.get("@odata.type").is_none());
    assert_eq!(page.example_response, None);
}

#[test]
fn a_post_action_is_refused_quoting_its_request_line() {
    let text = with(
        "PATCH /deviceManagement/widgets/{widgetId}\n",
        "POST /deviceManagement/widgets/{widgetId}/update\n",
    )
    .replace("# Update widgetThing", "# update action");
    let err = refused_at(&text, "HTTP Request", "POST /deviceManagement");
    says(&err, "POST action");
    says(&err, "`POST /deviceManagement/widgets/{widgetId}/update`");
    says(&err, "not an update (PATCH)");
}

/// One change to the template each, refused at its section and line, saying why: (what the
/// template says, what it says instead, the section, text of the line, words of the problem).
const REFUSALS: &[(&str, &str, &str, &str, &str)] = &[
    ("PATCH https://", "POST https://", "Request", "POST https://", "POST action"),
    (
        "PATCH /deviceManagement/things",
        "PUT /deviceManagement/things",
        "HTTP Request",
        "PUT /",
        "neither PATCH nor POST",
    ),
    (
        "PATCH /deviceManagement/widgets/{widgetId}\nPATCH /deviceManagement/things/{thingId}/widget\n",
        "\n",
        "HTTP Request",
        "``` http",
        "lists no request line",
    ),
    ("|size|Double|", "|size|Float|", "Request body", "|size|Float|", "`Float`"),
    (
        "|:---|:---|\n|Delegated",
        "|Delegated",
        "Prerequisites",
        "|Permission type|",
        "separator row",
    ),
];

#[test]
fn each_broken_part_is_refused_at_its_line_saying_why() {
    for &(from, to, section, at, words) in REFUSALS {
        says(&refused_at(&with(from, to), section, at), words);
    }
}

#[test]
fn a_request_line_in_lower_case_is_refused() {
    let err = refused(&with(
        "PATCH /deviceManagement/things",
        "patch /deviceManagement/things",
    ));
    says(&err, "`patch /deviceManagement/things/{thingId}/widget`");
}

#[test]
fn an_unreadable_path_is_kept_apart_not_refused() {
    let broken = "PATCH ** Entity URI for microsoft.management.services.api.widgetThing not found";
    let text = with(
        "PATCH /deviceManagement/widgets/{widgetId}\n",
        &format!("{broken}\n"),
    )
    .replace(
        "beta/deviceManagement/widgets/{widgetId}",
        "beta** Entity URI for x not found",
    );
    let page = parse_update_page(&text).expect("parses");
    assert_eq!(page.paths.len(), 1);
    assert_eq!(page.unreadable_paths.len(), 1);
    assert_eq!(page.unreadable_paths[0].value, &broken["PATCH ".len()..]);
    assert_eq!(
        page.unreadable_paths[0].line,
        line_of(&text, "** Entity URI for microsoft")
    );
    assert_eq!(page.version.as_deref(), Some("beta"));
    let bare = with(
        "PATCH /deviceManagement/things/{thingId}/widget\n",
        "PATCH\n",
    );
    let page = parse_update_page(&bare).expect("parses");
    assert_eq!(page.unreadable_paths[0].value, "");
}

#[test]
fn pages_off_the_template_are_refused_as_such() {
    let cases = [
        (TEMPLATE.replace("# Update widgetThing", "Update widgetThing"), "title"),
        (TEMPLATE.replace("## HTTP Request", "## HTTP"), "Update widgetThing"),
        (with("# Update widgetThing", "# Update widget thing"), "title"),
        (with("# Update widgetThing", "# Create widgetThing"), "title"),
        (with("## Request body", "## Body"), "Update widgetThing"),
        (without_body_table(), "Request body"),
        (with("``` http\nPATCH /deviceManagement/widgets/{widgetId}\nPATCH /deviceManagement/things/{thingId}/widget\n```\n", ""), "HTTP Request"),
    ];
    for (text, section) in cases {
        let err = refused(&text);
        assert_eq!(err.section, section, "{err}");
        says(
            &err,
            "not an \"Update <entity>\" page of the Intune template",
        );
    }
}

#[test]
fn a_bad_body_table_header_is_refused() {
    let text = with("|Property|Type|Description|", "|Name|Type|Notes|");
    says(&refused(&text), "expected |Property|Type|Description|");
}

#[test]
fn example_json_that_does_not_parse_is_refused_at_its_line() {
    let text = with("  \"size\": 3.0\n", "  \"size\": 3.0,\n  oops\n");
    let err = refused_at(&text, "Request", "oops");
    says(&err, "does not parse");
    assert!(!err.problem.contains(" at line "), "{err}");
    let text = with("  \"id\": \"1\"\n", "  \"id\": \n");
    let err = refused(&text);
    assert_eq!(err.section, "Response");
}

#[test]
fn a_no_content_response_has_no_body() {
    let text = with(
        "returns a `200 OK` response code and an updated [widgetThing](../resources/intune-x-widgetthing.md) object in the response body.",
        "returns a `204 No Content` response code.",
    );
    let page = parse_update_page(&text).expect("parses");
    assert_eq!(page.success, (204, false));
}

#[test]
fn a_response_without_a_status_is_refused() {
    let text = with("`200 OK`", "OK");
    let err = refused(&text);
    assert_eq!(err.section, "Response");
    says(&err, "states no status");
    let text = with("## Response\n", "## Result\n");
    says(&refused(&text), "no \"## Response\" section");
}

#[test]
fn permissions_not_supported_and_missing_rows_are_empty() {
    let text = with(
        "|Application|A.Read.All, A.ReadWrite.All|",
        "|Application|Not supported.|",
    );
    let page = parse_update_page(&text).expect("parses");
    assert!(page.permissions.application.is_empty());
    assert_eq!(page.permissions.delegated, ["A.ReadWrite.All"]);
    let text = with("|Delegated (work or school account)|A.ReadWrite.All|\n", "");
    let page = parse_update_page(&text).expect("parses");
    assert!(page.permissions.delegated.is_empty());
}

#[test]
fn the_current_permissions_heading_and_scope_lists_are_read() {
    let text = with("## Prerequisites", "## Permissions").replace(
        "|Application|A.Read.All, A.ReadWrite.All|",
        "|Application| A.ReadWrite.All,B.ReadWrite.All, A.ReadWrite.All |",
    );
    let page = parse_update_page(&text).expect("parses");
    assert_eq!(
        page.permissions.application,
        ["A.ReadWrite.All", "B.ReadWrite.All"]
    );
}

#[test]
fn a_page_that_names_no_permission_is_refused_naming_the_section() {
    let none = with(
        "|Delegated (work or school account)|A.ReadWrite.All|",
        "|Delegated (work or school account)|Not supported.|",
    )
    .replace(
        "|Application|A.Read.All, A.ReadWrite.All|",
        "|Application|Not supported.|",
    );
    for heading in ["Prerequisites", "Permissions"] {
        let text = none.replace("## Prerequisites", &format!("## {heading}"));
        let err = refused_at(&text, heading, &format!("## {heading}"));
        says(&err, "names no permission");
    }
    says(
        &refused(&with("## Prerequisites", "## Needs")),
        "no \"## Permissions\"",
    );
}

#[test]
fn front_matter_date_and_current_quirks_are_read() {
    let text = TEMPLATE
        .replace(
            "doc_type: apiPageType",
            "doc_type: apiPageType\nms.date: 08/01/2024\ndescription: \"a: b: not yaml",
        )
        .replace("|size|Double|", "|size&nbsp;|Double\u{200B}|")
        .replace(
            "|Property|Type|Description|",
            "|Property|Type|Description&nbsp;|",
        );
    let page = parse_update_page(&text).expect("parses");
    assert_eq!(page.date.as_deref(), Some("2024-08-01"));
    assert_eq!(page.properties[1].name, "size");
    let notes = &page.properties[1].notes;
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].contains("`&nbsp;`") && notes[1].contains("zero-width"),
        "{notes:?}"
    );
    assert!(
        page.notes.iter().any(|n| n.value.contains("header")),
        "{:?}",
        page.notes
    );
    let date_time = with("|size|Double|", "|size|DateTime|");
    let page = parse_update_page(&date_time).expect("parses");
    assert_eq!(
        page.properties[1].ty,
        TypeCell::Primitive {
            name: "DateTimeOffset".into(),
            collection: false
        }
    );
    assert!(page.properties[1].notes[0].contains("DateTime"));
}

#[test]
fn a_page_without_examples_has_no_version_or_bodies() {
    let cut = TEMPLATE.find("## Example").expect("present");
    let page = parse_update_page(&TEMPLATE[..cut]).expect("parses");
    assert_eq!(
        (page.version, page.example_request, page.example_response),
        (None, None, None)
    );
    let text = with(
        "https://graph.microsoft.com/beta/deviceManagement",
        "/deviceManagement",
    );
    let page = parse_update_page(&text).expect("parses");
    assert_eq!(page.version, None);
    assert!(page.example_request.is_some());
}

#[test]
fn the_entity_link_is_the_first_link_with_the_entity_name() {
    let text = with(
        "Update the properties of a [widgetThing](../resources/intune-x-widgetthing.md) object.",
        "See [Widget](../resources/other.md).",
    );
    let page = parse_update_page(&text).expect("parses");
    assert_eq!(
        page.entity_link.map(|l| l.file).as_deref(),
        Some("intune-x-widgetthing.md")
    );
    let none = text.replace("[widgetThing]", "[something]");
    assert_eq!(parse_update_page(&none).expect("parses").entity_link, None);
}

#[test]
fn a_split_row_in_the_request_body_is_joined() {
    let text = with(
        "|parts|[widgetPart](../resources/intune-x-widgetpart.md) collection|The parts.|",
        "|parts|String collection|The parts\ngo on here.|",
    );
    let page = parse_update_page(&text).expect("parses");
    assert_eq!(page.properties[3].description, "The parts go on here.");
}

#[test]
fn no_prefix_of_a_page_panics() {
    for text in [TEMPLATE, SEED] {
        for (end, _) in text.char_indices() {
            let _ = parse_update_page(&text[..end]);
        }
    }
}

#[test]
fn dropping_any_one_line_never_panics() {
    let lines: Vec<&str> = TEMPLATE.lines().collect();
    for skip in 0..lines.len() {
        let text: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        let _ = parse_update_page(&text.join("\n"));
    }
}

#[test]
fn least_and_higher_privileged_columns_are_both_read() {
    let text = with(
        "|Permission type|Permissions (from least to most privileged)|\n|:---|:---|",
        "|Permission type|Least privileged permissions|Higher privileged permissions|\n|:---|:---|:---|",
    )
    .replace(
        "|Delegated (work or school account)|A.ReadWrite.All|",
        "|Delegated (work or school account)|A.ReadWrite.All|B.ReadWrite.All|",
    )
    .replace(
        "|Application|A.Read.All, A.ReadWrite.All|",
        "|Application|A.ReadWrite.All|Not available.|",
    );
    let page = parse_update_page(&text).expect("parses");
    assert_eq!(
        page.permissions.delegated,
        ["A.ReadWrite.All", "B.ReadWrite.All"]
    );
    assert_eq!(page.permissions.application, ["A.ReadWrite.All"]);
}
