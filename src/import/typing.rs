//! The page's Type cells as pack types: Edm primitives, and the enums, complex types (with their
//! bases) and entity types the resource pages describe. What a page does not say is either an
//! error naming the missing resource page, or a warning written into the pack.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use std::rc::Rc;

use super::csdl::Csdl;
use super::graph::Known;
use super::lookup::Resources;
use super::markdown::{Link, Located, Row, TypeCell};
use super::resource::{Resource, ResourceKind};
use super::ImportError;
use crate::domain::Primitive;
use crate::pack::file::{PropertyFile, TypeFile};

/// The resource pages, looked up as the page's types reach them, and the pack types made from
/// them.
pub(crate) struct Typing {
    namespace: String,
    pub resources: Resources,
    /// Graph's metadata, when `--csdl` was given: consulted before the resource pages.
    pub csdl: Option<Rc<Csdl>>,
    /// Properties whose nullability is the importer's convention, not the CSDL's word.
    pub guessed: Vec<String>,
    /// The links followed to the row being typed ("page line N (row)"), for errors.
    chain: Vec<String>,
    pub types: BTreeMap<String, TypeFile>,
    pub warnings: Vec<String>,
}

impl Typing {
    /// The importer's convention where pages say nothing: strings, binary values, complex
    /// values and collections may be null; numbers, Booleans, times, GUIDs and enums may not.
    pub(crate) fn nullable(&self, type_name: &str) -> bool {
        type_name.starts_with("Collection(")
            || Primitive::from_name(type_name).is_some_and(|p| p.spec().nullable_unsaid)
            || matches!(self.types.get(type_name), Some(TypeFile::Complex { .. }))
    }

    /// Lists the resource pages under `dir` (none without `--resources`); reads none yet.
    pub(crate) fn new(
        namespace: &str,
        dir: Option<&Path>,
        csdl: Option<Rc<Csdl>>,
    ) -> Result<Self, ImportError> {
        Ok(Self {
            namespace: namespace.to_owned(),
            resources: Resources::open(dir)?,
            csdl,
            guessed: Vec::new(),
            chain: Vec::new(),
            types: BTreeMap::new(),
            warnings: Vec::new(),
        })
    }

    /// The row's quirks of clear meaning as warnings naming its page and line.
    pub(crate) fn note_row(&mut self, row: &Row, page: &str) {
        for n in &row.notes {
            self.warnings
                .push(format!("{page}, line {}: {}: {n}", row.line, row.name));
        }
    }

    /// A table's quirks of clear meaning as warnings naming its page and line.
    pub(crate) fn note_table(&mut self, notes: &[Located<String>], page: &str) {
        for n in notes {
            self.warnings
                .push(format!("{page}, line {}: {}", n.line, n.value));
        }
    }

    /// An error at `line` of `page`, with the chain of links that led there when there is one.
    fn error(&self, page: &str, section: &str, line: usize, problem: String) -> ImportError {
        if self.chain.is_empty() {
            return ImportError::Page {
                page: page.to_owned(),
                section: section.to_owned(),
                line,
                problem,
            };
        }
        ImportError::Reached {
            page: page.to_owned(),
            section: section.to_owned(),
            line,
            problem,
            chain: self.chain.join(" → "),
        }
    }

    fn qualified(&self, name: &str) -> String {
        format!("{}.{name}", self.namespace)
    }

    /// The resource page a link names (parsed now if not yet), or an error naming it.
    fn page(&self, link: &Link, page: &str, row: &Row) -> Result<Rc<Resource>, ImportError> {
        self.resources.note_link(&link.text, &link.file);
        match self.resources.get(&link.file) {
            Some(Ok(r)) => Ok(r),
            Some(Err((file, e))) => {
                let mut chain = self.chain.clone();
                chain.push(format!("{page}, line {} ({})", row.line, row.name));
                Err(ImportError::Reached {
                    page: file,
                    section: e.section,
                    line: e.line,
                    problem: e.problem,
                    chain: chain.join(" → "),
                })
            }
            None => Err(self.error(page, section_of(&self.chain), row.line, if self.resources.given() {
                format!("the type {} links to {}, which is not in the resources folder; add that page to --resources", link.text, link.file)
            } else {
                format!("the type {} is described only on its resource page {}; pass --resources DIR with that page", link.text, link.file)
            })),
        }
    }

    /// The pack type of a row of `page` (`Edm.Int32`, `Collection(microsoft.graph.x)`), adding
    /// the enums and complex types it names.
    pub(crate) fn type_of(&mut self, row: &Row, page: &str) -> Result<String, ImportError> {
        let (inner, collection) = match &row.ty {
            TypeCell::Primitive { name, collection } => {
                if Primitive::from_name(&format!("Edm.{name}")).is_none() {
                    return Err(self.error(page, section_of(&self.chain), row.line, format!("{name} is not an Edm type a property can have in a PATCH body (Edm.{name}); the importer cannot make a contract of it")));
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
        if self.add_from_csdl(&name)? {
            return Ok(name);
        }
        if !self.resources.given() {
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
        let resource = self.page(link, page, row)?;
        if resource.kind == ResourceKind::Entity {
            return Err(self.error(
                page,
                section_of(&self.chain),
                row.line,
                format!(
                    "{} is typed by the entity type {}, which a PATCH body cannot carry",
                    row.name, link.text
                ),
            ));
        }
        self.chain
            .push(format!("{page}, line {} ({})", row.line, row.name));
        let added = if resource.kind == ResourceKind::Enum {
            self.add_enum(&name, &resource, row, &link.file);
            Ok(())
        } else {
            self.add_complex(&name, &resource, &link.file)
        };
        self.chain.pop();
        added.map(|()| name)
    }

    fn add_enum(&mut self, name: &str, resource: &Resource, row: &Row, file: &str) {
        self.note_table(&resource.notes, file);
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

    /// Enters the complex type `name`, still empty, before its members are read: a type that
    /// contains itself then ends the recursion.
    fn reserve_complex(&mut self, name: &str) {
        self.types.insert(
            name.to_owned(),
            TypeFile::Complex {
                base: None,
                is_abstract: false,
                properties: Vec::new(),
            },
        );
    }

    /// The complex type `name` described by `resource` (the page `file`), with its complex base
    /// and the complex types derived from it.
    fn add_complex(
        &mut self,
        name: &str,
        resource: &Resource,
        file: &str,
    ) -> Result<(), ImportError> {
        self.reserve_complex(name);
        self.note_table(&resource.notes, file);
        let base = self.complex_base(resource)?;
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
            self.note_row(row, file);
            let type_name = self.type_of(row, file)?;
            self.guessed.push(format!("{}.{}", resource.name, row.name));
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
        self.add_derived(name, &resource.name);
        Ok(())
    }

    /// The complex base a resource page inherits from, added to the pack; None when it has
    /// none, or its base page is missing or not a complex type.
    fn complex_base(&mut self, resource: &Resource) -> Result<Option<String>, ImportError> {
        let Some(link) = &resource.base else {
            return Ok(None);
        };
        self.resources.note_link(&link.text, &link.file);
        let base_page = match self.resources.get(&link.file) {
            Some(Ok(b)) => b,
            Some(Err(_)) | None => return Ok(None),
        };
        if base_page.kind != ResourceKind::Complex {
            return Ok(None);
        }
        let base_name = self.qualified(&link.text);
        if !self.types.contains_key(&base_name) {
            self.chain
                .push(format!("{} (inherits from {})", resource.name, link.text));
            let added = self.add_complex(&base_name, &base_page, &link.file);
            self.chain.pop();
            added?;
        }
        Ok(Some(base_name))
    }

    /// The complex types the resource pages derive from `name`, so values may name them in
    /// `@odata.type` (C3.3). One whose page or members cannot be read is left out with a
    /// warning: the page's contract does not depend on it.
    fn add_derived(&mut self, name: &str, simple: &str) {
        for file in self.resources.derived_files(simple) {
            let resource = match self.resources.get(&file) {
                Some(Ok(r)) if r.kind == ResourceKind::Complex => r,
                Some(Err((file, e))) => {
                    self.warnings.push(format!(
                        "{file}: {e}; the page says it derives from {name}, and is left out of the pack"
                    ));
                    continue;
                }
                _ => continue,
            };
            let derived_name = self.qualified(&resource.name);
            if self.types.contains_key(&derived_name) {
                continue;
            }
            self.resources.note_link(&resource.name, &file);
            let before = self.warnings.len();
            if let Err(e) = self.add_complex(&derived_name, &resource, &file) {
                self.types.remove(&derived_name);
                self.warnings.truncate(before);
                self.warnings.push(format!(
                    "{derived_name}: derived from {name}, left out of the pack: {e}"
                ));
            }
        }
    }

    /// The nullability of the page's property `row` of `entity`: the CSDL's, when it has the
    /// property (with a warning where it types it otherwise: the pack follows the page), else
    /// the importer's convention.
    pub(crate) fn property_nullable(&mut self, entity: &str, row: &str, type_name: &str) -> bool {
        let found = self
            .csdl
            .as_ref()
            .and_then(|c| c.property(entity, row).cloned());
        match found {
            Some(p) => {
                if p.type_name != type_name {
                    self.warnings.push(format!("{row}: the page types it {type_name}, the CSDL {}; the pack follows the page", p.type_name));
                }
                p.nullable
            }
            None => {
                self.guessed.push(row.to_owned());
                self.nullable(type_name)
            }
        }
    }

    /// Adds the enum or complex type `name` from the CSDL; false when it has no such type.
    fn add_from_csdl(&mut self, name: &str) -> Result<bool, ImportError> {
        let Some(csdl) = self.csdl.clone() else {
            return Ok(false);
        };
        if let Some(e) = csdl.enums.get(name) {
            self.types.insert(
                name.to_owned(),
                TypeFile::Enum {
                    flags: e.flags,
                    members: e.members.clone(),
                },
            );
            return Ok(true);
        }
        if !csdl.complexes.contains_key(name) {
            return Ok(false);
        }
        self.complex_add_from_csdl(&csdl, name)?;
        for derived in csdl.derived_of(name) {
            if csdl.complexes.contains_key(derived) && !self.types.contains_key(derived) {
                if let Err(e) = self.complex_add_from_csdl(&csdl, derived) {
                    self.types.remove(derived);
                    self.warnings.push(format!(
                        "{derived}: derived from {name}, left out of the pack: {e}"
                    ));
                }
            }
        }
        Ok(true)
    }

    /// A complex type of the CSDL with its complex base and the types of its members.
    fn complex_add_from_csdl(&mut self, csdl: &Csdl, name: &str) -> Result<(), ImportError> {
        self.reserve_complex(name);
        let s = &csdl.complexes[name];
        let base = s.base.clone().filter(|b| csdl.complexes.contains_key(b));
        if let Some(b) = &base {
            if !self.types.contains_key(b) {
                self.add_from_csdl(b)?;
            }
        }
        let mut properties = Vec::new();
        for p in &s.properties {
            let type_name = self.csdl_type(&p.type_name, name)?;
            properties.push(PropertyFile {
                nullable: p.nullable,
                read_only: false,
                name: p.name.clone(),
                type_name,
            });
        }
        self.types.insert(
            name.to_owned(),
            TypeFile::Complex {
                base,
                is_abstract: s.is_abstract,
                properties,
            },
        );
        Ok(())
    }

    /// A CSDL member type as a pack type, adding the enums and complex types it names.
    pub(crate) fn csdl_type(
        &mut self,
        type_name: &str,
        owner: &str,
    ) -> Result<String, ImportError> {
        let (inner, collection) = match type_name
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            Some(i) => (i, true),
            None => (type_name, false),
        };
        let known = match inner.strip_prefix("Edm.") {
            Some(_) => Primitive::from_name(inner).is_some(),
            None => self.types.contains_key(inner) || self.add_from_csdl(inner)?,
        };
        if !known {
            return Err(ImportError::CsdlType {
                owner: owner.to_owned(),
                type_name: type_name.to_owned(),
            });
        }
        Ok(if collection {
            format!("Collection({inner})")
        } else {
            inner.to_owned()
        })
    }

    /// The members of the complex type `name` and of its bases, nearest first.
    fn complex_chain(&self, name: &str) -> impl Iterator<Item = &PropertyFile> {
        let mut chain: Vec<&[PropertyFile]> = Vec::new();
        let mut current = Some(name);
        // Bounded, so a cycle of bases in a hostile page ends.
        for _ in 0..32 {
            let Some(TypeFile::Complex {
                base, properties, ..
            }) = current.and_then(|c| self.types.get(c))
            else {
                break;
            };
            chain.push(properties);
            current = base.as_deref();
        }
        chain.into_iter().flatten()
    }

    fn complex_members(&self, name: &str) -> Vec<String> {
        self.complex_chain(name).map(|p| p.name.clone()).collect()
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

    /// The type of `complex`'s member `member` (inherited ones included), without
    /// `Collection(…)`.
    fn member_type(&self, complex: &str, member: &str) -> Option<String> {
        let p = self.complex_chain(complex).find(|p| p.name == member)?;
        let t = p
            .type_name
            .trim_start_matches("Collection(")
            .trim_end_matches(')');
        Some(t.to_owned())
    }

    fn synthesize(&mut self, name: &str, base: &str, example: &serde_json::Map<String, Value>) {
        let inherited = self.complex_members(base);
        let properties: Vec<PropertyFile> = example
            .iter()
            .filter(|(k, _)| !k.contains('@') && !inherited.contains(k))
            .map(|(k, v)| {
                let type_name = match v {
                    Value::Array(_) => format!("Collection({})", Primitive::of_example(v).name()),
                    _ => Primitive::of_example(v).name().to_owned(),
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
            "{name}: the page's example uses this type, derived from {base}, but no resource page describes it; the pack reads its members {} from the example's values (strings as {})",
            names.join(", "),
            Primitive::of_example(&Value::Null).name()
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

/// The section a row's error names: the update page's "Request body", or a resource page's
/// "Properties" once a link has been followed.
fn section_of(chain: &[String]) -> &'static str {
    if chain.is_empty() {
        "Request body"
    } else {
        "Properties"
    }
}
