//! Measurements 3, 4, 5 and 8: whole suite runs against the embedded service, as child
//! processes — the default run's wall time and memory, their growth with `--cases`, the requests
//! each generated input costs, and what a `--cases 16` run costs a real tenant's budget.

use std::time::Duration;

use super::remote::Baseline;
use super::suite::{self, Scratch, SuiteRun};
use super::{mib, secs, Row, Sheet};

/// Intune's documented budgets per app and tenant: 100 writes and 1000 requests of any kind per
/// 20 s (Graph's throttling documentation, Intune device configuration service limits).
const INTUNE_WRITES: (f64, f64) = (100.0, 20.0);
const INTUNE_REQUESTS: (f64, f64) = (1000.0, 20.0);
/// The harness's own defaults against a non-loopback target (`app::run`'s `TENANT_WRITE_RATE`
/// and `TENANT_RATE`, not public): the same budgets with a twentieth kept back.
const HARNESS_WRITES: (f64, f64) = (95.0, 20.0);
const HARNESS_REQUESTS: (f64, f64) = (950.0, 20.0);
/// What a real tenant's run may take (measurement 8).
const TENANT_TARGET: Duration = Duration::from_secs(300);

/// 3: the default run, three times: median wall time, peak RSS.
pub(super) fn default_suite(
    scratch: &Scratch,
    sheet: &mut Sheet,
    _: &mut Baseline,
) -> Result<(), String> {
    let mut defaults = Vec::new();
    for i in 0..3 {
        defaults.push(scratch.run(&format!("default-{i}"), &[])?);
    }
    let default = suite::median(&defaults).ok_or("no run was made")?;
    let default_ok = defaults.iter().all(|r| r.code == Some(0));
    sheet.row(Row {
        id: "3",
        what: "whole default suite: wall time (median of 3; embedded service start included)"
            .into(),
        figure: format!("{:.2} s", default.wall.as_secs_f64()),
        baseline: format!(
            "peak RSS {}, CPU {}",
            mib(default.peak_kib),
            secs(default.cpu)
        ),
        ratio: "—".into(),
        target: "< 5 s",
        met: Some(default.wall < Duration::from_secs(5) && default_ok),
    });
    sheet.note(format!(
        "3: runs {}; exit codes {}{}",
        walls(&defaults),
        suite::codes(&defaults),
        suite::problems(&defaults)
    ));
    Ok(())
}

/// 4: `--cases 256` three times, `--cases 2560` once: wall time, CPU time and peak RSS.
pub(super) fn growth(scratch: &Scratch, sheet: &mut Sheet, _: &mut Baseline) -> Result<(), String> {
    let mut small = Vec::new();
    for i in 0..3 {
        small.push(scratch.run(&format!("cases-256-{i}"), &["--cases", "256"])?);
    }
    let small_m = suite::median(&small).ok_or("no run was made")?;
    let large = scratch.run("cases-2560", &["--cases", "2560"])?;
    let all: Vec<SuiteRun> = small.iter().chain([&large]).cloned().collect();
    let growth_ok = all.iter().all(|r| r.code == Some(0));
    let time_ratio = large.wall.as_secs_f64() / small_m.wall.as_secs_f64().max(f64::MIN_POSITIVE);
    sheet.row(Row {
        id: "4a",
        what: "growth: wall time, --cases 2560 vs --cases 256".into(),
        figure: format!("{:.2} s", large.wall.as_secs_f64()),
        baseline: format!("{:.2} s", small_m.wall.as_secs_f64()),
        ratio: format!("{time_ratio:.2}×"),
        target: "≤ 10×",
        met: Some(time_ratio <= 10.0 && growth_ok),
    });
    let cpu_ratio = match (large.cpu, small_m.cpu) {
        (Some(l), Some(s)) if !s.is_zero() => {
            format!("{:.2}×", l.as_secs_f64() / s.as_secs_f64())
        }
        _ => "n/a".into(),
    };
    sheet.row(Row {
        id: "4a'",
        what: "  growth: CPU time (user + system), same runs".into(),
        figure: secs(large.cpu),
        baseline: secs(small_m.cpu),
        ratio: cpu_ratio,
        target: "info",
        met: None,
    });
    let mem = match (large.peak_kib, small_m.peak_kib) {
        (Some(l), Some(s)) if s > 0 => Some(l as f64 / s as f64),
        _ => None,
    };
    sheet.row(Row {
        id: "4b",
        what: "growth: peak RSS, --cases 2560 vs --cases 256".into(),
        figure: mib(large.peak_kib),
        baseline: mib(small_m.peak_kib),
        ratio: mem.map_or("n/a".into(), |m| format!("{m:.2}×")),
        target: "< 2×",
        met: Some(mem.is_some_and(|m| m < 2.0) && growth_ok),
    });
    sheet.note(format!(
        "4: --cases 256 runs {}; --cases 2560 {:.2} s; exit codes {}{}",
        walls(&small),
        large.wall.as_secs_f64(),
        suite::codes(&all),
        suite::problems(&all)
    ));
    Ok(())
}

/// 5: the generated trials alone (libtest filter `generated`): requests sent per generated
/// input, from the report (`summary.requests` over the inputs the trials counted).
pub(super) fn per_input(
    scratch: &Scratch,
    sheet: &mut Sheet,
    _: &mut Baseline,
) -> Result<(), String> {
    let run = scratch.run("generated", &["generated"])?;
    let report = run.report()?;
    let inputs: u64 = report
        .results
        .iter()
        .filter_map(|r| r.generated.as_ref())
        .map(|g| u64::from(g.cases))
        .sum();
    let trials = report
        .results
        .iter()
        .filter(|r| r.generated.is_some())
        .count();
    if inputs == 0 {
        return Err(format!(
            "the run (exit code {}) reported no generated input in {} trials{}",
            suite::code(run.code),
            report.results.len(),
            suite::problems(std::slice::from_ref(&run))
        ));
    }
    let requests = report.summary.requests;
    let per = requests as f64 / inputs as f64;
    sheet.row(Row {
        id: "5",
        what: "requests per generated input (the generated trials alone, default run)".into(),
        figure: format!("{per:.3}"),
        baseline: format!("{requests} requests / {inputs} inputs"),
        ratio: "—".into(),
        target: "≤ 1.3",
        met: Some(per <= 1.3 && run.code == Some(0)),
    });
    sheet.note(format!(
        "5: {trials} generated trials in {:.2} s, exit code {}; writes {} ({:.3} per input); requests include the preflight's state reads{}",
        run.wall.as_secs_f64(),
        suite::code(run.code),
        report.summary.writes,
        report.summary.writes as f64 / inputs as f64,
        suite::problems(std::slice::from_ref(&run))
    ));
    Ok(())
}

/// 8: a `--cases 16` run (the default against a non-loopback target) against the embedded
/// service: how long its requests and writes take at Intune's budgets, and at the harness's.
pub(super) fn tenant_budget(
    scratch: &Scratch,
    sheet: &mut Sheet,
    _: &mut Baseline,
) -> Result<(), String> {
    let run = scratch.run("cases-16", &["--cases", "16"])?;
    let report = run.report()?;
    let (requests, writes) = (report.summary.requests, report.summary.writes);
    let intune = budget_time(requests, writes, INTUNE_REQUESTS, INTUNE_WRITES);
    let harness = budget_time(requests, writes, HARNESS_REQUESTS, HARNESS_WRITES);
    sheet.row(Row {
        id: "8",
        what: "a real tenant's budget: a --cases 16 run at Intune's 100 writes and 1000 requests per 20 s".into(),
        figure: minutes(intune.0),
        baseline: format!("{requests} requests, {writes} writes (--cases 16, embedded service)"),
        ratio: format!("{} bind", intune.1),
        target: "≤ 5 min",
        met: Some(intune.0 <= TENANT_TARGET && run.code == Some(0)),
    });
    sheet.row(Row {
        id: "8'",
        what: "  the same run at the harness's default budgets (95 writes, 950 requests per 20 s)"
            .into(),
        figure: minutes(harness.0),
        baseline: format!("{requests} requests, {writes} writes"),
        ratio: format!("{} bind", harness.1),
        target: "info",
        met: None,
    });
    sheet.note(format!(
        "8: time = max(writes / (writes per s), requests / (requests per s)): at Intune's budgets max({writes} / 5, {requests} / 50) s; the run itself took {:.2} s unthrottled, exit code {}; a real run also restores the originals it recorded (a few more writes){}",
        run.wall.as_secs_f64(),
        suite::code(run.code),
        suite::problems(std::slice::from_ref(&run))
    ));
    Ok(())
}

/// How long `requests` and `writes` take at a budget of `(n, per seconds)` each, and which of
/// the two budgets is the one that binds.
fn budget_time(
    requests: u64,
    writes: u64,
    request_budget: (f64, f64),
    write_budget: (f64, f64),
) -> (Duration, &'static str) {
    let by_requests = requests as f64 * request_budget.1 / request_budget.0;
    let by_writes = writes as f64 * write_budget.1 / write_budget.0;
    if by_writes >= by_requests {
        (Duration::from_secs_f64(by_writes), "writes")
    } else {
        (Duration::from_secs_f64(by_requests), "requests")
    }
}

fn minutes(d: Duration) -> String {
    let s = d.as_secs_f64();
    format!("{s:.0} s ({:.1} min)", s / 60.0)
}

pub(super) fn walls(runs: &[SuiteRun]) -> String {
    runs.iter()
        .map(|r| format!("{:.2} s", r.wall.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tighter_budget_decides_the_time() {
        // 300 writes at 5/s: 60 s; 1000 requests at 50/s: 20 s.
        let (t, by) = budget_time(1000, 300, INTUNE_REQUESTS, INTUNE_WRITES);
        assert_eq!((t.as_secs(), by), (60, "writes"));
        let (t, by) = budget_time(10_000, 300, INTUNE_REQUESTS, INTUNE_WRITES);
        assert_eq!((t.as_secs(), by), (200, "requests"));
    }
}
