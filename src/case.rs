//! The case-file model and its loading. A case names its clause, its request and what it
//! expects; adding a case is editing JSON. Errors name the file, the case and the field.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::outcome::Level;

/// One case file: either a variant's file (`variant` and `template` set, with the cases only it
/// needs) or a file of cases that every variant runs once each.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    variant: Option<String>,
    /// The path template exactly as the page prints it, `{deviceConfigurationId}` included.
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // documentation for readers of the file
    description: Option<String>,
    cases: Vec<Case>,
}

/// What the case's exchanges are and so which checks judge them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A valid PATCH: 200 with the entity (C4), persisted (C5.1).
    Accepted,
    /// An invalid or unauthorised request: refused with an error body, nothing changed.
    Refused,
    /// Either accepted without change or refused (C3.7's `{}`); nothing changed either way.
    Either,
    /// The same valid PATCH twice (C5.2).
    Repeat,
    /// A valid PATCH through the variant, read back through the direct path of `overviewOf` (C1.2).
    Alias,
    /// `bodies` sent at the same time, `rounds` times (C5.4).
    Concurrent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Spelling {
    /// With the empty `//` segments and the trailing slash, as the page prints it.
    #[default]
    Printed,
    /// Single slashes, no trailing slash.
    Normalised,
}

/// Which configuration id fills `{deviceConfigurationId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdChoice {
    /// The variant's own configuration from the ids file.
    #[default]
    Variant,
    /// The `direct` configuration: of no cast type and without navigations (C1.3).
    Direct,
    /// A fresh GUID no configuration has (C1.3).
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    /// `Bearer $GRAPH_TOKEN`.
    #[default]
    Valid,
    None,
    /// Credentials in another scheme (`Basic …`).
    NotBearer,
    /// `Bearer` and a token nobody can read.
    Unreadable,
    /// A well-formed token whose `exp` has passed.
    Expired,
    /// `Bearer $GRAPH_TOKEN_NO_SCOPE`: without DeviceManagementConfiguration.ReadWrite.All.
    NoScope,
}

fn json_content_type() -> Option<String> {
    Some("application/json".into())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    #[serde(default = "default_method")]
    pub method: String,
    #[serde(default)]
    pub spelling: Spelling,
    #[serde(default)]
    pub id: IdChoice,
    #[serde(default)]
    pub auth: Auth,
    /// `null` sends no Content-Type at all.
    #[serde(default = "json_content_type")]
    pub content_type: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body as JSON; numbers keep their text (`45e-1`, `1e400`) as written in the file.
    #[serde(default)]
    pub body: Option<Value>,
    /// The body as raw text, for what JSON cannot hold (malformed JSON, invalid structure).
    #[serde(default)]
    pub body_raw: Option<String>,
}

fn default_method() -> String {
    "PATCH".into()
}

impl Default for RequestSpec {
    fn default() -> Self {
        Self {
            method: default_method(),
            spelling: Spelling::default(),
            id: IdChoice::default(),
            auth: Auth::default(),
            content_type: json_content_type(),
            headers: BTreeMap::new(),
            body: None,
            body_raw: None,
        }
    }
}

impl RequestSpec {
    /// The body text to send, if any: `body_raw` verbatim when given (generated inputs carry
    /// both, the parsed body for the checks and the raw text for the wire).
    pub fn body_text(&self) -> Option<String> {
        match (&self.body_raw, &self.body) {
            (Some(raw), _) => Some(raw.clone()),
            (None, Some(v)) => Some(v.to_string()),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub clause: String,
    #[serde(default = "must")]
    pub level: Level,
    #[serde(default)]
    pub description: String,
    pub kind: Kind,
    #[serde(default)]
    pub request: RequestSpec,
    /// `refused` / `either`: the statuses that keep the clause.
    #[serde(default)]
    pub status: Vec<u16>,
    /// A SHOULD within the allowed statuses (C2.2 prefers 403 to 401): others warn.
    #[serde(default)]
    pub preferred_status: Vec<u16>,
    /// `concurrent`: bodies of disjoint properties, sent at once.
    #[serde(default)]
    pub bodies: Vec<Value>,
    #[serde(default)]
    pub rounds: Option<u32>,
}

fn must() -> Level {
    Level::Must
}

/// A path variant: its fixed name, its template as printed, and the cases only it runs.
#[derive(Debug, Clone)]
pub struct VariantDef {
    pub name: String,
    pub template: String,
    pub cases: Vec<Case>,
}

/// Every case file of a pack, checked.
#[derive(Debug, Clone)]
pub struct Suite {
    pub common: Vec<Case>,
    pub variants: Vec<VariantDef>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{file}: {source}; fix the case file (unknown fields are refused so a typo cannot silently drop a check)")]
    Parse {
        file: String,
        source: serde_json::Error,
    },
    #[error("{file}: case {case:?}: {problem}")]
    Invalid {
        file: String,
        case: String,
        problem: String,
    },
    #[error("{file}: {problem}")]
    File { file: String, problem: String },
}

pub const PLACEHOLDER: &str = "{deviceConfigurationId}";

impl Suite {
    /// Parses and checks every case file: (file name, text) pairs.
    pub fn load(files: &[(String, String)]) -> Result<Self, CaseError> {
        let mut common = Vec::new();
        let mut variants: Vec<VariantDef> = Vec::new();
        let mut names = BTreeMap::new();
        for (file, text) in files {
            let parsed: CaseFile =
                serde_json::from_str(text).map_err(|source| CaseError::Parse {
                    file: file.clone(),
                    source,
                })?;
            for case in &parsed.cases {
                check_case(file, case)?;
                if let Some(other) =
                    names.insert((parsed.variant.clone(), case.name.clone()), file.clone())
                {
                    return Err(CaseError::Invalid {
                        file: file.clone(),
                        case: case.name.clone(),
                        problem: format!(
                            "the name is used twice (also in {other}); give each case its own name"
                        ),
                    });
                }
            }
            match (parsed.variant, parsed.template) {
                (None, None) => common.extend(parsed.cases),
                (Some(name), Some(template)) => {
                    if !template.contains(PLACEHOLDER) || !template.starts_with('/') {
                        return Err(CaseError::File {
                            file: file.clone(),
                            problem: format!("\"template\" must start with '/' and contain {PLACEHOLDER}"),
                        });
                    }
                    if variants.iter().any(|v| v.name == name) {
                        return Err(CaseError::File {
                            file: file.clone(),
                            problem: format!("variant {name:?} is defined twice"),
                        });
                    }
                    variants.push(VariantDef {
                        name,
                        template,
                        cases: parsed.cases,
                    });
                }
                _ => {
                    return Err(CaseError::File {
                        file: file.clone(),
                        problem: "a variant file needs both \"variant\" and \"template\"; a file for every variant has neither".into(),
                    })
                }
            }
        }
        if !variants.iter().any(|v| v.name == "direct") {
            return Err(CaseError::File {
                file: "the case files".into(),
                problem:
                    "no variant is named \"direct\"; it is needed to read overviews back (C1.2, C5)"
                        .into(),
            });
        }
        Ok(Self { common, variants })
    }
}

fn check_case(file: &str, case: &Case) -> Result<(), CaseError> {
    let bad = |problem: String| {
        Err(CaseError::Invalid {
            file: file.to_owned(),
            case: case.name.clone(),
            problem,
        })
    };
    let clause_ok = case.clause.len() >= 4
        && case.clause.starts_with('C')
        && case.clause[1..].split('.').count() == 2
        && case.clause[1..]
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !clause_ok {
        return bad(format!(
            "\"clause\" {:?} is not a clause id like \"C4.4\"",
            case.clause
        ));
    }
    if case.name.is_empty() || case.name.contains("::") || case.name.contains(char::is_whitespace) {
        return bad(
            "\"name\" must be non-empty, without spaces or \"::\" (it is part of the trial name)"
                .into(),
        );
    }
    if case.request.body.is_some() && case.request.body_raw.is_some() {
        return bad("give \"body\" or \"body_raw\", not both".into());
    }
    let needs_body = matches!(case.kind, Kind::Accepted | Kind::Repeat | Kind::Alias);
    if needs_body && !matches!(case.request.body, Some(Value::Object(_))) {
        return bad(format!(
            "kind {:?} needs \"request.body\" as a JSON object",
            case.kind
        )
        .to_lowercase());
    }
    if matches!(case.kind, Kind::Refused | Kind::Either) && case.status.is_empty() {
        return bad(
            "kind \"refused\" / \"either\" needs \"status\": the statuses that keep the clause"
                .into(),
        );
    }
    if case.kind == Kind::Concurrent
        && (case.bodies.len() < 2 || !case.bodies.iter().all(Value::is_object))
    {
        return bad("kind \"concurrent\" needs \"bodies\": two or more JSON objects".into());
    }
    if !["PATCH", "GET"].contains(&case.request.method.as_str()) {
        return bad("\"request.method\" must be PATCH or GET".into());
    }
    Ok(())
}
