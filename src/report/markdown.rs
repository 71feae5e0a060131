//! `summary.md`, for a CI step summary (`$GITHUB_STEP_SUMMARY`): totals, the findings, a
//! variant × clause-family matrix, the first failures with expected/actual and their `reproduce` line, the baseline diff
//! and the flaky trials. Text from the service is escaped (CommonMark backslash escapes) or put in
//! fenced code blocks, so a response body cannot inject markup.

use std::collections::BTreeMap;
use std::io::Write;

use crate::outcome::{Outcome, Report, TrialResult};

use super::{family_of, secrets, variant_rows, Counts, ReportError, FAMILIES};

/// How many failures `summary.md` details; the rest are counted and left to `report.html`.
pub const MAX_FAILURES: usize = 20;
/// Expected / actual values longer than this are cut in `summary.md` (GitHub caps a step summary
/// at 1 MiB).
const MAX_VALUE: usize = 2000;
/// At most this many names per baseline / flaky list.
const MAX_NAMES: usize = 50;

/// Writes `report` as the Markdown step summary.
pub fn write(mut w: impl Write, report: &Report) -> Result<(), ReportError> {
    w.write_all(render(report).as_bytes())?;
    Ok(())
}

/// The Markdown step summary as a string.
pub fn render(report: &Report) -> String {
    let report = secrets::scrub(report);
    let mut md = String::new();
    headline(&mut md, &report);
    findings(&mut md, &report);
    matrix(&mut md, &report);
    failures(&mut md, &report);
    statement(&mut md, &report);
    baseline(&mut md, &report);
    flaky(&mut md, &report);
    md
}

fn headline(md: &mut String, r: &Report) {
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
    md.push_str(
        "| ✅ passed | ❌ failed | 💥 errors | ⚠ warned | ⏭ skipped | 🔁 flaky | ⏳ throttled |\n",
    );
    md.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    md.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} | {} |\n\n",
        s.passed, s.failed, s.errors, s.warned, s.skipped, s.flaky, s.throttled
    ));
    let mut notes = Vec::new();
    if r.interrupted {
        notes.push("**Interrupted**: the run did not finish; results are incomplete.");
    }
    if r.strict {
        notes.push("**Strict**: SHOULD clauses fail the run (`--strict`).");
    }
    if r.insecure {
        notes.push("**Insecure**: TLS certificates were not verified.");
    }
    for n in notes {
        md.push_str(&format!("> {n}\n>\n"));
    }
    if r.interrupted || r.strict || r.insecure {
        md.push('\n');
    }
    let failed_restores: Vec<_> = r
        .restored
        .iter()
        .filter(|x| x.status.starts_with("failed"))
        .collect();
    if !failed_restores.is_empty() {
        md.push_str("> **Not restored** (the target keeps the harness's writes):\n");
        for x in failed_restores {
            md.push_str(&format!(
                "> - {} {}: {}\n",
                code(&x.variant),
                code(&x.url),
                escape(&x.status)
            ));
        }
        md.push('\n');
    }
}

/// The findings first, one row each: what a reader fixes, before the trials that show it.
fn findings(md: &mut String, r: &Report) {
    if r.findings.is_empty() {
        return;
    }
    md.push_str(&format!("### Findings ({})\n\n", r.findings.len()));
    md.push_str(
        "| level | clause | trials | variants | finding | example |\n|---|---|---:|---|---|---|\n",
    );
    for f in r.findings.iter().take(MAX_NAMES) {
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
    if r.findings.len() > MAX_NAMES {
        md.push_str(&format!(
            "\n… and {} more findings in report.json.\n",
            r.findings.len() - MAX_NAMES
        ));
    }
    md.push('\n');
}

/// One cell: `✅ 12 / ❌ 1 / ⚠ 2`, with errors (💥) and skips (⏭) when there are any.
fn cell(c: &Counts) -> String {
    let parts: Vec<String> = [
        ("✅", c.passed),
        ("❌", c.failed),
        ("💥", c.errors),
        ("⚠", c.warned),
        ("⏭", c.skipped),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(sym, n)| format!("{sym} {n}"))
    .collect();
    if parts.is_empty() {
        "·".into()
    } else {
        parts.join(" / ")
    }
}

fn matrix(md: &mut String, r: &Report) {
    let mut counts: BTreeMap<(&str, &str), Counts> = BTreeMap::new();
    for t in &r.results {
        counts
            .entry((t.variant.as_str(), family_of(&t.clause)))
            .or_default()
            .add(t.outcome, t.flaky);
    }
    let mut families: Vec<&str> = FAMILIES.to_vec();
    for (_, f) in counts.keys() {
        if !families.contains(f) {
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
    for v in variant_rows(r) {
        md.push_str(&format!("| {} |", code(&v)));
        for f in &families {
            let c = counts.get(&(v.as_str(), *f)).copied().unwrap_or_default();
            md.push_str(&format!(" {} |", cell(&c)));
        }
        md.push('\n');
    }
    md.push('\n');
}

fn failures(md: &mut String, r: &Report) {
    let failing: Vec<&TrialResult> = r
        .results
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::Failed | Outcome::Error))
        .collect();
    if failing.is_empty() {
        return;
    }
    let shown = failing.len().min(MAX_FAILURES);
    if shown < failing.len() {
        md.push_str(&format!(
            "### Failures (first {shown} of {}; all in report.html)\n\n",
            failing.len()
        ));
    } else {
        md.push_str(&format!("### Failures ({})\n\n", failing.len()));
    }
    for t in failing.into_iter().take(MAX_FAILURES) {
        let sym = if t.outcome == Outcome::Failed {
            "❌"
        } else {
            "💥"
        };
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
    let warned = r
        .results
        .iter()
        .filter(|t| t.outcome == Outcome::Warned)
        .count();
    if warned > 0 {
        md.push_str(&format!(
            "{warned} trial(s) warned (SHOULD clauses); see report.html.\n\n"
        ));
    }
}

/// The conformance statement: one row per clause, to hand to the owner of the service.
fn statement(md: &mut String, r: &Report) {
    if r.clauses.is_empty() {
        return;
    }
    md.push_str(&format!(
        "### Conformance statement ({})\n\n| clause | level | verdict | trials | promise (and why not judged) |\n|---|---|---|---|---|\n",
        crate::statement::tally(&r.clauses)
    ));
    for c in &r.clauses {
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

fn baseline(md: &mut String, r: &Report) {
    let Some(b) = &r.baseline else {
        return;
    };
    md.push_str("### Baseline\n\n");
    let against = if b.source.is_empty() {
        format!("the run started {}", escape(&b.baseline_started))
    } else {
        format!(
            "{} (started {})",
            code(&b.source),
            escape(&b.baseline_started)
        )
    };
    md.push_str(&format!("Compared with {against}.\n\n"));
    md.push_str(
        "| new failures | fixed | still failing | added | gone |\n|---:|---:|---:|---:|---:|\n",
    );
    md.push_str(&format!(
        "| {} | {} | {} | {} | {} |\n\n",
        b.new_failures.len(),
        b.fixed.len(),
        b.still_failing.len(),
        b.added.len(),
        b.gone.len()
    ));
    for (title, names) in [("New failures", &b.new_failures), ("Fixed", &b.fixed)] {
        if names.is_empty() {
            continue;
        }
        md.push_str(&format!("**{title}**\n\n"));
        name_list(md, names.iter().map(String::as_str), names.len());
    }
}

fn flaky(md: &mut String, r: &Report) {
    let flaky: Vec<&TrialResult> = r.results.iter().filter(|t| t.flaky).collect();
    if flaky.is_empty() {
        return;
    }
    md.push_str(&format!("### Flaky ({})\n\n", flaky.len()));
    for t in flaky.iter().take(MAX_NAMES) {
        let reason = t.flaky_reason.as_deref().unwrap_or("passed on a retry");
        md.push_str(&format!(
            "- {} ({}): {}\n",
            code(&t.name),
            t.outcome.as_str(),
            escape(reason)
        ));
    }
    if flaky.len() > MAX_NAMES {
        md.push_str(&format!("- … and {} more\n", flaky.len() - MAX_NAMES));
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
