//! Report writers: `report.json`, `junit.xml`, `summary.md` and `report.html`, each a pure
//! function of a [`Report`] (and, for the HTML trend chart, earlier runs) over `impl Write`;
//! plus the baseline diff, the run history (trend, flaky), shard merging and `latest`. The two
//! pages for people (Markdown, HTML) render one view of the run (`view`), built once.
//!
//! The writers never see a raw token (the executor redacts headers before); as a second line of
//! defence every writer scrubs anything shaped like a JWT from the text it writes
//! ([`secrets::scrub`]). Nothing here reads or prints environment variables.

pub(crate) mod baseline;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod secrets;
pub mod trend;
mod view;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::outcome::{Outcome, Report};

pub use crate::outcome::BaselineDiff;
pub use baseline::{diff, has_new_failures};
pub use json::read_report;
pub use merge::{merge, merge_files};
pub use trend::{flipped, history, mark_flaky, RunPoint};

/// The files a run writes into its report directory, in the order [`write_all`] writes them.
pub(crate) const REPORT_JSON: &str = "report.json";
pub(crate) const JUNIT_XML: &str = "junit.xml";
pub(crate) const SUMMARY_MD: &str = "summary.md";
pub(crate) const REPORT_HTML: &str = "report.html";
/// The symlink under the reports root that points at the newest run directory.
pub(crate) const LATEST: &str = "latest";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "cannot read the report {path}: {source}; check the path (a run writes \
         <report-dir>/report.json, and reports/latest points at the newest run)"
    )]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "{path} is not a graph-conformance report.json: {source}; pass a report.json written by \
         `graph-conformance run` or `graph-conformance report merge`"
    )]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "cannot write {path}: {source}; check that the report directory is writable and the disk \
         is not full"
    )]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot write the report: {0}; check that the output is writable")]
    Io(#[from] io::Error),
    #[error("cannot serialise report.json: {0}")]
    Json(#[source] serde_json::Error),
    #[error("cannot write junit.xml: {0}")]
    Junit(#[from] quick_junit::SerializeError),
    #[error("cannot render report.html: {0:#}; this is a bug in templates/report.html")]
    Template(#[from] minijinja::Error),
    #[error("report merge needs at least one report.json; name the shards' reports")]
    MergeNothing,
    #[error(
        "trial {name} appears in two shards ({first} and {second}); merge the shards of one \
         partitioned run (`--partition hash:K/N`, K = 1..N), each once"
    )]
    MergeDuplicate {
        name: String,
        first: String,
        second: String,
    },
    #[error(
        "the shards differ in {what}: {first_value} in {first} but {other_value} in {other}; merge \
         only the shards of one run (same tool, --pack, --target and --strict)"
    )]
    MergeMismatch {
        what: &'static str,
        first: String,
        first_value: String,
        other: String,
        other_value: String,
    },
    #[error(
        "cannot point {link} at {target}: {source}; if {link} is a real directory or file, \
         remove it (it should be a symlink the harness maintains)"
    )]
    Latest {
        link: PathBuf,
        target: PathBuf,
        source: io::Error,
    },
}

/// Writes `report.json`, `junit.xml`, `summary.md` and `report.html` into `dir` (created if
/// missing) and returns their paths. `history` is the earlier runs for the HTML trend chart
/// (oldest first, see [`history`]); it may be empty. Each file is written to a temporary name
/// and renamed into place, so a reader never sees half a file.
pub fn write_all(
    dir: &Path,
    report: &Report,
    history: &[RunPoint],
) -> Result<Vec<PathBuf>, ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::with_capacity(4);
    written.push(write_file(dir, REPORT_JSON, |w| json::write(w, report))?);
    written.push(write_file(dir, JUNIT_XML, |w| junit::write(w, report))?);
    // The two pages for people show one view, built once for both.
    view::with_view(report, |view| {
        written.push(write_file(dir, SUMMARY_MD, |w| markdown::write(w, view))?);
        written.push(write_file(dir, REPORT_HTML, |w| {
            html::write(w, view, history)
        })?);
        Ok(written)
    })
}

fn write_file(
    dir: &Path,
    name: &str,
    render: impl FnOnce(&mut BufWriter<fs::File>) -> Result<(), ReportError>,
) -> Result<PathBuf, ReportError> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let io_err = |source| ReportError::Write {
        path: path.clone(),
        source,
    };
    let file = fs::File::create(&tmp).map_err(io_err)?;
    let mut w = BufWriter::new(file);
    let rendered = render(&mut w).and_then(|()| w.flush().map_err(ReportError::from));
    if let Err(e) = rendered {
        let _ = fs::remove_file(&tmp);
        return Err(match e {
            ReportError::Io(source) => io_err(source),
            other => other,
        });
    }
    drop(w);
    fs::rename(&tmp, &path).map_err(io_err)?;
    Ok(path)
}

/// Makes `reports_root/latest` a symlink to `run_dir`, replacing an earlier one atomically (a
/// temporary symlink renamed over it). The link is relative when `run_dir` lies under
/// `reports_root`, so the reports tree can be moved or uploaded as a whole.
pub fn update_latest(reports_root: &Path, run_dir: &Path) -> Result<(), ReportError> {
    let link = reports_root.join(LATEST);
    let target = match run_dir.strip_prefix(reports_root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => std::path::absolute(run_dir).unwrap_or_else(|_| run_dir.to_path_buf()),
    };
    let err = |source| ReportError::Latest {
        link: link.clone(),
        target: target.clone(),
        source,
    };
    let tmp = reports_root.join(format!(".{LATEST}.tmp-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    symlink_dir(&target, &tmp).map_err(err)?;
    if let Err(e) = fs::rename(&tmp, &link) {
        let _ = fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink_dir(target: &Path, link: &Path) -> io::Result<()> {
    std::os::windows::fs::symlink_dir(target, link)
}

#[cfg(not(any(unix, windows)))]
fn symlink_dir(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symlinks are not supported on this platform",
    ))
}

/// `failed` or `error`: what a baseline or a history counts as failing.
pub(crate) fn is_failing(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Failed | Outcome::Error)
}

/// The variants to show as matrix rows, in the order the results first name them (a run
/// lists its results in the pack's order of variants).
pub(crate) fn variant_rows(report: &Report) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for r in &report.results {
        if !rows.contains(&r.variant) {
            rows.push(r.variant.clone());
        }
    }
    rows
}

/// `passed + warned` over the trials that ran (not skipped), 0 when none ran.
pub(crate) fn pass_rate(passed: u64, warned: u64, failed: u64, errors: u64) -> f64 {
    let ran = passed + warned + failed + errors;
    if ran == 0 {
        0.0
    } else {
        (passed + warned) as f64 / ran as f64
    }
}
