//! `report.html`: one self-contained page (inline CSS and JS, no network), rendered with
//! minijinja from `templates/report.html` with HTML auto-escaping on.
//!
//! Stable hooks for tests and scripts:
//! - `#totals .total[data-outcome][data-count]`; banners `.banner[data-kind]`;
//! - `#matrix td.cell[data-variant][data-clause][data-family][data-passed][data-failed]
//!   [data-errors][data-warned][data-skipped][data-total][data-worst]`, each linking to
//!   `#variant=…&clause=…`;
//! - `#findings li.finding[data-id][data-clause][data-level][data-count]`, in the report's
//!   order (level, clause), each linking to its example trial's detail;
//! - `#trials tr.trial[data-name][data-variant][data-clause][data-family][data-outcome]
//!   [data-flaky]` (every trial) and `#details section.detail[…same…]` (failed, error, warned and
//!   flaky trials, with checks, exchanges and the reproduce line);
//! - filters `#filter-outcome`, `#filter-variant`, `#filter-clause`, `#filter-reset`; the page
//!   reads and writes them as the URL hash (`#outcome=failed&variant=direct&clause=C4`, where
//!   `clause` is a clause or a family, and `outcome=flaky` selects flaky trials); rows that do
//!   not match get the `hidden` attribute; `#shown-count` says how many trials show;
//! - `#trend svg` with `circle.point[data-pass-rate][data-new-failures][data-current]`.

use std::io::Write;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::outcome::{Finding, Outcome, Report};
use crate::transcript::Exchange;

use super::view::{with_view, BaselineView, Counts, Notice, Total, TrialView, View};
use super::{pass_rate, trend::RunPoint, ReportError};
use crate::contract::family_of;

const TEMPLATE_NAME: &str = "report.html";
const TEMPLATE: &str = include_str!("../../templates/report.html");

/// Writes the view as one self-contained HTML page; `history` is the earlier runs under the same
/// reports root, oldest first (the current run is added as the trend's last point).
pub(crate) fn write(
    mut w: impl Write,
    view: &View<'_>,
    history: &[RunPoint],
) -> Result<(), ReportError> {
    let page = of(view, history)?;
    w.write_all(page.as_bytes())?;
    Ok(())
}

/// The page of `report` as a string.
pub fn render(report: &Report, history: &[RunPoint]) -> Result<String, ReportError> {
    with_view(report, |view| of(view, history))
}

fn of(view: &View<'_>, history: &[RunPoint]) -> Result<String, ReportError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template(TEMPLATE_NAME, TEMPLATE)?;
    let page = Page::of(view, history);
    Ok(env.get_template(TEMPLATE_NAME)?.render(&page)?)
}

/// The template's context: the view with the page's own parts (anchors as link targets, cell
/// labels and links, exchanges as text, the trend chart's layout).
#[derive(Serialize)]
struct Page<'a> {
    title: String,
    tool: &'a crate::outcome::Tool,
    target: &'a crate::outcome::Target,
    started: &'a str,
    finished: &'a str,
    seed: &'a str,
    pack: Option<&'a crate::outcome::PackInfo>,
    requests: u64,
    writes: u64,
    partition: Option<&'a str>,
    total: usize,
    /// Trials that ran (not skipped): what the pass rate is over.
    ran: u64,
    pass_rate: String,
    findings: Vec<FindingView<'a>>,
    totals: &'a [Total],
    banners: Vec<Banner>,
    clauses: Vec<Clause<'a>>,
    /// The conformance statement, clause by clause.
    statement: &'a [crate::statement::ClauseVerdict],
    matrix: Vec<Row<'a>>,
    variants: &'a [String],
    families: Vec<&'a str>,
    outcomes: [&'static str; 6],
    trials: Vec<Trial<'a>>,
    details: Vec<Detail<'a>>,
    baseline: Option<Baseline<'a>>,
    flaky: Vec<Flaky<'a>>,
    restored: &'a [crate::outcome::Restored],
    trend: Trend,
}

#[derive(Serialize)]
struct FindingView<'a> {
    id: &'a str,
    clause: &'a str,
    family: &'a str,
    level: &'static str,
    title: &'a str,
    trials: Vec<NameLink<'a>>,
    variants: &'a [String],
    example: NameLink<'a>,
    reproduce: &'a str,
}

#[derive(Serialize)]
struct Banner {
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
struct Clause<'a> {
    id: &'a str,
    family: &'a str,
}

#[derive(Serialize)]
struct Row<'a> {
    variant: &'a str,
    total: u64,
    cells: Vec<Cell<'a>>,
}

#[derive(Serialize)]
struct Cell<'a> {
    clause: &'a str,
    family: &'a str,
    passed: u64,
    failed: u64,
    errors: u64,
    warned: u64,
    skipped: u64,
    total: u64,
    worst: &'static str,
    label: String,
    href: String,
}

/// What a trial's row and its detail section both show (and filter by).
#[derive(Serialize)]
struct TrialFacts<'a> {
    name: &'a str,
    variant: &'a str,
    clause: &'a str,
    family: &'a str,
    level: &'static str,
    outcome: &'static str,
    flaky: bool,
    message: &'a str,
}

#[derive(Serialize)]
struct Trial<'a> {
    anchor: String,
    #[serde(flatten)]
    facts: TrialFacts<'a>,
    duration_ms: u64,
    detail: Option<String>,
}

#[derive(Serialize)]
struct Detail<'a> {
    anchor: String,
    row_anchor: String,
    #[serde(flatten)]
    facts: TrialFacts<'a>,
    flaky_reason: Option<&'a str>,
    checks: Vec<CheckRow<'a>>,
    generated: Option<GeneratedView<'a>>,
    exchanges: Vec<ExchangeView<'a>>,
    reproduce: &'a str,
}

#[derive(Serialize)]
struct GeneratedView<'a> {
    cases: u32,
    passed: u32,
    failing_input: Option<&'a str>,
}

#[derive(Serialize)]
struct CheckRow<'a> {
    clause: &'a str,
    level: &'static str,
    outcome: &'static str,
    expected: &'a str,
    actual: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct ExchangeView<'a> {
    request: String,
    response: Option<String>,
    status: Option<u16>,
    error: Option<&'a str>,
    throttled: u32,
}

#[derive(Serialize)]
struct Baseline<'a> {
    source: &'a str,
    started: &'a str,
    lists: Vec<NamedList<'a>>,
}

#[derive(Serialize)]
struct NamedList<'a> {
    id: &'static str,
    title: &'static str,
    names: Vec<NameLink<'a>>,
}

#[derive(Serialize)]
struct NameLink<'a> {
    name: &'a str,
    anchor: Option<String>,
}

#[derive(Serialize)]
struct Flaky<'a> {
    name: &'a str,
    anchor: String,
    outcome: &'static str,
    reason: &'a str,
}

/// The trend chart, laid out in Rust (numbers only) and drawn by the template.
#[derive(Serialize)]
struct Trend {
    width: u32,
    height: u32,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    polyline: String,
    points: Vec<TrendPoint>,
    grid: Vec<GridLine>,
    previous_runs: usize,
}

#[derive(Serialize)]
struct TrendPoint {
    x: f64,
    y: f64,
    run: String,
    started: String,
    pass_rate: String,
    pass_pct: String,
    new_failures: u64,
    failed: u64,
    errors: u64,
    current: bool,
}

#[derive(Serialize)]
struct GridLine {
    y: f64,
    label: &'static str,
}

impl<'a> Page<'a> {
    fn of(v: &'a View<'a>, history: &[RunPoint]) -> Self {
        let report = v.report;
        let s = &report.summary;
        let rate = pass_rate(s.passed, s.warned, s.failed, s.errors);
        Page {
            title: format!("graph-conformance: {}", report.target.url),
            tool: &report.tool,
            target: &report.target,
            started: &report.started,
            finished: &report.finished,
            seed: &report.seed,
            pack: report.pack.as_ref(),
            requests: s.requests,
            writes: s.writes,
            partition: report.partition.as_deref(),
            total: report.results.len(),
            ran: s.passed + s.warned + s.failed + s.errors,
            pass_rate: format!("{:.1}%", rate * 100.0),
            findings: v.findings.iter().map(|f| finding_view(f, v)).collect(),
            totals: &v.totals,
            banners: banners(v),
            clauses: v
                .matrix
                .clauses
                .iter()
                .map(|c| Clause {
                    id: c,
                    family: family_of(c),
                })
                .collect(),
            statement: v.statement,
            matrix: matrix(v),
            variants: &v.matrix.variants,
            families: v.matrix.families(),
            outcomes: ["passed", "failed", "error", "warned", "skipped", "flaky"],
            trials: v.trials.iter().map(trial).collect(),
            details: v
                .trials
                .iter()
                .filter(|t| t.has_detail())
                .map(detail)
                .collect(),
            baseline: v.baseline.as_ref().map(|b| baseline(b, v)),
            flaky: v
                .flaky
                .iter()
                .map(|f| Flaky {
                    name: &f.trial.name,
                    anchor: format!("trial-{}", f.anchor),
                    outcome: f.trial.outcome.as_str(),
                    reason: f.reason,
                })
                .collect(),
            restored: &report.restored,
            trend: trend(report, history),
        }
    }
}

/// The run's conditions, then one banner per original the run could not write back.
fn banners(v: &View<'_>) -> Vec<Banner> {
    let notices = v.notices.iter().map(|n| Banner {
        kind: n.kind(),
        text: match n {
            Notice::Interrupted => "Interrupted: the run did not finish; results are incomplete.",
            Notice::Strict => "Strict: SHOULD clauses fail the run (--strict).",
            Notice::Insecure => "Insecure: TLS certificates were not verified.",
        }
        .into(),
    });
    let not_restored = v.not_restored.iter().map(|r| Banner {
        kind: "not-restored",
        text: format!(
            "Not restored: {} {} ({}); the target keeps the harness's writes.",
            r.variant, r.url, r.status
        ),
    });
    notices.chain(not_restored).collect()
}

/// The matrix's rows, each cell linking to the trials it counts.
fn matrix<'a>(v: &'a View<'a>) -> Vec<Row<'a>> {
    let m = &v.matrix;
    m.variants
        .iter()
        .map(|variant| {
            let cells: Vec<Cell> = m
                .clauses
                .iter()
                .map(|clause| cell(variant, clause, &m.cell(variant, clause)))
                .collect();
            Row {
                variant,
                total: cells.iter().map(|c| c.total).sum(),
                cells,
            }
        })
        .collect()
}

fn cell<'a>(variant: &str, clause: &'a str, n: &Counts) -> Cell<'a> {
    Cell {
        clause,
        family: family_of(clause),
        passed: n.passed,
        failed: n.failed,
        errors: n.errors,
        warned: n.warned,
        skipped: n.skipped,
        total: n.total(),
        worst: n.worst().map_or("none", Outcome::as_str),
        label: cell_label(n),
        href: format!("#variant={variant}&clause={clause}"),
    }
}

/// A matrix cell's text, `✓ 12 ✗ 1 ⚠ 2`, in symbols that common text fonts carry (emoji fonts
/// are not everywhere, e.g. headless browsers in CI).
fn cell_label(c: &Counts) -> String {
    let symbol = |o: Outcome| match o {
        Outcome::Failed => "✗",
        Outcome::Error => "⊗",
        Outcome::Warned => "⚠",
        Outcome::Skipped => "⊘",
        Outcome::Passed | Outcome::Info | Outcome::NotApplicable => "✓",
    };
    c.shown()
        .map(|(o, n)| format!("{}\u{a0}{n}", symbol(o)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A finding, its trials linked to their rows and its example to its detail.
fn finding_view<'a>(f: &'a Finding, v: &View<'_>) -> FindingView<'a> {
    let link = |name: &'a str, prefix: &str| NameLink {
        name,
        anchor: v.anchor(name).map(|a| format!("{prefix}-{a}")),
    };
    FindingView {
        id: &f.id,
        clause: &f.clause,
        family: family_of(&f.clause),
        level: f.level.as_str(),
        title: &f.title,
        trials: f.trials.iter().map(|n| link(n, "trial")).collect(),
        variants: &f.variants,
        example: link(&f.example, "detail"),
        reproduce: &f.reproduce,
    }
}

/// The baseline lists, each name linked to its trial's row when this run has it.
fn baseline<'a>(b: &BaselineView<'a>, v: &View<'_>) -> Baseline<'a> {
    Baseline {
        source: b.source,
        started: b.started,
        lists: b
            .lists
            .iter()
            .map(|list| NamedList {
                id: list.id,
                title: list.title,
                names: list
                    .names
                    .iter()
                    .map(|name| NameLink {
                        name,
                        anchor: v.anchor(name).map(|a| format!("trial-{a}")),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn facts<'a>(t: &TrialView<'a>) -> TrialFacts<'a> {
    let r = t.result;
    TrialFacts {
        name: &r.name,
        variant: &r.variant,
        clause: &r.clause,
        family: family_of(&r.clause),
        level: r.level.as_str(),
        outcome: r.outcome.as_str(),
        flaky: r.flaky,
        message: &r.message,
    }
}

fn trial<'a>(t: &TrialView<'a>) -> Trial<'a> {
    Trial {
        anchor: format!("trial-{}", t.anchor),
        facts: facts(t),
        duration_ms: t.result.duration_ms,
        detail: t.has_detail().then(|| format!("detail-{}", t.anchor)),
    }
}

fn detail<'a>(t: &TrialView<'a>) -> Detail<'a> {
    let r = t.result;
    Detail {
        anchor: format!("detail-{}", t.anchor),
        row_anchor: format!("trial-{}", t.anchor),
        facts: facts(t),
        flaky_reason: r.flaky_reason.as_deref(),
        checks: r
            .checks
            .iter()
            .map(|c| CheckRow {
                clause: &c.clause,
                level: c.level.as_str(),
                outcome: c.outcome.as_str(),
                expected: &c.expected,
                actual: &c.actual,
                message: &c.message,
            })
            .collect(),
        generated: r.generated.as_ref().map(|g| GeneratedView {
            cases: g.cases,
            passed: g.passed,
            failing_input: g.failing_input.as_deref(),
        }),
        exchanges: r.exchanges.iter().map(exchange).collect(),
        reproduce: &r.reproduce,
    }
}

/// An exchange as two plain-text blocks (escaped by the template): the request line, headers
/// and body; the status line, headers and body.
fn exchange(e: &Exchange) -> ExchangeView<'_> {
    let q = &e.request;
    let request = message_text(
        format!("{} {}", q.method, q.url),
        &q.headers,
        q.body.as_deref(),
        q.body_truncated,
    );
    let response = e.response.as_ref().map(|r| {
        message_text(
            format!("HTTP {}", r.status),
            &r.headers,
            r.body.as_deref(),
            r.body_truncated,
        )
    });
    ExchangeView {
        request,
        response,
        status: e.response.as_ref().map(|r| r.status),
        error: e.error.as_deref(),
        throttled: e.throttled,
    }
}

/// One HTTP message as text: its first line, its headers, and its body after a blank line.
fn message_text(
    first_line: String,
    headers: &[(String, String)],
    body: Option<&str>,
    truncated: bool,
) -> String {
    let mut text = first_line;
    text.push('\n');
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\n"));
    }
    if let Some(body) = body {
        text.push('\n');
        text.push_str(body);
        if truncated {
            text.push_str("\n… (body cut)");
        }
    }
    text
}

fn trend(report: &Report, history: &[RunPoint]) -> Trend {
    const W: u32 = 640;
    const H: u32 = 200;
    let (left, right, top, bottom) = (44.0, W as f64 - 16.0, 24.0, H as f64 - 28.0);
    let current = RunPoint::of("", report, history.last());
    let all: Vec<(&RunPoint, bool)> = history
        .iter()
        .map(|p| (p, false))
        .chain(std::iter::once((&current, true)))
        .collect();
    let n = all.len();
    let x_of = |i: usize| {
        if n <= 1 {
            (left + right) / 2.0
        } else {
            left + (right - left) * i as f64 / (n - 1) as f64
        }
    };
    let y_of = |rate: f64| bottom - (bottom - top) * rate.clamp(0.0, 1.0);
    let points: Vec<TrendPoint> = all
        .iter()
        .enumerate()
        .map(|(i, (p, is_current))| TrendPoint {
            x: round1(x_of(i)),
            y: round1(y_of(p.pass_rate)),
            run: if *is_current {
                "this run".into()
            } else {
                p.run.clone()
            },
            started: p.started.clone(),
            pass_rate: format!("{:.4}", p.pass_rate),
            pass_pct: format!("{:.1}%", p.pass_rate * 100.0),
            new_failures: p.new_failures,
            failed: p.failed,
            errors: p.errors,
            current: *is_current,
        })
        .collect();
    let polyline = points
        .iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    Trend {
        width: W,
        height: H,
        left,
        right,
        top,
        bottom,
        polyline,
        points,
        grid: vec![
            GridLine {
                y: y_of(1.0),
                label: "100%",
            },
            GridLine {
                y: y_of(0.5),
                label: "50%",
            },
            GridLine {
                y: y_of(0.0),
                label: "0%",
            },
        ],
        previous_runs: history.len(),
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
