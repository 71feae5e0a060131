//! `graph-conformance import PAGE.md`: a contract pack from a Graph doc page of the Intune
//! update template (and the resource pages its tables link to). The page is read section by
//! section; what cannot be read is an error naming the section and line, what the page leaves
//! unsaid is a warning written into the pack; nothing is written unless all of it is.

mod cases;
#[cfg(test)]
mod corpus_tests;
mod csdl;
mod graph;
mod lookup;
mod markdown;
mod naming;
mod page;
mod resource;
mod typing;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;

use crate::pack::file::{
    EntityFile, FixturesFile, PackFile, Permissions, PropertyFile, Source, Success, VariantFile,
};
use crate::pack::template::{Segment, Template};
use crate::pack::{FIXTURES_JSON, PACK_JSON};
pub(crate) use csdl::{read_csdl, Csdl};
use markdown::ParseError;
use page::Page;
use typing::Typing;

/// What to import.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub page: PathBuf,
    pub resources: Option<PathBuf>,
    /// Graph's metadata (`--csdl`), read once for every page of a folder.
    pub csdl: Option<Rc<Csdl>>,
    pub out: PathBuf,
    pub name: Option<String>,
    /// Paths to use when the page lists none it can read.
    pub paths: Vec<String>,
}

/// What was written.
#[derive(Debug, Clone)]
pub(crate) struct Imported {
    pub warnings: Vec<String>,
    pub case_files: usize,
    /// The trials the self-check ran (all passed: a pack that fails it is not written); None
    /// without a self-check.
    pub checked: Option<usize>,
}

/// What a self-check saw: how many trials ran, and the failing ones (failed, error or warned).
#[derive(Debug, Clone, Default)]
pub(crate) struct Verdict {
    pub trials: usize,
    pub failures: Vec<String>,
}

/// The self-check an import ends with, given the folder the pack was written to before it is
/// moved into place, or why the check could not run.
pub(crate) type SelfCheck<'a> = &'a dyn Fn(&Path) -> Result<Verdict, String>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ImportError {
    #[error("{page}: {section}, line {line}: {problem}")]
    Page {
        page: String,
        section: String,
        line: usize,
        problem: String,
    },
    #[error(
        "{page}: {section}, line {line}: {problem} (the import reached this page from {chain})"
    )]
    Reached {
        page: String,
        section: String,
        line: usize,
        problem: String,
        chain: String,
    },
    #[error("{file}, line {line}: {problem}")]
    Csdl {
        file: String,
        line: usize,
        problem: String,
    },
    #[error("the CSDL's {owner} has a member of type {type_name}, which the importer cannot make a contract of (no Edm type of CONTRACT's table, nor a type the CSDL defines); import the page with --resources instead")]
    CsdlType { owner: String, type_name: String },
    #[error("cannot read {path}: {source}; check the path")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the resources folder {dir}: {problem}; give --resources a folder of resource pages (intune-*.md)")]
    Resources { dir: String, problem: String },
    #[error("{dir}: {problem}")]
    Out { dir: String, problem: String },
    #[error("the pack made from {page} does not hold together ({problem}); this is a bug in the importer: please report it with the page")]
    Pack { page: String, problem: String },
    #[error("the pack made from {page} does not pass its own reference service, so it was not written; failing trials:\n  {}\n(report it with the page; `--no-check` writes the pack anyway, to look into it)", failures.join("\n  "))]
    SelfCheck { page: String, failures: Vec<String> },
    #[error("the self-check of the pack made from {page} could not run: {problem}; `--no-check` writes the pack without it")]
    SelfCheckRun { page: String, problem: String },
}

impl ImportError {
    fn at(page: &str, e: ParseError) -> Self {
        Self::Page {
            page: page.to_owned(),
            section: e.section,
            line: e.line,
            problem: e.problem,
        }
    }
}

/// Reads the page and writes the pack, once `check` (when given) has passed it.
pub(crate) fn import(
    request: &Request,
    check: Option<SelfCheck<'_>>,
) -> Result<Imported, ImportError> {
    let page_name = request.page.file_name().map_or_else(
        || request.page.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let text = std::fs::read_to_string(&request.page).map_err(|source| ImportError::Read {
        path: request.page.display().to_string(),
        source,
    })?;
    let page = page::parse_update_page(&text).map_err(|e| ImportError::at(&page_name, e))?;
    let mut warnings = Vec::new();
    let namespace = page.namespace.clone().unwrap_or_else(|| {
        warnings.push(
            "the page states no namespace; the pack uses microsoft.graph, as its paths' casts do"
                .into(),
        );
        "microsoft.graph".into()
    });
    let mut typing = Typing::new(
        &namespace,
        request.resources.as_deref(),
        request.csdl.clone(),
    )?;
    typing.note_table(&page.notes, &page_name);
    let name = pack_name(request, &page_name);
    let entity_type = format!("{namespace}.{}", page.entity);
    let properties = properties(&page, &page_name, &entity_type, &mut typing, &mut warnings)?;
    let variants = variants(&page, &page_name, request, &mut warnings)?;
    let fixtures = fixtures(
        &page,
        &page_name,
        &name,
        &variants,
        &mut typing,
        &mut warnings,
    )?;
    warnings.extend(std::mem::take(&mut typing.warnings));
    warnings.extend(nullability_warning(&typing));
    let meta = PackFile {
        name,
        title: format!("Update {}", page.entity),
        source: Source {
            page: page_name.clone(),
            date: page.date.clone().unwrap_or_else(|| "undated".into()),
        },
        version: page.version.clone().unwrap_or_else(|| {
            warnings.push("the page's example has no version segment; the pack uses beta".into());
            "beta".into()
        }),
        namespace,
        entity: EntityFile {
            type_name: entity_type,
            key: "id".into(),
            properties,
        },
        permissions: permissions(&page, &mut warnings),
        success: Success {
            status: page.success.0,
            entity: page.success.1,
        },
        types: typing.types,
        variants,
        example: page.example_request.as_ref().map(|e| without_key(&e.value)),
        warnings: warnings.clone(),
    };
    let (case_files, checked) = write(&request.out, &meta, &fixtures, &page_name, check)?;
    Ok(Imported {
        warnings,
        case_files,
        checked,
    })
}

/// Without the CSDL, nullability is the importer's convention for every property; with it,
/// only for those the CSDL does not have.
fn nullability_warning(typing: &Typing) -> Option<String> {
    let nullable = crate::domain::Primitive::nullable_unsaid().join(", ");
    if typing.csdl.is_none() {
        return Some(format!("nullability is not on the page: the importer holds {nullable}, complex and collection properties nullable, and the others not"));
    }
    (!typing.guessed.is_empty()).then(|| format!("the CSDL does not have {}: their nullability is the importer's convention ({nullable}, complex and collection nullable, the others not)", typing.guessed.join(", ")))
}

/// The embedded service's graph, from the entity types the paths reach (in the CSDL when given,
/// else on the resource pages); those types join the pack's types.
fn fixtures(
    page: &Page,
    page_name: &str,
    name: &str,
    variants: &[VariantFile],
    typing: &mut Typing,
    warnings: &mut Vec<String>,
) -> Result<FixturesFile, ImportError> {
    let namespace = page.namespace.as_deref().unwrap_or("microsoft.graph");
    let entity_type = format!("{namespace}.{}", page.entity);
    let templates: Vec<(String, Template)> = variants
        .iter()
        .map(|v| {
            (
                v.name.clone(),
                Template::parse(&v.template).expect("checked above"),
            )
        })
        .collect();
    let (seeds, navigations) = graph::reached_from(namespace, &entity_type, &templates);
    let pages = lookup::PageEntities {
        resources: &typing.resources,
        namespace,
    };
    let source: &dyn lookup::EntitySource = match &typing.csdl {
        Some(csdl) => csdl.as_ref(),
        None => &pages,
    };
    let (known, reach_warnings) = lookup::reach(source, &seeds, &navigations)?;
    warnings.extend(reach_warnings);
    let (fixtures, graph_warnings) = graph::Builder::new(name, namespace, &entity_type, &known)
        .build(&templates)
        .map_err(|problem| ImportError::Page {
            page: page_name.to_owned(),
            section: "HTTP Request".into(),
            line: page.paths.first().map_or(0, |p| p.line),
            problem,
        })?;
    warnings.extend(graph_warnings);
    let node_types: Vec<String> = fixtures
        .nodes
        .values()
        .map(|n| n.type_name.clone())
        .chain([entity_type.clone()])
        .filter(|t| known.entities.contains_key(t) || *t == entity_type)
        .collect();
    typing.add_entities(&known, node_types);
    Ok(fixtures)
}

/// `--name`, else the page's file name without `intune-` and `-update`.
fn pack_name(request: &Request, page_name: &str) -> String {
    if let Some(n) = &request.name {
        return n.clone();
    }
    let stem = page_name.rsplit_once('.').map_or(page_name, |(s, _)| s);
    let stem = stem.strip_prefix("intune-").unwrap_or(stem);
    let stem = stem.strip_suffix("-update").unwrap_or(stem);
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn properties(
    page: &Page,
    page_name: &str,
    entity_type: &str,
    typing: &mut Typing,
    warnings: &mut Vec<String>,
) -> Result<Vec<PropertyFile>, ImportError> {
    if !page.properties.iter().any(|r| r.name == "id") {
        return Err(ImportError::Page { page: page_name.into(), section: "Request body".into(), line: page.properties.first().map_or(0, |r| r.line), problem: "the property table has no id, the entity's key; the importer reads pages of entities".into() });
    }
    let mut out = Vec::new();
    for row in &page.properties {
        typing.note_row(row, page_name);
        let type_name = typing.type_of(row, page_name)?;
        for rule in markdown::prose_rules(&row.description) {
            warnings.push(format!(
                "{}: the page says \"{rule}\"; the pack does not state it as a rule",
                row.name
            ));
        }
        let key = row.name == "id";
        out.push(PropertyFile {
            nullable: !key && typing.property_nullable(entity_type, &row.name, &type_name),
            read_only: key || markdown::is_read_only(&row.description),
            name: row.name.clone(),
            type_name,
        });
    }
    if !out.iter().any(|p| !p.read_only) {
        let from_csdl = csdl_properties(typing, entity_type, &out)?;
        if from_csdl.is_empty() {
            return Err(ImportError::Page { page: page_name.into(), section: "Request body".into(), line: page.properties.first().map_or(0, |r| r.line), problem: "the property table lists no property a PATCH can change (only the key or read-only ones); give --csdl FILE so the pack takes the entity's properties from Graph's metadata".into() });
        }
        warnings.push(format!(
            "the page's table lists no property a PATCH can change; the pack takes the CSDL's {}",
            from_csdl
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.extend(from_csdl);
    } else if let Some(csdl) = &typing.csdl {
        warnings.extend(csdl_differences(csdl, entity_type, &out));
    }
    if let Some(example) = &page.example_request {
        for p in &out {
            if let Some(v) = example.value.get(&p.name) {
                let element = p
                    .type_name
                    .trim_start_matches("Collection(")
                    .trim_end_matches(')');
                typing.types_in_example(v, Some(element));
            }
        }
    }
    Ok(out)
}

/// The CSDL's structural properties of the entity that the page does not list (none without
/// the CSDL), with their types and nullability.
fn csdl_properties(
    typing: &mut Typing,
    entity_type: &str,
    listed: &[PropertyFile],
) -> Result<Vec<PropertyFile>, ImportError> {
    let Some(csdl) = typing.csdl.clone() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for p in csdl.all_properties(entity_type) {
        if listed.iter().any(|l| l.name == p.name) {
            continue;
        }
        out.push(PropertyFile {
            name: p.name.clone(),
            type_name: typing.csdl_type(&p.type_name, entity_type)?,
            nullable: p.nullable,
            read_only: false,
        });
    }
    Ok(out)
}

/// Where the CSDL's entity type and the page's table disagree on which properties there are:
/// the pack follows the page (it is the contract), and says so.
fn csdl_differences(csdl: &Csdl, entity_type: &str, page: &[PropertyFile]) -> Vec<String> {
    if !csdl.entities.contains_key(entity_type) {
        return vec![format!("the CSDL has no entity type {entity_type}; the pack takes every type from the page and the resource pages")];
    }
    let on_page = |name: &str| page.iter().any(|p| p.name == name);
    let mut out = Vec::new();
    let extra: Vec<&str> = csdl
        .all_properties(entity_type)
        .into_iter()
        .map(|p| p.name.as_str())
        .filter(|n| !on_page(n))
        .collect();
    if !extra.is_empty() {
        out.push(format!("the CSDL's {entity_type} also has {}, which the page does not list; the pack follows the page", extra.join(", ")));
    }
    let missing: Vec<&str> = page
        .iter()
        .map(|p| p.name.as_str())
        .filter(|n| csdl.property(entity_type, n).is_none())
        .collect();
    if !missing.is_empty() {
        out.push(format!("the page lists {}, which the CSDL's {entity_type} does not have; the pack follows the page", missing.join(", ")));
    }
    out
}

fn variants(
    page: &Page,
    page_name: &str,
    request: &Request,
    warnings: &mut Vec<String>,
) -> Result<Vec<VariantFile>, ImportError> {
    let mut templates: Vec<(String, usize)> = page
        .paths
        .iter()
        .map(|p| (p.value.clone(), p.line))
        .collect();
    if templates.is_empty() {
        let Some(bad) = page.unreadable_paths.first() else {
            return Err(ImportError::Page {
                page: page_name.into(),
                section: "HTTP Request".into(),
                line: 0,
                problem: "the page lists no PATCH path".into(),
            });
        };
        if request.paths.is_empty() {
            return Err(ImportError::Page { page: page_name.into(), section: "HTTP Request".into(), line: bad.line, problem: format!("{:?} is not a path: Graph's doc generator could not find the entity's URI; give the path with --path TEMPLATE", bad.value) });
        }
        warnings.push(format!(
            "the page lists no readable path ({:?}); the pack uses --path {}",
            bad.value,
            request.paths.join(", ")
        ));
        templates = request
            .paths
            .iter()
            .map(|p| (p.clone(), bad.line))
            .collect();
    }
    let mut parsed = Vec::new();
    for (text, line) in &templates {
        let t = Template::parse(text).map_err(|e| ImportError::Page {
            page: page_name.into(),
            section: "HTTP Request".into(),
            line: *line,
            problem: e.to_string(),
        })?;
        if !matches!(t.segments().first(), Some(Segment::Navigation(_))) {
            return Err(ImportError::Page {
                page: page_name.into(),
                section: "HTTP Request".into(),
                line: *line,
                problem: format!("{text:?} does not start with an entity set or singleton"),
            });
        }
        parsed.push(t);
    }
    let names = naming::variant_names(&parsed);
    Ok(names
        .into_iter()
        .zip(parsed)
        .map(|(name, t)| VariantFile {
            name,
            template: t.printed().to_owned(),
        })
        .collect())
}

fn permissions(page: &Page, warnings: &mut Vec<String>) -> Permissions {
    let p = &page.permissions;
    let mut read_scopes: Vec<&String> = p
        .delegated
        .iter()
        .chain(&p.application)
        .filter(|s| s.contains(".Read."))
        .collect();
    read_scopes.dedup();
    for s in read_scopes {
        warnings.push(format!("the page lists the read scope {s} among the permissions to update; the pack takes the page at its word and lets it write"));
    }
    let mut read: Vec<String> = p
        .delegated
        .iter()
        .chain(&p.application)
        .filter(|s| s.contains(".ReadWrite."))
        .map(|s| s.replace(".ReadWrite.", ".Read."))
        .collect();
    read.sort();
    read.dedup();
    read.retain(|r| !p.delegated.contains(r) && !p.application.contains(r));
    Permissions {
        delegated: p.delegated.clone(),
        application: p.application.clone(),
        read,
    }
}

/// The example without the key (a PATCH never changes it; the examples never send it).
fn without_key(example: &Value) -> Value {
    match example {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != "id")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Writes the pack into a fresh folder next to `out`, self-checks it there, then moves it into
/// place: a page that fails half-way, or a pack that fails its check, leaves nothing behind.
/// Returns how many case files it wrote and, when checked, how many trials the check ran.
fn write(
    out: &Path,
    meta: &PackFile,
    fixtures: &crate::pack::file::FixturesFile,
    page_name: &str,
    check: Option<SelfCheck<'_>>,
) -> Result<(usize, Option<usize>), ImportError> {
    let bad = |problem: String| ImportError::Out {
        dir: out.display().to_string(),
        problem,
    };
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(bad("exists and is not empty; give --out a new folder (the importer never overwrites a pack)".into()));
    }
    let files = case_files(meta, fixtures, page_name)?;
    let tmp = out.with_file_name(format!(
        ".{}.partial-{}",
        out.file_name()
            .map_or_else(|| "pack".into(), |n| n.to_string_lossy().into_owned()),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)
        .map_err(|e| bad(format!("cannot create {}: {e}", tmp.display())))?;
    let written = write_pack(&tmp, meta, fixtures, &files)
        .map_err(bad)
        .and_then(|()| match check {
            Some(check) => self_check(check, &tmp, page_name).map(Some),
            None => Ok(None),
        });
    let checked = match written {
        Ok(checked) => checked,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let _ = std::fs::remove_dir(out);
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&tmp);
        bad(format!("cannot move the pack into place: {e}"))
    })?;
    Ok((files.len(), checked))
}

/// The case files of the pack `meta` describes, synthesised from its entity and variants.
fn case_files(
    meta: &PackFile,
    fixtures: &crate::pack::file::FixturesFile,
    page_name: &str,
) -> Result<Vec<cases::CaseFile>, ImportError> {
    let not_a_pack = |e: crate::pack::PackError| ImportError::Pack {
        page: page_name.into(),
        problem: e.to_string(),
    };
    let model = crate::pack::model_of(meta).map_err(not_a_pack)?;
    let variants = crate::pack::variants_of(meta).map_err(not_a_pack)?;
    Ok(cases::synthesize(
        &model,
        &meta.permissions,
        meta.example.as_ref(),
        &variants,
        fixtures,
    ))
}

/// Writes `pack.json`, `fixtures.json` and the case files into `dir`; the error names the file.
fn write_pack(
    dir: &Path,
    meta: &PackFile,
    fixtures: &crate::pack::file::FixturesFile,
    files: &[cases::CaseFile],
) -> Result<(), String> {
    let mut all: Vec<(String, Value)> = vec![
        (
            PACK_JSON.into(),
            serde_json::to_value(meta).expect("a pack serialises"),
        ),
        (
            FIXTURES_JSON.into(),
            serde_json::to_value(fixtures).expect("fixtures serialise"),
        ),
    ];
    all.extend(files.iter().cloned());
    for (name, value) in &all {
        let text = serde_json::to_string_pretty(value).expect("JSON serialises") + "\n";
        std::fs::write(dir.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    Ok(())
}

/// Runs the self-check on the pack in `dir`: the number of trials it ran, or why the pack
/// cannot be kept (a failure, no trial at all, or a check that could not run).
fn self_check(check: SelfCheck<'_>, dir: &Path, page_name: &str) -> Result<usize, ImportError> {
    match check(dir) {
        Ok(v) if v.failures.is_empty() && v.trials > 0 => Ok(v.trials),
        Ok(v) if v.failures.is_empty() => Err(ImportError::SelfCheckRun {
            page: page_name.into(),
            problem: "the pack plans no trial".into(),
        }),
        Ok(v) => Err(ImportError::SelfCheck {
            page: page_name.into(),
            failures: v.failures,
        }),
        Err(problem) => Err(ImportError::SelfCheckRun {
            page: page_name.into(),
            problem,
        }),
    }
}
