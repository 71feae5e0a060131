//! `graph-conformance [run]`: the suite against the embedded service or a target, start to
//! finish: pack, wiring, plan, preflight, trials, restore, reports, exit code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::preflight::{self, Originals};
use super::{load_pack, runtime, AppError, EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE};
use crate::cli::{FailOn, Rate, RunArgs};
use crate::client::{Client, ClientOptions};
use crate::executor::{Executor, Target, Tokens};
use crate::harness::{trials, Runner, Setup};
use crate::ids::IdsFile;
use crate::outcome::{Outcome, PackInfo, Report, ServiceSettings, Summary, TrialResult};
use crate::pack::Pack;
use crate::plan::plan;
use crate::service;

/// Intune's documented budgets per app and tenant (Graph's throttling documentation, Intune
/// device configuration service limits), with a tenth kept back for anything else the app does.
const TENANT_RATE: Rate = Rate {
    requests: 900,
    per: Duration::from_secs(20),
};
const TENANT_WRITE_RATE: Rate = Rate {
    requests: 90,
    per: Duration::from_secs(20),
};

/// How often a long run says where it is.
const PROGRESS_EVERY: Duration = Duration::from_secs(60);

/// What the run is pointed at.
struct Wiring {
    base_url: String,
    ids: IdsFile,
    tokens: Tokens,
    embedded: Option<service::RunningService>,
}

pub(super) fn run(args: RunArgs) -> Result<i32, AppError> {
    let pack = load_pack(
        args.pack.as_deref(),
        args.cases_dir.as_deref(),
        args.schemas_dir.as_deref(),
    )?;
    let rt = runtime()?;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    rt.spawn(crate::signals::watch(cancel_tx, EXIT_UNUSABLE));
    let wiring = wire(&args, &pack, &rt)?;
    let embedded = wiring.embedded.is_some();
    let loopback = embedded || is_loopback(&wiring.base_url);
    let options = client_options(&args, loopback)?;
    let secrets = wiring.tokens.secrets();
    let client = Client::new(options.clone(), secrets.clone(), cancel_rx.clone())?;
    // Restoring must work after an interruption, so it has a client that is never cancelled.
    let restore_client = Client::new(options.clone(), secrets, watch::channel(false).1)?;
    warn_about_transport(&args, &wiring.base_url, loopback);

    let mut planned = plan(&pack, &wiring.ids, true).cases;
    if let Some(p) = args.partition {
        planned = p.select(planned);
    }
    let order: BTreeMap<String, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, pc)| (pc.name.clone(), i))
        .collect();
    let target = Target {
        base_url: wiring.base_url.clone(),
    };
    let listing = args.libtest.list;
    let addresses = preflight::addresses(&planned);
    let (originals, preflight_failure) = if listing {
        (Originals::new(), None)
    } else {
        let exec = Executor {
            client: &client,
            target: &target,
            tokens: &wiring.tokens,
        };
        match rt.block_on(preflight::preflight(&exec, &addresses)) {
            Ok(originals) => (originals, None),
            Err(_) if *cancel_rx.borrow() => (Originals::new(), None),
            Err(why) => (Originals::new(), Some(why)),
        }
    };
    let seed = args.seed.unwrap_or_else(rand_seed);
    let cases = args.cases.unwrap_or(if loopback { 256 } else { 16 });
    let mut runner = Runner::new(Setup {
        runtime: rt.handle().clone(),
        client,
        target,
        tokens: wiring.tokens.clone(),
        pack: Arc::clone(&pack),
        interrupted: cancel_rx.clone(),
    })?;
    runner.strict = args.strict;
    runner.allow_204 = args.allow_204;
    runner.retries = args.retries;
    runner.seed = seed;
    runner.cases = cases;
    runner.probe = addresses.first().map(|(_, a)| a.clone());
    if let Some(path) = &args.replay {
        runner.replay = load_replay(path)?;
    }
    runner.max_consecutive_errors = args.max_consecutive_errors;
    if let Some(why) = preflight_failure {
        runner.mark_unusable(why);
    }
    let runner = Arc::new(runner);
    let started = now();
    if !listing {
        eprintln!(
            "graph-conformance {}: pack {}, target {}{}, seed {seed}, {cases} generated inputs per strategy and variant{}",
            env!("CARGO_PKG_VERSION"),
            pack.meta.name,
            wiring.base_url,
            if embedded { " (embedded reference service)" } else { "" },
            describe_rates(&options)
        );
    }
    let total = planned.len();
    let mut libtest = args.libtest.clone();
    if libtest.test_threads.is_none() {
        // Trials wait on the network, not the CPU, and trials of one entity wait on its lock:
        // two threads per entity keep every entity busy.
        libtest.test_threads = Some((2 * addresses.len()).clamp(8, 64));
    }
    let progress = (!listing).then(|| rt.spawn(progress(Arc::clone(&runner), total)));
    let _conclusion = libtest_mimic::run(&libtest, trials(&runner, planned));
    if let Some(p) = progress {
        p.abort();
    }
    if listing {
        return Ok(EXIT_OK);
    }
    let restored = if embedded || args.no_restore {
        Vec::new()
    } else {
        let exec = Executor {
            client: &restore_client,
            target: &runner.target,
            tokens: &runner.tokens,
        };
        rt.block_on(preflight::restore(&exec, &pack.model, &originals))
    };
    let mut results = runner.results();
    results.sort_by_key(|r| order.get(&r.name).copied().unwrap_or(usize::MAX));
    let report = Report {
        tool: crate::outcome::Tool {
            name: "graph-conformance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: crate::outcome::Target {
            url: wiring.base_url.clone(),
            embedded,
        },
        pack: Some(pack_info(&pack)),
        service: embedded.then(|| ServiceSettings {
            fault: args.fault.clone(),
            deviations: args.deviation.clone(),
        }),
        started,
        finished: now(),
        seed: seed.to_string(),
        summary: Summary::of(&results),
        results,
        interrupted: *cancel_rx.borrow(),
        strict: args.strict,
        insecure: args.insecure,
        restored,
        partition: args.partition.map(|p| p.to_string()),
        baseline: None,
    };
    if let Some(svc) = wiring.embedded {
        rt.block_on(svc.shutdown());
    }
    finish(report, &args, &runner)
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
    let (requests, writes, _, waited_ms) = runner.client.stats().get();
    report.summary = Summary {
        flaky: report.results.iter().filter(|r| r.flaky).count() as u64,
        requests,
        writes,
        waited_ms,
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

fn seconds(s: f64, flag: &str) -> Result<Duration, AppError> {
    if s.is_finite() && s > 0.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(AppError::Usage(format!(
            "{flag} takes a positive number of seconds, not {s}"
        )))
    }
}

fn client_options(args: &RunArgs, loopback: bool) -> Result<ClientOptions, AppError> {
    let ca_cert = match &args.ca_cert {
        Some(p) => Some(
            std::fs::read(p)
                .map_err(|e| AppError::Usage(format!("--ca-cert {}: {e}", p.display())))?,
        ),
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
async fn progress(runner: Arc<Runner>, total: usize) {
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(PROGRESS_EVERY).await;
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
    let expired = {
        let p = &pack.meta.permissions;
        let scopes: Vec<&str> = p
            .delegated
            .iter()
            .chain(&p.application)
            .map(String::as_str)
            .take(1)
            .collect();
        crate::jwt::mint_expired(&scopes)
    };
    let Some(url) = &args.target else {
        let options = super::serve::service_options(args.fault.as_deref(), &args.deviation)?;
        let running = rt.block_on(service::start(Arc::clone(pack), options, 0))?;
        return Ok(Wiring {
            base_url: running.base_url.clone(),
            ids: running.ids.clone(),
            tokens: Tokens {
                valid: Arc::from(super::minted_token(pack, 3600)),
                no_scope: Some(Arc::from(super::minted_token_without_scope(3600))),
                read_only: pack
                    .meta
                    .permissions
                    .read
                    .first()
                    .map(|s| Arc::from(crate::jwt::mint(&[s], 3600))),
                app: pack
                    .meta
                    .permissions
                    .application
                    .first()
                    .map(|r| Arc::from(crate::jwt::mint_app(&[r], 3600))),
                expired,
            },
            embedded: Some(running),
        });
    };
    if args.fault.is_some() || !args.deviation.is_empty() {
        return Err(AppError::Usage("--fault and --deviation configure the embedded service; with --target, start `graph-conformance serve --fault NAME` and point --target at it".into()));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| AppError::Usage(format!("--target {url:?} is not a URL ({e}); give the service root with its version segment, e.g. http://127.0.0.1:8080/{}", pack.meta.version)))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::Usage(format!(
            "--target {url:?} must be an http:// or https:// URL"
        )));
    }
    let ids_path = args.ids.as_ref().ok_or_else(|| {
        AppError::Usage("--target needs --ids FILE: which keys each path variant uses on the target (`graph-conformance serve --pack P --ids-out FILE` writes an example)".into())
    })?;
    let ids = IdsFile::load(ids_path)?;
    let valid = env_token("GRAPH_TOKEN").ok_or_else(|| {
        AppError::Usage(format!("set GRAPH_TOKEN to a bearer token with {} for the target (tokens are read from the environment only, never from arguments)", pack.meta.permissions.delegated.first().or(pack.meta.permissions.application.first()).map_or("the pack's write permission", String::as_str)))
    })?;
    Ok(Wiring {
        base_url: url.trim_end_matches('/').to_owned(),
        ids,
        tokens: Tokens {
            valid,
            no_scope: env_token("GRAPH_TOKEN_NO_SCOPE"),
            read_only: env_token("GRAPH_TOKEN_READ_ONLY"),
            app: env_token("GRAPH_TOKEN_APP"),
            expired,
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
    std::fs::write(&path, text)
        .map_err(|e| AppError::Usage(format!("cannot write {}: {e}", path.display())))
}

fn load_replay(path: &Path) -> Result<std::collections::HashMap<String, Vec<String>>, AppError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::Usage(format!(
            "--replay {}: {e}; give the failing-inputs.json of an earlier run",
            path.display()
        ))
    })?;
    let saved: Vec<SavedInput> = serde_json::from_str(&text).map_err(|e| {
        AppError::Usage(format!(
            "--replay {}: not a failing-inputs.json ({e})",
            path.display()
        ))
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
    let warned: Vec<&TrialResult> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Warned)
        .collect();
    if !warned.is_empty() {
        println!("warnings (SHOULD clauses; they fail the run only under --strict):");
        for r in warned {
            println!(
                "    {}: {}",
                r.name,
                r.message.lines().next().unwrap_or_default()
            );
        }
        println!();
    }
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

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn rand_seed() -> u64 {
    let bytes = uuid::Uuid::new_v4();
    u64::from_le_bytes(bytes.as_bytes()[..8].try_into().expect("8 bytes"))
}
