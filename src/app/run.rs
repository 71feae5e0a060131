//! `graph-conformance [run]`: the suite against the embedded service or a target, start to
//! finish: pack, wiring, plan, preflight, trials, restore, reports, exit code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::preflight::{self, Originals};
use super::{load_pack, runtime, AppError, TargetError, EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE};
use crate::cli::{FailOn, Rate, RunArgs};
use crate::client::{Client, ClientOptions};
use crate::executor::{Executor, Target, Tokens};
use crate::harness::{trials, Runner, Setup};
use crate::ids::IdsFile;
use crate::outcome::{
    Level, Outcome, PackInfo, Report, Restored, ServiceSettings, Summary, TrialResult,
};
use crate::pack::Pack;
use crate::plan::{plan, Address, PlannedCase};
use crate::service;

/// Intune's documented budgets per app and tenant (Graph's throttling documentation, Intune
/// device configuration service limits), with a twentieth kept back for anything else the app
/// does.
const TENANT_RATE: Rate = Rate {
    requests: 950,
    per: Duration::from_secs(20),
};
const TENANT_WRITE_RATE: Rate = Rate {
    requests: 95,
    per: Duration::from_secs(20),
};

/// What the run is pointed at.
struct Wiring {
    base_url: String,
    ids: IdsFile,
    tokens: Tokens,
    embedded: Option<service::RunningService>,
}

pub(super) fn run(args: RunArgs) -> Result<i32, AppError> {
    let session = Session::open(args)?;
    let mut planned = plan(&session.pack, &session.wiring.ids, true).cases;
    if let Some(p) = session.args.partition {
        planned = p.select(planned);
    }
    let order: BTreeMap<String, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, pc)| (pc.name.clone(), i))
        .collect();
    let addresses = preflight::addresses(&planned);
    let runner = Arc::new(session.runner(&addresses)?);
    let Some(originals) = session.preflight(&runner, &addresses) else {
        let _listed = libtest_mimic::run(&session.args.libtest, trials(&runner, planned));
        return Ok(EXIT_OK);
    };
    let started = now();
    session.announce(&runner);
    session.run_trials(&runner, planned, addresses.len())?;
    let restored = session.restore(&runner, &originals)?;
    let mut results = runner.results();
    results.sort_by_key(|r| order.get(&r.name).copied().unwrap_or(usize::MAX));
    let report = session.report(results, started, restored, runner.seed);
    let args = session.close();
    finish(report, &args, &runner)
}

/// One run's settings and what it is pointed at, from the command line to the report.
struct Session {
    args: RunArgs,
    pack: Arc<Pack>,
    rt: tokio::runtime::Runtime,
    cancel: watch::Receiver<bool>,
    wiring: Wiring,
    options: ClientOptions,
    loopback: bool,
}

impl Session {
    fn open(args: RunArgs) -> Result<Self, AppError> {
        let pack = load_pack(
            args.pack.as_deref(),
            args.cases_dir.as_deref(),
            args.schemas_dir.as_deref(),
        )?;
        let rt = runtime()?;
        let (cancel_tx, cancel) = watch::channel(false);
        rt.spawn(crate::signals::watch(cancel_tx, EXIT_UNUSABLE));
        let wiring = wire(&args, &pack, &rt)?;
        let loopback = wiring.embedded.is_some() || is_loopback(&wiring.base_url);
        let options = client_options(&args, loopback)?;
        warn_about_transport(&args, &wiring.base_url, loopback);
        Ok(Self {
            args,
            pack,
            rt,
            cancel,
            wiring,
            options,
            loopback,
        })
    }

    /// The runner, its client cancelled by a signal, its settings from the command line.
    fn runner(&self, addresses: &[(String, Address)]) -> Result<Runner, AppError> {
        let client = Client::new(
            self.options.clone(),
            self.wiring.tokens.secrets(),
            self.cancel.clone(),
        )?;
        let args = &self.args;
        let mut runner = Runner::new(Setup {
            runtime: self.rt.handle().clone(),
            client,
            target: Target {
                base_url: self.wiring.base_url.clone(),
            },
            tokens: self.wiring.tokens.clone(),
            pack: Arc::clone(&self.pack),
            interrupted: self.cancel.clone(),
        });
        runner.strict = args.strict;
        runner.allow_204 = args.allow_204;
        runner.retries = args.retries;
        runner.seed = args.seed.unwrap_or_else(rand_seed);
        runner.cases = args.cases.unwrap_or(if self.loopback { 256 } else { 16 });
        runner.probe = addresses.first().map(|(_, a)| a.clone());
        if let Some(path) = &args.replay {
            runner.replay = load_replay(path)?;
        }
        runner.max_consecutive_errors = args.max_consecutive_errors;
        Ok(runner)
    }

    /// Reads every entity before the first write (the originals to restore, and whether the
    /// target answers at all: if not, the run is unusable). `None` when only listing.
    fn preflight(&self, runner: &Runner, addresses: &[(String, Address)]) -> Option<Originals> {
        if self.args.libtest.list {
            return None;
        }
        let exec = runner.executor();
        match self.rt.block_on(preflight::preflight(&exec, addresses)) {
            Ok(found) => {
                for (identity, (_, address, state)) in &found.originals {
                    runner.start_state(identity.clone(), address.clone(), state.clone());
                }
                for (identity, address, why) in found.unreached {
                    runner.unreachable(identity, address, why);
                }
                Some(found.originals)
            }
            Err(_) if *self.cancel.borrow() => Some(Originals::new()),
            Err(why) => {
                runner.mark_unusable(why);
                Some(Originals::new())
            }
        }
    }

    fn announce(&self, runner: &Runner) {
        eprintln!(
            "graph-conformance {}: pack {}, target {}{}, seed {}, {} generated inputs per strategy and variant{}",
            env!("CARGO_PKG_VERSION"),
            self.pack.meta.name,
            self.wiring.base_url,
            if self.wiring.embedded.is_some() { " (embedded reference service)" } else { "" },
            runner.seed,
            runner.cases,
            describe_rates(&self.options)
        );
    }

    fn run_trials(
        &self,
        runner: &Arc<Runner>,
        planned: Vec<PlannedCase>,
        entities: usize,
    ) -> Result<(), AppError> {
        let mut libtest = self.args.libtest.clone();
        if libtest.test_threads.is_none() {
            // Trials wait on the network, not the CPU; trials of one entity wait on its lock,
            // and refusals share it: four threads per entity keep every entity busy.
            libtest.test_threads = Some((4 * entities).clamp(8, 64));
        }
        let every = seconds(self.args.progress, "--progress")?;
        let total = planned.len();
        let progress = self.rt.spawn(progress(Arc::clone(runner), total, every));
        // libtest's conclusion only counts; the verdict comes from the results the trials
        // leave in the runner, panics included.
        let _conclusion = libtest_mimic::run(&libtest, trials(runner, planned));
        progress.abort();
        Ok(())
    }

    /// Writes the originals back (not on the embedded service, nor with --no-restore), with a
    /// client no signal cancels: restoring must work after an interruption too.
    fn restore(&self, runner: &Runner, originals: &Originals) -> Result<Vec<Restored>, AppError> {
        if self.wiring.embedded.is_some() || self.args.no_restore {
            return Ok(Vec::new());
        }
        let client = Client::new(
            self.options.clone(),
            self.wiring.tokens.secrets(),
            watch::channel(false).1,
        )?;
        let exec = Executor {
            client: &client,
            target: &runner.target,
            tokens: &runner.tokens,
        };
        Ok(self
            .rt
            .block_on(preflight::restore(&exec, &self.pack.model, originals)))
    }

    fn report(
        &self,
        results: Vec<TrialResult>,
        started: String,
        restored: Vec<Restored>,
        seed: u64,
    ) -> Report {
        let args = &self.args;
        let embedded = self.wiring.embedded.is_some();
        Report {
            tool: crate::outcome::Tool {
                name: "graph-conformance".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            target: crate::outcome::Target {
                url: self.wiring.base_url.clone(),
                embedded,
            },
            pack: Some(pack_info(&self.pack)),
            service: embedded.then(|| ServiceSettings {
                fault: args.fault.clone(),
                deviations: args.deviation.clone(),
            }),
            started,
            finished: now(),
            seed: seed.to_string(),
            summary: Summary::of(&results),
            findings: crate::outcome::findings(&results),
            clauses: crate::statement::of(&results, &self.pack.model),
            results,
            interrupted: *self.cancel.borrow(),
            strict: args.strict,
            insecure: args.insecure,
            restored,
            partition: args.partition.map(|p| p.to_string()),
            baseline: None,
        }
    }

    /// Stops the embedded service; the arguments stay for the reports.
    fn close(self) -> RunArgs {
        if let Some(svc) = self.wiring.embedded {
            self.rt.block_on(svc.shutdown());
        }
        self.args
    }
}

/// The report's pack: name, source page and date, digest.
pub(super) fn pack_info(pack: &Pack) -> PackInfo {
    PackInfo {
        name: pack.meta.name.clone(),
        source: format!("{} ({})", pack.meta.source.page, pack.meta.source.date),
        digest: pack.digest.clone(),
    }
}

/// History, flaky marks, baseline, counts; then the reports, the closing lines and the exit code.
fn finish(mut report: Report, args: &RunArgs, runner: &Runner) -> Result<i32, AppError> {
    let reports_root = PathBuf::from("reports");
    let dir = args.report_dir.clone().unwrap_or_else(|| {
        reports_root.join(chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string())
    });
    // Earlier runs live beside this one, whatever --report-dir says.
    let history_root = dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let past = crate::report::trend::load_history(&history_root, &dir, 10, &report);
    let flips = crate::report::trend::flips(past.iter().map(|p| &p.report), &report);
    crate::report::mark_flaky(&mut report, &flips);
    if let Some(b) = &args.baseline {
        let base = crate::report::read_report(b)?;
        let mut diff = crate::report::diff(&report, &base);
        diff.source = b.display().to_string();
        report.baseline = Some(diff);
    }
    // Throttled answers are counted by the client: a passing generated trial keeps none of
    // its exchanges, so counting them from the results would miss most.
    let (requests, writes, throttled, waited_ms) = runner.client.stats().get();
    let (connections, most_in_flight) = runner.client.stats().traffic();
    report.summary = Summary {
        flaky: report.results.iter().filter(|r| r.flaky).count() as u64,
        requests,
        writes,
        throttled,
        waited_ms,
        connections,
        most_in_flight,
        ..Summary::of(&report.results)
    };
    let history = crate::report::trend::run_points(&past);
    crate::report::write_all(&dir, &report, &history)?;
    save_failing_inputs(&dir, &report)?;
    if args.report_dir.is_none() {
        crate::report::update_latest(&reports_root, &dir)?;
    }
    print_closing(&report, &dir);
    Ok(run_exit_code(&report, args, runner.unusable()))
}

fn seconds(s: f64, flag: &'static str) -> Result<Duration, AppError> {
    if s.is_finite() && s > 0.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(AppError::Seconds { flag, value: s })
    }
}

fn client_options(args: &RunArgs, loopback: bool) -> Result<ClientOptions, AppError> {
    let ca_cert = match &args.ca_cert {
        Some(p) => Some(std::fs::read(p).map_err(AppError::file(
            "read the --ca-cert file",
            p,
            "; give a PEM file",
        ))?),
        None => None,
    };
    // A real tenant gets Intune's budgets; a mock on loopback runs unthrottled unless asked.
    let (rate, write_rate) = if loopback {
        (args.rate, args.write_rate)
    } else {
        (
            args.rate.or(Some(TENANT_RATE)),
            args.write_rate.or(Some(TENANT_WRITE_RATE)),
        )
    };
    Ok(ClientOptions {
        timeout: seconds(args.timeout, "--timeout")?,
        body_limit: args.max_body,
        max_retries: args.max_retries,
        max_wait: seconds(args.max_wait, "--max-wait")?,
        rate: rate.map(|r| (r.requests, r.per)),
        write_rate: write_rate.map(|r| (r.requests, r.per)),
        ca_cert,
        insecure: args.insecure,
        no_proxy: loopback,
    })
}

fn describe_rates(options: &ClientOptions) -> String {
    let show = |r: Option<(u32, Duration)>| r.map(|(n, per)| format!("{n}/{}s", per.as_secs_f64()));
    match (show(options.rate), show(options.write_rate)) {
        (None, None) => String::new(),
        (all, writes) => format!(
            ", rate {} (writes {})",
            all.unwrap_or_else(|| "unlimited".into()),
            writes.unwrap_or_else(|| "unlimited".into())
        ),
    }
}

fn warn_about_transport(args: &RunArgs, base_url: &str, loopback: bool) {
    if !loopback && base_url.to_ascii_lowercase().starts_with("http://") {
        eprintln!("WARNING: the target is plain http:// on another host: GRAPH_TOKEN crosses the network unencrypted (and passes through HTTP_PROXY if one is set). Use an https:// target.");
    }
    if args.insecure {
        eprintln!("WARNING: --insecure: HTTPS certificates are NOT verified; anyone on the path can read GRAPH_TOKEN. Use --ca-cert for a private CA instead.");
    }
}

/// A line a minute while the run goes on: trials done, throttled answers, time waited (a run
/// that is mostly waiting says so instead of looking hung).
async fn progress(runner: Arc<Runner>, total: usize, every: Duration) {
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(every).await;
        let done = runner.done.load(Ordering::Relaxed);
        let (requests, _, throttled, waited_ms) = runner.client.stats().get();
        eprintln!(
            "progress after {}s: {done} of {total} trials done, {requests} requests, {throttled} throttled answers, {:.0}s spent waiting (Retry-After and rate budgets, summed over requests)",
            started.elapsed().as_secs(),
            waited_ms as f64 / 1000.0
        );
    }
}

fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn env_token(name: &str) -> Option<Arc<str>> {
    std::env::var(name)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(Arc::from)
}

fn wire(
    args: &RunArgs,
    pack: &Arc<Pack>,
    rt: &tokio::runtime::Runtime,
) -> Result<Wiring, AppError> {
    let Some(url) = &args.target else {
        let options = super::serve::service_options(args.fault.as_deref(), &args.deviation)?;
        let running = rt.block_on(service::start(Arc::clone(pack), options, 0))?;
        return Ok(Wiring {
            base_url: running.base_url.clone(),
            ids: running.ids.clone(),
            tokens: super::minted_tokens(pack),
            embedded: Some(running),
        });
    };
    if args.fault.is_some() || !args.deviation.is_empty() {
        return Err(TargetError::ServiceSwitches.into());
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| TargetError::NotUrl {
        url: url.clone(),
        reason: e.to_string(),
        version: pack.meta.version.clone(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(TargetError::NotHttp(url.clone()).into());
    }
    let ids_path = args.ids.as_ref().ok_or(TargetError::NoIds)?;
    let ids = IdsFile::load(ids_path)?;
    let valid = env_token("GRAPH_TOKEN").ok_or_else(|| {
        let p = &pack.meta.permissions;
        TargetError::NoToken(
            p.delegated
                .first()
                .or(p.application.first())
                .map_or("the pack's write permission", String::as_str)
                .to_owned(),
        )
    })?;
    Ok(Wiring {
        base_url: url.trim_end_matches('/').to_owned(),
        ids,
        tokens: Tokens {
            valid,
            no_scope: env_token("GRAPH_TOKEN_NO_SCOPE"),
            read_only: env_token("GRAPH_TOKEN_READ_ONLY"),
            app: env_token("GRAPH_TOKEN_APP"),
            expired: super::expired_token(pack),
        },
        embedded: None,
    })
}

/// `failing-inputs.json` beside the report: each generated trial's minimal failing input, for
/// `--replay`.
const FAILING_INPUTS: &str = "failing-inputs.json";

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedInput {
    trial: String,
    body: String,
}

fn save_failing_inputs(dir: &Path, report: &Report) -> Result<(), AppError> {
    let saved: Vec<SavedInput> = report
        .results
        .iter()
        .filter_map(|r| {
            Some(SavedInput {
                trial: r.name.clone(),
                body: r.generated.as_ref()?.failing_input.clone()?,
            })
        })
        .collect();
    if saved.is_empty() {
        return Ok(());
    }
    let path = dir.join(FAILING_INPUTS);
    let text = serde_json::to_string_pretty(&saved).expect("plain data serialises");
    std::fs::write(&path, text).map_err(AppError::file("write", &path, ""))
}

fn load_replay(path: &Path) -> Result<std::collections::HashMap<String, Vec<String>>, AppError> {
    let text = std::fs::read_to_string(path).map_err(AppError::file(
        "read the --replay file",
        path,
        "; give the failing-inputs.json of an earlier run",
    ))?;
    let saved: Vec<SavedInput> =
        serde_json::from_str(&text).map_err(|source| AppError::Replay {
            path: path.display().to_string(),
            source,
        })?;
    let mut map = std::collections::HashMap::<String, Vec<String>>::new();
    for s in saved {
        map.entry(s.trial).or_default().push(s.body);
    }
    Ok(map)
}

fn run_exit_code(report: &Report, args: &RunArgs, unusable: Option<String>) -> i32 {
    let unrestored: Vec<&str> = report
        .restored
        .iter()
        .filter(|r| r.status.starts_with("failed"))
        .map(|r| r.variant.as_str())
        .collect();
    if !unrestored.is_empty() {
        eprintln!("error: the entities of {} could not be restored; the target still holds this run's last writes. Restore them by hand from each variant's first exchange in report.json", unrestored.join(", "));
    }
    if let Some(why) = &unusable {
        eprintln!("error: the target {} is unusable: {why}", report.target.url);
    }
    // A target left holding the run's writes outranks any verdict, as does a run cut short.
    if !unrestored.is_empty() || report.interrupted || unusable.is_some() {
        return EXIT_UNUSABLE;
    }
    let failing = match (&report.baseline, args.fail_on) {
        (Some(diff), FailOn::New) => crate::report::has_new_failures(diff),
        _ => report.summary.failed > 0,
    };
    let flaky_fails = args.flaky_fails && report.summary.flaky > 0;
    if failing || flaky_fails {
        EXIT_FAILED
    } else if report.summary.errors > 0 && report.summary.failed == 0 {
        EXIT_UNUSABLE
    } else {
        EXIT_OK
    }
}

fn print_closing(report: &Report, dir: &Path) {
    print_findings(report);
    print_information(report);
    let flaky: Vec<&TrialResult> = report.results.iter().filter(|r| r.flaky).collect();
    if !flaky.is_empty() {
        println!("flaky (passed only on a retry, or flipped over recent runs):");
        for r in flaky {
            println!("    {}", r.name);
        }
        println!();
    }
    for r in &report.restored {
        println!("restored {} ({}): {}", r.variant, r.url, r.status);
    }
    println!(
        "clauses: {} (report.json's \"clauses\", and the statement in summary.md)",
        crate::statement::tally(&report.clauses)
    );
    let s = &report.summary;
    println!(
        "conformance: {} passed, {} failed, {} errors, {} warned, {} skipped, {} throttled; {} requests ({} writes), {:.1}s waited; seed {}",
        s.passed, s.failed, s.errors, s.warned, s.skipped, s.throttled, s.requests, s.writes, s.waited_ms as f64 / 1000.0, report.seed
    );
    println!("reports: {}", dir.display());
    if report.insecure {
        println!("WARNING: --insecure: HTTPS certificates were NOT verified in this run; use --ca-cert for a private CA instead");
    }
}

/// One line per finding (level, clause, how many trials, the symptom), instead of one line per
/// trial: a few problems usually explain every failure.
fn print_findings(report: &Report) {
    if report.findings.is_empty() {
        return;
    }
    println!(
        "findings ({}; each trial, example and reproduce line in report.json, summary.md and report.html):",
        report.findings.len()
    );
    for f in &report.findings {
        let n = f.trials.len();
        println!(
            "    {:<6} {:<6} {n:>4} trial{} {}",
            f.level.as_str(),
            f.clause,
            if n == 1 { " " } else { "s" },
            // What went wrong; what to do about it is in the reports.
            f.title.split(". ").next().unwrap_or_default()
        );
    }
    if report.findings.iter().any(|f| f.level == Level::Should) && !report.strict {
        println!("    (SHOULD findings are warnings; they fail the run only under --strict)");
    }
    println!();
}

/// MAY clauses the target did not keep: one line per clause, with how many trials showed it.
fn print_information(report: &Report) {
    let mut by_clause: Vec<(&str, usize, &str)> = Vec::new();
    for r in &report.results {
        for c in r.checks.iter().filter(|c| c.outcome == Outcome::Info) {
            match by_clause.iter_mut().find(|(id, _, _)| *id == c.clause) {
                Some((_, n, _)) => *n += 1,
                None => {
                    by_clause.push((&c.clause, 1, c.message.lines().next().unwrap_or_default()))
                }
            }
        }
    }
    if by_clause.is_empty() {
        return;
    }
    println!("information (MAY clauses: never a warning or a failure, even under --strict):");
    for (clause, n, message) in by_clause {
        println!("    {clause} ({n} checks): {message}");
    }
    println!();
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn rand_seed() -> u64 {
    let bytes = uuid::Uuid::new_v4();
    u64::from_le_bytes(bytes.as_bytes()[..8].try_into().expect("8 bytes"))
}
