//! OData CSDL XML (Graph's `$metadata`, as msgraph-metadata publishes it) read into the types an
//! import takes from it: entity types (base, properties, navigations), complex types (base,
//! properties), enum types (members, `IsFlags`), every property with its Edm type and
//! `Nullable`. Read in one streaming pass (quick-xml); the page reader does not depend on it.

use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::graph::EntityInfo;
use super::lookup::EntitySource;
use super::ImportError;

/// A structural property: its name, its type (qualified, aliases resolved: `Edm.Int32`,
/// `Collection(microsoft.graph.x)`) and whether it may be null (CSDL's default: yes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Property {
    pub name: String,
    pub(crate) type_name: String,
    pub(crate) nullable: bool,
}

/// A navigation property. `ContainsTarget` is not kept: the fixture graph places every entity
/// where the page's paths reach it, contained or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Navigation {
    pub name: String,
    /// The target entity type (qualified), without `Collection(…)`.
    pub target: String,
    pub collection: bool,
}

/// An entity or complex type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Structured {
    pub base: Option<String>,
    pub is_abstract: bool,
    pub properties: Vec<Property>,
    pub navigations: Vec<Navigation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Enum {
    pub members: Vec<String>,
    pub flags: bool,
}

/// The types of a CSDL document, by qualified name.
#[derive(Debug, Default)]
pub(crate) struct Csdl {
    pub entities: BTreeMap<String, Structured>,
    pub complexes: BTreeMap<String, Structured>,
    pub enums: BTreeMap<String, Enum>,
    /// Qualified type → the types (entity or complex) that name it as their base.
    derived: BTreeMap<String, Vec<String>>,
}

/// What is being read: the element whose children are Property, Member, ….
enum Open {
    Entity(String, Structured),
    Complex(String, Structured),
    Enum(String, Enum),
}

/// Reads a CSDL file.
pub(crate) fn read_csdl(path: &Path) -> Result<Csdl, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text).map_err(|(line, problem)| ImportError::Csdl {
        file: path.display().to_string(),
        line,
        problem,
    })
}

/// Parses CSDL text; an error gives the line and what is wrong.
pub(crate) fn parse(text: &str) -> Result<Csdl, (usize, String)> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let line_at = |pos: u64| {
        let end = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
        text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    let mut state = State::default();
    loop {
        let event = reader.read_event().map_err(|e| {
            (
                line_at(reader.error_position()),
                format!(
                    "not well-formed XML ({e}); give Graph's $metadata document as it is published"
                ),
            )
        })?;
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if is_type_element(e.local_name().as_ref()) {
                    state.close();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        // The line is counted only for an error: counting it for every element would read the
        // document again and again.
        let at = reader.buffer_position();
        state.element(&e).map_err(|p| (line_at(at), p))?;
        if empty && is_type_element(e.local_name().as_ref()) {
            state.close();
        }
    }
    let State {
        mut csdl, aliases, ..
    } = state;
    resolve_aliases(&mut csdl, &aliases);
    Ok(csdl)
}

fn is_type_element(name: &[u8]) -> bool {
    matches!(name, b"EntityType" | b"ComplexType" | b"EnumType")
}

/// The reader's place: the schema's namespace, the aliases met, the type being read.
#[derive(Default)]
struct State {
    csdl: Csdl,
    aliases: BTreeMap<String, String>,
    namespace: String,
    open: Option<Open>,
}

fn required(a: &BTreeMap<String, String>, key: &str, element: &str) -> Result<String, String> {
    a.get(key)
        .cloned()
        .ok_or_else(|| format!("a {element} element without {key}"))
}

impl State {
    fn element(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let a = attributes(e)?;
        let flag = |k: &str| a.get(k).is_some_and(|v| v == "true");
        match e.local_name().as_ref() {
            b"Schema" => {
                self.namespace = required(&a, "Namespace", "Schema")?;
                if let Some(alias) = a.get("Alias") {
                    self.aliases.insert(alias.clone(), self.namespace.clone());
                }
            }
            tag @ (b"EntityType" | b"ComplexType") => {
                let name = format!("{}.{}", self.namespace, required(&a, "Name", "type")?);
                let s = Structured {
                    base: a.get("BaseType").cloned(),
                    is_abstract: flag("Abstract"),
                    ..Structured::default()
                };
                self.open = Some(if tag == b"EntityType" {
                    Open::Entity(name, s)
                } else {
                    Open::Complex(name, s)
                });
            }
            b"EnumType" => {
                let name = format!("{}.{}", self.namespace, required(&a, "Name", "EnumType")?);
                let en = Enum {
                    members: Vec::new(),
                    flags: flag("IsFlags"),
                };
                self.open = Some(Open::Enum(name, en));
            }
            b"Property" => {
                if let Some(Open::Entity(_, s) | Open::Complex(_, s)) = &mut self.open {
                    s.properties.push(Property {
                        name: required(&a, "Name", "Property")?,
                        type_name: required(&a, "Type", "Property")?,
                        nullable: a.get("Nullable").is_none_or(|v| v != "false"),
                    });
                }
            }
            b"NavigationProperty" => {
                if let Some(Open::Entity(_, s) | Open::Complex(_, s)) = &mut self.open {
                    let ty = required(&a, "Type", "NavigationProperty")?;
                    let (target, collection) = element_of(&ty);
                    s.navigations.push(Navigation {
                        name: required(&a, "Name", "NavigationProperty")?,
                        target: target.to_owned(),
                        collection,
                    });
                }
            }
            b"Member" => {
                if let Some(Open::Enum(_, en)) = &mut self.open {
                    en.members.push(required(&a, "Name", "Member")?);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self) {
        match self.open.take() {
            Some(Open::Entity(name, s)) => {
                self.csdl.entities.insert(name, s);
            }
            Some(Open::Complex(name, s)) => {
                self.csdl.complexes.insert(name, s);
            }
            Some(Open::Enum(name, e)) => {
                self.csdl.enums.insert(name, e);
            }
            None => {}
        }
    }
}

fn attributes(e: &BytesStart<'_>) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("a malformed attribute ({err})"))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| format!("a malformed attribute value ({err})"))?;
        out.insert(key, value.into_owned());
    }
    Ok(out)
}

/// `Collection(T)` → (T, true); `T` → (T, false).
fn element_of(ty: &str) -> (&str, bool) {
    match ty
        .strip_prefix("Collection(")
        .and_then(|t| t.strip_suffix(')'))
    {
        Some(inner) => (inner, true),
        None => (ty, false),
    }
}

/// `graph.x` → `microsoft.graph.x` everywhere a type is named.
fn resolve_aliases(csdl: &mut Csdl, aliases: &BTreeMap<String, String>) {
    let full = |t: &str| -> String {
        let (inner, collection) = element_of(t);
        let resolved = match inner.rsplit_once('.') {
            Some((ns, name)) => aliases
                .get(ns)
                .map_or_else(|| inner.to_owned(), |n| format!("{n}.{name}")),
            None => inner.to_owned(),
        };
        if collection {
            format!("Collection({resolved})")
        } else {
            resolved
        }
    };
    for s in csdl
        .entities
        .values_mut()
        .chain(csdl.complexes.values_mut())
    {
        s.base = s.base.as_deref().map(full);
        for p in &mut s.properties {
            p.type_name = full(&p.type_name);
        }
        for n in &mut s.navigations {
            n.target = full(&n.target);
        }
    }
    let mut derived: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, s) in csdl.entities.iter().chain(&csdl.complexes) {
        if let Some(b) = &s.base {
            derived.entry(b.clone()).or_default().push(name.clone());
        }
    }
    csdl.derived = derived;
}

impl Csdl {
    /// The types named `base` derives, directly.
    pub(crate) fn derived_of(&self, base: &str) -> &[String] {
        self.derived.get(base).map_or(&[], Vec::as_slice)
    }

    /// A structural property of `ty` or of one of its bases (entity or complex).
    pub(crate) fn property(&self, ty: &str, name: &str) -> Option<&Property> {
        let mut current = Some(ty.to_owned());
        for _ in 0..64 {
            let c = current?;
            let s = self.entities.get(&c).or_else(|| self.complexes.get(&c))?;
            if let Some(p) = s.properties.iter().find(|p| p.name == name) {
                return Some(p);
            }
            current = s.base.clone();
        }
        None
    }

    /// Every structural property of `ty` with those of its bases, base first.
    pub(crate) fn all_properties(&self, ty: &str) -> Vec<&Property> {
        let mut chain = Vec::new();
        let mut current = Some(ty.to_owned());
        while let Some(c) = current.take() {
            let Some(s) = self.entities.get(&c).or_else(|| self.complexes.get(&c)) else {
                break;
            };
            if chain.len() > 64 {
                break;
            }
            chain.push(s);
            current = s.base.clone();
        }
        chain
            .into_iter()
            .rev()
            .flat_map(|s| s.properties.iter())
            .collect()
    }
}

impl EntitySource for Csdl {
    fn entity(&self, name: &str) -> Result<Option<EntityInfo>, ImportError> {
        Ok(self.entities.get(name).map(|s| EntityInfo {
            described: true,
            base: s.base.clone(),
            navigations: s
                .navigations
                .iter()
                .map(|n| (n.name.clone(), (n.target.clone(), n.collection)))
                .collect(),
        }))
    }

    fn derived(&self, name: &str) -> (Vec<String>, Vec<String>) {
        let entities = self
            .derived_of(name)
            .iter()
            .filter(|d| self.entities.contains_key(*d))
            .cloned()
            .collect();
        (entities, Vec::new())
    }
}

#[cfg(test)]
mod tests;
