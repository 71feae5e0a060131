//! A pack's files checked as they load: every problem is a [`PackError`] that names the file,
//! the field and what to write instead (a variant whose template does not parse, a property of
//! a type the pack does not define, a fixture that leaves a variant unresolvable, a case that
//! names an unknown variant or property).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::file::{FixturesFile, PackFile, PropertyFile, TypeFile};
use super::graph::{Bend, Graph};
use super::template::{Spelling, Template};
use super::{
    is_case_file, Files, Pack, PackVariant, ERROR_SCHEMA_FILE, FIXTURES_JSON, PACK_JSON, SCHEMAS,
};
use crate::case::{CaseError, Expect, Suite};
use crate::domain::types::{ComplexType, EntityType, EnumType};
use crate::domain::{EntityModel, Primitive, Property, Types};
use crate::ids::{Keys, VariantIds};

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("there is no built-in pack or pack folder {given:?}; give --pack one of {known}, or a folder holding a pack.json (`graph-conformance import` writes one)")]
    Unknown { given: String, known: String },
    #[error("cannot read {path}: {source}; check the path given to --pack / --cases-dir / --schemas-dir")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{dir} holds no *.json case files; point --cases-dir at a folder of case files")]
    NoCases { dir: String },
    #[error("{origin} has no {file}; a pack folder holds pack.json, fixtures.json and its case files (`graph-conformance import` writes one)")]
    Missing { origin: String, file: String },
    #[error("{file} is not valid: {source}; fix the file (unknown fields are refused so a typo cannot silently change the contract)")]
    Json {
        file: String,
        source: serde_json::Error,
    },
    #[error("{file}: {field}: {problem}")]
    Field {
        file: String,
        field: String,
        problem: String,
    },
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error("{file}: the schema does not compile: {message}; fix it, or delete it so the pack's properties make one")]
    Schema { file: String, message: String },
}

fn field(file: &str, field: impl Into<String>, problem: impl Into<String>) -> PackError {
    PackError::Field {
        file: file.to_owned(),
        field: field.into(),
        problem: problem.into(),
    }
}

/// Checks every file of a pack and builds the working objects.
pub(super) fn pack(files: Files) -> Result<Pack, PackError> {
    let text_of = |name: &str| {
        files
            .get(name)
            .map(|(_, t)| t.as_str())
            .ok_or_else(|| PackError::Missing {
                origin: files.origin.clone(),
                file: name.to_owned(),
            })
    };
    let meta: PackFile = parse(PACK_JSON, text_of(PACK_JSON)?)?;
    let model = Arc::new(model(&meta)?);
    let variants = variants(&meta)?;
    let fixtures: FixturesFile = parse(FIXTURES_JSON, text_of(FIXTURES_JSON)?)?;
    let graph = Graph::new(&fixtures);
    fixtures_resolve(&model, &variants, &fixtures, &graph)?;
    let (entity_schema_name, entity_schema) = entity_schema(&files, &model)?;
    let error_name = format!("{SCHEMAS}{ERROR_SCHEMA_FILE}");
    let error_schema = parse(&error_name, text_of(&error_name)?)?;
    let compiled = |file: &str, shown: &str, schema: &serde_json::Value| {
        crate::schema::Schema::compile(shown, schema).map_err(|e| PackError::Schema {
            file: file.to_owned(),
            message: e.to_string(),
        })
    };
    let schemas = crate::schema::Compiled {
        entity: compiled(&entity_schema_name, &entity_schema_name, &entity_schema)?,
        error: compiled(&error_name, ERROR_SCHEMA_FILE, &error_schema)?,
    };
    let case_files: Vec<(String, String)> = files
        .files
        .iter()
        .filter(|(n, _)| is_case_file(n))
        .cloned()
        .collect();
    let templates: BTreeMap<String, String> = variants
        .iter()
        .map(|v| (v.name.clone(), v.template.printed().to_owned()))
        .collect();
    let suite = Suite::load(
        &case_files,
        &Expect {
            variants: &templates,
            model: &model,
        },
    )?;
    Ok(Pack {
        digest: digest(&files),
        origin: files.origin,
        meta,
        model,
        variants,
        fixtures,
        graph: Arc::new(graph),
        suite,
        schemas: Arc::new(schemas),
    })
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, PackError> {
    serde_json::from_str(text).map_err(|source| PackError::Json {
        file: file.to_owned(),
        source,
    })
}

pub(super) fn digest(files: &Files) -> String {
    let mut sorted: Vec<&(String, String)> = files.files.iter().collect();
    sorted.sort();
    let mut hasher = Sha256::new();
    for (name, text) in sorted {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The types of `pack.json`, then the entity's properties resolved against them.
pub(super) fn model(meta: &PackFile) -> Result<EntityModel, PackError> {
    let mut types = declare_types(meta)?;
    complete_types(meta, &mut types)?;
    let properties = resolve_properties(&types, &meta.entity.properties, "entity.properties")?;
    let key = meta.entity.key.clone();
    if !properties.iter().any(|p| p.name == key) {
        return Err(field(
            PACK_JSON,
            "entity.key",
            format!("{key:?} is not one of entity.properties; name the key property (\"id\")"),
        ));
    }
    let type_name = meta.entity.type_name.trim_start_matches('#').to_owned();
    types
        .entities
        .entry(type_name.clone())
        .or_insert_with(|| EntityType {
            name: type_name.clone(),
            base: None,
            is_abstract: false,
        });
    Ok(EntityModel {
        odata_type: format!("#{type_name}"),
        type_name,
        key,
        properties,
        types,
    })
}

/// Every type `pack.json` names, without the complex types' properties yet: those may name
/// types declared after them, so they are resolved once all are known ([`complete_types`]).
fn declare_types(meta: &PackFile) -> Result<Types, PackError> {
    let mut types = Types::default();
    for (name, def) in &meta.types {
        match def {
            TypeFile::Enum { flags, members } => {
                if members.is_empty() {
                    return Err(field(
                        PACK_JSON,
                        format!("types.{name}.members"),
                        "an enum needs at least one member; list them as the enum's page does",
                    ));
                }
                types.enums.insert(
                    name.clone(),
                    EnumType {
                        name: name.clone(),
                        flags: *flags,
                        members: members.clone(),
                    },
                );
            }
            TypeFile::Entity { base, is_abstract } => {
                types.entities.insert(
                    name.clone(),
                    EntityType {
                        name: name.clone(),
                        base: base.clone(),
                        is_abstract: *is_abstract,
                    },
                );
            }
            TypeFile::Complex {
                base, is_abstract, ..
            } => {
                types.complex.insert(
                    name.clone(),
                    ComplexType {
                        name: name.clone(),
                        base: base.clone(),
                        is_abstract: *is_abstract,
                        properties: Vec::new(),
                    },
                );
            }
        }
    }
    Ok(types)
}

/// Checks each base names a declared type of the same kind, and resolves the complex types'
/// properties against all the declared types.
fn complete_types(meta: &PackFile, types: &mut Types) -> Result<(), PackError> {
    for (name, def) in &meta.types {
        let (TypeFile::Complex { base, .. } | TypeFile::Entity { base, .. }) = def else {
            continue;
        };
        if let Some(b) = base {
            let known = match def {
                TypeFile::Complex { .. } => types.complex.contains_key(b),
                _ => types.entities.contains_key(b),
            };
            if !known {
                return Err(field(PACK_JSON, format!("types.{name}.base"), format!("{b:?} is not a type of the pack of the same kind; add it to \"types\" or drop \"base\"")));
            }
        }
        if let TypeFile::Complex { properties, .. } = def {
            let resolved =
                resolve_properties(types, properties, &format!("types.{name}.properties"))?;
            if let Some(c) = types.complex.get_mut(name) {
                c.properties = resolved;
            }
        }
    }
    Ok(())
}

fn resolve_properties(
    types: &Types,
    written: &[PropertyFile],
    at: &str,
) -> Result<Vec<Property>, PackError> {
    let mut seen = BTreeSet::new();
    written
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if !seen.insert(p.name.as_str()) || p.name.is_empty() || p.name.contains('@') {
                return Err(field(PACK_JSON, format!("{at}[{i}].name"), format!("{:?} is empty, has '@' or is given twice; give each property its own name", p.name)));
            }
            let ty = types.resolve(&p.type_name).map_err(|unknown| {
                field(PACK_JSON, format!("{at}[{i}].type"), format!("{unknown:?} is not an Edm type ({}) nor a type in \"types\"; write one of those, or add the type", Primitive::ALL.map(Primitive::name).join(", ")))
            })?;
            Ok(Property { name: p.name.clone(), ty, nullable: p.nullable, read_only: p.read_only })
        })
        .collect()
}

pub(super) fn variants(meta: &PackFile) -> Result<Vec<PackVariant>, PackError> {
    if meta.variants.is_empty() {
        return Err(field(
            PACK_JSON,
            "variants",
            "the pack lists no path; give every path the page lists, the canonical one first",
        ));
    }
    let mut names = BTreeSet::new();
    meta.variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let ok_name = !v.name.is_empty() && !v.name.contains("::") && !v.name.contains(char::is_whitespace);
            if !ok_name || !names.insert(v.name.as_str()) {
                return Err(field(PACK_JSON, format!("variants[{i}].name"), format!("{:?} must be non-empty, unique, without spaces or \"::\" (it is part of trial names)", v.name)));
            }
            let template = Template::parse(&v.template).map_err(|e| field(PACK_JSON, format!("variants[{i}].template"), e.to_string()))?;
            Ok(PackVariant { name: v.name.clone(), template })
        })
        .collect()
}

/// Every variant's keys (and probes) in `fixtures.json` must resolve through the graph as the
/// contract says: a variant to an entity, `reads` to the same entity through the canonical
/// path, and every probe to nothing.
pub(super) fn fixtures_resolve(
    model: &EntityModel,
    variants: &[PackVariant],
    fixtures: &FixturesFile,
    graph: &Graph,
) -> Result<(), PackError> {
    for (id, node) in &fixtures.nodes {
        if let Some(values) = &node.values {
            for (name, value) in values {
                let p = model.property(name).ok_or_else(|| {
                    field(
                        FIXTURES_JSON,
                        format!("nodes.{id}.values.{name}"),
                        "not a property of the pack's entity; drop it or fix its name",
                    )
                })?;
                model.read_value(p, value).map_err(|e| {
                    field(
                        FIXTURES_JSON,
                        format!("nodes.{id}.values.{name}"),
                        format!("{}; give a value of {}", e.message, p.ty.name()),
                    )
                })?;
            }
        }
    }
    for v in variants {
        let ids = fixtures.variants.get(&v.name).ok_or_else(|| {
            field(FIXTURES_JSON, "variants", format!("variant {:?} has no ids; give it {{\"keys\": {{…}}}} so the embedded service can serve it", v.name))
        })?;
        let at = format!("variants.{}", v.name);
        entity_resolves(model, graph, &variants[0], v, ids, &at)?;
        for (i, more) in fixtures.more.get(&v.name).into_iter().flatten().enumerate() {
            let at = format!("more.{}[{i}]", v.name);
            entity_resolves(model, graph, &variants[0], v, more, &at)?;
        }
    }
    Ok(())
}

/// One entity's ids on variant `v`: its keys reach an entity, the canonical path with its
/// `reads` reaches the same one, and each probe's keys reach none.
fn entity_resolves(
    model: &EntityModel,
    graph: &Graph,
    canonical: &PackVariant,
    v: &PackVariant,
    ids: &VariantIds,
    at: &str,
) -> Result<(), PackError> {
    let at = |f: &str| format!("{at}{f}");
    let reached = resolve(model, graph, &v.template, &ids.keys)
        .map_err(|p| field(FIXTURES_JSON, at(".keys"), p))?;
    if let Some(reads) = &ids.reads {
        let via = resolve(model, graph, &canonical.template, reads).map_err(|p| {
            field(
                FIXTURES_JSON,
                at(".reads"),
                format!("through the canonical path: {p}"),
            )
        })?;
        if via != reached {
            return Err(field(FIXTURES_JSON, at(".reads"), format!("the canonical path reaches {via}, but the variant reaches {reached}; give the canonical keys of {reached}")));
        }
    }
    for (name, probe) in &ids.probes {
        if resolve(model, graph, &v.template, &probe.keys).is_ok() {
            return Err(field(FIXTURES_JSON, at(&format!(".probes.{name}.keys")), "these keys reach an entity, so they cannot probe a routing rule (C1.3); give keys that break exactly the probe's rule"));
        }
    }
    Ok(())
}

/// The entity node `template` reaches with `keys`, or why not.
fn resolve(
    model: &EntityModel,
    graph: &Graph,
    template: &Template,
    keys: &Keys,
) -> Result<String, String> {
    let path = template
        .fill(keys, Spelling::Normalised)
        .map_err(|missing| format!("no value for the key {missing:?}"))?;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    graph
        .resolve(&model.types, &segments, Bend::default(), |n| {
            model.types.is_a(&n.type_name, &model.type_name)
        })
        .map(str::to_owned)
        .map_err(|miss| format!("{path} does not resolve: {miss}"))
}

/// The entity's schema: `schemas/<Entity>.schema.json` when the pack has one, else made from
/// its properties.
fn entity_schema(
    files: &Files,
    model: &EntityModel,
) -> Result<(String, serde_json::Value), PackError> {
    let short = model
        .type_name
        .rsplit('.')
        .next()
        .unwrap_or(&model.type_name);
    let name = format!("{SCHEMAS}{short}.schema.json");
    match files.get(&name) {
        Some((_, text)) => Ok((name.clone(), parse(&name, text)?)),
        None => Ok((
            format!("{name} (made from pack.json)"),
            crate::schema::entity_schema(model),
        )),
    }
}
