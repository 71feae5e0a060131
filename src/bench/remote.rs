//! Measurements 6 and 7: the default run against a target served by another process, as a user
//! runs it against a real one (`--target`, `--ids`, tokens from the environment): a `serve` that
//! adds 50 ms to every answer, and one that throttles 1 request in 7 with `Retry-After: 1`, each
//! beside the same run against a plain `serve`. Loopback targets get the embedded service's
//! defaults (256 cases, no rate budget), so only the latency and the throttling differ.

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::suite::{self, Guard, Job, Scratch, SuiteRun};
use super::{Row, Sheet};
use crate::outcome::{Outcome, Report, Summary, TrialResult};

/// The longest a run against a served target may take before it is killed (their targets are
/// minutes; the figure is still worth having when it misses them).
const LIMIT: Duration = Duration::from_secs(900);
/// How long `serve` and `token` may take to start and answer.
const STARTUP: Duration = Duration::from_secs(30);
/// The plain `serve` run, made once for 6 and 7, and the tokens.
#[derive(Default)]
pub(crate) struct Baseline {
    run: Option<SuiteRun>,
    tokens: Option<Tokens>,
}

#[derive(Clone)]
struct Tokens {
    valid: String,
    no_scope: String,
    read_only: String,
    app: String,
}

/// A `serve` child: where it listens and its ids file. Killed when dropped.
struct Served {
    _guard: Guard,
    url: String,
    ids: PathBuf,
}

/// The servers rows 6 and 7 run against: `serve` itself (tokio), and the thread-per-connection
/// front behind a listen queue of 5 (the shape of a team's Python, Java or blocking mock); each
/// with one entity per variant and with four (`--entities 4`).
const SHAPES: [(&str, &[&str], &str); 4] = [
    ("a", &[], "`serve`"),
    (
        "b",
        &["--thread-per-connection"],
        "a thread-per-connection mock (`serve --thread-per-connection`, listen queue 5)",
    ),
    ("c", &["--entities", "4"], "`serve --entities 4`"),
    (
        "d",
        &["--thread-per-connection", "--entities", "4"],
        "the thread-per-connection mock with `--entities 4`",
    ),
];

/// A run against one of [`SHAPES`] served with some flags, beside the plain run.
struct Shaped {
    run: SuiteRun,
    report: Report,
    /// The plain run.
    base: SuiteRun,
    /// Four entities per variant (the shapes with the tighter targets).
    four: bool,
}

/// A row's target: the most seconds a run may take with four entities per variant and with
/// one, as numbers and as shown.
struct Targets {
    four: (u64, &'static str),
    one: (u64, &'static str),
}

impl Shaped {
    /// Serves `flags` and `shape`, runs the default suite against it as `name`, and reads the
    /// report.
    fn run(
        scratch: &Scratch,
        baseline: &mut Baseline,
        name: &str,
        flags: &[&str],
        shape: &[&str],
    ) -> Result<Self, String> {
        let base = plain_run(scratch, baseline)?;
        let mut extra = flags.to_vec();
        extra.extend_from_slice(shape);
        let run = served_run(scratch, baseline, name, &extra)?;
        let report = run.report()?;
        Ok(Self {
            four: shape.contains(&"4"),
            run,
            report,
            base,
        })
    }

    /// The run's row: met when it exited 0 within its target; `plain` says how the plain run's
    /// `serve` differs.
    fn row(&self, id: &'static str, what: String, figure: String, plain: &str, t: Targets) -> Row {
        let (limit, target) = if self.four { t.four } else { t.one };
        let (wall, base) = (self.run.wall.as_secs_f64(), self.base.wall.as_secs_f64());
        Row {
            id,
            what,
            figure,
            baseline: format!("{base:.2} s (against `serve` {plain})"),
            ratio: format!("{:.1}×", wall / base.max(f64::MIN_POSITIVE)),
            target,
            met: Some(self.run.wall <= Duration::from_secs(limit) && self.run.code == Some(0)),
        }
    }

    /// The slowest variant and the trials' outcomes, for the row's note.
    fn trials(&self) -> String {
        let (s, results) = (&self.report.summary, &self.report.results);
        format!(
            "{}; trials passed {}, failed {}, errors {}, skipped {}{}",
            slowest_variant(results),
            s.passed,
            s.failed,
            s.errors,
            s.skipped,
            skip_reasons(results)
        )
    }

    /// The exit code and what went wrong with either run, for the row's note.
    fn exit(&self) -> String {
        format!(
            "exit code {}{}",
            suite::code(self.run.code),
            suite::problems(&[self.run.clone(), self.base.clone()])
        )
    }
}

/// 6: the default run against `serve --latency 50ms`, beside the same against `serve`, for
/// each of [`SHAPES`].
pub(super) fn latency(
    scratch: &Scratch,
    sheet: &mut Sheet,
    baseline: &mut Baseline,
) -> Result<(), String> {
    let runs = SHAPES
        .into_iter()
        .enumerate()
        .map(|(n, shape)| latency_row(scratch, sheet, baseline, n, shape))
        .collect::<Result<Vec<_>, String>>()?;
    traffic_row(sheet, &runs);
    Ok(())
}

/// Row 6's `n`-th line, for one shape; answers the run's summary for 6e.
fn latency_row(
    scratch: &Scratch,
    sheet: &mut Sheet,
    baseline: &mut Baseline,
    n: usize,
    (id, shape, shown): (&'static str, &[&str], &str),
) -> Result<(&'static str, Summary), String> {
    let flags = ["--latency", "50ms"];
    let shaped = Shaped::run(scratch, baseline, &format!("latency-{id}"), &flags, shape)?;
    let wall = shaped.run.wall.as_secs_f64();
    sheet.row(shaped.row(
        ["6a", "6b", "6c", "6d"][n],
        format!("default run, 50 ms added to every answer, against {shown}"),
        format!("{wall:.1} s"),
        "without latency",
        Targets {
            four: (20, "≤ 20 s"),
            one: (60, "≤ 60 s"),
        },
    ));
    // Requests × 50 ms over the wall time: how many requests were in flight on average,
    // which is what bounds a run against a distant target.
    let s = &shaped.report.summary;
    let in_flight = s.requests as f64 * 0.05 / wall.max(f64::MIN_POSITIVE);
    sheet.note(format!(
        "6{id}: {} requests ({} writes), so {:.0} s of added latency in all, {in_flight:.1} requests in flight on average; {}; {}",
        s.requests,
        s.writes,
        s.requests as f64 * 0.05,
        shaped.trials(),
        shaped.exit()
    ));
    Ok((id, shaped.report.summary))
}

/// 6e: what the harness asked of each server: connections opened and requests in flight at
/// once. A run that opens a connection per handful of requests meets a thread-per-connection
/// mock's short listen queue with dropped SYNs (1 s, 2 s, 4 s … before a retry).
fn traffic_row(sheet: &mut Sheet, runs: &[(&str, Summary)]) {
    let shown: Vec<String> = runs
        .iter()
        .map(|(id, s)| {
            format!(
                "6{id}: {} connections for {} requests, at most {} in flight",
                s.connections, s.requests, s.most_in_flight
            )
        })
        .collect();
    let met = runs.iter().all(|(_, s)| {
        s.connections > 0 && s.connections * 30 <= s.requests && s.most_in_flight <= 128
    });
    sheet.row(Row {
        id: "6e",
        what: "connections opened and requests in flight, per run of row 6".into(),
        figure: shown.join("; "),
        baseline: "before the cap: 1 169–1 807 connections, up to 320 in flight, one 30 s timeout against the thread-per-connection mock".into(),
        ratio: "—".into(),
        target: "≤ 1 connection per 30 requests, ≤ 128 in flight",
        met: Some(met),
    });
}

/// 7: the default run against `serve --deviation throttle-1s` (1 request in 7 answered 429
/// with `Retry-After: 1`), beside the same against `serve`, for each of [`SHAPES`].
pub(super) fn throttled(
    scratch: &Scratch,
    sheet: &mut Sheet,
    baseline: &mut Baseline,
) -> Result<(), String> {
    for (n, (id, shape, shown)) in SHAPES.into_iter().enumerate() {
        let flags = ["--deviation", "throttle-1s"];
        let shaped = Shaped::run(scratch, baseline, &format!("throttled-{id}"), &flags, shape)?;
        let s = &shaped.report.summary;
        let wall = shaped.run.wall.as_secs_f64();
        sheet.row(shaped.row(
            ["7a", "7b", "7c", "7d"][n],
            format!("default run, 1 answer in 7 a 429 with `Retry-After: 1`, against {shown}"),
            format!(
                "{wall:.1} s; summary.throttled {}, summary.waited_ms {}",
                s.throttled, s.waited_ms
            ),
            "unthrottled",
            Targets {
                four: (90, "≤ 90 s"),
                one: (240, "≤ 240 s"),
            },
        ));
        sheet.note(format!(
            "7{id}: {} requests; 1 in 7 throttled is {} answers, and summary.waited_ms ({:.0} s of 1 s waits, summed over requests, {:.1} overlapping on average) and summary.throttled ({}) agree; {}; {} connections, at most {} in flight; {}",
            s.requests,
            s.requests / 7,
            s.waited_ms as f64 / 1000.0,
            s.waited_ms as f64 / 1000.0 / wall.max(f64::MIN_POSITIVE),
            s.throttled,
            shaped.trials(),
            s.connections,
            s.most_in_flight,
            shaped.exit()
        ));
    }
    Ok(())
}

/// The variant whose trials took longest in sum. Every trial of a variant holds the lock of
/// the entity it reaches, alone when it writes, so the sum is that entity's share of the wall
/// time (an over-estimate by what its refusals overlap).
fn slowest_variant(results: &[TrialResult]) -> String {
    let mut by_variant: BTreeMap<&str, u64> = BTreeMap::new();
    for r in results {
        *by_variant.entry(r.variant.as_str()).or_default() += r.duration_ms;
    }
    match by_variant.into_iter().max_by_key(|(_, ms)| *ms) {
        Some((variant, ms)) => format!(
            "the trials of variant {variant} took {:.1} s in sum (its writes one at a time under its entity's lock, its refusals overlapping)",
            ms as f64 / 1000.0
        ),
        None => "no trial ran".into(),
    }
}

/// Why trials were skipped, counted (`8 × GRAPH_TOKEN_APP is not set`).
fn skip_reasons(results: &[TrialResult]) -> String {
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for r in results.iter().filter(|r| r.outcome == Outcome::Skipped) {
        let reason = r.message.split(';').next().unwrap_or_default().trim();
        *reasons.entry(reason).or_default() += 1;
    }
    if reasons.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = reasons
        .iter()
        .map(|(reason, n)| format!("{n} × {reason}"))
        .collect();
    format!(" ({})", listed.join(", "))
}

/// The run against a plain `serve`, made the first time 6 or 7 needs it.
fn plain_run(scratch: &Scratch, baseline: &mut Baseline) -> Result<SuiteRun, String> {
    if let Some(run) = &baseline.run {
        return Ok(run.clone());
    }
    eprintln!("  baseline: the default run against `serve` …");
    let run = served_run(scratch, baseline, "served", &[])?;
    baseline.run = Some(run.clone());
    Ok(run)
}

/// Starts `serve <extra…>`, runs the default suite against it, stops it.
fn served_run(
    scratch: &Scratch,
    baseline: &mut Baseline,
    name: &str,
    extra: &[&str],
) -> Result<SuiteRun, String> {
    let tokens = match &baseline.tokens {
        Some(t) => t.clone(),
        None => {
            let t = Tokens {
                valid: token(scratch, &[])?,
                no_scope: token(scratch, &["--no-scope"])?,
                read_only: token(scratch, &["--read-only"])?,
                app: token(scratch, &["--app"])?,
            };
            baseline.tokens = Some(t.clone());
            t
        }
    };
    let served = serve(scratch, &format!("{name}-serve"), extra)?;
    let pack = scratch
        .pack()
        .map(|p| format!(" --pack {p}"))
        .unwrap_or_default();
    let job = Job {
        name,
        args: vec![
            "--target".into(),
            served.url.clone(),
            "--ids".into(),
            served.ids.display().to_string(),
        ],
        shown_args: Some("--target URL --ids FILE".into()),
        env: vec![
            (
                "GRAPH_TOKEN",
                tokens.valid,
                format!("$(graph-conformance token{pack})"),
            ),
            (
                "GRAPH_TOKEN_NO_SCOPE",
                tokens.no_scope,
                "$(graph-conformance token --no-scope)".into(),
            ),
            (
                "GRAPH_TOKEN_READ_ONLY",
                tokens.read_only,
                format!("$(graph-conformance token{pack} --read-only)"),
            ),
            (
                "GRAPH_TOKEN_APP",
                tokens.app,
                format!("$(graph-conformance token{pack} --app)"),
            ),
        ],
        limit: LIMIT,
        progress: Some(name),
    };
    let run = scratch.run_job(&job);
    drop(served);
    run
}

/// `serve [--pack P] --port 0 --ids-out <folder>/ids.json <extra…>` as a child: waits for its
/// "listening on URL" line, then drains its stdout in a thread so that it never blocks on it.
fn serve(scratch: &Scratch, name: &str, extra: &[&str]) -> Result<Served, String> {
    let folder = scratch.folder(name)?;
    let ids = folder.join("ids.json");
    let stderr_path = folder.join("stderr.txt");
    let stderr = std::fs::File::create(&stderr_path)
        .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
    let mut cmd = Command::new(scratch.exe());
    cmd.arg("serve");
    let mut shown = String::from("graph-conformance serve");
    if let Some(p) = scratch.pack() {
        cmd.arg("--pack").arg(p);
        shown += &format!(" --pack {p}");
    }
    cmd.args(["--port", "0", "--ids-out"])
        .arg(&ids)
        .args(extra)
        .current_dir(&folder)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr));
    for word in extra {
        shown += &format!(" {word}");
    }
    scratch.log(format!(
        "{shown} --port 0 --ids-out FILE (prints `listening on URL`)"
    ));
    let mut guard = Guard::new(
        cmd.spawn()
            .map_err(|e| format!("cannot start `serve`: {e}"))?,
    );
    let stdout = guard
        .child()
        .and_then(|c| c.stdout.take())
        .ok_or("`serve` has no stdout to read")?;
    let (lines, listened) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        // Read to the end whether or not anyone listens: a full pipe would block `serve`.
        for line in std::io::BufReader::new(stdout).split(b'\n') {
            let Ok(line) = line else { break };
            let _ = lines.send(String::from_utf8_lossy(&line).into_owned());
        }
    });
    let url = listening_url(&listened).map_err(|why| {
        format!(
            "`{name}`: {why} (its stderr: {})",
            suite::tail(&stderr_path, 3)
        )
    })?;
    Ok(Served {
        _guard: guard,
        url,
        ids,
    })
}

/// The URL of the first `listening on URL` line, within [`STARTUP`].
fn listening_url(lines: &mpsc::Receiver<String>) -> Result<String, String> {
    let deadline = Instant::now() + STARTUP;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                if let Some(url) = line.trim().strip_prefix("listening on ") {
                    return Ok(url.trim().to_owned());
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "`serve` did not say where it listens within {} s",
                    STARTUP.as_secs()
                ))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err("`serve` exited before it listened".into())
            }
        }
    }
}

/// `token [--pack P] <extra…>`: the token it prints.
fn token(scratch: &Scratch, extra: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new(scratch.exe());
    cmd.arg("token");
    if let Some(p) = scratch.pack() {
        cmd.arg("--pack").arg(p);
    }
    cmd.args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut guard = Guard::new(
        cmd.spawn()
            .map_err(|e| format!("cannot start `token`: {e}"))?,
    );
    let deadline = Instant::now() + STARTUP;
    let status = loop {
        let child = guard.child().ok_or("`token` was reaped already")?;
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(None) => return Err("`token` did not finish in time".into()),
            Err(e) => return Err(format!("cannot wait for `token`: {e}")),
        }
    };
    let child = guard.child().ok_or("`token` was reaped already")?;
    let mut out = String::new();
    let mut err = String::new();
    // The child has exited: its pipes hold all it wrote (a token is far below a pipe's size).
    if let Some(mut s) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut s, &mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut s, &mut err);
    }
    let token = out.trim();
    if !status.success() || token.is_empty() {
        return Err(format!(
            "`token {}` failed ({status}): {}",
            extra.join(" "),
            err.trim()
        ));
    }
    Ok(token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(variant: &str, outcome: &str, ms: u64, message: &str) -> TrialResult {
        serde_json::from_value(serde_json::json!({
            "name": format!("{variant}::C4.4::x"),
            "variant": variant,
            "clause": "C4.4",
            "level": "MUST",
            "outcome": outcome,
            "duration_ms": ms,
            "message": message,
            "checks": [],
            "exchanges": [],
            "reproduce": "",
        }))
        .expect("a trial result")
    }

    /// Three trials that ran, then two skipped for the same reason.
    fn results() -> [TrialResult; 5] {
        [
            trial("a", "passed", 700, ""),
            trial("b", "passed", 900, ""),
            trial("a", "passed", 400, ""),
            trial("a", "skipped", 0, "GRAPH_TOKEN_APP is not set; set it"),
            trial("b", "skipped", 0, "GRAPH_TOKEN_APP is not set; set it"),
        ]
    }

    #[test]
    fn the_slowest_variant_sums_its_trials() {
        let said = slowest_variant(&results());
        assert!(said.contains("variant a took 1.1 s"), "{said}");
    }

    #[test]
    fn skip_reasons_are_counted() {
        let results = results();
        assert_eq!(skip_reasons(&results), " (2 × GRAPH_TOKEN_APP is not set)");
        assert_eq!(skip_reasons(&results[..3]), "");
    }
}
