//! Wiring: load the pack → plan → trials → run → restore → reports. Owns the tokio runtime and
//! the exit codes; every other module is called from here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::case::{CaseError, Suite};
use crate::cli::{Cli, Command, FailOn, ReportCommand, RunArgs, ServeArgs, TokenArgs};
use crate::client::{Client, ClientError, ClientOptions};
use crate::domain::model::ModelError;
use crate::domain::EntityModel;
use crate::executor::{Executor, Target, Tokens};
use crate::harness::{trials, Runner};
use crate::ids::{IdsError, IdsFile};
use crate::outcome::{Outcome, Report, Restored, Summary, TrialResult};
use crate::pack::{Pack, PackError, ENTITY_SCHEMA_FILE, ERROR_SCHEMA_FILE};
use crate::plan::plan;
use crate::report::ReportError;
use crate::schema::{Schema, SchemaError};
use crate::service::{self, ServiceOptions};

/// Every MUST clause held.
pub const EXIT_OK: i32 = 0;
/// A clause failed (or a SHOULD clause under --strict; with --fail-on new, only a new failure).
pub const EXIT_FAILED: i32 = 1;
/// The run could not be made or finished.
pub const EXIT_UNUSABLE: i32 = 2;

const READ_WRITE: &str = "DeviceManagementConfiguration.ReadWrite.All";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error(transparent)]
    Ids(#[from] IdsError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Service(#[from] service::ServiceError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Parses the command line and runs it; the result is the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_UNUSABLE
            } else {
                EXIT_OK
            };
        }
    };
    let result = match cli.command {
        None => run(cli.run),
        Some(Command::Run(args)) => run(*args),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Token(args)) => token(&args),
        Some(Command::Report(ReportCommand::Merge { reports, out })) => merge(&reports, &out),
        Some(Command::Bench(args)) => crate::bench::run(&args).map_err(AppError::Usage),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        EXIT_UNUSABLE
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(AppError::Runtime)
}

/// The loaded contract pack, ready to use.
pub struct Contract {
    pub model: Arc<EntityModel>,
    pub entity_schema: Schema,
    pub error_schema: Schema,
    pub suite: Suite,
}

pub fn load_contract(
    cases_dir: Option<&Path>,
    schemas_dir: Option<&Path>,
) -> Result<Contract, AppError> {
    let pack = Pack::load(cases_dir, schemas_dir)?;
    Ok(Contract {
        model: Arc::new(EntityModel::from_schema(&pack.entity_schema)?),
        entity_schema: Schema::compile(ENTITY_SCHEMA_FILE, &pack.entity_schema)?,
        error_schema: Schema::compile(ERROR_SCHEMA_FILE, &pack.error_schema)?,
        suite: Suite::load(&pack.case_files)?,
    })
}

fn service_options(fault: Option<&str>, deviations: &[String]) -> Result<ServiceOptions, AppError> {
    let fault = fault
        .map(str::parse)
        .transpose()
        .map_err(|e: service::UnknownSwitch| AppError::Usage(e.to_string()))?;
    let deviations = deviations
        .iter()
        .map(|d| d.parse())
        .collect::<Result<Vec<_>, service::UnknownSwitch>>()
        .map_err(|e| AppError::Usage(e.to_string()))?;
    Ok(ServiceOptions { fault, deviations })
}

fn serve(args: ServeArgs) -> Result<i32, AppError> {
    if args.list_faults {
        println!("faults (--fault NAME): each breaks exactly one clause");
        for f in service::faults() {
            println!(
                "  {:<28} {:<5} {:?}  {}",
                f.name, f.clause, f.level, f.description
            );
        }
        println!("\ndeviations (--deviation NAME): behaviour the contract allows");
        for d in service::deviations() {
            println!("  {:<28} {}", d.name, d.description);
        }
        return Ok(EXIT_OK);
    }
    let options = service_options(args.fault.as_deref(), &args.deviation)?;
    let contract = load_contract(None, None)?;
    runtime()?.block_on(service::serve_forever(
        contract.model,
        options,
        args.port,
        args.ids_out.as_deref(),
    ))?;
    Ok(EXIT_OK)
}

fn token(args: &TokenArgs) -> Result<i32, AppError> {
    let scope = if args.no_scope {
        "User.Read"
    } else {
        READ_WRITE
    };
    println!("{}", crate::jwt::mint(&[scope], 3600));
    Ok(EXIT_OK)
}

fn merge(reports: &[PathBuf], out: &Path) -> Result<i32, AppError> {
    let loaded = reports
        .iter()
        .map(|p| crate::report::read_report(p))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = crate::report::merge(loaded)?;
    let written = crate::report::write_all(out, &merged, &[])?;
    for p in written {
        println!("wrote {}", p.display());
    }
    Ok(exit_code_of(&merged.summary))
}

fn exit_code_of(summary: &Summary) -> i32 {
    if summary.failed > 0 {
        EXIT_FAILED
    } else if summary.errors > 0 {
        EXIT_UNUSABLE
    } else {
        EXIT_OK
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

/// What the run is pointed at.
struct Wiring {
    base_url: String,
    ids: IdsFile,
    tokens: Tokens,
    embedded: Option<service::RunningService>,
}

fn wire(
    args: &RunArgs,
    contract: &Contract,
    rt: &tokio::runtime::Runtime,
) -> Result<Wiring, AppError> {
    let expired = crate::jwt::mint_expired(&[READ_WRITE]);
    let Some(url) = &args.target else {
        let options = service_options(args.fault.as_deref(), &args.deviation)?;
        let running = rt.block_on(service::start(Arc::clone(&contract.model), options, 0))?;
        return Ok(Wiring {
            base_url: running.base_url.clone(),
            ids: running.ids.clone(),
            tokens: Tokens {
                valid: Arc::from(crate::jwt::mint(&[READ_WRITE], 3600)),
                no_scope: Some(Arc::from(crate::jwt::mint(&["User.Read"], 3600))),
                expired,
            },
            embedded: Some(running),
        });
    };
    if args.fault.is_some() || !args.deviation.is_empty() {
        return Err(AppError::Usage("--fault and --deviation configure the embedded service; with --target, start `graph-conformance serve --fault NAME` and point --target at it".into()));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| AppError::Usage(format!("--target {url:?} is not a URL ({e}); give the service root with its version segment, e.g. http://127.0.0.1:8080/beta")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::Usage(format!(
            "--target {url:?} must be an http:// or https:// URL"
        )));
    }
    let ids_path = args.ids.as_ref().ok_or_else(|| {
        AppError::Usage("--target needs --ids FILE: which configuration each path variant uses on the target (`graph-conformance serve --ids-out FILE` writes an example)".into())
    })?;
    let ids = IdsFile::load(ids_path)?;
    let valid = env_token("GRAPH_TOKEN").ok_or_else(|| {
        AppError::Usage("set GRAPH_TOKEN to a bearer token with DeviceManagementConfiguration.ReadWrite.All for the target (tokens are read from the environment only, never from arguments)".into())
    })?;
    Ok(Wiring {
        base_url: url.trim_end_matches('/').to_owned(),
        ids,
        tokens: Tokens {
            valid,
            no_scope: env_token("GRAPH_TOKEN_NO_SCOPE"),
            expired,
        },
        embedded: None,
    })
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

fn run(args: RunArgs) -> Result<i32, AppError> {
    let contract = load_contract(args.cases_dir.as_deref(), args.schemas_dir.as_deref())?;
    let rt = runtime()?;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    rt.spawn(crate::signals::watch(cancel_tx, EXIT_UNUSABLE));
    let wiring = wire(&args, &contract, &rt)?;
    let embedded = wiring.embedded.is_some();
    let loopback = embedded || is_loopback(&wiring.base_url);
    let cases = args.cases.unwrap_or(if loopback { 256 } else { 16 });
    let rate = args
        .rate
        .or((!loopback).then(|| "4/s".parse().expect("a valid rate")));
    let seed = args.seed.unwrap_or_else(rand_seed);
    let ca_cert = match &args.ca_cert {
        Some(p) => Some(
            std::fs::read(p)
                .map_err(|e| AppError::Usage(format!("--ca-cert {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let options = ClientOptions {
        timeout: seconds(args.timeout, "--timeout")?,
        body_limit: args.max_body,
        max_retries: args.max_retries,
        max_wait: seconds(args.max_wait, "--max-wait")?,
        rate: rate.map(|r| (r.requests, r.per)),
        ca_cert,
        insecure: args.insecure,
        no_proxy: loopback,
    };
    let mut secrets = vec![Arc::clone(&wiring.tokens.valid)];
    secrets.extend(wiring.tokens.no_scope.iter().cloned());
    let client = Client::new(options.clone(), secrets.clone(), cancel_rx.clone())?;
    // Restoring must work after an interruption, so it has a client that is never cancelled.
    let restore_client = Client::new(options, secrets, watch::channel(false).1)?;
    if !loopback && wiring.base_url.to_ascii_lowercase().starts_with("http://") {
        eprintln!("WARNING: the target is plain http:// on another host: GRAPH_TOKEN crosses the network unencrypted (and passes through HTTP_PROXY if one is set). Use an https:// target.");
    }
    if args.insecure {
        eprintln!("WARNING: --insecure: HTTPS certificates are NOT verified; anyone on the path can read GRAPH_TOKEN. Use --ca-cert for a private CA instead.");
    }

    let mut planned = plan(&contract.suite, &wiring.ids, true).cases;
    if let Some(p) = args.partition {
        planned = p.select(planned);
    }
    let order: BTreeMap<String, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, pc)| (pc.name.clone(), i))
        .collect();
    let direct = plan(&contract.suite, &wiring.ids, false).direct;
    let target = Target {
        base_url: wiring.base_url.clone(),
        direct,
    };
    let listing = args.libtest.list;

    // Preflight and originals: one GET per overview the run may write, before any trial. If
    // the target fails it, no trial runs (each is skipped with the reason) and the report says so.
    let (originals, preflight_failure) = if listing {
        (BTreeMap::new(), None)
    } else {
        let exec = Executor {
            client: &client,
            target: &target,
            tokens: &wiring.tokens,
        };
        match rt.block_on(preflight(&exec, &wiring.ids)) {
            Ok(originals) => (originals, None),
            Err(_) if *cancel_rx.borrow() => (BTreeMap::new(), None),
            Err(why) => (BTreeMap::new(), Some(why)),
        }
    };

    let mut runner = Runner::new(
        rt.handle().clone(),
        client,
        target,
        wiring.tokens.clone(),
        Arc::clone(&contract.model),
        contract.entity_schema,
        contract.error_schema,
        cancel_rx.clone(),
    );
    runner.strict = args.strict;
    runner.allow_204 = args.allow_204;
    runner.retries = args.retries;
    runner.seed = seed;
    runner.cases = cases;
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
            "graph-conformance {}: target {}{}, seed {seed}, {cases} generated inputs per strategy and variant{}",
            env!("CARGO_PKG_VERSION"),
            wiring.base_url,
            if embedded { " (embedded reference service)" } else { "" },
            rate.map(|r| format!(", rate {}/{:?}", r.requests, r.per)).unwrap_or_default()
        );
    }
    let mut libtest = args.libtest.clone();
    if libtest.test_threads.is_none() {
        // Trials wait on the network, not the CPU; eight lets each variant have one in flight.
        libtest.test_threads = Some(8);
    }
    let _conclusion = libtest_mimic::run(&libtest, trials(&runner, planned));
    if listing {
        return Ok(EXIT_OK);
    }
    let interrupted = *cancel_rx.borrow();
    let restored = if embedded || args.no_restore {
        Vec::new()
    } else {
        let exec = Executor {
            client: &restore_client,
            target: &runner.target,
            tokens: &runner.tokens,
        };
        rt.block_on(restore(&exec, &contract.model, &originals))
    };
    let mut results = runner.results();
    results.sort_by_key(|r| order.get(&r.name).copied().unwrap_or(usize::MAX));
    let mut report = Report {
        tool: crate::outcome::Tool {
            name: "graph-conformance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: crate::outcome::Target {
            url: wiring.base_url.clone(),
            embedded,
        },
        started,
        finished: now(),
        seed: seed.to_string(),
        summary: Summary::of(&results),
        results,
        interrupted,
        strict: args.strict,
        insecure: args.insecure,
        restored,
        partition: args.partition.map(|p| p.to_string()),
        baseline: None,
    };
    if let Some(svc) = wiring.embedded {
        rt.block_on(svc.shutdown());
    }
    let reports_root = PathBuf::from("reports");
    let dir = args.report_dir.clone().unwrap_or_else(|| {
        reports_root.join(chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string())
    });
    let past = crate::report::trend::load_history(&reports_root, &dir, 10);
    let flips = crate::report::trend::flips(past.iter().map(|p| &p.report), &report);
    crate::report::mark_flaky(&mut report, &flips);
    if let Some(b) = &args.baseline {
        let base = crate::report::read_report(b)?;
        let mut diff = crate::report::diff(&report, &base);
        diff.source = b.display().to_string();
        report.baseline = Some(diff);
    }
    report.summary = Summary {
        flaky: report.results.iter().filter(|r| r.flaky).count() as u64,
        ..Summary::of(&report.results)
    };
    let history = crate::report::trend::run_points(&past);
    crate::report::write_all(&dir, &report, &history)?;
    save_failing_inputs(&dir, &report)?;
    if args.report_dir.is_none() {
        crate::report::update_latest(&reports_root, &dir)?;
    }
    print_closing(&report, &dir);
    Ok(run_exit_code(&report, &args, runner.unusable()))
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
        eprintln!(
            "error: the overviews of {} could not be restored; the target still holds this run's last writes. Restore them by hand from each variant's first exchange in report.json",
            unrestored.join(", ")
        );
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
        "conformance: {} passed, {} failed, {} errors, {} warned, {} skipped, {} throttled; seed {}",
        s.passed, s.failed, s.errors, s.warned, s.skipped, s.throttled, report.seed
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

/// Reads every overview the run may write before any trial: it shows whether the target
/// answers at all, and records the originals a real target gets back at the end. Stops at the
/// first read that fails, with why.
async fn preflight(
    exec: &Executor<'_>,
    ids: &IdsFile,
) -> Result<BTreeMap<String, (String, Map<String, Value>)>, String> {
    let mut originals = BTreeMap::new();
    for (variant, v) in &ids.variants {
        if originals.contains_key(&v.overview_of) {
            continue;
        }
        let mut log = Vec::new();
        let state = exec
            .read_state(&v.overview_of, &mut log)
            .await
            .map_err(|a| {
                let redirect = log.iter().filter_map(|e| e.response.as_ref()).find_map(|r| {
                    let to = r.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("location"));
                    ((300..400).contains(&r.status)).then(|| {
                        format!(" (a redirect to {}, which the harness never follows, so a token cannot leak to another host: point --target at the final URL)", to.map_or("nowhere", |(_, v)| v.as_str()))
                    })
                });
                format!("variant {variant}: {}{}", a.message, redirect.unwrap_or_default())
            })?;
        originals.insert(v.overview_of.clone(), (variant.clone(), state));
    }
    Ok(originals)
}

/// PATCHes every recorded original back (writable properties only), after failures and
/// interruptions too. Always written, never judged by a read first: a replica may still show the
/// old state, or a write the run gave up on may land late. Only when writing back fails does a
/// read decide whether that matters (`unchanged`: a target that refused every write) or not
/// (`failed`).
async fn restore(
    exec: &Executor<'_>,
    model: &EntityModel,
    originals: &BTreeMap<String, (String, Map<String, Value>)>,
) -> Vec<Restored> {
    let mut out = Vec::new();
    for (overview_of, (variant, original)) in originals {
        let body: Map<String, Value> = model
            .writable()
            .filter_map(|(_, p)| original.get(&p.name).map(|v| (p.name.clone(), v.clone())))
            .collect();
        let url = exec.state_url(overview_of);
        let status = match exec
            .write_state(overview_of, &Value::Object(body.clone()))
            .await
        {
            Ok(()) => "restored".to_owned(),
            Err(e) => {
                let now = exec.read_state(overview_of, &mut Vec::new()).await;
                if now.is_ok_and(|now| body.iter().all(|(k, v)| now.get(k) == Some(v))) {
                    format!("unchanged: writing it back failed ({e}), but it reads back as it was")
                } else {
                    format!(
                        "failed: {e}; restore it by hand from report.json's first exchange of this variant"
                    )
                }
            }
        };
        out.push(Restored {
            variant: variant.clone(),
            url,
            status,
        });
    }
    out
}
