//! Wiring: load the pack → plan → trials → run → restore → reports. Owns the tokio runtime and
//! the exit codes; every other module is called from here (`bench` is a consumer of the library
//! like `main`, and is dispatched by `main`).

mod importing;
mod preflight;
mod run;
mod selfcheck;
mod serve;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::case::CaseError;
use crate::cli::{Cli, Command, ReportCommand};
use crate::client::ClientError;
use crate::executor::Tokens;
use crate::ids::IdsError;
use crate::outcome::Summary;
use crate::pack::{Pack, PackError, Selection};
use crate::report::ReportError;
use crate::service;

/// Every MUST clause held.
pub const EXIT_OK: i32 = 0;
/// A clause failed (or a SHOULD clause under --strict; with --fail-on new, only a new failure).
pub(crate) const EXIT_FAILED: i32 = 1;
/// The run could not be made or finished.
pub const EXIT_UNUSABLE: i32 = 2;

#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Ids(#[from] IdsError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Service(#[from] service::ServiceError),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    #[error(transparent)]
    Switch(#[from] service::UnknownSwitch),
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("cannot {action} {path}: {source}{hint}")]
    File {
        action: &'static str,
        path: String,
        source: std::io::Error,
        /// What to do about it, after "; " (or nothing).
        hint: &'static str,
    },
    #[error("{flag} takes a positive number of seconds, not {value}")]
    Seconds { flag: &'static str, value: f64 },
    #[error("--replay {path}: not a failing-inputs.json ({source}); give the failing-inputs.json of an earlier run")]
    Replay {
        path: String,
        source: serde_json::Error,
    },
    #[error("the pack {pack} names no {which} permission, so there is no such token for it")]
    NoSuchToken { pack: String, which: &'static str },
    #[error("--name and --path apply to one page; import those pages one by one")]
    OnePageFlags,
    #[error("{0} holds no *-update.md page; give a folder of Graph update pages")]
    NoPages(String),
    #[error("`bench` is run by main, not by app::main")]
    NotHere,
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),
}

/// Why `--target` cannot be used as given.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TargetError {
    #[error("--fault and --deviation configure the embedded service; with --target, start `graph-conformance serve --fault NAME` and point --target at it")]
    ServiceSwitches,
    #[error("--target {url:?} is not a URL ({reason}); give the service root with its version segment, e.g. http://127.0.0.1:8080/{version}")]
    NotUrl {
        url: String,
        reason: String,
        version: String,
    },
    #[error("--target {0:?} must be an http:// or https:// URL")]
    NotHttp(String),
    #[error("--target needs --ids FILE: which keys each path variant uses on the target (`graph-conformance serve --pack P --ids-out FILE` writes an example)")]
    NoIds,
    #[error("set GRAPH_TOKEN to a bearer token with {0} for the target (tokens are read from the environment only, never from arguments)")]
    NoToken(String),
}

impl AppError {
    /// A file that could not be read or written.
    pub(crate) fn file(
        action: &'static str,
        path: &std::path::Path,
        hint: &'static str,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.display().to_string();
        move |source| Self::File {
            action,
            path,
            source,
            hint,
        }
    }
}

/// Runs a parsed command line (not `bench`, which `main` runs itself); the result is the exit
/// code.
pub fn main(cli: Cli) -> i32 {
    let result = match cli.command {
        None => run::run(cli.run),
        Some(Command::Run(args)) => run::run(*args),
        Some(Command::Serve(args)) => serve::serve(args),
        Some(Command::Token(args)) => serve::token(&args),
        Some(Command::Packs) => serve::packs(),
        Some(Command::Import(args)) => importing::import(&args),
        Some(Command::Report(ReportCommand::Merge { reports, out })) => merge(&reports, &out),
        Some(Command::Bench(_)) => Err(AppError::NotHere),
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

/// Loads the selected pack (`--pack`, `--cases-dir`, `--schemas-dir`).
pub(crate) fn load_pack(
    pack: Option<&str>,
    cases_dir: Option<&Path>,
    schemas_dir: Option<&Path>,
) -> Result<Arc<Pack>, AppError> {
    let selection = Selection {
        pack: pack.map(str::to_owned),
        cases_dir: cases_dir.map(Path::to_path_buf),
        schemas_dir: schemas_dir.map(Path::to_path_buf),
    };
    Ok(Arc::new(Pack::load(&selection)?))
}

fn merge(reports: &[PathBuf], out: &Path) -> Result<i32, AppError> {
    let merged = crate::report::merge_files(reports)?;
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

/// The scopes minted tokens carry for `pack`: a delegated scope, else an application role.
pub(crate) fn minted_token(pack: &Pack, lifetime_secs: i64) -> String {
    let p = &pack.meta.permissions;
    match (p.delegated.first(), p.application.first()) {
        (Some(scope), _) => crate::jwt::mint(&[scope], lifetime_secs),
        (None, Some(role)) => crate::jwt::mint_app(&[role], lifetime_secs),
        (None, None) => crate::jwt::mint(&[], lifetime_secs),
    }
}

/// Every token the embedded service serving `pack` takes, and an expired one.
pub fn minted_tokens(pack: &Pack) -> Tokens {
    Tokens {
        valid: Arc::from(minted_token(pack, 3600)),
        no_scope: Some(Arc::from(minted_token_without_scope(3600))),
        read_only: minted_read_only_token(pack, 3600).map(Arc::from),
        app: minted_app_token(pack, 3600).map(Arc::from),
        expired: expired_token(pack),
    }
}

/// A token with the pack's write permission that expired an hour ago (C2.1).
pub(crate) fn expired_token(pack: &Pack) -> String {
    let p = &pack.meta.permissions;
    let scopes: Vec<&str> = p
        .delegated
        .iter()
        .chain(&p.application)
        .map(String::as_str)
        .take(1)
        .collect();
    crate::jwt::mint_expired(&scopes)
}

/// A token with the pack's read permission only, if it names one.
pub(crate) fn minted_read_only_token(pack: &Pack, lifetime_secs: i64) -> Option<String> {
    let scope = pack.meta.permissions.read.first()?;
    Some(crate::jwt::mint(&[scope], lifetime_secs))
}

/// An application token whose roles carry the pack's write permission, if it names one.
pub(crate) fn minted_app_token(pack: &Pack, lifetime_secs: i64) -> Option<String> {
    let role = pack.meta.permissions.application.first()?;
    Some(crate::jwt::mint_app(&[role], lifetime_secs))
}

/// A token without the pack's write permission.
pub(crate) fn minted_token_without_scope(lifetime_secs: i64) -> String {
    crate::jwt::mint(&["User.Read"], lifetime_secs)
}
