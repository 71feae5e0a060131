//! The page's Type cells as pack types: Edm primitives, and the enums, complex types (with their
//! bases) and entity types the resource pages describe. What a page does not say is either an
//! error naming the missing resource page, or a warning written into the pack.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::graph::{EntityInfo, Known};
use super::markdown::{Link, Row, TypeCell};
use super::resource::{parse_resource_page, Resource, ResourceKind};
use super::ImportError;
use crate::pack::file::{PropertyFile, TypeFile};

/// The resource pages, read once, and the pack types made from them.
pub(crate) struct Typing {
    namespace: String,
    /// Resource pages by file name, when `--resources` was given.
    pages: BTreeMap<String, Resource>,
    resources_given: bool,
    pub(crate) types: BTreeMap<String, TypeFile>,
    pub(crate) warnings: Vec<String>,
}

/// The Edm primitives a Type cell may name.
const PRIMITIVES: &[&str] = &[
    "Boolean",
    "Byte",
    "SByte",
    "Int16",
    "Int32",
    "Int64",
    "Single",
    "Double",
    "DateTimeOffset",
    "Date",
    "TimeOfDay",
    "Duration",
    "Guid",
    "Binary",
    "String",
];

impl Typing {
    /// The importer's convention where pages say nothing: strings, binary values, complex
    /// values and collections may be null; numbers, Booleans, times, GUIDs and enums may not.
    pub(crate) fn nullable(&self, type_name: &str) -> bool {
        type_name.starts_with("Collection(")
            || matches!(type_name, "Edm.String" | "Edm.Binary")
            || matches!(self.types.get(type_name), Some(TypeFile::Complex { .. }))
    }

    /// Reads every resource page under `dir` (none without `--resources`).
    pub(crate) fn new(namespace: &str, dir: Option<&Path>) -> Result<Self, ImportError> {
        let mut pages = BTreeMap::new();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).map_err(|e| ImportError::Resources {
                dir: dir.display().to_string(),
                problem: e.to_string(),
            })?;
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                let Some(file) = path.file_name().map(|f| f.to_string_lossy().into_owned()) else {
                    continue;
                };
                if !file.ends_with(".md") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).map_err(|e| ImportError::Resources {
                    dir: dir.display().to_string(),
                    problem: format!("{file}: {e}"),
                })?;
                let page = parse_resource_page(&text).map_err(|e| ImportError::at(&file, e))?;
                pages.insert(file, page);
            }
        }
        Ok(Self {
            namespace: namespace.to_owned(),
            pages,
            resources_given: dir.is_some(),
            types: BTreeMap::new(),
            warnings: Vec::new(),
        })
    }

    fn qualified(&self, name: &str) -> String {
        format!("{}.{name}", self.namespace)
    }

    /// The resource page a link names, or an error naming it.
    fn page(&self, link: &Link, page: &str, line: usize) -> Result<&Resource, ImportError> {
        self.pages.get(&link.file).ok_or_else(|| ImportError::Page {
            page: page.to_owned(),
            section: "Request body".into(),
            line,
            problem: if self.resources_given {
                format!("the type {} links to {}, which is not in the resources folder; add that page to --resources", link.text, link.file)
            } else {
                format!("the type {} is described only on its resource page {}; pass --resources DIR with that page", link.text, link.file)
            },
        })
    }

    /// The pack type of a row (`Edm.Int32`, `Collection(microsoft.graph.x)`), adding the enums
    /// and complex types it names.
    pub(crate) fn type_of(&mut self, row: &Row, page: &str) -> Result<String, ImportError> {
        let (inner, collection) = match &row.ty {
            TypeCell::Primitive { name, collection } => {
                if !PRIMITIVES.contains(&name.as_str()) {
                    return Err(ImportError::Page { page: page.into(), section: "Request body".into(), line: row.line, problem: format!("{name} is not an Edm type a property can have in a PATCH body (Edm.{name}); the importer cannot make a contract of it") });
                }
                (format!("Edm.{name}"), *collection)
            }
            TypeCell::Link { link, collection } => (self.linked(link, row, page)?, *collection),
        };
        Ok(if collection {
            format!("Collection({inner})")
        } else {
            inner
        })
    }

    fn linked(&mut self, link: &Link, row: &Row, page: &str) -> Result<String, ImportError> {
        let name = self.qualified(&link.text);
        if self.types.contains_key(&name) {
            return Ok(name);
        }
        if !self.resources_given {
            if let Some(members) = super::markdown::possible_values(&row.description) {
                self.warnings.push(format!("{}: the enum {} is read from the page's \"Possible values\" (no resource pages given)", row.name, link.text));
                self.types.insert(
                    name.clone(),
                    TypeFile::Enum {
                        flags: false,
                        members,
                    },
                );
                return Ok(name);
            }
        }
        let resource = self.page(link, page, row.line)?.clone();
        match resource.kind {
            ResourceKind::Enum => self.add_enum(&name, &resource, row),
            ResourceKind::Complex => self.add_complex(&name, &resource, page)?,
            ResourceKind::Entity => {
                return Err(ImportError::Page {
                    page: page.into(),
                    section: "Request body".into(),
                    line: row.line,
                    problem: format!(
                        "{} is typed by the entity type {}, which a PATCH body cannot carry",
                        row.name, link.text
                    ),
                });
            }
        }
        Ok(name)
    }

    fn add_enum(&mut self, name: &str, resource: &Resource, row: &Row) {
        let members: Vec<String> = resource.members.iter().map(|(m, _)| m.clone()).collect();
        if let Some(listed) = super::markdown::possible_values(&row.description) {
            if listed.len() != members.len() {
                self.warnings.push(format!("{}: the page lists {} members of {}, its enum page {}; the pack takes the enum page's", row.name, listed.len(), resource.name, members.len()));
            }
        }
        let values: Vec<i64> = resource.members.iter().map(|(_, v)| *v).collect();
        let powers = values
            .iter()
            .filter(|v| **v > 0)
            .all(|v| v.count_ones() == 1)
            && values.len() > 2
            && values.contains(&0)
            && values.iter().any(|v| *v >= 4);
        if powers {
            self.warnings.push(format!("{}: the enum {} looks like a flags enum (its values are powers of two), but its page does not say so; the pack takes one member at a time", row.name, resource.name));
        }
        self.types.insert(
            name.to_owned(),
            TypeFile::Enum {
                flags: false,
                members,
            },
        );
    }

    fn add_complex(
        &mut self,
        name: &str,
        resource: &Resource,
        page: &str,
    ) -> Result<(), ImportError> {
        // Inserted first, so a type that contains itself ends the recursion.
        self.types.insert(
            name.to_owned(),
            TypeFile::Complex {
                base: None,
                is_abstract: false,
                properties: Vec::new(),
            },
        );
        let base = match &resource.base {
            Some(link) => {
                let base_page = self.pages.get(&link.file).cloned();
                match base_page {
                    Some(b) if b.kind == ResourceKind::Complex => {
                        let base_name = self.qualified(&link.text);
                        if !self.types.contains_key(&base_name) {
                            self.add_complex(&base_name, &b, page)?;
                        }
                        Some(base_name)
                    }
                    _ => None,
                }
            }
            None => None,
        };
        let own: Vec<Row> = match &base {
            Some(b) => {
                let inherited: Vec<String> = self.complex_members(b);
                resource
                    .properties
                    .iter()
                    .filter(|r| !inherited.contains(&r.name))
                    .cloned()
                    .collect()
            }
            None => resource.properties.clone(),
        };
        let mut properties = Vec::new();
        for row in &own {
            let type_name = self.type_of(row, page)?;
            properties.push(PropertyFile {
                nullable: self.nullable(&type_name),
                read_only: false,
                name: row.name.clone(),
                type_name,
            });
        }
        self.types.insert(
            name.to_owned(),
            TypeFile::Complex {
                base,
                is_abstract: false,
                properties,
            },
        );
        self.add_derived(name, page);
        Ok(())
    }

    /// The complex types the resource pages derive from `name`, so values may name them in
    /// `@odata.type` (C3.3). One whose own members cannot be typed is left out with a warning:
    /// the page's contract does not depend on it.
    fn add_derived(&mut self, name: &str, page: &str) {
        let derived: Vec<(String, Resource)> = self
            .pages
            .values()
            .filter(|r| r.kind == ResourceKind::Complex)
            .filter(|r| {
                r.base
                    .as_ref()
                    .is_some_and(|b| self.qualified(&b.text) == name)
            })
            .map(|r| (self.qualified(&r.name), r.clone()))
            .collect();
        for (derived_name, resource) in derived {
            if self.types.contains_key(&derived_name) {
                continue;
            }
            if let Err(e) = self.add_complex(&derived_name, &resource, page) {
                self.types.remove(&derived_name);
                self.warnings.push(format!(
                    "{derived_name}: derived from {name}, left out of the pack: {e}"
                ));
            }
        }
    }

    fn complex_members(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = Some(name.to_owned());
        for _ in 0..32 {
            let Some(TypeFile::Complex {
                base, properties, ..
            }) = current.as_ref().and_then(|c| self.types.get(c))
            else {
                break;
            };
            out.extend(properties.iter().map(|p| p.name.clone()));
            current = base.clone();
        }
        out
    }

    /// Every entity type the resource pages describe, with its base and navigations.
    pub(crate) fn known(&self) -> Known {
        let mut known = Known::default();
        for r in self
            .pages
            .values()
            .filter(|r| r.kind == ResourceKind::Entity)
        {
            let base = r.base.as_ref().map(|l| self.qualified(&l.text));
            let navigations = r
                .relationships
                .iter()
                .filter_map(|row| match &row.ty {
                    TypeCell::Link { link, collection } => {
                        Some((row.name.clone(), (self.qualified(&link.text), *collection)))
                    }
                    TypeCell::Primitive { .. } => None,
                })
                .collect();
            known.entities.insert(
                self.qualified(&r.name),
                EntityInfo {
                    described: true,
                    base,
                    navigations,
                },
            );
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
        known
    }

    /// The entity types `names` and their bases, as pack types.
    pub(crate) fn add_entities(&mut self, known: &Known, names: impl IntoIterator<Item = String>) {
        for name in names {
            let mut current = Some(name);
            for _ in 0..32 {
                let Some(n) = current.take() else { break };
                if self.types.contains_key(&n) {
                    break;
                }
                let base = known.entities.get(&n).and_then(|e| e.base.clone());
                self.types.insert(
                    n,
                    TypeFile::Entity {
                        base: base.clone(),
                        is_abstract: false,
                    },
                );
                current = base;
            }
        }
    }

    /// Complex types the page's example names in `@odata.type` that no resource page
    /// describes: made from the example's own values, with a warning (their members are read
    /// as the JSON shows them).
    pub(crate) fn types_in_example(&mut self, value: &Value, declared: Option<&str>) {
        match value {
            Value::Array(items) => items
                .iter()
                .for_each(|i| self.types_in_example(i, declared)),
            Value::Object(map) => {
                let named = map
                    .get("@odata.type")
                    .and_then(Value::as_str)
                    .map(|t| t.trim_start_matches('#').to_owned());
                if let (Some(t), Some(d)) = (&named, declared) {
                    if !self.types.contains_key(t) && self.types.contains_key(d) {
                        self.synthesize(t, d, map);
                    }
                }
                let here = named.or_else(|| declared.map(str::to_owned));
                for (k, v) in map.iter().filter(|(k, _)| !k.contains('@')) {
                    let member_type = here.as_deref().and_then(|h| self.member_type(h, k));
                    self.types_in_example(v, member_type.as_deref());
                }
            }
            _ => {}
        }
    }

    fn member_type(&self, complex: &str, member: &str) -> Option<String> {
        let mut current = Some(complex.to_owned());
        for _ in 0..32 {
            let Some(TypeFile::Complex {
                base, properties, ..
            }) = current.as_ref().and_then(|c| self.types.get(c))
            else {
                return None;
            };
            if let Some(p) = properties.iter().find(|p| p.name == member) {
                let t = p
                    .type_name
                    .trim_start_matches("Collection(")
                    .trim_end_matches(')');
                return Some(t.to_owned());
            }
            current = base.clone();
        }
        None
    }

    fn synthesize(&mut self, name: &str, base: &str, example: &serde_json::Map<String, Value>) {
        let inherited = self.complex_members(base);
        let properties: Vec<PropertyFile> = example
            .iter()
            .filter(|(k, _)| !k.contains('@') && !inherited.contains(k))
            .map(|(k, v)| {
                let type_name = match v {
                    Value::Bool(_) => "Edm.Boolean",
                    Value::Number(n) if n.as_i64().is_some() => "Edm.Int64",
                    Value::Number(_) => "Edm.Double",
                    Value::Array(_) => "Collection(Edm.String)",
                    _ => "Edm.String",
                };
                PropertyFile {
                    name: k.clone(),
                    type_name: type_name.to_owned(),
                    nullable: true,
                    read_only: false,
                }
            })
            .collect();
        let names: Vec<&str> = properties.iter().map(|p| p.name.as_str()).collect();
        self.warnings.push(format!(
            "{name}: the page's example uses this type, derived from {base}, but no resource page describes it; the pack reads its members {} from the example's values (strings as Edm.String)",
            names.join(", ")
        ));
        self.types.insert(
            name.to_owned(),
            TypeFile::Complex {
                base: Some(base.to_owned()),
                is_abstract: false,
                properties,
            },
        );
    }
}
