//! The command line (DESIGN.md fixes its shape); libtest's own arguments pass through to the
//! trial runner. Parsing only: `app` turns these into working objects.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

/// The help layout with the program's name in the usage line (libtest's flattened arguments
/// bring a template of their own that leaves it out).
const HELP_TEMPLATE: &str =
    "{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}";

/// Parses the process's arguments.
pub fn parse() -> Result<Cli, clap::Error> {
    let command = Cli::command()
        .help_template(HELP_TEMPLATE)
        .mut_subcommand("run", |c| c.help_template(HELP_TEMPLATE));
    Cli::from_arg_matches(&command.try_get_matches()?)
}

#[derive(Debug, Parser)]
#[command(
    name = "graph-conformance",
    version,
    about = "Conformance suite for Microsoft Graph (beta) Intune update endpoints, one contract pack per page",
    long_about = "Runs the contract suite (clauses C1–C7) of a contract pack against a target. With no --target it starts the embedded reference service on a free loopback port and runs against it. With no --pack it checks the seed page's pack (Update deviceConfigurationUserOverview, February 2017); `graph-conformance packs` lists the built-in packs, `graph-conformance import` makes one from any page of the Graph update template.\n\nTokens come from the environment, never from arguments: GRAPH_TOKEN (with the pack's write permission) and, optionally, GRAPH_TOKEN_NO_SCOPE (without it), GRAPH_TOKEN_READ_ONLY (with the read permission only) and GRAPH_TOKEN_APP (an application token with the write permission), which enable the C2.2 and C2.3 cases that need them.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    // Printed by main: clap's own flag knows only the version (and libtest's flattened
    // arguments switch it off).
    /// Print the version and the built-in packs' digests.
    #[arg(short = 'V', long = "version")]
    pub version: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suite (the default when no subcommand is given).
    Run(Box<RunArgs>),
    /// Start the embedded reference service and keep it running.
    Serve(ServeArgs),
    /// Print a token for the embedded service (never for a real one).
    Token(TokenArgs),
    /// Work with reports of earlier runs.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Measure the service and the harness against loopback baselines (see README).
    Bench(BenchArgs),
    /// List the built-in contract packs with their source page and date.
    Packs,
    /// Make a contract pack from a Graph doc page of the Intune update template.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The update page (Markdown), e.g. intune-deviceconfig-deviceconfigurationuseroverview-update.md,
    /// or a folder: every *-update.md page in it is imported, one pack each, into --out.
    #[arg(value_name = "PAGE.md|DIR")]
    pub(crate) page: PathBuf,
    /// A folder of resource pages (intune-*.md) where complex types, enums and base types are
    /// looked up; only the pages the import reaches are read.
    #[arg(long, value_name = "DIR")]
    pub(crate) resources: Option<PathBuf>,
    /// Graph's OData CSDL ($metadata XML): types, nullability, enums, complex and derived types
    /// and navigations are taken from it (no --resources needed).
    #[arg(long, value_name = "FILE")]
    pub(crate) csdl: Option<PathBuf>,
    /// The pack folder to write (it must not exist, or be empty); with a folder of pages, the
    /// folder the packs are written into, one sub-folder each.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// The pack's name (default: from the page's file name).
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,
    /// The path to use when the page lists none it can read (the generator's "Entity URI … not found").
    #[arg(long, value_name = "TEMPLATE")]
    pub(crate) path: Vec<String>,
    /// Skip the self-check (a short run of the new pack against `serve --pack` of it), for speed
    /// when importing many pages; the pack is then written even if it cannot pass.
    #[arg(long)]
    pub(crate) no_check: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The contract pack: a built-in pack's name (`graph-conformance packs`) or a pack folder.
    #[arg(long, value_name = "NAME|DIR")]
    pub(crate) pack: Option<String>,
    /// Service root including its version segment, e.g. http://127.0.0.1:8080/beta.
    #[arg(long, value_name = "URL")]
    pub(crate) target: Option<String>,
    /// Which configurations to use on the target, one per path variant (required with --target).
    #[arg(long, value_name = "FILE")]
    pub(crate) ids: Option<PathBuf>,
    /// Where to write the reports (default: reports/<UTC timestamp>/).
    #[arg(long, value_name = "DIR")]
    pub(crate) report_dir: Option<PathBuf>,
    /// Generated inputs per strategy and variant (default 256; 16 against a non-loopback target).
    #[arg(long, value_name = "N")]
    pub(crate) cases: Option<u32>,
    /// Seed for the generated inputs; printed on every run so a run can be replayed.
    #[arg(long, value_name = "S")]
    pub(crate) seed: Option<u64>,
    /// SHOULD clauses fail the run too.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Accept 204 No Content for a valid PATCH, as the live Graph service answers (C4.1).
    #[arg(long)]
    pub(crate) allow_204: bool,
    /// Compare with an earlier report.json: new failures, fixed, still failing.
    #[arg(long, value_name = "REPORT.json")]
    pub(crate) baseline: Option<PathBuf>,
    /// With --baseline: fail on any failure (default) or only on new ones.
    #[arg(long, value_name = "new|any", default_value = "any")]
    pub(crate) fail_on: FailOn,
    /// Run one shard of the suite: hash:K/N, split by the overview each trial writes.
    #[arg(long, value_name = "hash:K/N")]
    pub(crate) partition: Option<crate::plan::Partition>,
    /// Against a real target, do not write the recorded originals back at the end.
    #[arg(long)]
    pub(crate) no_restore: bool,
    /// Re-run a failed or errored trial up to N times; a pass on a retry is reported flaky.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) retries: u32,
    /// Flaky trials fail the run.
    #[arg(long)]
    pub(crate) flaky_fails: bool,
    /// Cap the rate of all requests, e.g. 40/s or 950/20s (default 950/20s against a non-loopback
    /// target: Intune's documented 1000 requests per 20 s, with a margin).
    #[arg(long, value_name = "N/S")]
    pub(crate) rate: Option<Rate>,
    /// Cap the rate of writes (PATCH), e.g. 95/20s (default 95/20s against a non-loopback target:
    /// Intune's documented 100 writes per 20 s, with a margin).
    #[arg(long, value_name = "N/S")]
    pub(crate) write_rate: Option<Rate>,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub(crate) timeout: f64,
    /// Response body size limit in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub(crate) max_body: usize,
    /// Longest Retry-After wait honoured, in seconds (C7.1).
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub(crate) max_wait: f64,
    /// Throttled retries per request (C7.1). Ten, so that a target throttling one request in
    /// seven rarely makes a request of a 15 000-request run give up (5 did, now and then).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub(crate) max_retries: u32,
    /// Seconds between progress lines while a run goes on (a run that is mostly waiting says so).
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub(crate) progress: f64,
    /// Stop the run as unusable after this many consecutive exchanges that could not complete.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub(crate) max_consecutive_errors: u32,
    /// Trust this PEM CA certificate for HTTPS targets.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Do not verify HTTPS certificates (loudly reported; for test rigs only).
    #[arg(long)]
    pub(crate) insecure: bool,
    /// Load case files from this folder instead of the built-in pack.
    #[arg(long, value_name = "DIR")]
    pub(crate) cases_dir: Option<PathBuf>,
    /// Load schemas from this folder instead of the built-in pack.
    #[arg(long, value_name = "DIR")]
    pub(crate) schemas_dir: Option<PathBuf>,
    /// Run inputs saved by an earlier failing run (failing-inputs.json) first.
    #[arg(long, value_name = "FILE")]
    pub(crate) replay: Option<PathBuf>,
    /// Embedded service only: start it with this fault (see `serve --list-faults`).
    #[arg(long, value_name = "NAME")]
    pub(crate) fault: Option<String>,
    /// Embedded service only: start it with this allowed deviation (repeatable).
    #[arg(long, value_name = "NAME")]
    pub(crate) deviation: Vec<String>,
    #[command(flatten)]
    pub(crate) libtest: libtest_mimic::Arguments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FailOn {
    New,
    Any,
}

/// `N/S`: at most N requests per S (`4/s`, `100/20s`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rate {
    pub requests: u32,
    pub per: std::time::Duration,
}

impl std::str::FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || format!("{s:?} is not a rate: write N/S, e.g. 4/s or 100/20s");
        let (n, per) = s.split_once('/').ok_or_else(usage)?;
        let requests: u32 = n.trim().parse().map_err(|_| usage())?;
        let per = per.trim().trim_end_matches('s');
        let secs: f64 = if per.is_empty() {
            1.0
        } else {
            per.parse().map_err(|_| usage())?
        };
        if requests == 0 || !(secs.is_finite() && secs > 0.0) {
            return Err(usage());
        }
        Ok(Self {
            requests,
            per: std::time::Duration::from_secs_f64(secs),
        })
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The contract pack to serve: a built-in pack's name or a pack folder.
    #[arg(long, value_name = "NAME|DIR")]
    pub(crate) pack: Option<String>,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub(crate) port: u16,
    /// Break one clause on purpose (see --list-faults).
    #[arg(long, value_name = "NAME")]
    pub(crate) fault: Option<String>,
    /// Deviate where the contract allows (repeatable).
    #[arg(long, value_name = "NAME")]
    pub(crate) deviation: Vec<String>,
    /// Write the ids file for this service.
    #[arg(long, value_name = "FILE")]
    pub(crate) ids_out: Option<PathBuf>,
    /// Print the faults and deviations with their clauses, then exit.
    #[arg(long)]
    pub(crate) list_faults: bool,
    /// Wait this long before every answer, e.g. 50ms (a stand-in for a distant service).
    #[arg(long, value_name = "DURATION", value_parser = parse_latency)]
    pub(crate) latency: Option<std::time::Duration>,
    /// Take connections as many teams' mocks do: a thread per connection, answering its
    /// requests one after another, behind a short listen queue (--backlog).
    #[arg(long)]
    pub(crate) thread_per_connection: bool,
    /// Entities per path variant (1 to 64): the ids file lists them all, and a run spreads
    /// its trials over them, so a slow target answers several chains of writes at once.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=64))]
    pub(crate) entities: u8,
    /// With --thread-per-connection: the listen queue's length (Python's http.server: 5).
    #[arg(long, value_name = "N", requires = "thread_per_connection", default_value_t = crate::service::PYTHON_BACKLOG)]
    pub(crate) backlog: u32,
}

/// `50ms`, `0.2s`, `1s`.
pub(crate) fn parse_latency(s: &str) -> Result<std::time::Duration, String> {
    let usage = || format!("{s:?} is not a duration: write e.g. 50ms or 0.5s");
    let (number, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else {
        return Err(usage());
    };
    let value: f64 = number.trim().parse().map_err(|_| usage())?;
    if !(value.is_finite() && value >= 0.0 && value * scale <= 60.0) {
        return Err(usage());
    }
    Ok(std::time::Duration::from_secs_f64(value * scale))
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// A token without the pack's write permission (GRAPH_TOKEN_NO_SCOPE, for C2.2 and C2.3).
    #[arg(long, conflicts_with_all = ["read_only", "app"])]
    pub(crate) no_scope: bool,
    /// A token with the pack's read permission only (GRAPH_TOKEN_READ_ONLY, for C2.2).
    #[arg(long, conflicts_with = "app")]
    pub(crate) read_only: bool,
    /// An application token whose roles carry the write permission (GRAPH_TOKEN_APP, for C2.2).
    #[arg(long)]
    pub(crate) app: bool,
    /// The pack whose permission the token carries.
    #[arg(long, value_name = "NAME|DIR")]
    pub(crate) pack: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge the report.json of several partitions into one run's reports.
    Merge {
        #[arg(required = true, value_name = "REPORT.json")]
        reports: Vec<PathBuf>,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The contract pack to measure with.
    #[arg(long, value_name = "NAME|DIR")]
    pub(crate) pack: Option<String>,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 3.0)]
    pub(crate) seconds: f64,
    /// Concurrent clients for the request-rate measurements.
    #[arg(long, default_value_t = 32)]
    pub(crate) concurrency: usize,
    /// Run only these measurements (repeatable; for profiling one in isolation): 1 service,
    /// 2 harness, 3 suite, 4 growth, 5 requests per generated input, 6 a target adding 50 ms,
    /// 7 a throttling target, 8 a real tenant's budget, 9 import speed (needs ../shared).
    /// Default: all nine (6 and 7 take minutes).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=9))]
    pub(crate) only: Vec<u8>,
}
