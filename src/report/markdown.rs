//! `summary.md`, for a CI step summary (`$GITHUB_STEP_SUMMARY`): totals, the findings, a
//! variant × clause-family matrix, the first failures with expected/actual and their `reproduce`
//! line, the conformance statement, the baseline diff and the flaky trials, rendered from the
//! report's view. Text from the service is escaped (CommonMark backslash escapes) or put in
//! fenced code blocks, so a response body cannot inject markup.

use std::io::Write;

use super::view::{with_view, Counts, Notice, View};
use super::ReportError;
use crate::contract::FAMILIES;
use crate::outcome::Outcome;

/// How many failures `summary.md` details; the rest are counted and left to `report.html`.
pub const MAX_FAILURES: usize = 20;
/// Expected / actual values longer than this are cut in `summary.md` (GitHub caps a step summary
/// at 1 MiB).
const MAX_VALUE: usize = 2000;
/// At most this many names per baseline / flaky list.
const MAX_NAMES: usize = 50;

/// Writes the view as the Markdown step summary.
pub fn write(mut w: impl Write, view: &View<'_>) -> Result<(), ReportError> {
    w.write_all(of(view).as_bytes())?;
    Ok(())
}

/// The Markdown step summary of `report` as a string.
pub fn render(report: &crate::outcome::Report) -> String {
    with_view(report, of)
}

fn of(v: &View<'_>) -> String {
    let mut md = String::new();
    headline(&mut md, v);
    totals(&mut md, v);
    notices(&mut md, v);
    findings(&mut md, v);
    matrix(&mut md, v);
    failures(&mut md, v);
    statement(&mut md, v);
    baseline(&mut md, v);
    flaky(&mut md, v);
    md
}

/// The verdict and the counts in one heading, then where and how the run ran.
fn headline(md: &mut String, v: &View<'_>) {
    let r = v.report;
    let s = &r.summary;
    let verdict = if s.failed > 0 || s.errors > 0 {
        "❌"
    } else {
        "✅"
    };
    md.push_str(&format!(
        "## {verdict} graph-conformance: {} passed, {} failed, {} errors, {} warned, {} skipped\n\n",
        s.passed, s.failed, s.errors, s.warned, s.skipped
    ));
    md.push_str(&format!(
        "Target {}{} · seed {} · {} → {} · {} {}",
        code(&r.target.url),
        if r.target.embedded { " (embedded)" } else { "" },
        code(&r.seed),
        escape(&r.started),
        escape(&r.finished),
        escape(&r.tool.name),
        escape(&r.tool.version),
    ));
    if let Some(p) = &r.partition {
        md.push_str(&format!(" · shard {}", code(p)));
    }
    if let Some(p) = &r.pack {
        md.push_str(&format!(
            "\n\nPack {} · {} · digest {}",
            code(&p.name),
            escape(&p.source),
            code(&p.digest[..p.digest.len().min(12)])
        ));
    }
    md.push_str(&format!(" · {} requests ({} writes)", s.requests, s.writes));
    md.push_str("\n\n");
}

fn totals(md: &mut String, v: &View<'_>) {
    md.push('|');
    for t in &v.totals {
        md.push_str(&format!(" {} {} |", symbol(t.outcome), t.label));
    }
    md.push_str("\n|");
    for _ in &v.totals {
        md.push_str("---:|");
    }
    md.push_str("\n|");
    for t in &v.totals {
        md.push_str(&format!(" {} |", t.count));
    }
    md.push_str("\n\n");
}

/// The run's conditions as block quotes, then the originals the run could not write back.
fn notices(md: &mut String, v: &View<'_>) {
    for n in &v.notices {
        let text = match n {
            Notice::Interrupted => {
                "**Interrupted**: the run did not finish; results are incomplete."
            }
            Notice::Strict => "**Strict**: SHOULD clauses fail the run (`--strict`).",
            Notice::Insecure => "**Insecure**: TLS certificates were not verified.",
        };
        md.push_str(&format!("> {text}\n>\n"));
    }
    if !v.notices.is_empty() {
        md.push('\n');
    }
    if v.not_restored.is_empty() {
        return;
    }
    md.push_str("> **Not restored** (the target keeps the harness's writes):\n");
    for x in &v.not_restored {
        md.push_str(&format!(
            "> - {} {}: {}\n",
            code(&x.variant),
            code(&x.url),
            escape(&x.status)
        ));
    }
    md.push('\n');
}

/// The findings first, one row each: what a reader fixes, before the trials that show it.
fn findings(md: &mut String, v: &View<'_>) {
    if v.findings.is_empty() {
        return;
    }
    md.push_str(&format!("### Findings ({})\n\n", v.findings.len()));
    md.push_str(
        "| level | clause | trials | variants | finding | example |\n|---|---|---:|---|---|---|\n",
    );
    for f in v.findings.iter().take(MAX_NAMES) {
        let variants: Vec<String> = f.variants.iter().map(|v| code(v)).collect();
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            f.level.as_str(),
            code(&f.clause),
            f.trials.len(),
            variants.join(" "),
            escape(&f.title),
            code(&f.example)
        ));
    }
    if v.findings.len() > MAX_NAMES {
        md.push_str(&format!(
            "\n… and {} more findings in report.json.\n",
            v.findings.len() - MAX_NAMES
        ));
    }
    md.push('\n');
}

/// The symbol of an outcome, or of `flaky` / `throttled`, in the summary's tables.
fn symbol(key: &str) -> &'static str {
    match key {
        "passed" => "✅",
        "failed" => "❌",
        "error" => "💥",
        "warned" => "⚠",
        "skipped" => "⏭",
        "flaky" => "🔁",
        "throttled" => "⏳",
        _ => "",
    }
}

/// One cell: `✅ 12 / ❌ 1 / ⚠ 2`, with errors (💥) and skips (⏭) when there are any.
fn cell(c: &Counts) -> String {
    let parts: Vec<String> = c
        .shown()
        .map(|(o, n)| format!("{} {n}", symbol(o.as_str())))
        .collect();
    if parts.is_empty() {
        "·".into()
    } else {
        parts.join(" / ")
    }
}

/// The matrix folded into clause families: every family of the contract has a column, whether
/// the run reached it or not, so summaries of different runs line up.
fn matrix(md: &mut String, v: &View<'_>) {
    let mut families: Vec<&str> = FAMILIES.to_vec();
    for f in v.matrix.families() {
        if !families.contains(&f) {
            families.push(f);
        }
    }
    md.push_str("### Variant × clause family\n\n| variant |");
    for f in &families {
        md.push_str(&format!(" {f} |"));
    }
    md.push_str("\n|---|");
    for _ in &families {
        md.push_str("---|");
    }
    md.push('\n');
    for variant in &v.matrix.variants {
        md.push_str(&format!("| {} |", code(variant)));
        for f in &families {
            md.push_str(&format!(" {} |", cell(&v.matrix.family_cell(variant, f))));
        }
        md.push('\n');
    }
    md.push('\n');
}

/// The first failed and errored trials in detail; warned trials only counted.
fn failures(md: &mut String, v: &View<'_>) {
    let failing = v.failing().count();
    if failing == 0 {
        return;
    }
    let shown = failing.min(MAX_FAILURES);
    if shown < failing {
        md.push_str(&format!(
            "### Failures (first {shown} of {failing}; all in report.html)\n\n"
        ));
    } else {
        md.push_str(&format!("### Failures ({failing})\n\n"));
    }
    for t in v.failing().take(MAX_FAILURES) {
        failure(md, t.result);
    }
    let warned = v
        .trials
        .iter()
        .filter(|t| t.result.outcome == Outcome::Warned)
        .count();
    if warned > 0 {
        md.push_str(&format!(
            "{warned} trial(s) warned (SHOULD clauses); see report.html.\n\n"
        ));
    }
}

/// One failed or errored trial: its message, the checks that did not pass with expected and
/// actual values, the shrunk input and the line that reproduces it.
fn failure(md: &mut String, t: &crate::outcome::TrialResult) {
    let sym = symbol(t.outcome.as_str());
    md.push_str(&format!(
        "#### {sym} {} ({}{})\n\n",
        code(&t.name),
        t.outcome.as_str(),
        if t.flaky { ", flaky" } else { "" }
    ));
    if !t.message.is_empty() {
        for line in t.message.lines() {
            md.push_str(&format!("> {}\n", escape(line)));
        }
        md.push('\n');
    }
    let mut checks = String::new();
    for c in t.checks.iter().filter(|c| c.outcome != Outcome::Passed) {
        checks.push_str(&format!(
            "{} {} {}: {}\n  expected: {}\n  actual:   {}\n",
            c.clause,
            c.level.as_str(),
            c.outcome.as_str(),
            c.message,
            cut(&c.expected),
            cut(&c.actual)
        ));
    }
    if let Some(input) = t.generated.as_ref().and_then(|g| g.failing_input.as_ref()) {
        checks.push_str(&format!("failing input (shrunk): {}\n", cut(input)));
    }
    if !checks.is_empty() {
        fenced(md, "text", &checks);
    }
    if !t.reproduce.is_empty() {
        fenced(md, "sh", &t.reproduce);
    }
}

/// The conformance statement: one row per clause, to hand to the owner of the service.
fn statement(md: &mut String, v: &View<'_>) {
    if v.statement.is_empty() {
        return;
    }
    md.push_str(&format!(
        "### Conformance statement ({})\n\n| clause | level | verdict | trials | promise (and why not judged) |\n|---|---|---|---|---|\n",
        v.tally
    ));
    for c in v.statement {
        let why = if c.reason.is_empty() {
            escape(&c.title)
        } else {
            format!("{} — {}", escape(&c.title), escape(&c.reason))
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {why} |\n",
            c.id,
            c.level.as_str(),
            c.verdict.as_str(),
            c.trials
        ));
    }
    md.push('\n');
}

/// The baseline comparison: every list counted, the new failures and the fixed trials named
/// (the other lists are named in report.html).
fn baseline(md: &mut String, v: &View<'_>) {
    let Some(b) = &v.baseline else {
        return;
    };
    md.push_str("### Baseline\n\n");
    let against = if b.source.is_empty() {
        format!("the run started {}", escape(b.started))
    } else {
        format!("{} (started {})", code(b.source), escape(b.started))
    };
    md.push_str(&format!("Compared with {against}.\n\n|"));
    for list in &b.lists {
        md.push_str(&format!(" {} |", list.title.to_lowercase()));
    }
    md.push_str("\n|");
    for _ in &b.lists {
        md.push_str("---:|");
    }
    md.push_str("\n|");
    for list in &b.lists {
        md.push_str(&format!(" {} |", list.names.len()));
    }
    md.push_str("\n\n");
    for list in &b.lists[..2] {
        if list.names.is_empty() {
            continue;
        }
        md.push_str(&format!("**{}**\n\n", list.title));
        name_list(md, list.names.iter().map(String::as_str), list.names.len());
    }
}

fn flaky(md: &mut String, v: &View<'_>) {
    if v.flaky.is_empty() {
        return;
    }
    md.push_str(&format!("### Flaky ({})\n\n", v.flaky.len()));
    for f in v.flaky.iter().take(MAX_NAMES) {
        md.push_str(&format!(
            "- {} ({}): {}\n",
            code(&f.trial.name),
            f.trial.outcome.as_str(),
            escape(f.reason)
        ));
    }
    if v.flaky.len() > MAX_NAMES {
        md.push_str(&format!("- … and {} more\n", v.flaky.len() - MAX_NAMES));
    }
    md.push('\n');
}

fn name_list<'a>(md: &mut String, names: impl Iterator<Item = &'a str>, total: usize) {
    for n in names.take(MAX_NAMES) {
        md.push_str(&format!("- {}\n", code(n)));
    }
    if total > MAX_NAMES {
        md.push_str(&format!("- … and {} more\n", total - MAX_NAMES));
    }
    md.push('\n');
}

fn cut(s: &str) -> String {
    if s.len() <= MAX_VALUE {
        return s.to_string();
    }
    let mut end = MAX_VALUE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}

/// A fenced code block whose fence is longer than any backtick run in `body`.
fn fenced(md: &mut String, lang: &str, body: &str) {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    md.push_str(&format!("{fence}{lang}\n{}\n{fence}\n\n", body.trim_end()));
}

/// An inline code span, safe for any text (a table cell included): backticks lengthen the
/// delimiter, `|` is escaped, newlines become spaces.
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ").replace('|', "\\|");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let delim = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{delim} {s} {delim}")
    } else {
        format!("{delim}{s}{delim}")
    }
}

/// Text that renders literally: the characters that start markup anywhere (HTML, entities,
/// code, emphasis, links, images, strikethrough, table cells) are backslash-escaped, as are
/// those that start a block at the beginning of a line (list, heading, ordered list).
/// Newlines become spaces.
pub(crate) fn escape(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        let markup = matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '!' | '&' | '#'
        );
        let block_start = (i == 0 && matches!(c, '-' | '+' | '='))
            || (digits > 0 && i == digits && matches!(c, '.' | ')'));
        if markup || block_start {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<b>|x*"), "\\<b\\>\\|x\\*");
        assert_eq!(escape("- 1. a.b: c's"), "\\- 1. a.b: c's");
        assert_eq!(escape("12. x"), "12\\. x");
        assert_eq!(escape("a&b"), "a\\&b");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        let mut md = String::new();
        fenced(&mut md, "sh", "echo ```");
        assert!(md.starts_with("````sh\n"));
    }
}
