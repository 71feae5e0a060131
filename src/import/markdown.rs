//! The Markdown the Graph doc pages are written in, read line by line: front matter, headings
//! and their sections, ``` blocks, HTML comments, pipe tables, links, and the facts the
//! generator writes into description cells (read-only, possible values, prose rules).

use crate::domain::Primitive;

/// A value with the 1-based line it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub value: T,
    pub line: usize,
}

/// Why a page cannot be read: the section (heading text, or "front matter", "title") and line,
/// and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{section}, line {line}: {problem}")]
pub(crate) struct ParseError {
    pub section: String,
    pub line: usize,
    pub problem: String,
}

impl ParseError {
    pub(crate) fn new(section: &str, line: usize, problem: impl Into<String>) -> Self {
        ParseError {
            section: section.to_string(),
            line,
            problem: problem.into(),
        }
    }
}

/// A link `[text](target)`; `file` is the target's file name only, with '_' turned into '-'
/// (the seed's `../resources/intune_deviceconfig_x.md` → `intune-deviceconfig-x.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub text: String,
    pub file: String,
}

/// A property's Type cell: an Edm primitive name as written ("Int32", "String"), or a link to a
/// resource page; `collection` when the cell ends with " collection".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeCell {
    Primitive { name: String, collection: bool },
    Link { link: Link, collection: bool },
}

/// One row of a Property|Type|Description (or Relationship|Type|Description) table; cells
/// trimmed of whitespace including U+00A0 and U+200B; rows split across lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub name: String,
    pub ty: TypeCell,
    pub description: String,
    pub line: usize,
    /// The quirks of clear meaning read past in this row (`&nbsp;`, zero-width characters, a
    /// `DateTime` type): warnings for the pack when the row is used.
    pub notes: Vec<String>,
}

/// The Edm primitive names the doc generator prints that packs have no type for: a Type cell
/// may hold them (the importer then says the type is not supported), beside every name of
/// [`Primitive::ALL`] without its `Edm.` prefix.
const UNTYPED_PRIMITIVES: [&str; 2] = ["Decimal", "Stream"];

/// The Edm primitive names a Type cell may hold, as the generator prints them.
fn edm_primitives() -> impl Iterator<Item = &'static str> {
    Primitive::ALL
        .into_iter()
        .filter_map(|p| p.name().strip_prefix("Edm."))
        .chain(UNTYPED_PRIMITIVES)
}

/// What a line is, decided once so that a `#` or `|` inside a JSON block or an HTML comment is
/// never read as a heading or a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    Text,
    Heading(usize),
    FenceOpen,
    FenceBody,
    FenceClose,
    Comment,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    pub number: usize,
    pub text: &'a str,
    pub kind: LineKind,
}

/// A page: its front matter and its classified body lines.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    front_matter: Vec<(String, Located<String>)>,
    lines: Vec<Line<'a>>,
}

/// The lines under one heading, up to the next heading of the same or a higher level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Section<'d, 'a> {
    pub title: &'a str,
    pub line: usize,
    pub lines: &'d [Line<'a>],
}

/// A ``` block: the line that opens it and the lines inside. The text after the backticks
/// (`http`, ` http`, `json`) is not kept: no reader depends on it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fence<'d, 'a> {
    pub line: usize,
    pub body: &'d [Line<'a>],
}

/// A pipe table as written: the header cells and every row's cells, each trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub header: Vec<String>,
    pub line: usize,
    pub rows: Vec<TableRow>,
    /// Quirks of the header and of section rows (`|**Apps**|`), by line: warnings for the pack
    /// when the table is used.
    pub notes: Vec<Located<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableRow {
    pub cells: Vec<String>,
    pub line: usize,
    /// What was cleaned out of the cells (see `tidy_cell`).
    pub notes: Vec<String>,
}

impl<'a> Document<'a> {
    /// Splits the page into lines and classifies them; fails only on front matter, a ``` block
    /// or a comment that is opened and never closed, since every later reading depends on them.
    pub(crate) fn parse(text: &'a str) -> Result<Self, ParseError> {
        let all: Vec<&'a str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        let (front_matter, body_start) = front_matter(&all)?;
        let lines = classify(&all, body_start)?;
        Ok(Document {
            front_matter,
            lines,
        })
    }

    /// The value of a front-matter key with surrounding quotes removed.
    pub(crate) fn front(&self, key: &str) -> Option<&Located<String>> {
        self.front_matter
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The first `# ` heading.
    pub(crate) fn title(&self) -> Option<Located<&'a str>> {
        self.lines.iter().find_map(|l| match l.kind {
            LineKind::Heading(1) => Some(Located {
                value: heading_text(l.text),
                line: l.number,
            }),
            _ => None,
        })
    }

    /// The whole body as one section, for looking up `## ` sections by title.
    pub(crate) fn whole(&self) -> Section<'_, 'a> {
        Section {
            title: "title",
            line: self.lines.first().map_or(1, |l| l.number),
            lines: &self.lines,
        }
    }

    /// The lines between the `# ` title and the next heading: namespace, notes, description
    /// and the "Inherits from" line.
    pub(crate) fn intro(&self) -> Section<'_, 'a> {
        let start = self
            .lines
            .iter()
            .position(|l| l.kind == LineKind::Heading(1))
            .map_or(0, |i| i + 1);
        let rest = &self.lines[start..];
        let end = rest
            .iter()
            .position(|l| matches!(l.kind, LineKind::Heading(_)))
            .unwrap_or(rest.len());
        Section {
            title: self.title().map_or("title", |t| t.value),
            line: rest.first().map_or(1, |l| l.number),
            lines: &rest[..end],
        }
    }

    /// Every `<!-- … -->` block's text between the markers, with the heading it sits under.
    pub(crate) fn comments(&self) -> Vec<(Located<String>, &'a str)> {
        let mut out = Vec::new();
        let mut heading = "title";
        let mut current: Option<(usize, Vec<&str>)> = None;
        for line in &self.lines {
            if let LineKind::Heading(_) = line.kind {
                heading = heading_text(line.text);
            }
            if line.kind != LineKind::Comment {
                if let Some((start, parts)) = current.take() {
                    out.push((comment_value(start, &parts), heading));
                }
                continue;
            }
            let parts = &mut current.get_or_insert((line.number, Vec::new())).1;
            parts.push(line.text);
            if line.text.contains("-->") {
                if let Some((start, parts)) = current.take() {
                    out.push((comment_value(start, &parts), heading));
                }
            }
        }
        if let Some((start, parts)) = current {
            out.push((comment_value(start, &parts), heading));
        }
        out
    }
}

fn comment_value(line: usize, parts: &[&str]) -> Located<String> {
    let joined = parts.join("\n");
    let inner = joined.trim();
    let inner = inner.strip_prefix("<!--").unwrap_or(inner);
    let inner = inner.strip_suffix("-->").unwrap_or(inner);
    Located {
        value: inner.trim().to_string(),
        line,
    }
}

type FrontMatter = Vec<(String, Located<String>)>;

/// Reads a `---` … `---` block at the very top; pages without one (the 2017 seed) start their
/// body on line 1.
fn front_matter(all: &[&str]) -> Result<(FrontMatter, usize), ParseError> {
    if all.first().map(|l| l.trim_end()) != Some("---") {
        return Ok((Vec::new(), 0));
    }
    let Some(close) = all.iter().skip(1).position(|l| l.trim_end() == "---") else {
        return Err(ParseError::new(
            "front matter",
            1,
            "the front matter opened with --- on line 1 is never closed; end it with a --- line",
        ));
    };
    let mut entries = Vec::new();
    for (i, line) in all[1..=close].iter().enumerate() {
        if let Some((key, value)) = line.split_once(':') {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            let located = Located {
                value: value.to_string(),
                line: i + 2,
            };
            entries.push((key.trim().to_string(), located));
        }
    }
    Ok((entries, close + 2))
}

#[derive(Clone, Copy)]
enum Block {
    None,
    Fence(usize),
    Comment(usize),
}

/// Gives each body line its kind, tracking whether it is inside a ``` block or a comment.
fn classify<'a>(all: &[&'a str], start: usize) -> Result<Vec<Line<'a>>, ParseError> {
    let mut lines = Vec::with_capacity(all.len().saturating_sub(start));
    let mut block = Block::None;
    let mut heading = "title";
    for (i, text) in all.iter().enumerate().skip(start) {
        let number = i + 1;
        let trimmed = text.trim();
        let (kind, next) = match block {
            Block::Fence(_) if trimmed.starts_with("```") => (LineKind::FenceClose, Block::None),
            Block::Fence(_) => (LineKind::FenceBody, block),
            Block::Comment(_) if trimmed.contains("-->") => (LineKind::Comment, Block::None),
            Block::Comment(_) => (LineKind::Comment, block),
            Block::None => open_line(text, number),
        };
        if let LineKind::Heading(_) = kind {
            heading = heading_text(text);
        }
        lines.push(Line { number, text, kind });
        block = next;
    }
    match block {
        Block::None => Ok(lines),
        Block::Fence(line) => Err(ParseError::new(
            heading,
            line,
            "the ``` block opened here is never closed; end it with a ``` line",
        )),
        Block::Comment(line) => Err(ParseError::new(
            heading,
            line,
            "the <!-- comment opened here is never closed; end it with -->",
        )),
    }
}

/// The kind of a line met outside any block, and the block it opens.
fn open_line(text: &str, number: usize) -> (LineKind, Block) {
    let trimmed = text.trim();
    if trimmed.starts_with("```") {
        return (LineKind::FenceOpen, Block::Fence(number));
    }
    if let Some(rest) = trimmed.strip_prefix("<!--") {
        let block = if rest.contains("-->") {
            Block::None
        } else {
            Block::Comment(number)
        };
        return (LineKind::Comment, block);
    }
    match heading_level(text) {
        Some(_) if is_tab_marker(text) => (LineKind::Text, Block::None),
        Some(level) => (LineKind::Heading(level), Block::None),
        None => (LineKind::Text, Block::None),
    }
}

/// `# [HTTP](#tab/http)`: the docs' code-sample tabs are written as level-1 headings, but they
/// open no section (the example's request block sits under one, still in "### Request").
fn is_tab_marker(text: &str) -> bool {
    let heading = heading_text(text);
    heading.starts_with('[') && heading.contains("](#tab/")
}

/// An ATX heading's level: up to three spaces, one to six `#`, then a space or the line's end.
fn heading_level(text: &str) -> Option<usize> {
    let indent = text.len() - text.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &text[indent..];
    let level = rest.len() - rest.trim_start_matches('#').len();
    let after = &rest[level..];
    let ok = (1..=6).contains(&level) && (after.is_empty() || after.starts_with(' '));
    ok.then_some(level)
}

fn heading_text(text: &str) -> &str {
    clean(text.trim_start().trim_start_matches('#'))
}

/// Trims whitespace, counting U+200B and U+FEFF as whitespace too: the generator leaves a
/// zero-width space before some closing pipes, and `char::is_whitespace` does not cover it.
pub(crate) fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}')
}

impl<'d, 'a> Section<'d, 'a> {
    /// The first sub-section with this level and title (ASCII case ignored, since the
    /// template's "HTTP Request" is "HTTP request" on newer pages).
    pub(crate) fn section(&self, level: usize, title: &str) -> Option<Section<'d, 'a>> {
        let start = self.lines.iter().position(|l| {
            l.kind == LineKind::Heading(level) && heading_text(l.text).eq_ignore_ascii_case(title)
        })?;
        let heading = self.lines[start];
        let rest = &self.lines[start + 1..];
        let end = rest
            .iter()
            .position(|l| matches!(l.kind, LineKind::Heading(n) if n <= level))
            .unwrap_or(rest.len());
        Some(Section {
            title: heading_text(heading.text),
            line: heading.number,
            lines: &rest[..end],
        })
    }

    /// The lines that are neither headings nor inside a block nor empty.
    pub(crate) fn text(&self) -> impl Iterator<Item = &'d Line<'a>> + '_ {
        self.lines
            .iter()
            .filter(|l| l.kind == LineKind::Text && !clean(l.text).is_empty())
    }

    /// Every link in the section's text lines, in page order.
    pub(crate) fn links(&self) -> Vec<Located<Link>> {
        self.text()
            .flat_map(|l| {
                links(l.text).into_iter().map(move |value| Located {
                    value,
                    line: l.number,
                })
            })
            .collect()
    }

    /// The first ``` block; `Document::parse` has already made sure it is closed.
    pub(crate) fn first_fence(&self) -> Option<Fence<'d, 'a>> {
        let open = self
            .lines
            .iter()
            .position(|l| l.kind == LineKind::FenceOpen)?;
        let opening = self.lines[open];
        let rest = &self.lines[open + 1..];
        let end = rest
            .iter()
            .position(|l| l.kind != LineKind::FenceBody)
            .unwrap_or(rest.len());
        Some(Fence {
            line: opening.number,
            body: &rest[..end],
        })
    }

    /// True when the section says only "None" (the template's empty Relationships).
    pub(crate) fn says_none(&self) -> bool {
        let mut text = self.text();
        matches!((text.next(), text.next()), (Some(l), None) if clean(l.text) == "None")
    }

    /// The first pipe table in the section, if any.
    pub(crate) fn first_table(&self) -> Result<Option<Table>, ParseError> {
        let Some(start) = self
            .lines
            .iter()
            .position(|l| l.kind == LineKind::Text && l.text.trim_start().starts_with('|'))
        else {
            return Ok(None);
        };
        read_table(self.title, &self.lines[start..]).map(Some)
    }
}

/// Reads a table whose header is `lines[0]`: the separator row must follow, then rows until an
/// empty line, a heading, a block, or a line of prose.
fn read_table(section: &str, lines: &[Line<'_>]) -> Result<Table, ParseError> {
    let Some((header, rest)) = lines.split_first() else {
        return Err(ParseError::new(section, 1, "the section has no table"));
    };
    let Some((separator, body)) = rest.split_first() else {
        return Err(missing_separator(section, header.number));
    };
    if separator.kind != LineKind::Text || !is_separator(separator.text) {
        return Err(missing_separator(section, header.number));
    }
    let rows: Vec<TableRow> = logical_rows(body)
        .into_iter()
        .map(|(line, text)| {
            let (cells, notes) = split_cells(&text);
            TableRow { cells, line, notes }
        })
        .collect();
    let (header_cells, header_notes) = split_cells(header.text);
    let mut notes: Vec<Located<String>> = header_notes
        .into_iter()
        .map(|n| Located {
            value: format!("the table header {n}"),
            line: header.number,
        })
        .collect();
    notes.extend(rows.iter().filter(|r| is_label_row(r)).map(|r| Located {
        value: format!(
            "the section row |{}| is read as a label and skipped",
            r.cells.first().map_or("", String::as_str)
        ),
        line: r.line,
    }));
    Ok(Table {
        header: header_cells,
        line: header.number,
        rows,
        notes,
    })
}

fn missing_separator(section: &str, line: usize) -> ParseError {
    ParseError::new(
        section,
        line,
        "the table header is not followed by a |:---|:---| separator row; add one",
    )
}

fn is_separator(text: &str) -> bool {
    let (cells, _) = split_cells(text);
    !cells.is_empty()
        && cells.iter().all(|c| {
            let dashes = c.trim_start_matches(':').trim_end_matches(':');
            !dashes.is_empty() && dashes.chars().all(|ch| ch == '-')
        })
}

/// Joins the physical lines of a table body into rows: a row whose line lacks the closing pipe
/// goes on in the next line when that line does not start a row of its own (one page splits a
/// description across two lines), and a line with pipes but no leading one is still a row.
fn logical_rows(lines: &[Line<'_>]) -> Vec<(usize, String)> {
    let mut rows: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for line in lines {
        let text = clean(line.text);
        if line.kind != LineKind::Text || text.is_empty() {
            break;
        }
        if open && !text.starts_with('|') {
            if let Some((_, row)) = rows.last_mut() {
                row.push(' ');
                row.push_str(text);
            }
        } else if text.contains('|') {
            rows.push((line.number, text.to_string()));
        } else {
            break;
        }
        open = rows.last().is_some_and(|(_, row)| !closes_row(row));
    }
    rows
}

fn closes_row(row: &str) -> bool {
    row.ends_with('|') && !row.ends_with("\\|")
}

/// The cells of one row, without the outer pipes; `\|` is a pipe inside a cell. Each cell is
/// tidied (`tidy_cell`); what was cleaned out is returned as notes.
fn split_cells(text: &str) -> (Vec<String>, Vec<String>) {
    let text = clean(text);
    let text = text.strip_prefix('|').unwrap_or(text);
    let text = if closes_row(text) {
        &text[..text.len() - 1]
    } else {
        text
    };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    let mut notes = Vec::new();
    let cells = cells
        .iter()
        .map(|raw| {
            let (tidy, note) = tidy_cell(raw);
            notes.extend(note.map(|n| format!("cell `{}` held {n}, read past", shortened(&tidy))));
            tidy
        })
        .collect();
    (cells, notes)
}

/// A cell's text for a warning: its first 40 characters.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Characters that take no room: the generator leaves U+200B in cells, and U+FEFF, U+200C,
/// U+200D and U+2060 mean the same to a reader.
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// A cell trimmed of whitespace, `&nbsp;` and zero-width characters at its edges (inside, the
/// text is kept verbatim); and what was cleaned out, when it was more than whitespace.
fn tidy_cell(raw: &str) -> (String, Option<&'static str>) {
    let (mut nbsp, mut zero_width) = (false, false);
    let mut text = raw.trim_matches(char::is_whitespace);
    loop {
        let before = text.len();
        for (entity, at_start) in [("&nbsp;", true), ("&nbsp;", false)] {
            let stripped = if at_start {
                text.strip_prefix(entity)
            } else {
                text.strip_suffix(entity)
            };
            if let Some(rest) = stripped {
                nbsp = true;
                text = rest;
            }
        }
        let trimmed = text.trim_matches(is_zero_width);
        zero_width |= trimmed.len() != text.len();
        text = trimmed.trim_matches(char::is_whitespace);
        if text.len() == before {
            break;
        }
    }
    let note = match (nbsp, zero_width) {
        (true, true) => Some("`&nbsp;` and zero-width characters"),
        (true, false) => Some("`&nbsp;`"),
        (false, true) => Some("zero-width characters"),
        (false, false) => None,
    };
    (text.to_string(), note)
}

/// Checks a table's header cells (ASCII case ignored).
pub(crate) fn expect_header(
    section: &str,
    table: &Table,
    expected: &[&str],
) -> Result<(), ParseError> {
    let matches = table.header.len() == expected.len()
        && table
            .header
            .iter()
            .zip(expected)
            .all(|(h, e)| h.eq_ignore_ascii_case(e));
    if matches {
        return Ok(());
    }
    Err(ParseError::new(
        section,
        table.line,
        format!(
            "the table header is |{}|, expected |{}|",
            table.header.join("|"),
            expected.join("|")
        ),
    ))
}

/// True for rows that only label a group (`|**Onboarding**|`): nothing after the first cell.
pub(crate) fn is_label_row(row: &TableRow) -> bool {
    row.cells.iter().skip(1).all(String::is_empty)
}

/// The rows of a Property|Type|Description or Relationship|Type|Description table. Label rows
/// are skipped; a row missing its description cell gets an empty one, and cells past the third
/// are pipes the description contained.
pub(crate) fn property_rows(section: &str, table: &Table) -> Result<Vec<Row>, ParseError> {
    let mut rows = Vec::new();
    for row in table.rows.iter().filter(|r| !is_label_row(r)) {
        // A label row is the only kind with fewer than two cells, so this never skips a property.
        let [name, ty, description @ ..] = row.cells.as_slice() else {
            continue;
        };
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            return Err(ParseError::new(
                section,
                row.line,
                format!("`{name}` is not a property name; the first cell must name the property"),
            ));
        }
        let mut notes = row.notes.clone();
        let ty = match (type_cell(ty), doc_alias(ty)) {
            (Err(_), Some((alias, p))) => {
                let name = p.name().trim_start_matches("Edm.");
                notes.push(format!(
                    "the type `{ty}` is read as {name} (Graph's docs write {alias} for it)"
                ));
                type_cell(&ty.replacen(alias, name, 1))
            }
            (other, _) => other,
        }
        .map_err(|problem| ParseError::new(section, row.line, problem))?;
        rows.push(Row {
            name: name.clone(),
            ty,
            description: description.join("|"),
            line: row.line,
            notes,
        });
    }
    Ok(rows)
}

/// A cell holding a name that is no Edm type but that a few pages write for one (`DateTime`,
/// `DateTime collection`): the name and the type it stands for.
fn doc_alias(cell: &str) -> Option<(&'static str, Primitive)> {
    let cell = clean(cell);
    let inner = cell.strip_suffix(" collection").unwrap_or(cell);
    Primitive::ALL
        .into_iter()
        .find_map(|p| p.spec().doc_alias.filter(|a| *a == inner).map(|a| (a, p)))
}

/// Reads a Type cell; the error text says what the cell may hold.
pub(crate) fn type_cell(cell: &str) -> Result<TypeCell, String> {
    let cell = clean(cell);
    let (inner, collection) = match cell.strip_suffix(" collection") {
        Some(inner) => (clean(inner), true),
        None => (cell, false),
    };
    if let Some((link, used)) = link_at(inner) {
        if used == inner.len() && !link.text.is_empty() {
            return Ok(TypeCell::Link { link, collection });
        }
    } else if edm_primitives().any(|name| name == inner) {
        return Ok(TypeCell::Primitive {
            name: inner.to_string(),
            collection,
        });
    }
    Err(format!(
        "the type `{cell}` is neither an Edm primitive name ({}) nor a link [type](page.md), \
         either optionally followed by \" collection\"; write the type in one of those forms",
        edm_primitives().collect::<Vec<_>>().join(", ")
    ))
}

/// Every `[text](target)` in a line, skipping `\[`.
pub(crate) fn links(text: &str) -> Vec<Link> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find('[') {
        let start = at + offset;
        let escaped = text[..start].ends_with('\\');
        match link_at(&text[start..]).filter(|_| !escaped) {
            Some((link, used)) => {
                out.push(link);
                at = start + used;
            }
            None => at = start + 1,
        }
    }
    out
}

/// A link at the start of `text`, and how many bytes it takes.
fn link_at(text: &str) -> Option<(Link, usize)> {
    let rest = text.strip_prefix('[')?;
    let close = rest.find(']')?;
    let after = rest[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let target = clean(&after[..end]);
    if target.is_empty() {
        return None;
    }
    let link = Link {
        text: clean(&rest[..close]).to_string(),
        file: file_name(target),
    };
    Some((link, close + end + 4))
}

/// The target's file name, without `#anchor` or `?query`, with '_' turned into '-' because the
/// 2017 pages link `intune_x_y.md` where the file is `intune-x-y.md`.
fn file_name(target: &str) -> String {
    let path = target.split(['#', '?']).next().unwrap_or(target);
    let name = path.rsplit('/').next().unwrap_or(path);
    name.replace('_', "-")
}

/// The value of the "Namespace: …" line among the intro lines; None when there is none.
pub(crate) fn namespace(intro: &Section<'_, '_>) -> Result<Option<String>, ParseError> {
    let Some(line) = intro
        .text()
        .find(|l| clean(l.text).starts_with("Namespace:"))
    else {
        return Ok(None);
    };
    let value = clean(clean(line.text).trim_start_matches("Namespace:"));
    if value.is_empty() || value.chars().any(char::is_whitespace) {
        return Err(ParseError::new(
            intro.title,
            line.number,
            "the Namespace line names no namespace; write `Namespace: microsoft.graph`",
        ));
    }
    Ok(Some(value.to_string()))
}

/// The sentences a description is made of: a '.' ends one only when whitespace or the end
/// follows, so version numbers, `9.22E+18` and URLs stay whole.
fn sentences(description: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = description.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = c == '.' && chars.peek().is_none_or(|(_, next)| next.is_whitespace());
        if ends {
            out.push(&description[start..=i]);
            start = i + 1;
        }
    }
    out.push(&description[start..]);
    out.into_iter()
        .map(clean)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A sentence without the generator's " Inherited from [Base](…)" tail, which it sometimes
/// appends without a period ("Valid values 1 to 99 Inherited from …").
fn without_inherited(sentence: &str) -> &str {
    match sentence.find("Inherited from [") {
        Some(i) => clean(&sentence[..i]),
        None => sentence,
    }
}

/// The read-only sentences of the Intune pages; matched whole so that an enum member such as
/// `businessReadyOnly` in a possible-values list never counts.
const READ_ONLY_SENTENCES: [&str; 4] = [
    "this property is read-only",
    "read only",
    "read-only",
    "this is read-only and automatically generated",
];

/// True when the description marks the property read-only (the phrasings of survey §1.4 and the
/// resource variants; never the enum member `businessReadyOnly`).
pub(crate) fn is_read_only(description: &str) -> bool {
    sentences(description).into_iter().any(|s| {
        let s = without_inherited(s)
            .trim_end_matches('.')
            .to_ascii_lowercase();
        READ_ONLY_SENTENCES.contains(&s.as_str())
    })
}

/// The members listed as "Possible values are: `a`, `b`." (None when there is no such list; the
/// numeric form "0 - `Not Ready`, …" returns None too: it is a prose rule, not enum members).
/// Some current pages say "Possible values are" twice, the first time without backticks: the
/// first occurrence that lists backticked names is the one read.
pub(crate) fn possible_values(description: &str) -> Option<Vec<String>> {
    let lower = description.to_ascii_lowercase();
    let phrase = "possible values are";
    // ASCII lowercasing keeps byte offsets, so the indices are valid in `description`.
    lower.match_indices(phrase).find_map(|(at, _)| {
        let rest = description[at + phrase.len()..].trim_start();
        let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
        member_list(rest)
    })
}

/// A list of backticked member names separated by ", " (or "and"/"or"); None when any item is
/// not a bare name, as in "0 - `Not Ready`".
fn member_list(text: &str) -> Option<Vec<String>> {
    let mut members = Vec::new();
    let mut rest = text;
    loop {
        let inner = rest.strip_prefix('`')?;
        let end = inner.find('`')?;
        let member = &inner[..end];
        let bare = !member.is_empty()
            && member
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !bare {
            return None;
        }
        members.push(member.to_string());
        let next = inner[end + 1..].trim_start();
        let next = next.strip_prefix(',').unwrap_or(next).trim_start();
        let next = next
            .strip_prefix("and ")
            .or_else(|| next.strip_prefix("or "))
            .unwrap_or(next);
        if !next.starts_with('`') {
            return Some(members);
        }
        rest = next;
    }
}

/// The sentences of prose rules a pack cannot state (each returned verbatim, trimmed): "Valid
/// values …", "Supported values …", "Allowed values …", "This collection can contain a maximum
/// of N elements.", and the numeric "Possible values are: 0 - `X`, …" form.
pub(crate) fn prose_rules(description: &str) -> Vec<String> {
    sentences(description)
        .into_iter()
        .map(without_inherited)
        .filter(|s| is_prose_rule(s))
        .map(str::to_string)
        .collect()
}

fn is_prose_rule(sentence: &str) -> bool {
    let lower = sentence.to_ascii_lowercase();
    let stated = ["valid values", "supported values", "allowed values"]
        .iter()
        .any(|p| lower.starts_with(p))
        || lower.starts_with("this collection can contain a maximum of");
    stated || (lower.starts_with("possible values") && possible_values(sentence).is_none())
}

#[cfg(test)]
mod tests;
