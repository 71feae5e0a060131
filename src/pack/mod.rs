//! The contract pack (DESIGN.md, "Contract packs"): everything specific to one page of the
//! Graph update template — the entity and its types, the permissions, the success status, the
//! path variants, the embedded service's fixture graph, the case files and the schemas — loaded
//! from a built-in pack (`cases/<pack>/`, `schemas/<pack>/`, compiled in) or a folder on disk,
//! and checked as it loads so that every problem names the file, the field and the fix.

mod check;
mod copies;
pub(crate) mod file;
pub(crate) mod graph;
pub(crate) mod template;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::case::Suite;
use crate::domain::EntityModel;
use crate::ids::IdsFile;
pub(crate) use check::PackError;
use file::{FixturesFile, PackFile};
use graph::Graph;
use template::Template;

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// A built-in pack: its name and its files (`pack.json`, `fixtures.json`, case files, and
/// `schemas/…`), compiled in.
pub struct BuiltinPack {
    pub name: &'static str,
    files: &'static [(&'static str, &'static str)],
}

impl BuiltinPack {
    /// sha256 of the pack's files: the digest a run of it reports (report.json's `pack.digest`),
    /// which `--version` prints so a binary names the contract it checks.
    pub fn digest(&self) -> String {
        check::digest(&files_of(self))
    }
}

/// The pack `cargo run` checks when no `--pack` is given: the seed page's.
pub const DEFAULT_PACK: &str = "user-overview-2017";

pub(crate) const PACK_JSON: &str = "pack.json";
pub(crate) const FIXTURES_JSON: &str = "fixtures.json";
pub(crate) const ERROR_SCHEMA_FILE: &str = "odataError.schema.json";
const SCHEMAS: &str = "schemas/";

/// The built-in packs, by name.
pub fn builtins() -> &'static [BuiltinPack] {
    BUILTIN
}

/// A path variant of the pack: its name and parsed template.
#[derive(Debug, Clone)]
pub struct PackVariant {
    pub name: String,
    pub template: Template,
}

/// A loaded and checked pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// `pack.json` as written (name, title, source, version, permissions, success, example…).
    pub(crate) meta: PackFile,
    pub model: Arc<EntityModel>,
    /// In the page's order; the first is the canonical one (state is read through it).
    pub variants: Vec<PackVariant>,
    pub fixtures: FixturesFile,
    pub(crate) graph: Arc<Graph>,
    pub(crate) suite: Suite,
    /// Both schemas compiled, once per run.
    pub(crate) schemas: Arc<crate::schema::Compiled>,
    /// sha256 of every file of the pack, hex: the same pack, the same digest.
    pub digest: String,
    /// Where it came from: `built-in` or the folder.
    pub origin: String,
}

/// What to load: a built-in pack by name, or a folder, plus the first wave's overrides.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--pack NAME|DIR`; `None` is the default pack.
    pub pack: Option<String>,
    /// `--cases-dir`: case files from here instead of the pack's.
    pub cases_dir: Option<PathBuf>,
    /// `--schemas-dir`: schemas from here instead of the pack's.
    pub schemas_dir: Option<PathBuf>,
}

/// The raw files of a pack: (name relative to the pack, text).
struct Files {
    origin: String,
    files: Vec<(String, String)>,
}

impl Files {
    fn get(&self, name: &str) -> Option<&(String, String)> {
        self.files.iter().find(|(n, _)| n == name)
    }
}

impl Pack {
    /// Loads and checks the selected pack.
    pub fn load(selection: &Selection) -> Result<Self, PackError> {
        let mut files = match selection.pack.as_deref() {
            None => builtin_files(DEFAULT_PACK)?,
            Some(name) => match builtins().iter().find(|b| b.name == name) {
                Some(b) => builtin_files(b.name)?,
                None => dir_files(Path::new(name), true)?,
            },
        };
        if let Some(dir) = &selection.cases_dir {
            let cases = dir_files(dir, false)?;
            files.files.retain(|(n, _)| !is_case_file(n));
            files
                .files
                .extend(cases.files.into_iter().filter(|(n, _)| is_case_file(n)));
        }
        if let Some(dir) = &selection.schemas_dir {
            files.files.retain(|(n, _)| !n.starts_with(SCHEMAS));
            for entry in read_dir_json(dir)? {
                let text = read_text(&entry)?;
                let name = entry
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.files.push((format!("{SCHEMAS}{name}"), text));
            }
        }
        check::pack(files)
    }

    /// This pack with `k` entities per variant in its fixture graph (`serve --entities`),
    /// checked as a loaded pack's fixtures are.
    pub(crate) fn with_entities(&self, k: usize) -> Result<Self, PackError> {
        let fixtures =
            copies::with_entities(&self.fixtures, k).map_err(|message| PackError::Field {
                file: FIXTURES_JSON.to_owned(),
                field: "nodes".to_owned(),
                problem: message,
            })?;
        let graph = Arc::new(Graph::new(&fixtures));
        check::fixtures_resolve(&self.model, &self.variants, &fixtures, &graph)?;
        Ok(Self {
            fixtures,
            graph,
            ..self.clone()
        })
    }

    /// The canonical variant: the page's first path (C1.2 reads state through it).
    pub(crate) fn canonical(&self) -> &PackVariant {
        &self.variants[0]
    }

    pub fn variant(&self, name: &str) -> Option<&PackVariant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// The ids file of the fixture graph (what `serve --ids-out` writes).
    pub fn fixture_ids(&self) -> IdsFile {
        IdsFile {
            variants: self.fixtures.variants.clone(),
            more: self.fixtures.more.clone(),
        }
    }

    /// The version segment with its slash: `/beta`.
    pub(crate) fn version_prefix(&self) -> String {
        format!("/{}", self.meta.version)
    }
}

/// The entity model `pack.json` describes (the importer builds a pack's cases from it).
pub(crate) fn model_of(meta: &PackFile) -> Result<EntityModel, PackError> {
    check::model(meta)
}

/// The variants `pack.json` lists.
pub(crate) fn variants_of(meta: &PackFile) -> Result<Vec<PackVariant>, PackError> {
    check::variants(meta)
}

/// True for a case file of a pack (not `pack.json`, `fixtures.json` or a schema).
fn is_case_file(name: &str) -> bool {
    name.ends_with(".json")
        && name != PACK_JSON
        && name != FIXTURES_JSON
        && !name.starts_with(SCHEMAS)
}

fn builtin_files(name: &str) -> Result<Files, PackError> {
    let pack = builtins()
        .iter()
        .find(|b| b.name == name)
        .ok_or_else(|| PackError::Unknown {
            given: name.to_owned(),
            known: builtins()
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    Ok(files_of(pack))
}

fn files_of(pack: &BuiltinPack) -> Files {
    let mut files: Vec<(String, String)> = pack
        .files
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    add_shared_error_schema(&mut files);
    Files {
        origin: format!("built-in pack {}", pack.name),
        files,
    }
}

fn add_shared_error_schema(files: &mut Vec<(String, String)>) {
    let name = format!("{SCHEMAS}{ERROR_SCHEMA_FILE}");
    if files.iter().any(|(n, _)| *n == name) {
        return;
    }
    if let Some((_, text)) = SHARED_SCHEMAS.iter().find(|(n, _)| *n == ERROR_SCHEMA_FILE) {
        files.push((name, (*text).to_owned()));
    }
}

/// A pack folder: `pack.json`, `fixtures.json`, case files, and `schemas/`.
fn dir_files(dir: &Path, whole_pack: bool) -> Result<Files, PackError> {
    if whole_pack && !dir.join(PACK_JSON).is_file() {
        return Err(PackError::Unknown {
            given: dir.display().to_string(),
            known: builtins()
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut files = Vec::new();
    for path in read_dir_json(dir)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((name, read_text(&path)?));
    }
    let schemas = dir.join("schemas");
    if whole_pack && schemas.is_dir() {
        for path in read_dir_json(&schemas)? {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((format!("{SCHEMAS}{name}"), read_text(&path)?));
        }
    }
    if !whole_pack && !files.iter().any(|(n, _)| is_case_file(n)) {
        return Err(PackError::NoCases {
            dir: dir.display().to_string(),
        });
    }
    add_shared_error_schema(&mut files);
    Ok(Files {
        origin: dir.display().to_string(),
        files,
    })
}

fn read_dir_json(dir: &Path) -> Result<Vec<PathBuf>, PackError> {
    let entries = std::fs::read_dir(dir).map_err(|source| PackError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    Ok(paths)
}

fn read_text(path: &Path) -> Result<String, PackError> {
    std::fs::read_to_string(path).map_err(|source| PackError::Read {
        path: path.display().to_string(),
        source,
    })
}
