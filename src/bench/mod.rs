//! Benchmarks (issue 6): each figure is measured beside its baseline in the same run and reported
//! as a ratio, because the machines this runs on are shared and noisy.
//!
//! 1. `service`: PATCH requests/s of the embedded service under concurrency, against a minimal
//!    axum handler that answers a fixed 300-byte JSON body (same reqwest client, concurrency and
//!    duration; rounds alternate so that noise hits both).
//! 2. `harness`: checked exchanges/s (the executor's requests, every check via [`Judge`], the
//!    outcome recorded) against the embedded service, versus the same requests sent by a plain
//!    reqwest client with no checks, in the same threads.
//! 3. `suite`: the whole default run as a child process (`-q --report-dir <tmp>`): wall time and
//!    peak memory.
//! 4. `suite`: growth from `--cases 256` to `--cases 2560`.
//!
//! [`Judge`]: crate::checks::Judge

mod harness;
mod service;
mod suite;

use std::time::Duration;

use crate::cli::BenchArgs;
use crate::generate::{self, Strategy};

/// Rounds per comparison: the sides alternate round by round, and the ratio reported is the
/// median of the rounds' ratios, so a burst of load from a neighbour spoils one round, not the
/// figure.
const ROUNDS: u32 = 5;
/// Seed of the valid bodies every measurement sends (fixed: the same bodies on every run).
const BODY_SEED: u64 = 0x6265_6e63_6821;
/// How many distinct valid bodies are cycled through.
const BODIES: u32 = 256;

/// One line of the table.
struct Row {
    id: &'static str,
    what: String,
    figure: String,
    baseline: String,
    ratio: String,
    target: &'static str,
    /// `None`: for information only, no target.
    met: Option<bool>,
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
    pub fn per_sec(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.ok as f64 / s
        } else {
            0.0
        }
    }

    /// Counts one exchange (or run): as expected or not.
    pub fn count(&mut self, ok: bool) {
        if ok {
            self.ok += 1;
        } else {
            self.bad += 1;
        }
    }

    /// Adds another worker's counts (not its time: workers run side by side).
    pub fn absorb(&mut self, other: &Tally) {
        self.ok += other.ok;
        self.bad += other.bad;
    }

    /// Adds one round.
    pub fn add(&mut self, other: Tally) {
        self.rounds.push(other.per_sec());
        self.absorb(&other);
        self.elapsed += other.elapsed;
    }

    /// The median over rounds of this side's rate divided by `baseline`'s in the same round.
    pub fn ratio_to(&self, baseline: &Tally) -> f64 {
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
    pub fn round_ratios(&self, baseline: &Tally) -> String {
        self.rounds
            .iter()
            .zip(&baseline.rounds)
            .map(|(a, b)| format!("{:.0} %", if *b > 0.0 { 100.0 * a / b } else { 0.0 }))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn run(args: &BenchArgs) -> Result<i32, String> {
    if !(args.seconds.is_finite() && args.seconds > 0.0) {
        return Err(format!(
            "--seconds takes a positive number of seconds, not {}",
            args.seconds
        ));
    }
    if args.concurrency == 0 {
        return Err("--concurrency takes at least 1".into());
    }
    let seconds = Duration::from_secs_f64(args.seconds);
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let contract = crate::app::load_contract(None, None).map_err(|e| e.to_string())?;
    let bodies = valid_bodies(&contract.model);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    eprintln!(
        "graph-conformance bench: {cpus} CPUs, --seconds {} per side, --concurrency {}, {} valid bodies (ValidBody strategy, fixed seed)",
        args.seconds,
        args.concurrency,
        bodies.len()
    );

    let mut rows = Vec::new();
    let mut notes = Vec::new();

    let want = |n: u8| args.only.is_empty() || args.only.contains(&n);
    if want(1) {
        eprintln!("1/4 service vs minimal axum handler …");
        let s = rt.block_on(service::measure(
            &contract,
            &bodies,
            seconds,
            args.concurrency,
        ))?;
        let ratio = s.service.ratio_to(&s.minimal);
        rows.push(Row {
            id: "1",
            what: format!(
                "service: valid PATCH/s, {} concurrent, spread over the 8 variants' overviews",
                args.concurrency
            ),
            figure: rate(s.service.per_sec()),
            baseline: format!(
                "{} (minimal axum handler, fixed 300 B JSON)",
                rate(s.minimal.per_sec())
            ),
            ratio: percent(ratio),
            target: "≥ 70 %",
            met: Some(ratio >= 0.70 && s.service.bad == 0 && s.minimal.bad == 0),
        });
        notes.push(format!(
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
    if want(2) {
        eprintln!("2/4 harness: checked vs unchecked exchanges …");
        let h = harness::measure(contract, &bodies, seconds, &rt)?;
        let ratio = h.checked.ratio_to(&h.raw);
        rows.push(Row {
            id: "2",
            what: format!(
                "harness: checked exchanges/s ({} threads, one per overview, as the suite's trials: executor PATCH + read-back GET, every check, outcome recorded)",
                h.workers
            ),
            figure: rate(h.checked.per_sec()),
            baseline: format!(
                "{} (same requests, plain reqwest, same threads, no checks)",
                rate(h.raw.per_sec())
            ),
            ratio: percent(ratio),
            target: "≥ 60 %",
            met: Some(ratio >= 0.60 && h.checked.bad == 0 && h.raw.bad == 0),
        });
        rows.push(Row {
            id: "2a",
            what: "  harness client (records and redacts every exchange), no checks, same threads"
                .into(),
            figure: rate(h.client.per_sec()),
            baseline: format!("{} (plain reqwest)", rate(h.raw.per_sec())),
            ratio: percent(h.client.ratio_to(&h.raw)),
            target: "info",
            met: None,
        });
        rows.push(Row {
            id: "2b",
            what: format!(
                "  plain reqwest, {} async tasks instead of threads blocking on the runtime",
                h.workers
            ),
            figure: rate(h.tasks.per_sec()),
            baseline: format!("{} (plain reqwest, threads)", rate(h.raw.per_sec())),
            ratio: percent(h.tasks.ratio_to(&h.raw)),
            target: "info",
            met: None,
        });
        notes.push(format!(
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
    }
    rt.shutdown_timeout(Duration::from_secs(2));

    let scratch = suite::Scratch::new()?;
    if want(3) {
        eprintln!("3/4 the default suite, three times …");
        let mut defaults = Vec::new();
        for i in 0..3 {
            defaults.push(scratch.run(&format!("default-{i}"), &[])?);
        }
        let default = suite::median(&defaults);
        let default_ok = defaults.iter().all(|r| r.code == Some(0));
        rows.push(Row {
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
        notes.push(format!(
            "3: runs {}; exit codes {:?}{}",
            defaults
                .iter()
                .map(|r| format!("{:.2} s", r.wall.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", "),
            defaults.iter().map(|r| r.code).collect::<Vec<_>>(),
            suite::problems(&defaults)
        ));
    }
    if want(4) {
        eprintln!("4/4 growth: --cases 256 (three times) and --cases 2560 …");
        let mut small = Vec::new();
        for i in 0..3 {
            small.push(scratch.run(&format!("cases-256-{i}"), &["--cases", "256"])?);
        }
        let small_m = suite::median(&small);
        let large = scratch.run("cases-2560", &["--cases", "2560"])?;
        let growth_ok = small.iter().chain([&large]).all(|r| r.code == Some(0));
        let time_ratio =
            large.wall.as_secs_f64() / small_m.wall.as_secs_f64().max(f64::MIN_POSITIVE);
        rows.push(Row {
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
        rows.push(Row {
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
        rows.push(Row {
            id: "4b",
            what: "growth: peak RSS, --cases 2560 vs --cases 256".into(),
            figure: mib(large.peak_kib),
            baseline: mib(small_m.peak_kib),
            ratio: mem.map_or("n/a".into(), |m| format!("{m:.2}×")),
            target: "< 2×",
            met: Some(mem.is_some_and(|m| m < 2.0) && growth_ok),
        });
        notes.push(format!(
            "4: --cases 256 runs {}; --cases 2560 {:.2} s; exit codes {:?}{}",
            small
                .iter()
                .map(|r| format!("{:.2} s", r.wall.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", "),
            large.wall.as_secs_f64(),
            small
                .iter()
                .chain([&large])
                .map(|r| r.code)
                .collect::<Vec<_>>(),
            suite::problems(&small.iter().chain([&large]).cloned().collect::<Vec<_>>())
        ));
    }

    print_table(&rows, &notes, args, cpus);
    let all_met = rows.iter().all(|r| r.met != Some(false));
    Ok(if all_met { 0 } else { 1 })
}

/// Valid PATCH bodies from the suite's own generator (edges first, then random draws).
fn valid_bodies(model: &crate::domain::EntityModel) -> Vec<String> {
    let mut bodies = Vec::new();
    generate::run(Strategy::ValidBody, model, BODY_SEED, BODIES, |input| {
        bodies.push(input.body.clone());
        Ok(())
    });
    if bodies.is_empty() {
        bodies.push(crate::service::example_body(model));
    }
    bodies
}

fn print_table(rows: &[Row], notes: &[String], args: &BenchArgs, cpus: usize) {
    println!(
        "graph-conformance {} bench — {cpus} CPUs, --seconds {}, --concurrency {}",
        env!("CARGO_PKG_VERSION"),
        args.seconds,
        args.concurrency
    );
    println!();
    println!("| # | measurement | figure | baseline | ratio | target | result |");
    println!("|---|---|---|---|---|---|---|");
    for r in rows {
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
    for n in notes {
        println!("- {n}");
    }
    println!();
    println!(
        "reproduce: cargo build --release && ./target/release/graph-conformance bench --seconds {} --concurrency {}",
        args.seconds, args.concurrency
    );
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
