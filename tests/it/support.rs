//! What the pack, import and verdict tests share: the binary run as a child process, the
//! embedded service served as one (`serve --pack P`), tokens for it, and reading reports.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use graph_conformance::outcome::{Level, Outcome, Report};
use graph_conformance::service::FaultListing;

pub const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");

/// The shared test data beside the repository, when it is there (CI has it; a fresh clone of
/// the project alone does not, and the tests that need it skip, saying why).
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("graph-docs").is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/graph-docs is absent (a clone of the project alone); CI runs this test with it");
        None
    }
}

/// `import PAGE --resources DIR --out OUT --no-check`, which must succeed (the tests run the
/// pack against `serve --pack` of it themselves, so the import's own self-check is skipped).
pub fn imported(page: &Path, resources: &Path, out: &Path) {
    let done = bin(&["import", "--no-check"])
        .arg(page)
        .arg("--resources")
        .arg(resources)
        .arg("--out")
        .arg(out)
        .output()
        .expect("the binary runs");
    assert!(done.status.success(), "{}", text(&done));
}

/// The binary with `args`, without any token from the caller's environment.
pub fn bin(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for t in [
        "GRAPH_TOKEN",
        "GRAPH_TOKEN_NO_SCOPE",
        "GRAPH_TOKEN_READ_ONLY",
        "GRAPH_TOKEN_APP",
    ] {
        cmd.env_remove(t);
    }
    cmd
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the suite with `args`, writing its reports into `dir`.
pub fn run_suite(args: &[&str], dir: &Path) -> (Output, Option<Report>) {
    let out = bin(args)
        .arg("--report-dir")
        .arg(dir)
        .args(["-q", "--color", "never"])
        .output()
        .expect("the binary runs");
    (out, read_report(dir))
}

/// The report of a run that must have passed clean: exit 0, nothing failed, errored, warned or
/// skipped.
pub fn clean(out: &Output, report: Option<Report>) -> Report {
    let report = report.unwrap_or_else(|| panic!("no report\n{}", text(out)));
    assert_eq!(out.status.code(), Some(0), "{}", text(out));
    let s = &report.summary;
    let counts = (s.failed, s.errors, s.warned, s.skipped);
    assert_eq!(counts, (0, 0, 0, 0), "{}", text(out));
    report
}

pub fn read_report(dir: &Path) -> Option<Report> {
    let text = std::fs::read_to_string(dir.join("report.json")).ok()?;
    Some(serde_json::from_str(&text).expect("report.json parses"))
}

/// Clauses of checks that came out `outcome`, across the report.
pub fn clauses(report: &Report, outcome: Outcome) -> Vec<String> {
    let mut c: Vec<String> = report
        .results
        .iter()
        .flat_map(|r| r.checks.iter())
        .filter(|c| c.outcome == outcome)
        .map(|c| c.clause.clone())
        .collect();
    c.sort();
    c.dedup();
    c
}

/// `serve` as a child process, killed when dropped.
pub struct Served {
    child: Child,
    pub url: String,
    pub ids: PathBuf,
}

impl Served {
    /// Stops the service now (its port is free again once this returns).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `serve --port 0` with `args`, its ids file written into `dir`.
pub fn serve(dir: &Path, args: &[&str]) -> Served {
    let ids = dir.join("ids.json");
    let mut child = bin(&["serve", "--port", "0", "--ids-out", ids.to_str().unwrap()])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("serve printed its listening line")
            .unwrap();
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_owned();
        }
    };
    // Keep draining, so the service never writes to a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Served { child, url, ids }
}

/// A token for the embedded service serving `pack` (`no_scope`: without its write permission).
pub fn token(pack: &str, no_scope: bool) -> String {
    let flags: &[&str] = if no_scope { &["--no-scope"] } else { &[] };
    minted(pack, flags).expect("a token")
}

/// `token --pack pack <flags>`, or nothing when the pack names no such permission.
fn minted(pack: &str, flags: &[&str]) -> Option<String> {
    let out = bin(&["token", "--pack", pack])
        .args(flags)
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => Some(String::from_utf8(out.stdout).unwrap().trim().to_owned()),
        Some(2) if text(&out).contains("names no") => None,
        _ => panic!("token {flags:?}: {}", text(&out)),
    }
}

/// `cmd` with every token the suite reads that the pack's permissions allow, minted for
/// `serve --pack pack`.
pub fn with_tokens<'a>(cmd: &'a mut Command, pack: &str) -> &'a mut Command {
    for (name, flags) in [
        ("GRAPH_TOKEN", &[][..]),
        ("GRAPH_TOKEN_NO_SCOPE", &["--no-scope"][..]),
        ("GRAPH_TOKEN_READ_ONLY", &["--read-only"][..]),
        ("GRAPH_TOKEN_APP", &["--app"][..]),
    ] {
        if let Some(t) = minted(pack, flags) {
            cmd.env(name, t);
        }
    }
    cmd
}

/// The names of the trials `--list` shows with `args`, sorted (generated trials are listed
/// with their kind, `[generated] name: test`).
pub fn trial_names(args: &[&str]) -> Vec<String> {
    let out = bin(args).arg("--list").output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let mut names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(|l| l.trim_start_matches("[generated] ").to_owned())
        .collect();
    names.sort();
    names
}

/// Runs the suite of `pack` with `args` against `served`, every token set, reports into `dir`.
pub fn run_against(
    served: &Served,
    pack: &str,
    args: &[&str],
    dir: &Path,
) -> (Output, Option<Report>) {
    let ids = served.ids.to_str().unwrap();
    let mut cmd = bin(&[
        "--pack",
        pack,
        "--target",
        &served.url,
        "--ids",
        ids,
        "-q",
        "--color",
        "never",
    ]);
    cmd.args(args).arg("--report-dir").arg(dir);
    let out = with_tokens(&mut cmd, pack)
        .output()
        .expect("the binary runs");
    (out, read_report(dir))
}

/// Why a run against a service with `fault` did not end as it should, if it did not: exit 1
/// and a failed check citing the fault's clause (a SHOULD fault: exit 0 and a warned one).
/// The faults only the ladders and two-sided pairs show; they run once, on the canonical
/// variant (`direct` in every pack the tests use), not on each variant.
pub const CANONICAL_ONLY: [&str; 8] = [
    "json-media-prefix",
    "trailing-whitespace-refused",
    "name-prefix-matched",
    "padded-body-refused",
    "long-string-refused",
    "server-error-on-deep-nesting",
    "server-error-on-many-members",
    "server-error-on-64-digits",
];

/// The trial filter that reaches `fault`: `variant`'s trials, or the canonical variant's.
pub fn filter_for<'a>(fault: &str, variant: &'a str) -> &'a str {
    if CANONICAL_ONLY.contains(&fault) {
        "direct::"
    } else {
        variant
    }
}

pub fn missed(fault: &FaultListing, out: &Output, report: Option<&Report>) -> Option<String> {
    let Some(report) = report else {
        return Some(format!("{}: no report\n{}", fault.name, text(out)));
    };
    let (code, outcome) = match fault.level {
        Level::Must => (1, Outcome::Failed),
        Level::Should => (0, Outcome::Warned),
        Level::May => (0, Outcome::Info),
    };
    let cited = clauses(report, outcome);
    let caught = out.status.code() == Some(code) && cited.iter().any(|c| c == fault.clause);
    (!caught).then(|| {
        format!(
            "{} ({}): exit {:?}, {outcome:?} checks cite {cited:?}",
            fault.name,
            fault.clause,
            out.status.code()
        )
    })
}
