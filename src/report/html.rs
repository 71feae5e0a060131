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

use std::collections::BTreeMap;
use std::io::Write;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::outcome::{Exchange, Finding, Outcome, Report, TrialResult};

use super::{
    clause_key, family_of, pass_rate, secrets, trend::RunPoint, variant_rows, Counts, ReportError,
};

const TEMPLATE_NAME: &str = "report.html";
const TEMPLATE: &str = include_str!("../../templates/report.html");

/// Writes `report` as one self-contained HTML page; `history` is the earlier runs under the same
/// reports root, oldest first (the current run is added as the trend's last point).
pub fn write(mut w: impl Write, report: &Report, history: &[RunPoint]) -> Result<(), ReportError> {
    let page = render(report, history)?;
    w.write_all(page.as_bytes())?;
    Ok(())
}

/// The page as a string.
pub fn render(report: &Report, history: &[RunPoint]) -> Result<String, ReportError> {
    let report = secrets::scrub(report);
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template(TEMPLATE_NAME, TEMPLATE)?;
    let page = Page::of(&report, history);
    Ok(env.get_template(TEMPLATE_NAME)?.render(&page)?)
}

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
    totals: Vec<Total>,
    banners: Vec<Banner>,
    clauses: Vec<Clause>,
    /// The conformance statement, clause by clause.
    statement: &'a [crate::statement::ClauseVerdict],
    matrix: Vec<Row>,
    variants: Vec<String>,
    families: Vec<String>,
    outcomes: Vec<&'static str>,
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
struct Total {
    outcome: &'static str,
    label: &'static str,
    count: u64,
}

#[derive(Serialize)]
struct Banner {
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
struct Clause {
    id: String,
    family: String,
}

#[derive(Serialize)]
struct Row {
    variant: String,
    total: u64,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct Cell {
    clause: String,
    family: String,
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

#[derive(Serialize)]
struct Trial<'a> {
    anchor: String,
    name: &'a str,
    variant: &'a str,
    clause: &'a str,
    family: &'a str,
    level: &'static str,
    outcome: &'static str,
    flaky: bool,
    duration_ms: u64,
    message: &'a str,
    detail: Option<String>,
}

#[derive(Serialize)]
struct Detail<'a> {
    anchor: String,
    row_anchor: String,
    name: &'a str,
    variant: &'a str,
    clause: &'a str,
    family: &'a str,
    level: &'static str,
    outcome: &'static str,
    flaky: bool,
    flaky_reason: Option<&'a str>,
    message: &'a str,
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
    fn of(report: &'a Report, history: &[RunPoint]) -> Self {
        let s = &report.summary;
        let anchors = anchors(&report.results);

        let totals = vec![
            total("passed", "passed", s.passed),
            total("failed", "failed", s.failed),
            total("error", "errors", s.errors),
            total("warned", "warned", s.warned),
            total("skipped", "skipped", s.skipped),
            total("flaky", "flaky", s.flaky),
            total("throttled", "throttled", s.throttled),
        ];

        let mut banners = Vec::new();
        if report.interrupted {
            banners.push(Banner {
                kind: "interrupted",
                text: "Interrupted: the run did not finish; results are incomplete.".into(),
            });
        }
        if report.strict {
            banners.push(Banner {
                kind: "strict",
                text: "Strict: SHOULD clauses fail the run (--strict).".into(),
            });
        }
        if report.insecure {
            banners.push(Banner {
                kind: "insecure",
                text: "Insecure: TLS certificates were not verified.".into(),
            });
        }
        for r in report
            .restored
            .iter()
            .filter(|r| r.status.starts_with("failed"))
        {
            banners.push(Banner {
                kind: "not-restored",
                text: format!(
                    "Not restored: {} {} ({}); the target keeps the harness's writes.",
                    r.variant, r.url, r.status
                ),
            });
        }

        // Matrix: variants × the clauses that occur.
        let mut clause_ids: Vec<&str> = report.results.iter().map(|r| r.clause.as_str()).collect();
        clause_ids.sort_by_key(|c| clause_key(c));
        clause_ids.dedup();
        let mut counts: BTreeMap<(&str, &str), Counts> = BTreeMap::new();
        for t in &report.results {
            counts
                .entry((t.variant.as_str(), t.clause.as_str()))
                .or_default()
                .add(t.outcome, t.flaky);
        }
        let variants = variant_rows(report);
        let matrix = variants
            .iter()
            .map(|v| {
                let cells: Vec<Cell> = clause_ids
                    .iter()
                    .map(|c| {
                        let n = counts.get(&(v.as_str(), *c)).copied().unwrap_or_default();
                        Cell {
                            clause: c.to_string(),
                            family: family_of(c).to_string(),
                            passed: n.passed,
                            failed: n.failed,
                            errors: n.errors,
                            warned: n.warned,
                            skipped: n.skipped,
                            total: n.total(),
                            worst: n.worst().map_or("none", Outcome::as_str),
                            label: cell_label(&n),
                            href: format!("#variant={v}&clause={c}"),
                        }
                    })
                    .collect();
                Row {
                    variant: v.clone(),
                    total: cells.iter().map(|c| c.total).sum(),
                    cells,
                }
            })
            .collect();
        let clauses = clause_ids
            .iter()
            .map(|c| Clause {
                id: c.to_string(),
                family: family_of(c).to_string(),
            })
            .collect();
        let mut families: Vec<String> = clause_ids
            .iter()
            .map(|c| family_of(c).to_string())
            .collect();
        families.dedup();

        let trials = failures_first(&report.results, &anchors)
            .map(|(t, a)| Trial {
                anchor: format!("trial-{a}"),
                name: &t.name,
                variant: &t.variant,
                clause: &t.clause,
                family: family_of(&t.clause),
                level: t.level.as_str(),
                outcome: t.outcome.as_str(),
                flaky: t.flaky,
                duration_ms: t.duration_ms,
                message: &t.message,
                detail: has_detail(t).then(|| format!("detail-{a}")),
            })
            .collect();
        let details = failures_first(&report.results, &anchors)
            .filter(|(t, _)| has_detail(t))
            .map(|(t, a)| detail(t, a))
            .collect();

        let anchor_of: BTreeMap<&str, &str> = report
            .results
            .iter()
            .zip(&anchors)
            .map(|(t, a)| (t.name.as_str(), a.as_str()))
            .collect();
        let link = |name: &'a String| NameLink {
            name,
            anchor: anchor_of.get(name.as_str()).map(|a| format!("trial-{a}")),
        };
        let baseline = report.baseline.as_ref().map(|b| Baseline {
            source: &b.source,
            started: &b.baseline_started,
            lists: [
                ("baseline-new", "New failures", &b.new_failures),
                ("baseline-fixed", "Fixed", &b.fixed),
                ("baseline-still", "Still failing", &b.still_failing),
                ("baseline-added", "Added", &b.added),
                ("baseline-gone", "Gone", &b.gone),
            ]
            .into_iter()
            .map(|(id, title, names)| NamedList {
                id,
                title,
                names: names.iter().map(link).collect(),
            })
            .collect(),
        });
        let flaky = report
            .results
            .iter()
            .zip(&anchors)
            .filter(|(t, _)| t.flaky)
            .map(|(t, a)| Flaky {
                name: &t.name,
                anchor: format!("trial-{a}"),
                outcome: t.outcome.as_str(),
                reason: t.flaky_reason.as_deref().unwrap_or("passed on a retry"),
            })
            .collect();

        let findings = report
            .findings
            .iter()
            .map(|f| finding_view(f, &anchor_of))
            .collect();
        let rate = pass_rate(s.passed, s.warned, s.failed, s.errors);
        Page {
            title: format!("graph-conformance: {}", report.target.url),
            tool: &report.tool,
            target: &report.target,
            started: &report.started,
            finished: &report.finished,
            seed: &report.seed,
            pack: report.pack.as_ref(),
            requests: report.summary.requests,
            writes: report.summary.writes,
            partition: report.partition.as_deref(),
            total: report.results.len(),
            ran: s.passed + s.warned + s.failed + s.errors,
            pass_rate: format!("{:.1}%", rate * 100.0),
            findings,
            totals,
            banners,
            clauses,
            statement: &report.clauses,
            matrix,
            variants: variants
                .into_iter()
                .filter(|v| report.results.iter().any(|t| &t.variant == v))
                .collect(),
            families,
            outcomes: vec!["passed", "failed", "error", "warned", "skipped", "flaky"],
            trials,
            details,
            baseline,
            flaky,
            restored: &report.restored,
            trend: trend(report, history),
        }
    }
}

fn total(outcome: &'static str, label: &'static str, count: u64) -> Total {
    Total {
        outcome,
        label,
        count,
    }
}

/// A matrix cell's text, `✓ 12 ✗ 1 ⚠ 2`, in symbols that common text fonts carry (emoji fonts
/// are not everywhere, e.g. headless browsers in CI).
fn cell_label(c: &Counts) -> String {
    [
        ("✓", c.passed),
        ("✗", c.failed),
        ("⊗", c.errors),
        ("⚠", c.warned),
        ("⊘", c.skipped),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(sym, n)| format!("{sym}\u{a0}{n}"))
    .collect::<Vec<_>>()
    .join(" ")
}

/// A finding, its trials linked to their rows and its example to its detail.
fn finding_view<'a>(f: &'a Finding, anchor_of: &BTreeMap<&str, &str>) -> FindingView<'a> {
    let anchor = |name: &str, prefix: &str| anchor_of.get(name).map(|a| format!("{prefix}-{a}"));
    FindingView {
        id: &f.id,
        clause: &f.clause,
        family: family_of(&f.clause),
        level: f.level.as_str(),
        title: &f.title,
        trials: f
            .trials
            .iter()
            .map(|n| NameLink {
                name: n,
                anchor: anchor(n, "trial"),
            })
            .collect(),
        variants: &f.variants,
        example: NameLink {
            name: &f.example,
            anchor: anchor(&f.example, "detail"),
        },
        reproduce: &f.reproduce,
    }
}

/// The trials with their anchors, failed and errored first, then warned, passed and skipped,
/// each group in the run's order: the list opens with what needs reading.
fn failures_first<'r, 's>(
    results: &'r [TrialResult],
    anchors: &'s [String],
) -> std::vec::IntoIter<(&'r TrialResult, &'s String)> {
    let rank = |o: Outcome| match o {
        Outcome::Failed | Outcome::Error => 0,
        Outcome::Warned => 1,
        Outcome::Passed | Outcome::Info | Outcome::NotApplicable => 2,
        Outcome::Skipped => 3,
    };
    let mut pairs: Vec<_> = results.iter().zip(anchors).collect();
    pairs.sort_by_key(|(t, _)| rank(t.outcome));
    pairs.into_iter()
}

fn has_detail(t: &TrialResult) -> bool {
    t.flaky
        || matches!(
            t.outcome,
            Outcome::Failed | Outcome::Error | Outcome::Warned
        )
}

/// Unique, stable-per-name anchors: the name with anything but `[A-Za-z0-9_-]` as `-`, and a
/// counter suffix when two names map to the same text.
fn anchors(results: &[TrialResult]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    results
        .iter()
        .map(|t| {
            let base: String = t
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}-{n}")
            }
        })
        .collect()
}

fn detail<'a>(t: &'a TrialResult, anchor: &str) -> Detail<'a> {
    Detail {
        anchor: format!("detail-{anchor}"),
        row_anchor: format!("trial-{anchor}"),
        name: &t.name,
        variant: &t.variant,
        clause: &t.clause,
        family: family_of(&t.clause),
        level: t.level.as_str(),
        outcome: t.outcome.as_str(),
        flaky: t.flaky,
        flaky_reason: t.flaky_reason.as_deref(),
        message: &t.message,
        checks: t
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
        generated: t.generated.as_ref().map(|g| GeneratedView {
            cases: g.cases,
            passed: g.passed,
            failing_input: g.failing_input.as_deref(),
        }),
        exchanges: t.exchanges.iter().map(exchange).collect(),
        reproduce: &t.reproduce,
    }
}

/// An exchange as two plain-text blocks (escaped by the template): the request line, headers
/// and body; the status line, headers and body.
fn exchange(e: &Exchange) -> ExchangeView<'_> {
    let mut request = format!("{} {}\n", e.request.method, e.request.url);
    for (k, v) in &e.request.headers {
        request.push_str(&format!("{k}: {v}\n"));
    }
    if let Some(body) = &e.request.body {
        request.push('\n');
        request.push_str(body);
        if e.request.body_truncated {
            request.push_str("\n… (body cut)");
        }
    }
    let response = e.response.as_ref().map(|r| {
        let mut text = format!("HTTP {}\n", r.status);
        for (k, v) in &r.headers {
            text.push_str(&format!("{k}: {v}\n"));
        }
        if let Some(body) = &r.body {
            text.push('\n');
            text.push_str(body);
            if r.body_truncated {
                text.push_str("\n… (body cut)");
            }
        }
        text
    });
    ExchangeView {
        request,
        response,
        status: e.response.as_ref().map(|r| r.status),
        error: e.error.as_deref(),
        throttled: e.throttled,
    }
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
