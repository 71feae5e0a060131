//! A resource page of the Intune Graph docs ("# <name> resource type" / "# <name> enum type")
//! read into a `Resource`: its kind, base, property and relationship rows, or enum members.

use serde_json::Value;

use super::markdown::{
    clean, expect_header, is_label_row, links, namespace, property_rows, Document, Link, Located,
    ParseError, Row, Section,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourceKind {
    Entity,
    Complex,
    Enum,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resource {
    pub kind: ResourceKind,
    /// The type's name from "# <name> resource type" / "# <name> enum type".
    pub name: String,
    /// "microsoft.graph" from "Namespace:" (None when absent).
    pub namespace: Option<String>,
    /// "Inherits from [Base](file)".
    pub base: Option<Link>,
    pub properties: Vec<Row>,
    pub relationships: Vec<Row>,
    /// Enum pages: (member, value) in the page's order.
    pub members: Vec<(String, i64)>,
    /// The prose calls it abstract ("An abstract class …", "Abstract class …").
    pub abstract_hint: bool,
    /// Quirks of clear meaning read past in the Properties or Members table (the rows keep
    /// their own): warnings for the pack when the type is used.
    pub notes: Vec<Located<String>>,
}

/// What the title says the page is; the front matter must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Titled {
    Resource,
    Enum,
}

const NOT_RESOURCE: &str = "this is not a resource page of the Intune template; give the \
    importer the page a type link points to (titled \"# <name> resource type\" or \
    \"# <name> enum type\")";

pub(crate) fn parse_resource_page(text: &str) -> Result<Resource, ParseError> {
    let doc = Document::parse(text)?;
    let title = doc.title().ok_or_else(|| {
        ParseError::new(
            "title",
            1,
            format!("the page has no \"# …\" title: {NOT_RESOURCE}"),
        )
    })?;
    let (name, titled) = resource_title(&title)?;
    let kind = resource_kind(&doc, titled, &title)?;
    let intro = doc.intro();
    let whole = doc.whole();
    let mut resource = Resource {
        kind,
        name: name.to_string(),
        namespace: namespace(&intro)?,
        base: base(&intro)?,
        properties: Vec::new(),
        relationships: Vec::new(),
        members: Vec::new(),
        abstract_hint: calls_abstract(&intro),
        notes: Vec::new(),
    };
    if kind == ResourceKind::Enum {
        (resource.members, resource.notes) = members(&whole, &title)?;
    } else {
        let properties = whole.section(2, "Properties").ok_or_else(|| {
            ParseError::new(
                title.value,
                title.line,
                "the page has no \"## Properties\" section; a resource page lists its \
                 properties under it (an empty table or None when it has none)",
            )
        })?;
        (resource.properties, resource.notes) = rows(&properties, "Property")?;
        if let Some(relationships) = whole.section(2, "Relationships") {
            resource.relationships = rows(&relationships, "Relationship")?.0;
        }
    }
    Ok(resource)
}

/// "<name> resource type" or "<name> enum type".
fn resource_title<'a>(title: &Located<&'a str>) -> Result<(&'a str, Titled), ParseError> {
    let parsed = title
        .value
        .strip_suffix(" resource type")
        .map(|n| (n, Titled::Resource))
        .or_else(|| {
            title
                .value
                .strip_suffix(" enum type")
                .map(|n| (n, Titled::Enum))
        });
    match parsed {
        Some((name, titled)) if is_type_name(clean(name)) => Ok((clean(name), titled)),
        _ => Err(ParseError::new(
            "title",
            title.line,
            format!("the title is \"# {}\": {NOT_RESOURCE}", title.value),
        )),
    }
}

fn is_type_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Enum from `doc_type: enumPageType`; entity when a resource page's comment block names a
/// `keyProperty`, else complex. Without front matter the title decides alone.
fn resource_kind(
    doc: &Document<'_>,
    titled: Titled,
    title: &Located<&str>,
) -> Result<ResourceKind, ParseError> {
    let declared = match doc.front("doc_type") {
        None => titled,
        Some(doc_type) => match doc_type.value.as_str() {
            "enumPageType" => Titled::Enum,
            "resourcePageType" => Titled::Resource,
            other => {
                return Err(ParseError::new(
                    "front matter",
                    doc_type.line,
                    format!(
                    "doc_type is `{other}`, not resourcePageType or enumPageType: {NOT_RESOURCE}"
                ),
                ))
            }
        },
    };
    if declared != titled {
        return Err(ParseError::new(
            "title",
            title.line,
            format!(
                "the title \"# {}\" disagrees with the front matter's doc_type; make them say \
                 the same kind",
                title.value
            ),
        ));
    }
    match declared {
        Titled::Enum => Ok(ResourceKind::Enum),
        Titled::Resource if has_key_property(doc)? => Ok(ResourceKind::Entity),
        Titled::Resource => Ok(ResourceKind::Complex),
    }
}

/// Whether the `"blockType": "resource"` comment block names a `"keyProperty"`. Comment blocks
/// that hold JSON must parse, since a block that cannot be read cannot say the kind either.
fn has_key_property(doc: &Document<'_>) -> Result<bool, ParseError> {
    for (comment, heading) in doc.comments() {
        if !comment.value.starts_with('{') {
            continue;
        }
        let block: Value = serde_json::from_str(&comment.value).map_err(|e| {
            ParseError::new(
                heading,
                comment.line,
                format!("the <!-- {{ … }} --> block is not JSON ({e}); fix it"),
            )
        })?;
        if block.get("blockType").and_then(Value::as_str) == Some("resource") {
            return Ok(block.get("keyProperty").is_some());
        }
    }
    Ok(false)
}

/// The link of the "Inherits from [Base](file)" line.
fn base(intro: &Section<'_, '_>) -> Result<Option<Link>, ParseError> {
    let Some(line) = intro
        .text()
        .find(|l| clean(l.text).starts_with("Inherits from"))
    else {
        return Ok(None);
    };
    match links(line.text).into_iter().next() {
        Some(link) if !link.text.is_empty() => Ok(Some(link)),
        _ => Err(ParseError::new(
            intro.title,
            line.number,
            "the \"Inherits from\" line names no base; write `Inherits from [base](page.md)`",
        )),
    }
}

/// "An abstract class", "An abstract base class", "Abstract class" in the description prose.
fn calls_abstract(intro: &Section<'_, '_>) -> bool {
    intro.text().any(|l| {
        let lower = l.text.to_ascii_lowercase();
        lower.match_indices("abstract ").any(|(i, word)| {
            let starts_word = !lower[..i].ends_with(|c: char| c.is_ascii_alphanumeric());
            let after = &lower[i + word.len()..];
            let after = after.strip_prefix("base ").unwrap_or(after);
            starts_word && after.starts_with("class")
        })
    })
}

/// A Properties or Relationships section: a table whose first header cell is `first`, or
/// "None".
type Rows = (Vec<Row>, Vec<Located<String>>);

fn rows(section: &Section<'_, '_>, first: &str) -> Result<Rows, ParseError> {
    if section.says_none() {
        return Ok((Vec::new(), Vec::new()));
    }
    let Some(table) = section.first_table()? else {
        return Err(ParseError::new(
            section.title,
            section.line,
            format!(
                "the section has neither a |{first}|Type|Description| table nor \"None\"; add one"
            ),
        ));
    };
    expect_header(section.title, &table, &[first, "Type", "Description"])?;
    Ok((property_rows(section.title, &table)?, table.notes))
}

type Members = (Vec<(String, i64)>, Vec<Located<String>>);

/// The Members table of an enum page, in the page's order. A member whose Value cell is empty
/// keeps its name (all a pack uses) and its place as its value, with a note.
fn members(whole: &Section<'_, '_>, title: &Located<&str>) -> Result<Members, ParseError> {
    let section = whole.section(2, "Members").ok_or_else(|| {
        ParseError::new(
            title.value,
            title.line,
            "the enum page has no \"## Members\" section; list the members under it",
        )
    })?;
    let table = section.first_table()?.ok_or_else(|| {
        ParseError::new(
            section.title,
            section.line,
            "the Members section has no |Member|Value|Description| table",
        )
    })?;
    expect_header(section.title, &table, &["Member", "Value", "Description"])?;
    let mut notes = table.notes.clone();
    let mut members = Vec::new();
    for row in table.rows.iter().filter(|r| !is_label_row(r)) {
        let [name, value, ..] = row.cells.as_slice() else {
            continue;
        };
        notes.extend(row.notes.iter().map(|n| Located {
            value: n.clone(),
            line: row.line,
        }));
        let number = if value.is_empty() {
            notes.push(Located {
                value: format!("the member `{name}` has no value; the pack uses its name only"),
                line: row.line,
            });
            i64::try_from(members.len()).unwrap_or(i64::MAX)
        } else {
            value.parse::<i64>().map_err(|_| {
                ParseError::new(
                    section.title,
                    row.line,
                    format!("the value `{value}` of member `{name}` is not a whole number; write it in decimal"),
                )
            })?
        };
        if !is_type_name(name) {
            return Err(ParseError::new(
                section.title,
                row.line,
                format!("`{name}` is not a member name; the first cell must name the member"),
            ));
        }
        members.push((name.clone(), number));
    }
    if members.is_empty() {
        return Err(ParseError::new(
            section.title,
            table.line,
            "the Members table lists no member; an enum page needs at least one",
        ));
    }
    Ok((members, notes))
}

#[cfg(test)]
mod tests;
