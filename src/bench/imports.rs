//! Measurement 9 (issue 21): import speed on the shared doc pages — `import DIR` as a child
//! process with its self-check beside the same with `--no-check` (pages/s each), and the read of
//! Graph v1.0's CSDL in this process (the reader `import --csdl` calls). Without `../shared`
//! (a clone of the project alone) its rows say what is absent and count for nothing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::remote::Baseline;
use super::runs::walls;
use super::suite::{self, Scratch, SuiteRun};
use super::{percent, Row, Sheet};

/// Where the shared test data is, from the folder `bench` is run in (the project's).
const SHARED: &str = "../shared";
/// Runs of each side, alternating so that a neighbour's burst of load hits both.
const RUNS: usize = 3;
/// Reads of the CSDL; the median is reported.
const CSDL_READS: usize = 5;
/// "Parse the 3.4 MB file in well under a second" (issue 21): half a second.
const CSDL_TARGET: Duration = Duration::from_millis(500);
const CSDL: &str = "csdl/v1.0-Prod.csdl";

/// A folder of update pages and what its import is given besides.
struct Corpus {
    id: &'static str,
    what: &'static str,
    /// Under `../shared`.
    pages: &'static str,
    /// The flag and the file or folder under `../shared` it names.
    with: (&'static str, &'static str),
}

const CORPORA: [Corpus; 2] = [
    Corpus {
        id: "9a",
        what: "today's pages (`graph-docs-current/api`), `import DIR --resources`",
        pages: "graph-docs-current/api",
        with: ("--resources", "graph-docs-current/resources"),
    },
    Corpus {
        id: "9b",
        what: "Graph v1.0's pages (`graph-docs-v1/api`), `import DIR --csdl` (CSDL read included)",
        pages: "graph-docs-v1/api",
        with: ("--csdl", CSDL),
    },
];

/// 9: pages/s with and without the self-check on both corpora, then the CSDL read time.
pub(super) fn speed(scratch: &Scratch, sheet: &mut Sheet, _: &mut Baseline) -> Result<(), String> {
    measure(scratch, sheet, Path::new(SHARED));
    Ok(())
}

fn measure(scratch: &Scratch, sheet: &mut Sheet, shared: &Path) {
    for corpus in &CORPORA {
        let what = format!("import speed: {}", corpus.what);
        let needed = [corpus.pages, corpus.with.1].map(|p| shared.join(p));
        if let Some(absent) = needed.iter().find(|p| !p.exists()) {
            absent_row(sheet, corpus.id, &what, absent);
        } else if let Err(why) = pages_row(scratch, sheet, corpus, shared) {
            sheet.failed(corpus.id, &what, &why);
        }
    }
    let what = "reading Graph v1.0's CSDL (`import --csdl`'s reader, in process)";
    let csdl = shared.join(CSDL);
    if !csdl.exists() {
        absent_row(sheet, "9c", what, &csdl);
    } else if let Err(why) = csdl_row(sheet, &csdl) {
        sheet.failed("9c", what, &why);
    }
}

/// A row for data that is not there: not a miss, as the tests that need it skip.
fn absent_row(sheet: &mut Sheet, id: &'static str, what: &str, absent: &Path) {
    sheet.row(Row {
        id,
        what: format!("{what}: not measured, the shared test data is absent"),
        figure: "—".into(),
        baseline: "—".into(),
        ratio: "—".into(),
        target: "needs ../shared",
        met: None,
    });
    sheet.note(format!(
        "{id}: {} is absent; run `bench` from the project's folder with the shared test data beside it in ../shared",
        absent.display()
    ));
}

fn pages_row(
    scratch: &Scratch,
    sheet: &mut Sheet,
    corpus: &Corpus,
    shared: &Path,
) -> Result<(), String> {
    let pages_dir = absolute(&shared.join(corpus.pages))?;
    let with = absolute(&shared.join(corpus.with.1))?;
    let pages = count_update_pages(&pages_dir)?;
    let (mut checked, mut unchecked) = (Vec::new(), Vec::new());
    for i in 0..RUNS {
        for (runs, no_check) in [(&mut checked, false), (&mut unchecked, true)] {
            let name = format!(
                "{}-{i}-{}",
                corpus.id,
                if no_check { "no-check" } else { "check" }
            );
            runs.push(import(
                scratch,
                &name,
                corpus,
                (&pages_dir, &with),
                no_check,
            )?);
        }
    }
    let check = suite::median(&checked).ok_or("no run was made")?;
    let fast = suite::median(&unchecked).ok_or("no run was made")?;
    let all: Vec<SuiteRun> = checked.iter().chain(&unchecked).cloned().collect();
    let all_ok = all.iter().all(|r| r.code == Some(0));
    let rate = |run: &SuiteRun| pages as f64 / run.wall.as_secs_f64().max(f64::MIN_POSITIVE);
    sheet.row(Row {
        id: corpus.id,
        what: format!(
            "import speed, self-check included, {pages} pages: {}",
            corpus.what
        ),
        figure: format!(
            "{:.1} pages/s ({:.2} s)",
            rate(&check),
            check.wall.as_secs_f64()
        ),
        baseline: format!(
            "{:.1} pages/s ({:.2} s) with --no-check",
            rate(&fast),
            fast.wall.as_secs_f64()
        ),
        ratio: percent(rate(&check) / rate(&fast).max(f64::MIN_POSITIVE)),
        target: "every page imports",
        met: Some(all_ok),
    });
    sheet.note(format!(
        "{}: pages / the child's wall time (process start included), median of {RUNS} runs each, alternating; with the self-check {}, with --no-check {}; peak RSS {} and {}; exit codes {}{}",
        corpus.id,
        walls(&checked),
        walls(&unchecked),
        super::mib(check.peak_kib),
        super::mib(fast.peak_kib),
        suite::codes(&all),
        suite::problems(&all)
    ));
    Ok(())
}

/// One `import DIR --out <fresh> <flag> <with> [--no-check]` child.
fn import(
    scratch: &Scratch,
    name: &str,
    corpus: &Corpus,
    (pages, with): (&Path, &Path),
    no_check: bool,
) -> Result<SuiteRun, String> {
    let out = scratch.folder(name)?.join("packs");
    let mut args: Vec<OsString> = vec![
        "import".into(),
        pages.into(),
        "--out".into(),
        out.into(),
        corpus.with.0.into(),
        with.into(),
    ];
    let mut shown = format!(
        "graph-conformance import {SHARED}/{} --out DIR {} {SHARED}/{}",
        corpus.pages, corpus.with.0, corpus.with.1
    );
    if no_check {
        args.push("--no-check".into());
        shown += " --no-check";
    }
    scratch.run_command(name, &args, shown)
}

/// 9c: the CSDL read (file and parse), timed in process; the median of a few reads.
fn csdl_row(sheet: &mut Sheet, path: &Path) -> Result<(), String> {
    let mut times = Vec::new();
    let mut entities = 0;
    for _ in 0..CSDL_READS {
        let started = Instant::now();
        let csdl = crate::import::read_csdl(path).map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        entities = csdl.entities.len();
    }
    let spread = times.iter().map(|t| ms(*t)).collect::<Vec<_>>().join(", ");
    times.sort();
    let median = times[times.len() / 2];
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    sheet.row(Row {
        id: "9c",
        what: format!(
            "reading Graph v1.0's CSDL ({:.1} MB, {entities} entity types; `import --csdl`'s reader, in process)",
            size as f64 / 1e6
        ),
        figure: ms(median),
        baseline: "—".into(),
        ratio: "—".into(),
        target: "< 500 ms",
        met: Some(median < CSDL_TARGET),
    });
    sheet.note(format!(
        "9c: median of {CSDL_READS} reads of {} (file read and parse): {spread}",
        path.display()
    ));
    Ok(())
}

fn count_update_pages(dir: &Path) -> Result<usize, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let pages = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with("-update.md"))
        .count();
    if pages == 0 {
        return Err(format!("{} holds no *-update.md page", dir.display()));
    }
    Ok(pages)
}

/// The children run in scratch folders, so they get absolute paths.
fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(path).map_err(|e| format!("cannot resolve {}: {e}", path.display()))
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_shared_data_the_rows_say_so_and_count_for_nothing() {
        let scratch = Scratch::new(None).expect("a scratch folder");
        let mut sheet = Sheet::default();
        let nowhere = scratch
            .folder("no-shared")
            .expect("a folder")
            .join("shared");
        measure(&scratch, &mut sheet, &nowhere);
        let ids: Vec<&str> = sheet.rows.iter().map(|r| r.id).collect();
        assert_eq!(ids, ["9a", "9b", "9c"]);
        assert!(sheet.rows.iter().all(|r| r.met.is_none()));
        assert!(sheet.notes[0].contains("graph-docs-current/api is absent"));
        assert!(scratch.take_commands().is_empty(), "no child was started");
    }

    #[test]
    fn the_csdl_row_reads_the_shared_metadata() {
        let csdl = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(SHARED)
            .join(CSDL);
        if !csdl.exists() {
            eprintln!("skipped: {} is absent (shared test data)", csdl.display());
            return;
        }
        let mut sheet = Sheet::default();
        csdl_row(&mut sheet, &csdl).expect("the CSDL reads");
        let row = &sheet.rows[0];
        assert_eq!(row.id, "9c");
        assert!(row.what.contains("1182 entity types"), "{}", row.what);
        assert!(row.figure.ends_with(" ms"), "{}", row.figure);
    }
}
