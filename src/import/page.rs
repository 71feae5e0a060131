//! An "Update <entity>" page of the Intune Graph docs template (and its 2017 form) read into a
//! `Page`: entity, permissions, PATCH paths, the request-body table, the success status and the
//! example bodies.

use serde_json::Value;

use super::markdown::{
    clean, expect_header, namespace, property_rows, Document, Fence, Line, Link, Located,
    ParseError, Row, Section,
};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Permissions {
    pub delegated: Vec<String>,
    pub application: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    /// The entity's name from "# Update <entity>" (lowerCamel as written).
    pub entity: String,
    /// "microsoft.graph" from the "Namespace: …" line; None when the page has none (the seed).
    pub namespace: Option<String>,
    /// The entity's resource page, from the first link whose text is the entity's name.
    pub entity_link: Option<Link>,
    /// Delegated (work or school account) and Application rows; "Not supported." → empty; comma
    /// lists split and trimmed. The seed's "scopes" sentence gives its scopes to both.
    pub permissions: Permissions,
    /// Every "PATCH <path>" line of the HTTP Request block, the path exactly as written.
    pub paths: Vec<Located<String>>,
    /// Request lines whose path is not a path (the generator's "** Entity URI for … not found").
    pub unreadable_paths: Vec<Located<String>>,
    /// The Request body table.
    pub properties: Vec<Row>,
    /// From the Response sentence: (200, true) for "`200 OK` … and an updated [X] …", (204, false)
    /// for "`204 No Content`".
    pub success: (u16, bool),
    /// The version segment of the example request URL ("beta" in https://graph.microsoft.com/beta/…).
    pub version: Option<String>,
    /// The example request's JSON body (numbers keep their text), and the example response's.
    pub example_request: Option<Located<serde_json::Value>>,
    pub example_response: Option<Located<serde_json::Value>>,
    /// The front matter's `ms.date`, as ISO `YYYY-MM-DD` when it is written `MM/DD/YYYY`.
    pub date: Option<String>,
    /// Quirks of clear meaning read past in the page's tables (the rows keep their own).
    pub notes: Vec<Located<String>>,
}

const NOT_TEMPLATE: &str = "this is not an \"Update <entity>\" page of the Intune template; \
    give the importer one (a \"# Update <entity>\" title, a \"## HTTP Request\" block of PATCH \
    lines and a \"## Request body\" |Property|Type|Description| table)";

fn not_template(section: &str, line: usize, what: &str) -> ParseError {
    ParseError::new(section, line, format!("{what}: {NOT_TEMPLATE}"))
}

/// Reads an update page. The request lines are read before the title is judged, so that an
/// action page is refused for what it is (a POST) rather than for its title.
pub(crate) fn parse_update_page(text: &str) -> Result<Page, ParseError> {
    let doc = Document::parse(text)?;
    let title = doc
        .title()
        .ok_or_else(|| not_template("title", 1, "the page has no \"# Update <entity>\" title"))?;
    let whole = doc.whole();
    let http = whole.section(2, "HTTP Request").ok_or_else(|| {
        not_template(
            title.value,
            title.line,
            "the page has no \"## HTTP Request\" section",
        )
    })?;
    let (paths, unreadable_paths) = request_lines(&http)?;
    let entity = entity_name(&title)?;
    let (properties, mut notes) = request_body(&whole, &title)?;
    let permissions_section = whole
        .section(2, "Permissions")
        .or_else(|| whole.section(2, "Prerequisites"));
    let permissions = permissions(permissions_section, &title, &mut notes)?;
    let success = success_status(&whole, &title)?;
    let example = whole
        .section(2, "Example")
        .or_else(|| whole.section(2, "Examples"));
    let (version, example_request) = match example.and_then(|e| e.section(3, "Request")) {
        Some(request) => example_request(&request)?,
        None => (None, None),
    };
    let example_response = match example.and_then(|e| e.section(3, "Response")) {
        Some(response) => example_response(&response)?,
        None => None,
    };
    Ok(Page {
        namespace: namespace(&doc.intro())?,
        entity_link: whole
            .links()
            .into_iter()
            .map(|l| l.value)
            .find(|l| l.text == entity),
        permissions,
        entity,
        paths,
        unreadable_paths,
        properties,
        success,
        version,
        example_request,
        example_response,
        date: doc.front("ms.date").map(|d| iso_date(&d.value)),
        notes,
    })
}

/// `08/01/2024` → `2024-08-01`; any other form is kept as written.
fn iso_date(value: &str) -> String {
    let parts: Vec<&str> = value.split('/').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [m, d, y] if digits(m, 2) && digits(d, 2) && digits(y, 4) => format!("{y}-{m}-{d}"),
        _ => value.to_string(),
    }
}

/// The entity from "Update <entity>"; the name must be one identifier.
fn entity_name(title: &Located<&str>) -> Result<String, ParseError> {
    let entity = title.value.strip_prefix("Update ").map(clean);
    match entity {
        Some(name)
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Ok(name.to_string())
        }
        _ => Err(not_template(
            "title",
            title.line,
            &format!(
                "the title is \"# {}\", not \"# Update <entity>\"",
                title.value
            ),
        )),
    }
}

type RequestLines = (Vec<Located<String>>, Vec<Located<String>>);

/// The paths of the HTTP Request block, and the lines whose target is not a path.
fn request_lines(http: &Section<'_, '_>) -> Result<RequestLines, ParseError> {
    let fence = http.first_fence().ok_or_else(|| {
        not_template(
            http.title,
            http.line,
            "the HTTP Request section has no ``` block of request lines",
        )
    })?;
    let mut paths = Vec::new();
    let mut unreadable = Vec::new();
    for line in fence.body.iter().filter(|l| !clean(l.text).is_empty()) {
        let target = patch_target(http.title, line)?;
        let located = Located {
            value: target.to_string(),
            line: line.number,
        };
        if is_path(target) {
            paths.push(located);
        } else {
            unreadable.push(located);
        }
    }
    if paths.is_empty() && unreadable.is_empty() {
        return Err(not_template(
            http.title,
            fence.line,
            "the HTTP Request block lists no request line",
        ));
    }
    Ok((paths, unreadable))
}

/// The target of a `PATCH <target>` line; a POST line means the page documents an action.
fn patch_target<'a>(section: &str, line: &Line<'a>) -> Result<&'a str, ParseError> {
    let text = clean(line.text);
    let (verb, target) = text
        .split_once(char::is_whitespace)
        .map_or((text, ""), |(v, t)| (v, clean(t)));
    match verb {
        "PATCH" => Ok(target),
        "POST" => Err(ParseError::new(
            section,
            line.number,
            format!(
                "the page documents a POST action (`{text}`), not an update (PATCH) of an \
                 entity; import the entity's \"Update <entity>\" page instead"
            ),
        )),
        _ => Err(ParseError::new(
            section,
            line.number,
            format!(
                "the request line `{text}` is neither PATCH nor POST; an update page lists \
                 `PATCH /path` lines"
            ),
        )),
    }
}

/// A path as the pages write them: rooted, one word. The seed's trailing `/` and `//` pass:
/// the paths are kept as written and judged later.
fn is_path(target: &str) -> bool {
    target.starts_with('/') && !target.chars().any(char::is_whitespace)
}

type Body = (Vec<Row>, Vec<Located<String>>);

fn request_body(whole: &Section<'_, '_>, title: &Located<&str>) -> Result<Body, ParseError> {
    let body = whole.section(2, "Request body").ok_or_else(|| {
        not_template(
            title.value,
            title.line,
            "the page has no \"## Request body\" section",
        )
    })?;
    let table = body.first_table()?.ok_or_else(|| {
        not_template(
            body.title,
            body.line,
            "the Request body section has no |Property|Type|Description| table",
        )
    })?;
    expect_header(body.title, &table, &["Property", "Type", "Description"])?;
    Ok((property_rows(body.title, &table)?, table.notes))
}

/// The status in backticks in the Response section, and whether the sentence goes on to an
/// entity in the response body.
fn success_status(
    whole: &Section<'_, '_>,
    title: &Located<&str>,
) -> Result<(u16, bool), ParseError> {
    let response = whole.section(2, "Response").ok_or_else(|| {
        not_template(
            title.value,
            title.line,
            "the page has no \"## Response\" section",
        )
    })?;
    for line in response.text() {
        let mut spans = line.text.split('`').skip(1).step_by(2);
        if let Some(code) = spans.find_map(status_code) {
            let returns_entity =
                line.text.contains("response body") || line.text.contains(" updated [");
            return Ok((code, returns_entity));
        }
    }
    Err(ParseError::new(
        response.title,
        response.line,
        "the Response section states no status in backticks; write \"returns a `200 OK` \
         response code\" or \"`204 No Content`\"",
    ))
}

/// "200 OK" → 200: three digits, then a space or nothing.
fn status_code(span: &str) -> Option<u16> {
    let digits = span.get(..3)?;
    let rest = &span[3..];
    let ok =
        digits.chars().all(|c| c.is_ascii_digit()) && (rest.is_empty() || rest.starts_with(' '));
    ok.then(|| digits.parse().ok()).flatten()
}

type ExampleRequest = (Option<String>, Option<Located<Value>>);

/// The version segment of the example's URL and its JSON body; the request line is held to the
/// same PATCH rule as the HTTP Request block.
fn example_request(request: &Section<'_, '_>) -> Result<ExampleRequest, ParseError> {
    let Some(fence) = request.first_fence() else {
        return Ok((None, None));
    };
    let Some(first) = fence.body.iter().find(|l| !clean(l.text).is_empty()) else {
        return Ok((None, None));
    };
    let target = patch_target(request.title, first)?;
    Ok((version(target), json_body(request.title, &fence)?))
}

fn example_response(response: &Section<'_, '_>) -> Result<Option<Located<Value>>, ParseError> {
    match response.first_fence() {
        Some(fence) => json_body(response.title, &fence),
        None => Ok(None),
    }
}

/// "https://graph.microsoft.com/beta/…" → "beta"; the segment stops at the first character
/// that cannot be in a version, so the broken "…/beta** Entity URI …" line still gives "beta".
fn version(target: &str) -> Option<String> {
    let (_, after_scheme) = target.split_once("://")?;
    let (_, path) = after_scheme.split_once('/')?;
    let segment: String = path
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    (!segment.is_empty()).then_some(segment)
}

/// The JSON in a block: from the first line that opens an object or array to the block's end.
/// Numbers keep their text (`arbitrary_precision`), so `3.0` stays `3.0`.
fn json_body(section: &str, fence: &Fence<'_, '_>) -> Result<Option<Located<Value>>, ParseError> {
    let Some(start) = fence.body.iter().position(|l| {
        let t = l.text.trim_start();
        t.starts_with('{') || t.starts_with('[')
    }) else {
        return Ok(None);
    };
    let lines = &fence.body[start..];
    let first = lines.first().map_or(fence.line, |l| l.number);
    let text: Vec<&str> = lines.iter().map(|l| l.text).collect();
    match serde_json::from_str::<Value>(&text.join("\n")) {
        Ok(value) => Ok(Some(Located { value, line: first })),
        Err(e) => {
            let message = e.to_string();
            let message = message
                .rfind(" at line ")
                .map_or(message.as_str(), |i| &message[..i]);
            Err(ParseError::new(
                section,
                first + e.line().saturating_sub(1),
                format!(
                    "the example's JSON does not parse ({message}, column {}); fix the JSON",
                    e.column()
                ),
            ))
        }
    }
}

/// The permission table's rows (under "Permissions" today, "Prerequisites" in 2021), or the
/// 2017 form's `*Scope*` lines given to both kinds. A page that names no permission is refused:
/// there is no update nobody may call, and a pack without one could not even be read.
fn permissions(
    section: Option<Section<'_, '_>>,
    title: &Located<&str>,
    notes: &mut Vec<Located<String>>,
) -> Result<Permissions, ParseError> {
    let Some(section) = section else {
        return Err(ParseError::new(
            title.value,
            title.line,
            "the page has no \"## Permissions\" (or \"## Prerequisites\") section; an update \
             page names the permissions that may call it",
        ));
    };
    let mut found = Permissions {
        delegated: Vec::new(),
        application: Vec::new(),
    };
    if let Some(table) = section.first_table()? {
        notes.extend(table.notes.iter().cloned());
        for row in &table.rows {
            let [label, values @ ..] = row.cells.as_slice() else {
                continue;
            };
            // Newer pages split the scopes over "Least privileged" and "Higher privileged"
            // columns; any of them may call the update.
            let scopes = permission_list(&values.join(","));
            match label.to_ascii_lowercase().as_str() {
                "delegated (work or school account)" => found.delegated = scopes,
                "application" => found.application = scopes,
                _ => continue,
            }
            notes.extend(row.notes.iter().map(|n| Located {
                value: n.clone(),
                line: row.line,
            }));
        }
    } else {
        let scopes: Vec<String> = section
            .text()
            .filter_map(|l| emphasized(clean(l.text)))
            .flat_map(permission_list)
            .collect();
        found.delegated.clone_from(&scopes);
        found.application = scopes;
    }
    if found.delegated.is_empty() && found.application.is_empty() {
        return Err(ParseError::new(
            section.title,
            section.line,
            "the section names no permission that may call the update (no \"Delegated (work or \
             school account)\" or \"Application\" row with a scope, nor a *Scope* line); a \
             pack needs one: add the row the Graph page has",
        ));
    }
    Ok(found)
}

/// `*X*` (single asterisks) → X.
fn emphasized(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('*')?.strip_suffix('*')?;
    (!inner.starts_with('*') && !inner.is_empty()).then_some(inner)
}

/// The scopes of a cell (or of cells joined by commas): "Not supported." and "Not available."
/// name none; a scope listed twice counts once.
fn permission_list(value: &str) -> Vec<String> {
    let none = |s: &str| {
        let s = s.trim_end_matches('.');
        s.eq_ignore_ascii_case("not supported") || s.eq_ignore_ascii_case("not available")
    };
    let mut scopes: Vec<String> = Vec::new();
    for scope in value
        .split(',')
        .map(clean)
        .filter(|p| !p.is_empty() && !none(p))
    {
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    scopes
}

#[cfg(test)]
mod tests;
