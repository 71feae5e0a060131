//! `graph-conformance import PAGE.md|DIR`: one page into one pack, or every `*-update.md` page
//! of a folder into a folder of packs with a table and a progress line; each pack self-checked
//! against `serve --pack` of itself unless `--no-check`.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use super::{load_pack, selfcheck, AppError, EXIT_OK, EXIT_UNUSABLE};
use crate::cli::ImportArgs;
use crate::import::{self, Csdl, ImportError, Imported, Request};

pub(super) fn import(args: &ImportArgs) -> Result<i32, AppError> {
    let csdl = match &args.csdl {
        Some(path) => {
            let started = Instant::now();
            let csdl = import::read_csdl(path)?;
            eprintln!(
                "read {} in {:.0} ms",
                path.display(),
                started.elapsed().as_secs_f64() * 1000.0
            );
            Some(Rc::new(csdl))
        }
        None => None,
    };
    if args.page.is_dir() {
        return import_dir(args, csdl);
    }
    let request = request(args, &args.page, args.out.clone(), csdl);
    let outcome = one(&request, args.no_check)?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    // What was written must load as a pack; if it does not, that is an importer bug.
    let pack = load_pack(Some(&args.out.display().to_string()), None, None)?;
    println!(
        "wrote the pack {} to {}: {} variants, {} properties, {} case files{}",
        pack.meta.name,
        args.out.display(),
        pack.variants.len(),
        pack.model.properties.len(),
        outcome.case_files,
        match outcome.checked {
            Some(n) => format!("; it passes serve --pack of itself (self-check: {n} trials)"),
            None => "; not self-checked (--no-check)".into(),
        }
    );
    println!("run it: graph-conformance --pack {}", args.out.display());
    Ok(EXIT_OK)
}

fn request(args: &ImportArgs, page: &Path, out: PathBuf, csdl: Option<Rc<Csdl>>) -> Request {
    Request {
        page: page.to_path_buf(),
        resources: args.resources.clone(),
        csdl,
        out,
        name: args.name.clone(),
        paths: args.path.clone(),
    }
}

/// One import, self-checked unless `no_check`.
fn one(request: &Request, no_check: bool) -> Result<Imported, ImportError> {
    let check = |dir: &Path| selfcheck::check(dir).map_err(|e| e.to_string());
    import::import(
        request,
        (!no_check).then_some(&check as import::SelfCheck<'_>),
    )
}

/// One line of the folder's table.
struct Line {
    page: String,
    pack: String,
    variants: String,
    properties: String,
    warnings: String,
    check: String,
}

/// Every `*-update.md` page of the folder, one pack each under `--out`; the table on stdout,
/// progress and errors on stderr; exit 0 only when every page imported.
fn import_dir(args: &ImportArgs, csdl: Option<Rc<Csdl>>) -> Result<i32, AppError> {
    if args.name.is_some() || !args.path.is_empty() {
        return Err(AppError::OnePageFlags);
    }
    let pages = update_pages(&args.page)?;
    if pages.is_empty() {
        return Err(AppError::NoPages(args.page.display().to_string()));
    }
    std::fs::create_dir_all(&args.out).map_err(AppError::file("create", &args.out, ""))?;
    let started = Instant::now();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let file = page
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        eprint!("[{}/{}] {file} … ", i + 1, pages.len());
        let out = args.out.join(pack_folder(&file));
        let result = one(
            &request(args, page, out.clone(), csdl.clone()),
            args.no_check,
        );
        let line = match result {
            Ok(done) => {
                eprintln!("ok");
                imported_line(&file, &out, &done)?
            }
            Err(e) => {
                eprintln!("failed");
                let check = match e {
                    ImportError::SelfCheck { .. } => "failed",
                    _ => "—",
                };
                let message = e.to_string();
                // Most errors name the page already; the others get its name in front.
                errors.push(if message.starts_with(&file) {
                    message
                } else {
                    format!("{file}: {message}")
                });
                failed_line(&file, check)
            }
        };
        lines.push(line);
    }
    let seconds = started.elapsed().as_secs_f64();
    print_table(&lines);
    for e in &errors {
        eprintln!("error: {e}");
    }
    println!(
        "{} of {} pages imported in {seconds:.1} s ({:.1} pages/s{})",
        pages.len() - errors.len(),
        pages.len(),
        pages.len() as f64 / seconds.max(f64::EPSILON),
        if args.no_check {
            ", no self-check"
        } else {
            ", self-check included"
        }
    );
    Ok(if errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_UNUSABLE
    })
}

fn update_pages(dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    let entries = std::fs::read_dir(dir).map_err(AppError::file("read", dir, ""))?;
    let mut pages: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|f| f.to_string_lossy().ends_with("-update.md"))
        })
        .collect();
    pages.sort();
    Ok(pages)
}

/// The pack's folder: the page's file name without `intune-` and `-update.md`.
fn pack_folder(file: &str) -> String {
    let stem = file.strip_suffix(".md").unwrap_or(file);
    let stem = stem.strip_prefix("intune-").unwrap_or(stem);
    stem.strip_suffix("-update").unwrap_or(stem).to_owned()
}

fn imported_line(file: &str, out: &Path, done: &Imported) -> Result<Line, AppError> {
    let pack = load_pack(Some(&out.display().to_string()), None, None)?;
    Ok(Line {
        page: file.to_owned(),
        pack: pack.meta.name.clone(),
        variants: pack.variants.len().to_string(),
        properties: pack.model.properties.len().to_string(),
        warnings: done.warnings.len().to_string(),
        check: match done.checked {
            Some(n) => format!("passed ({n} trials)"),
            None => "skipped".into(),
        },
    })
}

fn failed_line(file: &str, check: &str) -> Line {
    Line {
        page: file.to_owned(),
        pack: "(not written)".into(),
        variants: "—".into(),
        properties: "—".into(),
        warnings: "—".into(),
        check: check.to_owned(),
    }
}

fn print_table(lines: &[Line]) {
    let header = Line {
        page: "page".into(),
        pack: "pack".into(),
        variants: "variants".into(),
        properties: "properties".into(),
        warnings: "warnings".into(),
        check: "self-check".into(),
    };
    let width = |f: fn(&Line) -> &str| {
        std::iter::once(&header)
            .chain(lines)
            .map(|l| f(l).chars().count())
            .max()
            .unwrap_or(0)
    };
    let w = [
        width(|l| &l.page),
        width(|l| &l.pack),
        width(|l| &l.variants),
        width(|l| &l.properties),
        width(|l| &l.warnings),
    ];
    for l in std::iter::once(&header).chain(lines) {
        println!(
            "{:<a$}  {:<b$}  {:>c$}  {:>d$}  {:>e$}  {}",
            l.page,
            l.pack,
            l.variants,
            l.properties,
            l.warnings,
            l.check,
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3],
            e = w[4]
        );
    }
}
