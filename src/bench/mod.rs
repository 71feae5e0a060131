//! Benchmarks (issues 6 and 15): each figure is measured beside its baseline in the same run and
//! reported as a ratio, because the machines this runs on are shared and noisy.
//!
//! 1. `service`: valid PATCH requests/s of the embedded service (serving the pack given) under
//!    concurrency, against a minimal axum handler that answers a fixed 300-byte JSON body (same
//!    reqwest client, concurrency and duration; rounds alternate so that noise hits both).
//! 2. `harness`: checked exchanges/s (the executor's requests, every check via [`Judge`], the
//!    outcome recorded) against the embedded service, versus the same requests sent by a plain
//!    reqwest client with no checks, in the same threads; and (2c) versus the service's own limit
//!    under measurement 1's closed-loop load.
//! 3. `runs`: the whole default run as a child process (`-q --report-dir <tmp>`): wall time and
//!    peak memory.
//! 4. `runs`: growth from `--cases 256` to `--cases 2560`.
//! 5. `runs`: requests per generated input (the generated trials alone, from `report.json`).
//! 6. `remote`: the default run against a `serve --latency 50ms` child, beside the same run
//!    against `serve` without latency; against `serve` and its thread-per-connection front
//!    (issue 24), each with one entity per variant and with four; 6e: connections opened and
//!    requests in flight in each.
//! 7. `remote`: the default run against a `serve --deviation throttle-1s` child, in the same
//!    four shapes.
//! 8. `runs`: how long a `--cases 16` run (the default against a real tenant) needs at Intune's
//!    documented budgets.
//! 9. `imports`: import speed (issue 21): `import DIR` of the shared doc pages as a child
//!    process, pages/s with the self-check beside the same with `--no-check`, and the read time
//!    of Graph v1.0's CSDL; rows that say so, counting for nothing, without `../shared`.
//!
//! [`Judge`]: crate::checks::Judge

mod harness;
mod imports;
mod remote;
mod runs;
mod service;
mod suite;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use reqwest::header::HeaderValue;

use crate::cli::BenchArgs;
use crate::generate::{self, Aim, Strategy};
use crate::pack::{Pack, Selection};

/// Rounds per comparison: the sides alternate round by round, and the ratio reported is the
/// median of the rounds' ratios, so a burst of load from a neighbour spoils one round, not the
/// figure.
const ROUNDS: u32 = 5;
/// Seed of the valid bodies every measurement sends (fixed: the same bodies on every run).
const BODY_SEED: u64 = 0x6265_6e63_6821;
/// How many distinct valid bodies are cycled through.
const BODIES: u32 = 256;
/// The measurements there are (`--only` takes 1 to this).
const MEASUREMENTS: u8 = 9;

/// One line of the table.
pub(crate) struct Row {
    id: &'static str,
    what: String,
    figure: String,
    baseline: String,
    ratio: String,
    target: &'static str,
    /// `None`: for information only, no target.
    met: Option<bool>,
}

/// The table as it fills: rows, notes, and per measurement the commands that reproduce it.
#[derive(Default)]
pub(crate) struct Sheet {
    rows: Vec<Row>,
    notes: Vec<String>,
    reproduce: Vec<Reproduce>,
}

/// How to reproduce one measurement: `bench` alone, and the child processes it ran.
struct Reproduce {
    n: u8,
    bench: String,
    /// Each distinct command line with how many times it ran.
    children: Vec<(String, usize)>,
}

impl Sheet {
    fn row(&mut self, row: Row) {
        self.rows.push(row);
    }

    fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// A measurement that could not be made: a missed row saying why, so the others still count.
    fn reproduce(&mut self, setup: &Setup, n: u8, children: Vec<String>) {
        let mut counted: Vec<(String, usize)> = Vec::new();
        for line in children {
            match counted.iter_mut().find(|(l, _)| *l == line) {
                Some((_, count)) => *count += 1,
                None => counted.push((line, 1)),
            }
        }
        self.reproduce.push(Reproduce {
            n,
            bench: setup.bench_command(n),
            children: counted,
        });
    }

    fn failed(&mut self, id: &'static str, what: &str, why: &str) {
        self.row(Row {
            id,
            what: format!("{what}: could not be measured"),
            figure: "—".into(),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "measured",
            met: Some(false),
        });
        self.note(format!("{id}: {why}"));
    }
}

/// What the measurements share.
pub(crate) struct Setup<'a> {
    args: &'a BenchArgs,
    pack: Arc<Pack>,
    /// Valid PATCH bodies from the suite's own generator.
    bodies: Vec<String>,
    /// `--seconds` per side.
    seconds: Duration,
}

impl Setup<'_> {
    /// The bodies as the plain-reqwest sides send them.
    fn raw_bodies(&self) -> Vec<Bytes> {
        self.bodies.iter().map(|b| Bytes::from(b.clone())).collect()
    }

    /// `bench` with the flags that reproduce measurement `n` alone.
    fn bench_command(&self, n: u8) -> String {
        let mut line = format!("graph-conformance bench --only {n}");
        if matches!(n, 1 | 2) {
            line += &format!(
                " --seconds {} --concurrency {}",
                self.args.seconds, self.args.concurrency
            );
        }
        if let Some(p) = &self.args.pack {
            line += &format!(" --pack {p}");
        }
        line
    }
}

/// Requests (or runs) completed in a time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    /// HTTP exchanges completed as expected.
    pub ok: u64,
    /// Exchanges that did not complete or answered unexpectedly; checked runs that did not pass.
    pub bad: u64,
    pub elapsed: Duration,
    /// The rate of each round added, in order.
    pub rounds: Vec<f64>,
}

impl Tally {
    pub(crate) fn per_sec(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.ok as f64 / s
        } else {
            0.0
        }
    }

    /// Counts one exchange (or run): as expected or not.
    pub(crate) fn count(&mut self, ok: bool) {
        if ok {
            self.ok += 1;
        } else {
            self.bad += 1;
        }
    }

    /// Adds another worker's counts (not its time: workers run side by side).
    pub(crate) fn absorb(&mut self, other: &Tally) {
        self.ok += other.ok;
        self.bad += other.bad;
    }

    /// The counts of tokio workers run side by side, timed from `started`; a worker that
    /// panicked counts nothing, as its exchanges cannot be told apart.
    pub(crate) async fn joined(
        workers: Vec<tokio::task::JoinHandle<Tally>>,
        started: Instant,
    ) -> Tally {
        let mut total = Tally::default();
        for w in workers {
            if let Ok(t) = w.await {
                total.absorb(&t);
            }
        }
        total.elapsed = started.elapsed();
        total
    }

    /// Adds one round.
    pub(crate) fn add(&mut self, other: Tally) {
        self.rounds.push(other.per_sec());
        self.absorb(&other);
        self.elapsed += other.elapsed;
    }

    /// The median over rounds of this side's rate divided by `baseline`'s in the same round.
    pub(crate) fn ratio_to(&self, baseline: &Tally) -> f64 {
        let mut ratios: Vec<f64> = self
            .rounds
            .iter()
            .zip(&baseline.rounds)
            .map(|(a, b)| if *b > 0.0 { a / b } else { 0.0 })
            .collect();
        if ratios.is_empty() {
            return 0.0;
        }
        ratios.sort_by(f64::total_cmp);
        let n = ratios.len();
        if n % 2 == 1 {
            ratios[n / 2]
        } else {
            (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0
        }
    }

    /// The rounds' ratios to `baseline`, for the notes.
    pub(crate) fn round_ratios(&self, baseline: &Tally) -> String {
        self.rounds
            .iter()
            .zip(&baseline.rounds)
            .map(|(a, b)| format!("{:.0} %", if *b > 0.0 { 100.0 * a / b } else { 0.0 }))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn run(args: &BenchArgs) -> Result<i32, String> {
    let seconds = checked_seconds(args)?;
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let selection = Selection {
        pack: args.pack.clone(),
        ..Default::default()
    };
    let pack = Arc::new(Pack::load(&selection).map_err(|e| e.to_string())?);
    let bodies = valid_bodies(&pack);
    eprintln!(
        "graph-conformance bench: pack {}, {cpus} CPUs, --seconds {} per side, --concurrency {}, {} valid bodies (ValidBody strategy, fixed seed)",
        pack.meta.name,
        args.seconds,
        args.concurrency,
        bodies.len()
    );
    let setup = Setup {
        args,
        pack,
        bodies,
        seconds,
    };
    let want = |n: u8| args.only.is_empty() || args.only.contains(&n);
    let mut sheet = Sheet::default();
    if want(1) || want(2) {
        in_process(&setup, &mut sheet, want(1), want(2))?;
    }
    let scratch = suite::Scratch::new(pack_arg(args.pack.as_deref()))?;
    let child_measurements: [(u8, &str, ChildMeasurement); 7] = [
        (3, "3", runs::default_suite),
        (4, "4a", runs::growth),
        (5, "5", runs::per_input),
        (6, "6", remote::latency),
        (7, "7", remote::throttled),
        (8, "8", runs::tenant_budget),
        (9, "9", imports::speed),
    ];
    let mut remote = remote::Baseline::default();
    for (n, id, measure) in child_measurements {
        if !want(n) {
            continue;
        }
        eprintln!("{n}/{MEASUREMENTS} {} …", title(n));
        if let Err(why) = measure(&scratch, &mut sheet, &mut remote) {
            sheet.failed(id, title(n), &why);
        }
        sheet.reproduce(&setup, n, scratch.take_commands());
    }
    print_table(&sheet, &setup, cpus);
    let all_met = sheet.rows.iter().all(|r| r.met != Some(false));
    Ok(if all_met { 0 } else { 1 })
}

/// A measurement run as child processes: fills the sheet, or says why it could not.
type ChildMeasurement =
    fn(&suite::Scratch, &mut Sheet, &mut remote::Baseline) -> Result<(), String>;

fn checked_seconds(args: &BenchArgs) -> Result<Duration, String> {
    if !(args.seconds.is_finite() && args.seconds > 0.0) {
        return Err(format!(
            "--seconds takes a positive number of seconds, not {}",
            args.seconds
        ));
    }
    if args.concurrency == 0 {
        return Err("--concurrency takes at least 1".into());
    }
    Ok(Duration::from_secs_f64(args.seconds))
}

fn title(n: u8) -> &'static str {
    match n {
        1 => "service vs minimal axum handler",
        2 => "harness: checked vs unchecked exchanges",
        3 => "the default suite, three times",
        4 => "growth: --cases 256 (three times) and --cases 2560",
        5 => "requests per generated input",
        6 => "the default run against loopback targets adding 50 ms: two servers, 1 and 4 entities per variant (takes minutes)",
        7 => "the default run against targets throttling 1 in 7: two servers, 1 and 4 entities per variant (takes 10 minutes)",
        8 => "a real tenant's budget: a --cases 16 run",
        _ => "import speed: pages/s with and without the self-check, the CSDL read",
    }
}

/// Measurements 1 and 2, on one runtime in this process. Measurement 2c needs the service's
/// limit: row 1's when it ran, else measured again the same way.
fn in_process(setup: &Setup, sheet: &mut Sheet, one: bool, two: bool) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let mut limit = None;
    if one {
        eprintln!("1/{MEASUREMENTS} {} …", title(1));
        match rt.block_on(service::measure(setup, true)) {
            Ok(s) => {
                service_rows(setup, sheet, &s);
                limit = Some(s.service);
            }
            Err(why) => sheet.failed("1", "service", &why),
        }
        sheet.reproduce(setup, 1, Vec::new());
    }
    if two {
        eprintln!("2/{MEASUREMENTS} {} …", title(2));
        if let Err(why) = harness_rows(setup, sheet, limit, &rt) {
            sheet.failed("2", "harness", &why);
        }
        sheet.reproduce(setup, 2, Vec::new());
    }
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}

fn service_rows(setup: &Setup, sheet: &mut Sheet, s: &service::ServiceRates) {
    sheet.row(rate_row(
        "1",
        format!(
            "service: valid PATCH/s, {} concurrent, spread over the {} variants' paths",
            setup.args.concurrency, s.paths
        ),
        (
            &s.service,
            &s.minimal,
            "minimal axum handler, fixed 300 B JSON",
        ),
        Some((0.70, "≥ 70 %")),
    ));
    sheet.note(format!(
        "1: ratio = median of {ROUNDS} alternating rounds ({}); {} + {} requests in {:.1} s + {:.1} s; unexpected answers: service {}, minimal {}; service answer {} B",
        s.service.round_ratios(&s.minimal),
        s.service.ok,
        s.minimal.ok,
        s.service.elapsed.as_secs_f64(),
        s.minimal.elapsed.as_secs_f64(),
        s.service.bad,
        s.minimal.bad,
        s.service_body_len
    ));
}

fn harness_rows(
    setup: &Setup,
    sheet: &mut Sheet,
    limit: Option<Tally>,
    rt: &tokio::runtime::Runtime,
) -> Result<(), String> {
    let h = harness::measure(setup, rt)?;
    sheet.row(rate_row(
        "2",
        format!(
            "harness: checked exchanges/s ({} threads, one per entity, as the suite's trials: executor PATCH + read-back GET, every check, outcome recorded)",
            h.workers
        ),
        (&h.checked, &h.raw, "same requests, plain reqwest, same threads, no checks"),
        Some((0.60, "≥ 60 %")),
    ));
    sheet.row(rate_row(
        "2a",
        "  harness client (records and redacts every exchange), no checks, same threads".into(),
        (&h.client, &h.raw, "plain reqwest"),
        None,
    ));
    sheet.row(rate_row(
        "2b",
        format!(
            "  plain reqwest, {} async tasks instead of threads blocking on the runtime",
            h.workers
        ),
        (&h.tasks, &h.raw, "plain reqwest, threads"),
        None,
    ));
    sheet.note(format!(
        "2: ratio = median of {ROUNDS} alternating rounds ({}); checked runs: {} passed, {} not passed{}; exchanges not as expected: plain {}, client {}, tasks {}",
        h.checked.round_ratios(&h.raw),
        h.passed,
        h.checked.bad,
        h.first_problem
            .as_deref()
            .map(|m| format!(" (first: {})", m.lines().next().unwrap_or_default()))
            .unwrap_or_default(),
        h.raw.bad,
        h.client.bad,
        h.tasks.bad
    ));
    limit_row(setup, sheet, &h.checked, limit, rt)
}

/// 2c: the checked rate against the service's own limit, the rate row 1's lean closed-loop load
/// gets from it (what wrk would report for the same service).
fn limit_row(
    setup: &Setup,
    sheet: &mut Sheet,
    checked: &Tally,
    limit: Option<Tally>,
    rt: &tokio::runtime::Runtime,
) -> Result<(), String> {
    let (limit, source) = match limit {
        Some(l) => (l, "row 1's"),
        None => {
            eprintln!("2c: the service's limit, measured as row 1 measures it …");
            (
                rt.block_on(service::measure(setup, false))?.service,
                "measured as row 1's",
            )
        }
    };
    let ratio = checked.per_sec() / limit.per_sec().max(f64::MIN_POSITIVE);
    sheet.row(Row {
        id: "2c",
        what: "harness: checked exchanges/s against the service's own limit".into(),
        figure: rate(checked.per_sec()),
        baseline: format!(
            "{} (service limit: {} {} closed-loop PATCH clients)",
            rate(limit.per_sec()),
            source,
            setup.args.concurrency
        ),
        ratio: format!("{ratio:.2}×"),
        target: "≥ 0.3×",
        met: Some(ratio >= 0.3 && checked.bad == 0 && limit.bad == 0),
    });
    sheet.note(format!(
        "2c: the checked side of row 2 ({:.1} s over {} rounds) against the service's limit ({:.1} s over {} rounds); not alternated round by round, so noisier than rows 1 and 2",
        checked.elapsed.as_secs_f64(),
        checked.rounds.len(),
        limit.elapsed.as_secs_f64(),
        limit.rounds.len()
    ));
    Ok(())
}

/// A row of a measured rate beside a baseline rate (described by the tuple's last item), met
/// when their ratio reaches the target's least and neither side answered unexpectedly; without
/// a target, for information only.
fn rate_row(
    id: &'static str,
    what: String,
    (measured, base, base_is): (&Tally, &Tally, &str),
    target: Option<(f64, &'static str)>,
) -> Row {
    let ratio = measured.ratio_to(base);
    Row {
        id,
        what,
        figure: rate(measured.per_sec()),
        baseline: format!("{} ({base_is})", rate(base.per_sec())),
        ratio: percent(ratio),
        target: target.map_or("info", |(_, shown)| shown),
        met: target.map(|(least, _)| ratio >= least && measured.bad == 0 && base.bad == 0),
    }
}

/// The `Authorization` header for `token`.
fn bearer(token: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| e.to_string())
}

/// Valid PATCH bodies from the suite's own generator (edges first, then random draws).
fn valid_bodies(pack: &Pack) -> Vec<String> {
    let mut bodies = Vec::new();
    let strategy = Strategy {
        aim: Aim::ValidBody,
    };
    generate::run(strategy, &pack.model, BODY_SEED, BODIES, 16, |inputs| {
        bodies.extend(inputs.iter().map(|i| i.body.clone()));
        Ok(())
    });
    if bodies.is_empty() {
        bodies.push(crate::service::example_body(pack));
    }
    bodies
}

/// `--pack` as the children get it: a pack folder made absolute (they run in the scratch
/// folder), a built-in pack's name as given.
fn pack_arg(pack: Option<&str>) -> Option<String> {
    let given = pack?;
    let path = std::path::Path::new(given);
    if path.join(crate::pack::PACK_JSON).is_file() {
        if let Ok(absolute) = std::fs::canonicalize(path) {
            return Some(absolute.display().to_string());
        }
    }
    Some(given.to_owned())
}

fn print_table(sheet: &Sheet, setup: &Setup, cpus: usize) {
    println!(
        "graph-conformance {} bench — pack {}, {cpus} CPUs, --seconds {}, --concurrency {}",
        env!("CARGO_PKG_VERSION"),
        setup.pack.meta.name,
        setup.args.seconds,
        setup.args.concurrency
    );
    println!();
    println!("| # | measurement | figure | baseline | ratio | target | result |");
    println!("|---|---|---|---|---|---|---|");
    for r in &sheet.rows {
        let result = match r.met {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "—",
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.id, r.what, r.figure, r.baseline, r.ratio, r.target, result
        );
    }
    println!();
    for n in &sheet.notes {
        println!("- {n}");
    }
    println!();
    println!("reproduce (after `cargo build --release`, from ./target/release):");
    for r in &sheet.reproduce {
        println!("- {}: `{}`", r.n, r.bench);
        for (line, count) in &r.children {
            let times = if *count > 1 {
                format!(" ({count} times)")
            } else {
                String::new()
            };
            println!("  - which runs `{line}`{times}");
        }
    }
}

fn rate(per_sec: f64) -> String {
    format!("{per_sec:.0}/s")
}

fn percent(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0)
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn secs(d: Option<Duration>) -> String {
    d.map_or("n/a".into(), |d| format!("{:.2} s", d.as_secs_f64()))
}
