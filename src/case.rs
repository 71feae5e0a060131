//! The case-file model and its loading. A case names its clause, its request and what it
//! expects; adding a case is editing JSON. Errors name the file, the case and the field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contract::C1_1;

use crate::contract::Level;

/// Which spelling of a path a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Spelling {
    /// As the page prints it: empty `//` segments and a trailing slash kept.
    #[default]
    Printed,
    /// Single slashes, no trailing slash.
    Normalised,
}

/// One case file: either a variant's file (`variant` set, with the cases only it needs) or a
/// file of cases that every variant runs once each.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    variant: Option<String>,
    /// The path template as the page prints it; optional (the pack's `variants` say it), and
    /// when given it must be the pack's.
    #[serde(default)]
    template: Option<String>,
    /// For readers of the file: what its cases are for.
    #[serde(default, rename = "description")]
    _description: Option<String>,
    cases: Vec<Case>,
}

/// A case file's `"kind"`: which [`Expectation`] the case's fields make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Accepted,
    Refused,
    Either,
    Repeat,
    Alias,
    Concurrent,
}

/// Which keys fill the variant's template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum IdChoice {
    /// The variant's own keys from the ids file.
    #[default]
    Variant,
    /// The canonical variant's first key in the variant's first key (the first wave's
    /// "direct"): an entity without the variant's navigations (C1.3).
    Direct,
    /// A fresh GUID as the first key, which no entity has (C1.3).
    Unknown,
    /// An entity that has the navigation after the cast but is not of the cast's type (C1.3).
    CastMismatch,
    /// An entity of the right type that lacks the variant's navigation (C1.3).
    MissingNavigation,
    /// A last key that is not a member of its collection (C1.3).
    NotAMember,
}

impl IdChoice {
    /// The ids file's probe name for this choice, when it is a probe.
    pub(crate) fn probe(self) -> Option<&'static str> {
        match self {
            Self::CastMismatch => Some("cast-mismatch"),
            Self::MissingNavigation => Some("missing-navigation"),
            Self::NotAMember => Some("not-a-member"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Auth {
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
    /// `Bearer $GRAPH_TOKEN_NO_SCOPE`: without the pack's write permission.
    NoScope,
    /// `Bearer $GRAPH_TOKEN_READ_ONLY`: with the pack's read permission only.
    ReadOnly,
    /// `Bearer $GRAPH_TOKEN_APP`: an application token whose roles grant the write permission.
    App,
}

impl Auth {
    /// The environment variable the token comes from, for the tokens a run may lack.
    pub(crate) fn optional_token(self) -> Option<&'static str> {
        match self {
            Auth::NoScope => Some("GRAPH_TOKEN_NO_SCOPE"),
            Auth::ReadOnly => Some("GRAPH_TOKEN_READ_ONLY"),
            Auth::App => Some("GRAPH_TOKEN_APP"),
            _ => None,
        }
    }
}

fn json_content_type() -> Option<String> {
    Some("application/json".into())
}

/// A case's request; written, it gives only what differs from what the reader fills in.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestSpec {
    #[serde(default = "default_method", skip_serializing_if = "is_patch")]
    pub method: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub spelling: Spelling,
    #[serde(default, skip_serializing_if = "is_default")]
    pub id: IdChoice,
    #[serde(default, skip_serializing_if = "is_default")]
    pub auth: Auth,
    /// `null` sends no Content-Type at all.
    #[serde(
        default = "json_content_type",
        skip_serializing_if = "is_json_content_type"
    )]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body as JSON; numbers keep their text (`45e-1`, `1e400`) as written in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The body as raw text, for what JSON cannot hold (malformed JSON, invalid structure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_raw: Option<String>,
    /// The body as raw text made of repeated parts (`[["[", 10000], ["1", 1], ["]", 10000]]`),
    /// for bodies too large to write out (C6.2's pathological inputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_parts: Option<Vec<(String, usize)>>,
}

fn is_patch(method: &str) -> bool {
    method == default_method()
}

fn is_json_content_type(content_type: &Option<String>) -> bool {
    *content_type == json_content_type()
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
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
            body_parts: None,
        }
    }
}

impl RequestSpec {
    /// The body text to send, if any: `body_raw` verbatim when given (generated inputs carry
    /// both, the parsed body for the checks and the raw text for the wire).
    pub(crate) fn body_text(&self) -> Option<String> {
        if let Some(parts) = &self.body_parts {
            return Some(parts.iter().map(|(text, n)| text.repeat(*n)).collect());
        }
        match (&self.body_raw, &self.body) {
            (Some(raw), _) => Some(raw.clone()),
            (None, Some(v)) => Some(v.to_string()),
            (None, None) => None,
        }
    }
}

/// A case as its file writes it: the kind's fields flat beside the rest. Read into [`Case`],
/// which gives each kind only its own fields.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CaseFields {
    name: String,
    clause: String,
    #[serde(default = "must", skip_serializing_if = "is_must")]
    level: Level,
    #[serde(default)]
    description: String,
    kind: Kind,
    #[serde(default)]
    request: RequestSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<Vec<u16>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preferred_status: Option<Vec<u16>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bodies: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rounds: Option<u32>,
}

impl From<&Case> for CaseFields {
    /// The file form of a case: the inverse of reading it.
    fn from(c: &Case) -> Self {
        let (kind, status, preferred, bodies, rounds) = match &c.expect {
            Expectation::Accepted => (Kind::Accepted, None, None, None, None),
            Expectation::Refused {
                status,
                preferred_status,
            } => (
                Kind::Refused,
                Some(status.clone()),
                (!preferred_status.is_empty()).then(|| preferred_status.clone()),
                None,
                None,
            ),
            Expectation::Either { status } => {
                (Kind::Either, Some(status.clone()), None, None, None)
            }
            Expectation::Repeat => (Kind::Repeat, None, None, None, None),
            Expectation::Alias => (Kind::Alias, None, None, None, None),
            Expectation::Concurrent { bodies, rounds } => {
                (Kind::Concurrent, None, None, Some(bodies.clone()), *rounds)
            }
        };
        CaseFields {
            name: c.name.clone(),
            clause: c.clause.clone(),
            level: c.level,
            description: c.description.clone(),
            kind,
            request: c.request.clone(),
            status,
            preferred_status: preferred,
            bodies,
            rounds,
        }
    }
}

/// A case file's JSON, as `import` writes it and [`Suite::load`] reads it: `variant` (its
/// name and printed template) for a variant's own cases, none for the cases every variant runs.
pub(crate) fn written(variant: Option<(&str, &str)>, description: &str, cases: &[Case]) -> Value {
    let mut file = Map::new();
    if let Some((name, template)) = variant {
        file.insert("variant".into(), Value::from(name));
        file.insert("template".into(), Value::from(template));
    }
    file.insert("description".into(), Value::from(description));
    let cases = cases.iter().map(written_case).collect();
    file.insert("cases".into(), Value::Array(cases));
    Value::Object(file)
}

fn written_case(c: &Case) -> Value {
    let mut value = serde_json::to_value(CaseFields::from(c)).expect("a case serialises");
    // A spelling case names its spelling, the default too, so that its reader sees which one
    // it tests.
    if c.clause == C1_1 {
        value["request"]["spelling"] =
            serde_json::to_value(c.request.spelling).expect("a spelling serialises");
    }
    value
}

fn is_must(level: &Level) -> bool {
    *level == Level::Must
}

/// One case: the clause it enforces, its request, and what its kind expects.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "CaseFields")]
pub(crate) struct Case {
    pub name: String,
    pub clause: String,
    pub level: Level,
    pub description: String,
    pub request: RequestSpec,
    pub expect: Expectation,
}

/// What a case's kind expects, with that kind's own fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expectation {
    /// A valid PATCH: 200 with the entity (C4), persisted (C5.1).
    Accepted,
    /// Refused with one of `status` and an error body, nothing changed; `preferred_status` is
    /// a SHOULD within them (C2.2 prefers 403 to 401): others warn.
    Refused {
        status: Vec<u16>,
        preferred_status: Vec<u16>,
    },
    /// Accepted without change or refused, with one of `status` (C3.7's `{}`); nothing
    /// changed either way.
    Either { status: Vec<u16> },
    /// The same valid PATCH twice (C5.2).
    Repeat,
    /// A valid PATCH through the variant, read back through the canonical path (C1.2).
    Alias,
    /// `bodies` (of disjoint properties) sent at the same time, `rounds` times (C5.4).
    Concurrent {
        bodies: Vec<Value>,
        rounds: Option<u32>,
    },
}

impl Expectation {
    /// The statuses that keep the clause when the request is answered otherwise than with
    /// success: a refusal's or an either's.
    pub(crate) fn statuses(&self) -> &[u16] {
        match self {
            Self::Refused { status, .. } | Self::Either { status } => status,
            Self::Accepted | Self::Repeat | Self::Alias | Self::Concurrent { .. } => &[],
        }
    }

    /// A refusal or an either: the request must leave the entity as it was.
    pub(crate) fn changes_nothing(&self) -> bool {
        matches!(self, Self::Refused { .. } | Self::Either { .. })
    }
}

/// What the executor runs and the checks judge: a request, the clause it enforces, at what
/// level, and what it expects. A case lends its own; a generated input builds one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Judged<'a> {
    pub clause: &'a str,
    pub level: Level,
    pub request: &'a RequestSpec,
    pub expect: &'a Expectation,
}

impl<'a> From<&'a Case> for Judged<'a> {
    fn from(case: &'a Case) -> Self {
        Judged {
            clause: &case.clause,
            level: case.level,
            request: &case.request,
            expect: &case.expect,
        }
    }
}

impl TryFrom<CaseFields> for Case {
    type Error = String;

    fn try_from(f: CaseFields) -> Result<Self, String> {
        if let Some((field, owners)) = stray_field(&f) {
            let kind = format!("{:?}", f.kind).to_lowercase();
            return Err(format!(
                "case {:?}: {field:?} belongs to kind {owners}, not {kind:?}; drop it or change \"kind\"",
                f.name
            ));
        }
        let expect = match f.kind {
            Kind::Accepted => Expectation::Accepted,
            Kind::Refused => Expectation::Refused {
                status: f.status.unwrap_or_default(),
                preferred_status: f.preferred_status.unwrap_or_default(),
            },
            Kind::Either => Expectation::Either {
                status: f.status.unwrap_or_default(),
            },
            Kind::Repeat => Expectation::Repeat,
            Kind::Alias => Expectation::Alias,
            Kind::Concurrent => Expectation::Concurrent {
                bodies: f.bodies.unwrap_or_default(),
                rounds: f.rounds,
            },
        };
        Ok(Case {
            name: f.name,
            clause: f.clause,
            level: f.level,
            description: f.description,
            request: f.request,
            expect,
        })
    }
}

/// The first field given that belongs to another kind than the case's: its name and the kinds
/// it belongs to.
fn stray_field(f: &CaseFields) -> Option<(&'static str, &'static str)> {
    let given = [
        ("status", f.status.is_some(), "\"refused\" or \"either\""),
        (
            "preferred_status",
            f.preferred_status.is_some(),
            "\"refused\"",
        ),
        ("bodies", f.bodies.is_some(), "\"concurrent\""),
        ("rounds", f.rounds.is_some(), "\"concurrent\""),
    ];
    let own: &[&str] = match f.kind {
        Kind::Refused => &["status", "preferred_status"],
        Kind::Either => &["status"],
        Kind::Concurrent => &["bodies", "rounds"],
        Kind::Accepted | Kind::Repeat | Kind::Alias => &[],
    };
    given
        .into_iter()
        .find(|(field, is_given, _)| *is_given && !own.contains(field))
        .map(|(field, _, owners)| (field, owners))
}

fn must() -> Level {
    Level::Must
}

/// Every case file of a pack, checked: the cases every variant runs, and each variant's own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Suite {
    pub common: Vec<Case>,
    pub per_variant: BTreeMap<String, Vec<Case>>,
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

/// What the case files are checked against: the pack's variants (name → printed template) and
/// its properties.
pub(crate) struct Expect<'a> {
    pub variants: &'a BTreeMap<String, String>,
    pub model: &'a crate::domain::EntityModel,
}

impl Suite {
    /// Parses and checks every case file: (file name, text) pairs.
    pub(crate) fn load(files: &[(String, String)], expect: &Expect<'_>) -> Result<Self, CaseError> {
        let mut suite = Suite::default();
        let mut names = BTreeMap::new();
        for (file, text) in files {
            let parsed: CaseFile =
                serde_json::from_str(text).map_err(|source| CaseError::Parse {
                    file: file.clone(),
                    source,
                })?;
            for case in &parsed.cases {
                check_case(file, case, expect)?;
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
            match parsed.variant {
                None if parsed.template.is_some() => {
                    return Err(CaseError::File {
                        file: file.clone(),
                        problem: "\"template\" without \"variant\": name the variant the file is for, or drop both for cases every variant runs".into(),
                    })
                }
                None => suite.common.extend(parsed.cases),
                Some(name) => {
                    let Some(template) = expect.variants.get(&name) else {
                        return Err(CaseError::File {
                            file: file.clone(),
                            problem: format!(
                                "\"variant\": {name:?} is not a variant of the pack; use one of {}",
                                expect.variants.keys().cloned().collect::<Vec<_>>().join(", ")
                            ),
                        });
                    };
                    if parsed.template.as_ref().is_some_and(|t| t != template) {
                        return Err(CaseError::File {
                            file: file.clone(),
                            problem: format!("\"template\" differs from the pack's {template:?}; drop it or write the pack's"),
                        });
                    }
                    suite.per_variant.entry(name).or_default().extend(parsed.cases);
                }
            }
        }
        Ok(suite)
    }

    /// The cases `variant` runs: every variant's, then its own.
    pub(crate) fn cases_of<'a>(&'a self, variant: &str) -> impl Iterator<Item = &'a Case> {
        self.common
            .iter()
            .chain(self.per_variant.get(variant).into_iter().flatten())
    }
}

fn check_case(file: &str, case: &Case, expect: &Expect<'_>) -> Result<(), CaseError> {
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
    let given = [
        case.request.body.is_some(),
        case.request.body_raw.is_some(),
        case.request.body_parts.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return bad("give one of \"body\", \"body_raw\" and \"body_parts\"".into());
    }
    let size: usize = case
        .request
        .body_parts
        .iter()
        .flatten()
        .map(|(t, n)| t.len().saturating_mul(*n))
        .sum();
    if size > 16 << 20 {
        return bad("\"body_parts\" makes a body over 16 MiB; make it smaller".into());
    }
    if let Err(problem) = expectation_problem(case) {
        return bad(problem);
    }
    if !["PATCH", "GET"].contains(&case.request.method.as_str()) {
        return bad("\"request.method\" must be PATCH or GET".into());
    }
    let bodies: Vec<&Value> = match &case.expect {
        Expectation::Accepted
        | Expectation::Repeat
        | Expectation::Alias
        | Expectation::Either { .. } => case.request.body.iter().collect(),
        Expectation::Concurrent { bodies, .. } => case.request.body.iter().chain(bodies).collect(),
        Expectation::Refused { .. } => Vec::new(),
    };
    for name in bodies
        .into_iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys())
    {
        if !crate::domain::value::is_annotation(name) && expect.model.property(name).is_none() {
            return bad(format!(
                "the body sets {name:?}, which is not a property of the pack's entity {}; this kind of case sends only its properties (write refused cases for unknown ones)",
                expect.model.type_name
            ));
        }
    }
    Ok(())
}

/// What the case's kind needs and the case lacks: a body to accept, the statuses of a refusal,
/// the bodies sent at once.
fn expectation_problem(case: &Case) -> Result<(), String> {
    match &case.expect {
        Expectation::Accepted | Expectation::Repeat | Expectation::Alias
            if !matches!(case.request.body, Some(Value::Object(_))) =>
        {
            Err(format!(
                "kind {:?} needs \"request.body\" as a JSON object",
                case.expect
            )
            .to_lowercase())
        }
        Expectation::Refused { status, .. } | Expectation::Either { status }
            if status.is_empty() =>
        {
            Err(
                "kind \"refused\" / \"either\" needs \"status\": the statuses that keep the clause"
                    .into(),
            )
        }
        Expectation::Concurrent { bodies, .. }
            if bodies.len() < 2 || !bodies.iter().all(Value::is_object) =>
        {
            Err("kind \"concurrent\" needs \"bodies\": two or more JSON objects".into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{Case, Expectation};

    fn read(text: &str) -> Result<Case, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn each_kind_reads_into_its_own_fields() {
        let refused = read(
            r#"{"name": "x", "clause": "C2.2", "kind": "refused", "request": {"auth": "no-scope"}, "status": [401, 403], "preferred_status": [403]}"#,
        );
        let expect = refused.map(|c| c.expect);
        assert_eq!(
            expect,
            Ok(Expectation::Refused {
                status: vec![401, 403],
                preferred_status: vec![403]
            })
        );
        let concurrent = read(
            r#"{"name": "x", "clause": "C5.4", "kind": "concurrent", "bodies": [{"a": 1}, {"b": 2}], "rounds": 3}"#,
        );
        assert!(matches!(
            concurrent.map(|c| c.expect),
            Ok(Expectation::Concurrent { bodies, rounds: Some(3) }) if bodies.len() == 2
        ));
        let accepted = read(r#"{"name": "x", "clause": "C4.4", "kind": "accepted"}"#);
        assert_eq!(accepted.map(|c| c.expect), Ok(Expectation::Accepted));
    }

    #[test]
    fn a_field_of_another_kind_is_refused_naming_the_field_and_its_kinds() {
        let rows = [
            (
                r#""kind": "accepted", "status": [400]"#,
                r#""status" belongs to kind "refused" or "either", not "accepted""#,
            ),
            (
                r#""kind": "either", "status": [200], "preferred_status": [200]"#,
                r#""preferred_status" belongs to kind "refused", not "either""#,
            ),
            (
                r#""kind": "refused", "status": [400], "rounds": 2"#,
                r#""rounds" belongs to kind "concurrent", not "refused""#,
            ),
            (
                r#""kind": "concurrent", "bodies": [{}, {}], "status": [200]"#,
                r#""status" belongs to kind "refused" or "either", not "concurrent""#,
            ),
        ];
        for (fields, said) in rows {
            let text = format!(r#"{{"name": "x", "clause": "C4.4", {fields}}}"#);
            let error = read(&text).err().unwrap_or_default();
            assert!(error.contains(said), "{text}: {error}");
            assert!(error.contains("case \"x\""), "{error}");
        }
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let error = read(r#"{"name": "x", "clause": "C3.8", "kind": "refused", "statuss": [400]}"#)
            .err()
            .unwrap_or_default();
        assert!(error.contains("unknown field `statuss`"), "{error}");
    }
}
