//! The resources folder as a place to look pages up, not a list to parse: a page is parsed when
//! the import first reaches it (by a link, by a type's name, as a derived type), so a page that
//! cannot be read fails an import only when that import needs it. Also the entity types the
//! fixture graph needs, reached from the paths' types through bases, derived types and the
//! paths' navigations, from pages or from CSDL alike.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::graph::{EntityInfo, Known};
use super::markdown::{clean, links, ParseError, TypeCell};
use super::resource::{parse_resource_page, Resource, ResourceKind};
use super::ImportError;

/// Why a page could not be read: its file and the parser's error.
pub(crate) type PageError = (String, ParseError);

/// The resource pages of `--resources`, looked up by file name or by type name.
pub(crate) struct Resources {
    dir: Option<PathBuf>,
    /// File name (with '_' as '-', as links are read) → path, from the folder's listing.
    files: BTreeMap<String, PathBuf>,
    parsed: RefCell<BTreeMap<String, Result<Rc<Resource>, PageError>>>,
    /// Lower-case type name → the file a link named for it (preferred over name matching).
    linked: RefCell<BTreeMap<String, String>>,
    /// Lower-case base name → files whose "Inherits from" line names it; built on first use.
    inherits: RefCell<Option<BTreeMap<String, Vec<String>>>>,
}

impl Resources {
    /// Lists the folder (reads no page); no folder gives an empty lookup.
    pub(crate) fn open(dir: Option<&Path>) -> Result<Self, ImportError> {
        let mut files = BTreeMap::new();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).map_err(|e| ImportError::Resources {
                dir: dir.display().to_string(),
                problem: e.to_string(),
            })?;
            for path in entries.filter_map(Result::ok).map(|e| e.path()) {
                let Some(name) = path
                    .file_name()
                    .map(|f| f.to_string_lossy().replace('_', "-"))
                else {
                    continue;
                };
                if name.ends_with(".md") {
                    files.insert(name, path);
                }
            }
        }
        Ok(Self {
            dir: dir.map(Path::to_path_buf),
            files,
            parsed: RefCell::default(),
            linked: RefCell::default(),
            inherits: RefCell::default(),
        })
    }

    pub(crate) fn given(&self) -> bool {
        self.dir.is_some()
    }

    /// The page `file`, parsed the first time it is asked for; None when the folder lacks it.
    pub(crate) fn get(&self, file: &str) -> Option<Result<Rc<Resource>, PageError>> {
        if let Some(done) = self.parsed.borrow().get(file) {
            return Some(done.clone());
        }
        let path = self.files.get(file)?;
        let result = match std::fs::read_to_string(path) {
            Ok(text) => parse_resource_page(&text).map(Rc::new),
            Err(e) => Err(ParseError::new(
                "file",
                0,
                format!("cannot be read ({e}); fix or remove the file"),
            )),
        }
        .map_err(|e| (file.to_owned(), e));
        self.parsed
            .borrow_mut()
            .insert(file.to_owned(), result.clone());
        Some(result)
    }

    /// Remembers which file a link gave for a type, so the name lookup takes the same one.
    pub(crate) fn note_link(&self, type_name: &str, file: &str) {
        self.linked
            .borrow_mut()
            .entry(type_name.to_ascii_lowercase())
            .or_insert_with(|| file.to_owned());
    }

    /// The files that may describe the type `name` (simple name): the one a link named, else
    /// every `*-<name>.md` (lower case), in name order.
    pub(crate) fn files_of(&self, name: &str) -> Vec<String> {
        let lower = name.to_ascii_lowercase();
        if let Some(file) = self.linked.borrow().get(&lower) {
            return vec![file.clone()];
        }
        let suffix = format!("-{lower}.md");
        let exact = format!("{lower}.md");
        self.files
            .keys()
            .filter(|f| f.ends_with(&suffix) || **f == exact)
            .cloned()
            .collect()
    }

    /// The page describing `name`: the first of `files_of` that parses and is titled with the
    /// name. Err only when every candidate fails to parse.
    pub(crate) fn by_name(&self, name: &str) -> Result<Option<Rc<Resource>>, PageError> {
        let mut first_error = None;
        for file in self.files_of(name) {
            match self.get(&file) {
                Some(Ok(r)) if r.name.eq_ignore_ascii_case(name) => return Ok(Some(r)),
                Some(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                _ => {}
            }
        }
        first_error.map_or(Ok(None), Err)
    }

    /// The files whose "Inherits from" line names `base` (simple name). The index reads each
    /// file's lines for that one sentence, never parsing a page; unreadable files are left out.
    pub(crate) fn derived_files(&self, base: &str) -> Vec<String> {
        let mut index = self.inherits.borrow_mut();
        let index = index.get_or_insert_with(|| self.inherits_index());
        index
            .get(&base.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    fn inherits_index(&self) -> BTreeMap<String, Vec<String>> {
        let mut index: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (file, path) in &self.files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let base = text
                .lines()
                .find(|l| clean(l).starts_with("Inherits from"))
                .and_then(|l| links(l).into_iter().next());
            if let Some(link) = base {
                index
                    .entry(link.text.to_ascii_lowercase())
                    .or_default()
                    .push(file.clone());
            }
        }
        index
    }
}

/// Where the fixture graph's entity types come from: resource pages or CSDL.
pub(crate) trait EntitySource {
    /// The entity type `name` (qualified), if the source describes it as an entity type.
    fn entity(&self, name: &str) -> Result<Option<EntityInfo>, ImportError>;
    /// The entity types that name `name` as their base (qualified names), and warnings for
    /// those that could not be read (they are left out: nothing links to them).
    fn derived(&self, name: &str) -> (Vec<String>, Vec<String>);
}

/// Resource pages as an entity source, in the page's namespace.
pub(crate) struct PageEntities<'r> {
    pub resources: &'r Resources,
    pub namespace: &'r str,
}

impl PageEntities<'_> {
    fn qualified(&self, name: &str) -> String {
        format!("{}.{name}", self.namespace)
    }

    fn simple<'n>(&self, name: &'n str) -> &'n str {
        name.strip_prefix(self.namespace)
            .and_then(|n| n.strip_prefix('.'))
            .unwrap_or(name)
    }

    fn info(&self, r: &Resource) -> Option<EntityInfo> {
        if r.kind != ResourceKind::Entity {
            return None;
        }
        let navigations = r
            .relationships
            .iter()
            .filter_map(|row| match &row.ty {
                TypeCell::Link { link, collection } => {
                    self.resources.note_link(&link.text, &link.file);
                    Some((row.name.clone(), (self.qualified(&link.text), *collection)))
                }
                TypeCell::Primitive { .. } => None,
            })
            .collect();
        if let Some(b) = &r.base {
            self.resources.note_link(&b.text, &b.file);
        }
        Some(EntityInfo {
            described: true,
            base: r.base.as_ref().map(|l| self.qualified(&l.text)),
            navigations,
        })
    }
}

impl EntitySource for PageEntities<'_> {
    fn entity(&self, name: &str) -> Result<Option<EntityInfo>, ImportError> {
        match self.resources.by_name(self.simple(name)) {
            Ok(found) => Ok(found.and_then(|r| self.info(&r))),
            Err((file, e)) => Err(ImportError::Reached {
                page: file,
                section: e.section,
                line: e.line,
                problem: e.problem,
                chain: format!("the paths, which reach the entity type {name}"),
            }),
        }
    }

    fn derived(&self, name: &str) -> (Vec<String>, Vec<String>) {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        for file in self.resources.derived_files(self.simple(name)) {
            match self.resources.get(&file) {
                Some(Ok(r)) if r.kind == ResourceKind::Entity => {
                    self.resources.note_link(&r.name, &file);
                    out.push(self.qualified(&r.name));
                }
                Some(Err((file, e))) => warnings.push(format!(
                    "{file}: {e}; the page says it derives from {name}, and is left out of the fixture graph"
                )),
                _ => {}
            }
        }
        (out, warnings)
    }
}

/// The entity types the fixture graph can meet: `seeds` (the entity, the paths' casts and key
/// types, the singletons), their bases, the types derived from the seeds (for the routing
/// probes' decoys), and the targets of the navigations the paths name, and so on from those.
pub(crate) fn reach(
    source: &dyn EntitySource,
    seeds: &[String],
    navigations: &BTreeSet<String>,
) -> Result<(Known, Vec<String>), ImportError> {
    let mut known = Known::default();
    let mut warnings = Vec::new();
    let mut queue: Vec<(String, bool)> = seeds.iter().map(|s| (s.clone(), true)).collect();
    let mut loaded = BTreeSet::new();
    let mut expanded = BTreeSet::new();
    while let Some((name, with_family)) = queue.pop() {
        // A type met first as a base or a target may be met again as a seed's derived type,
        // whose own derived types then count too.
        if with_family && expanded.insert(name.clone()) {
            let (derived, w) = source.derived(&name);
            warnings.extend(w);
            queue.extend(derived.into_iter().map(|d| (d, true)));
        }
        if !loaded.insert(name.clone()) {
            continue;
        }
        let Some(info) = source.entity(&name)? else {
            continue;
        };
        queue.extend(info.base.iter().map(|b| (b.clone(), false)));
        for (nav, (target, _)) in &info.navigations {
            if navigations.contains(&nav.to_ascii_lowercase()) {
                queue.push((target.clone(), false));
            }
        }
        known.entities.insert(name, info);
    }
    // A base named only by an "Inherits from" line whose page is missing is still a type.
    let bases: Vec<String> = known
        .entities
        .values()
        .filter_map(|e| e.base.clone())
        .collect();
    for b in bases {
        known.entities.entry(b).or_default();
    }
    Ok((known, warnings))
}

#[cfg(test)]
mod tests;
