//! Tests of the Markdown reader: blocks, sections, tables, links, type cells and the
//! description facts, on small texts in the template's shape.

use super::*;

fn table_of(text: &str) -> Result<Option<Table>, ParseError> {
    let doc = Document::parse(text)?;
    let section = doc
        .whole()
        .section(2, "Properties")
        .expect("a Properties section");
    section.first_table()
}

fn primitive(name: &str, collection: bool) -> TypeCell {
    TypeCell::Primitive {
        name: name.to_string(),
        collection,
    }
}

fn link(text: &str, file: &str) -> Link {
    Link {
        text: text.to_string(),
        file: file.to_string(),
    }
}

#[test]
fn front_matter_values_lose_their_quotes_and_keep_their_lines() {
    let doc =
        Document::parse("---\ntitle: \"Update x\"\ndoc_type: apiPageType\n---\n\n# Update x\n")
            .expect("parses");
    let title = doc.front("title").expect("a title");
    assert_eq!((title.value.as_str(), title.line), ("Update x", 2));
    assert_eq!(
        doc.front("doc_type").map(|v| v.value.as_str()),
        Some("apiPageType")
    );
    assert_eq!(doc.front("author"), None);
    let h1 = doc.title().expect("an H1");
    assert_eq!((h1.value, h1.line), ("Update x", 6));
}

#[test]
fn a_page_without_front_matter_starts_on_line_one() {
    let doc = Document::parse("# Update x\n> note\n## Prerequisites\n").expect("parses");
    assert_eq!(doc.front("title"), None);
    let h1 = doc.title().expect("an H1");
    assert_eq!((h1.value, h1.line), ("Update x", 1));
    assert_eq!(doc.intro().lines.len(), 1);
}

#[test]
fn unclosed_front_matter_is_an_error() {
    let err = Document::parse("---\ntitle: x\n# Update x\n").expect_err("unclosed");
    assert_eq!((err.section.as_str(), err.line), ("front matter", 1));
    assert!(err.problem.contains("never closed"), "{err}");
}

#[test]
fn unclosed_blocks_are_errors_naming_their_heading_and_line() {
    let err = Document::parse("# T\n## HTTP Request\n``` http\nPATCH /x\n").expect_err("fence");
    assert_eq!((err.section.as_str(), err.line), ("HTTP Request", 3));
    let err = Document::parse("# T\n## JSON\n<!-- {\n  \"a\": 1\n").expect_err("comment");
    assert_eq!((err.section.as_str(), err.line), ("JSON", 3));
    assert_eq!(err.to_string(), format!("JSON, line 3: {}", err.problem));
}

#[test]
fn hashes_and_pipes_inside_blocks_are_not_headings_or_tables() {
    let text = "# T\n## Properties\n```\n# not a heading\n|a|b|\n```\n<!--\n## nor this\n-->\n";
    let doc = Document::parse(text).expect("parses");
    let properties = doc.whole().section(2, "Properties").expect("found");
    assert_eq!(
        properties.lines.len(),
        8,
        "seven lines and the empty last one"
    );
    assert_eq!(properties.first_table().expect("reads"), None);
    assert!(doc.whole().section(2, "nor this").is_none());
}

#[test]
fn sections_match_titles_ignoring_case_and_end_at_the_next_peer() {
    let text = "# T\n## HTTP request\na\n## Example\n### Request\nb\n### Response\nc\n## Next\n";
    let doc = Document::parse(text).expect("parses");
    let whole = doc.whole();
    let http = whole.section(2, "HTTP Request").expect("case ignored");
    assert_eq!(
        (http.title, http.line, http.lines.len()),
        ("HTTP request", 2, 1)
    );
    let example = whole.section(2, "Example").expect("found");
    assert_eq!(example.lines.len(), 4);
    let response = example.section(3, "Response").expect("nested");
    assert_eq!(response.text().map(|l| l.text).collect::<Vec<_>>(), ["c"]);
    assert!(whole.section(2, "Response").is_none(), "levels must match");
}

#[test]
fn a_plain_table_reads_header_and_trimmed_cells() {
    let text = "## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n\
                |id|String|Key. |\n|size|Int64|\u{a0}Size\u{200b}|\n\nAfter\n";
    let table = table_of(text).expect("reads").expect("a table");
    assert_eq!(table.header, ["Property", "Type", "Description"]);
    assert_eq!(table.line, 2);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].cells, ["id", "String", "Key."]);
    assert_eq!(table.rows[1].cells, ["size", "Int64", "Size"]);
    assert_eq!(table.rows[1].line, 5);
}

#[test]
fn a_table_without_a_separator_row_is_an_error() {
    let err = table_of("## Properties\n|Property|Type|Description|\n|id|String|Key|\n")
        .expect_err("no separator");
    assert_eq!((err.section.as_str(), err.line), ("Properties", 2));
    let err = table_of("## Properties\n|Property|Type|Description|\n").expect_err("alone");
    assert_eq!(err.line, 2);
}

#[test]
fn an_empty_table_has_no_rows() {
    let text = "## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n\n## Relationships\n";
    let table = table_of(text).expect("reads").expect("a table");
    assert!(table.rows.is_empty());
}

#[test]
fn a_row_split_across_lines_is_joined_with_a_space() {
    let text = "## Properties\n|Property|Type|Description|\n|---|---|---|\n\
                |a|String|First part.\nsecond part.|\n|b|Int32|B|\n";
    let table = table_of(text).expect("reads").expect("a table");
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].cells[2], "First part. second part.");
    assert_eq!(table.rows[0].line, 4);
    assert_eq!(table.rows[1].cells, ["b", "Int32", "B"]);
}

#[test]
fn an_open_row_followed_by_a_new_row_is_kept_as_it_is() {
    let text = "## Properties\n|P|T|D|\n|---|---|---|\n|a|String|no closing pipe\n|b|Int32|B|\n";
    let table = table_of(text).expect("reads").expect("a table");
    assert_eq!(table.rows[0].cells, ["a", "String", "no closing pipe"]);
    assert_eq!(table.rows[1].cells, ["b", "Int32", "B"]);
}

#[test]
fn a_row_without_a_leading_pipe_and_label_rows_are_read() {
    let text = "## Properties\n|P|T|D|\n|---|---|---|\n|**Group**|\nx|String|no leading pipe|\n\
                |y|String|a \\| pipe|\nprose after the table\n";
    let table = table_of(text).expect("reads").expect("a table");
    assert_eq!(table.rows.len(), 3);
    assert!(is_label_row(&table.rows[0]));
    assert_eq!(table.rows[1].cells, ["x", "String", "no leading pipe"]);
    assert_eq!(table.rows[2].cells, ["y", "String", "a | pipe"]);
    let rows = property_rows("Properties", &table).expect("rows");
    assert_eq!(
        rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["x", "y"]
    );
}

#[test]
fn type_cells_of_every_form() {
    assert_eq!(type_cell("Int32"), Ok(primitive("Int32", false)));
    assert_eq!(
        type_cell("String collection"),
        Ok(primitive("String", true))
    );
    assert_eq!(type_cell(" Stream "), Ok(primitive("Stream", false)));
    let mime = link("mimeContent", "intune-shared-mimecontent.md");
    assert_eq!(
        type_cell("[mimeContent](../resources/intune-shared-mimecontent.md)"),
        Ok(TypeCell::Link {
            link: mime.clone(),
            collection: false
        })
    );
    assert_eq!(
        type_cell("[mimeContent](../resources/intune_shared_mimecontent.md) collection"),
        Ok(TypeCell::Link {
            link: mime,
            collection: true
        })
    );
}

#[test]
fn type_cells_of_unknown_forms_are_refused_with_the_allowed_forms() {
    for cell in [
        "Edm.String",
        "Collection(String)",
        "Int33",
        "string",
        "",
        "[x](y.md) or more",
        "[](y.md)",
        "String collection collection",
    ] {
        let problem = type_cell(cell).expect_err(cell);
        assert!(
            problem.contains("neither an Edm primitive"),
            "{cell}: {problem}"
        );
        assert!(problem.contains("DateTimeOffset"), "{problem}");
    }
}

#[test]
fn property_rows_name_the_line_of_a_bad_type() {
    let text =
        "## Properties\n|Property|Type|Description|\n|---|---|---|\n|a|String|A|\n|b|Nope|B|\n";
    let table = table_of(text).expect("reads").expect("a table");
    let err = property_rows("Properties", &table).expect_err("bad type");
    assert_eq!((err.section.as_str(), err.line), ("Properties", 5));
    assert!(err.problem.contains("`Nope`"), "{err}");
}

#[test]
fn property_rows_refuse_a_name_with_spaces_and_allow_a_missing_description() {
    let text = "## Properties\n|P|T|D|\n|---|---|---|\n|a|String|\n|b c|String|B|\n";
    let table = table_of(text).expect("reads").expect("a table");
    let err = property_rows("Properties", &table).expect_err("bad name");
    assert_eq!(err.line, 5);
    let only_first = Table {
        rows: table.rows[..1].to_vec(),
        ..table
    };
    let rows = property_rows("Properties", &only_first).expect("rows");
    assert_eq!(rows[0].description, "");
    assert_eq!(rows[0].ty, primitive("String", false));
}

#[test]
fn expect_header_compares_cells_ignoring_case() {
    let text = "## Properties\n|property|TYPE|Description|\n|---|---|---|\n";
    let table = table_of(text).expect("reads").expect("a table");
    assert_eq!(
        expect_header("Properties", &table, &["Property", "Type", "Description"]),
        Ok(())
    );
    let err = expect_header("Properties", &table, &["Member", "Value", "Description"])
        .expect_err("other header");
    assert!(
        err.problem.contains("expected |Member|Value|Description|"),
        "{err}"
    );
}

#[test]
fn links_are_found_in_order_and_escaped_brackets_skipped() {
    let found = links(
        "PCR\\[0\\] see [a](../resources/intune_x_y.md#part) and [b](/graph/permissions?x=1) [c] (d)",
    );
    assert_eq!(
        found,
        [link("a", "intune-x-y.md"), link("b", "permissions")]
    );
    assert!(links("[unclosed](x.md").is_empty());
    assert!(links("[empty]()").is_empty());
}

#[test]
fn namespace_is_read_from_the_intro() {
    let doc = Document::parse("# T\n\nNamespace: microsoft.graph\n\n## Next\nNamespace: other\n")
        .expect("parses");
    assert_eq!(
        namespace(&doc.intro()),
        Ok(Some("microsoft.graph".to_string()))
    );
    let doc = Document::parse("# T\nno namespace\n## Next\n").expect("parses");
    assert_eq!(namespace(&doc.intro()), Ok(None));
    let doc = Document::parse("# T\nNamespace:\n").expect("parses");
    let err = namespace(&doc.intro()).expect_err("empty");
    assert_eq!((err.section.as_str(), err.line), ("T", 2));
}

#[test]
fn read_only_matches_the_template_sentences() {
    for description in [
        "Management state. This property is read-only.",
        "Id. Read only. This property is read-only.",
        "Name. Read Only. This property is read-only. Possible values are: `a`, `b`.",
        "Key of the entity. This is read-only and automatically generated. Inherited from [r](r.md)",
        "Unique identifier. Read-only.",
        "Name of the discovered application. Read-only",
        "Scope tags. This property is read-only. Inherited from [deviceConfiguration](d.md)",
        "Whether. This property is read-only Inherited from [deviceConfiguration](d.md)",
    ] {
        assert!(is_read_only(description), "{description}");
    }
}

#[test]
fn read_only_ignores_members_and_other_wording() {
    for description in [
        "Which branch. Possible values are: `userDefined`, `all`, `businessReadyOnly`.",
        "The read-only flag of the share.",
        "Generated service side.",
        "readOnly",
        "",
    ] {
        assert!(!is_read_only(description), "{description}");
    }
}

#[test]
fn possible_values_lists_the_backticked_members() {
    let values = possible_values;
    let list = |items: &[&str]| Some(items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        values("Arch. Possible values are: `x86`, `arM64`."),
        list(&["x86", "arM64"])
    );
    assert_eq!(
        values(
            "State. Possible values are: `a`, `remote_Control_Software`. Inherited from [b](b.md)"
        ),
        list(&["a", "remote_Control_Software"])
    );
    assert_eq!(
        values("possible values are `a`, `b` or `c`"),
        list(&["a", "b", "c"])
    );
    assert_eq!(
        values("Possible values are: 0 - `Not Ready`, 1 - `Ready`."),
        None
    );
    assert_eq!(values("Possible values are: `Not Ready`."), None);
    assert_eq!(values("Possible values are listed elsewhere."), None);
    assert_eq!(values("No list here."), None);
    assert_eq!(values("Possible values are: `a"), None);
}

#[test]
fn prose_rules_returns_the_rule_sentences_verbatim() {
    assert_eq!(
        prose_rules("Resets.  Valid values are 0-1440. The default is 5. Valid values 0 to 1440"),
        ["Valid values are 0-1440.", "Valid values 0 to 1440"]
    );
    assert_eq!(
        prose_rules("Validity. Valid values 1 to 99 Inherited from [base](b.md)"),
        ["Valid values 1 to 99"]
    );
    assert_eq!(
        prose_rules("Range. Valid values -9.22337203685478E+18 to 9.22337203685478E+18"),
        ["Valid values -9.22337203685478E+18 to 9.22337203685478E+18"]
    );
    assert_eq!(
        prose_rules("Days. This collection can contain a maximum of 7 elements. Possible values are: `sunday`."),
        ["This collection can contain a maximum of 7 elements."]
    );
    assert_eq!(
        prose_rules(
            "Limit. Allowed values are 5 or 1000. Supported values: 15, 30 or 60 (minutes)."
        ),
        [
            "Allowed values are 5 or 1000.",
            "Supported values: 15, 30 or 60 (minutes)."
        ]
    );
    assert_eq!(
        prose_rules("The upload state. Possible values are: 0 - `Not Ready`, 1 - `Ready`. Inherited from [m](m.md)"),
        ["Possible values are: 0 - `Not Ready`, 1 - `Ready`."]
    );
    assert!(prose_rules("See https://go.microsoft.com/fwlink/?LinkId=2027630. Plain.").is_empty());
    assert!(prose_rules("").is_empty());
}

#[test]
fn sentences_split_only_before_whitespace() {
    assert_eq!(
        sentences("Version 1.2.3 is out. See https://x.y/z. Done"),
        ["Version 1.2.3 is out.", "See https://x.y/z.", "Done"]
    );
    assert_eq!(sentences(" \u{200b} "), Vec::<&str>::new());
}

#[test]
fn comments_are_collected_with_their_heading() {
    let text = "# T\n## JSON Representation\n<!-- {\n  \"blockType\": \"resource\"\n}\n-->\n<!-- one -->\n";
    let doc = Document::parse(text).expect("parses");
    let comments = doc.comments();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0].0.value, "{\n  \"blockType\": \"resource\"\n}");
    assert_eq!(
        (comments[0].0.line, comments[0].1),
        (3, "JSON Representation")
    );
    assert_eq!(comments[1].0.value, "one");
}

#[test]
fn fences_with_or_without_a_space_before_the_tag() {
    for open in ["``` http", "```http", "```"] {
        let text = format!("# T\n## HTTP Request\n{open}\nPATCH /a\n```\n");
        let doc = Document::parse(&text).expect("parses");
        let http = doc.whole().section(2, "HTTP Request").expect("found");
        let fence = http.first_fence().expect("a fence");
        assert_eq!(fence.line, 3);
        assert_eq!(fence.body.len(), 1);
        assert_eq!(fence.body[0].text, "PATCH /a");
    }
}

#[test]
fn crlf_line_endings_read_like_lf() {
    let doc = Document::parse("---\r\ntitle: x\r\n---\r\n# T\r\n## Relationships\r\nNone\r\n")
        .expect("parses");
    assert_eq!(doc.front("title").map(|v| v.value.as_str()), Some("x"));
    let relationships = doc.whole().section(2, "Relationships").expect("found");
    assert!(relationships.says_none());
}
