//! The suite of a pack, made from its entity, variants and fixtures: the cases every variant
//! runs (the page's example, each response clause, auth, media type, body shape, every rule of
//! every type the entity uses, atomicity, errors) and each variant's own (spellings, alias,
//! routing probes). The seed page's pack was written by hand before this existed; the names made
//! here are its names, so an imported seed page runs the same trials.

use serde_json::{json, Map, Value};

use crate::case::{written, Auth, Case, Expectation, IdChoice, RequestSpec, Spelling};
use crate::contract::Level;
use crate::contract::{
    C1_1, C1_2, C1_3, C2_1, C2_2, C2_3, C3_1, C3_2, C3_3, C3_6, C3_7, C4_1, C4_2, C4_3, C4_4, C4_5,
    C4_6, C4_7, C5_1, C5_2, C5_3, C5_4, C6_1, C6_2,
};
use crate::domain::edm::{NamedCases, ValidCases};
use crate::domain::types::Family;
use crate::domain::{EntityModel, Property, TypeRef};
use crate::generate::typed;
use crate::pack::file::{FixturesFile, Permissions};
use crate::pack::PackVariant;

/// A case file: its name and its JSON.
pub(crate) type CaseFile = (String, Value);

/// Every case file of the pack: `all-variants.json`, then one per variant.
pub(crate) fn synthesize(
    model: &EntityModel,
    permissions: &Permissions,
    example: Option<&Value>,
    variants: &[PackVariant],
    fixtures: &FixturesFile,
) -> Vec<CaseFile> {
    let s = Synth { model, permissions };
    let mut common = s.accepted(example);
    common.extend(s.shape_and_auth());
    common.extend(s.invalid_values());
    common.extend(s.atomicity_and_errors());
    let mut files = vec![(
        "all-variants.json".to_owned(),
        written(
            None,
            "Cases every path variant runs once each. Each names the clause it enforces (CONTRACT.md, C1–C7); made by `graph-conformance import`.",
            &common,
        ),
    )];
    for (i, v) in variants.iter().enumerate() {
        let cases = s.variant_cases(v, i == 0, fixtures);
        files.push((
            format!("{}.json", v.name),
            written(
                Some((&v.name, v.template.printed())),
                &format!("Path variant {}: the cases only it needs.", v.name),
                &cases,
            ),
        ));
    }
    files
}

struct Synth<'a> {
    model: &'a EntityModel,
    permissions: &'a Permissions,
}

/// The cases a hand-written pack named for a family's type, where it has them.
fn named(f: Family) -> Option<&'static NamedCases> {
    match f {
        Family::Primitive(p) => p.spec().named,
        Family::Enum | Family::Collection | Family::Complex => None,
    }
}

/// How a family is called in case names (the seed's cases have their own words).
fn case_word(f: Family) -> &'static str {
    named(f).map_or_else(|| f.word(), |n| n.word)
}

/// Every number [`Synth::simple`] is given is at most this (the concurrent bodies count up
/// from 1001): an integer type whose range holds it takes the number itself.
const LARGEST_COUNT: i64 = 1_008;

fn case(
    name: &str,
    clause: &str,
    description: &str,
    request: RequestSpec,
    expect: Expectation,
) -> Case {
    Case {
        name: name.to_owned(),
        clause: clause.to_owned(),
        level: Level::Must,
        description: description.to_owned(),
        request,
        expect,
    }
}

fn refused(
    name: &str,
    clause: &str,
    description: &str,
    request: RequestSpec,
    status: &[u16],
) -> Case {
    let expect = Expectation::Refused {
        status: status.to_vec(),
        preferred_status: Vec::new(),
    };
    case(name, clause, description, request, expect)
}

/// A request sending `body` as JSON.
fn sending(body: Value) -> RequestSpec {
    RequestSpec {
        body: Some(body),
        ..RequestSpec::default()
    }
}

/// A request sending `text` as its body, verbatim.
fn sending_raw(text: String) -> RequestSpec {
    RequestSpec {
        body_raw: Some(text),
        ..RequestSpec::default()
    }
}

/// A body as repeated parts: each text and how many times it comes.
type Parts<'a> = &'a [(&'a str, usize)];

/// A request whose body is made of repeated parts.
fn sending_parts(parts: Parts<'_>) -> RequestSpec {
    RequestSpec {
        body_parts: Some(parts.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()),
        ..RequestSpec::default()
    }
}

/// A PATCH with `body` and the test token `auth`, to be refused with one of `status`.
fn refused_with_auth(
    name: &str,
    clause: &str,
    description: &str,
    auth: Auth,
    body: Value,
    status: &[u16],
) -> Case {
    let request = RequestSpec {
        auth,
        ..sending(body)
    };
    refused(name, clause, description, request, status)
}

/// A valid PATCH with `body`.
fn accept(name: &str, clause: &str, description: &str, body: Value) -> Case {
    case(
        name,
        clause,
        description,
        sending(body),
        Expectation::Accepted,
    )
}

/// Refusals (400) of each of a type's named invalid values on `p`, alone; the `…-null` one
/// only when `p` is not nullable.
fn named_refusals(p: &Property, clause: &str, named: &NamedCases) -> Vec<Case> {
    let n = serde_json::to_string(&p.name).unwrap_or_default();
    named
        .invalid
        .iter()
        .filter(|(name, _, _)| !(p.nullable && name.ends_with("-null")))
        .map(|(name, value, description)| {
            let request = if named.invalid_raw {
                sending_raw(format!("{{{n}: {value}}}"))
            } else {
                sending(json!({ &p.name: text(value) }))
            };
            refused(name, clause, description, request, &[400])
        })
        .collect()
}

fn body_of(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn text(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

impl Synth<'_> {
    fn writable(&self) -> Vec<&Property> {
        self.model.writable().map(|(_, p)| p).collect()
    }

    /// The index of the last writable property (0 when there is none).
    fn last(&self) -> usize {
        self.writable().len().saturating_sub(1)
    }

    /// The `k`-th writable property (cycling).
    fn nth(&self, k: usize) -> &Property {
        let w = self.writable();
        w[k % w.len()]
    }

    /// A plain valid value of `p`, varied by `n`: the number `n` for integers, else one of the
    /// type's valid edges.
    fn simple(&self, p: &Property, n: usize) -> Value {
        if let TypeRef::Primitive(t) = &p.ty {
            let range = t.spec().range;
            if range.is_some_and(|r| r.min <= 0 && LARGEST_COUNT <= r.max) {
                return json!(n);
            }
        }
        let edges = typed::valid_edges(&self.model.types, &p.ty, false);
        edges
            .get(n % edges.len().max(1))
            .map_or(Value::Null, |(j, _)| text(j))
    }

    fn one(&self, k: usize, n: usize) -> Value {
        let p = self.nth(k);
        body_of(&[(&p.name, self.simple(p, n))])
    }

    /// The writable properties of a family.
    fn of(&self, f: Family) -> Vec<&Property> {
        self.writable()
            .into_iter()
            .filter(|p| Family::of(&p.ty) == f)
            .collect()
    }

    /// The families the writable properties use, in a stable order.
    fn families(&self) -> Vec<Family> {
        Family::all()
            .into_iter()
            .filter(|f| !self.of(*f).is_empty())
            .collect()
    }

    /// Valid PATCHes: the page's example, each response clause, each type's valid edges, the
    /// request forms allowed, persistence and concurrency, null and read-only properties.
    fn accepted(&self, example: Option<&Value>) -> Vec<Case> {
        let mut out = self.answers(example);
        out.extend(self.valid_edges());
        out.extend(self.merges());
        out.extend(self.key_and_headers());
        out.extend(self.allowed_forms());
        out.extend(self.persistence());
        out.extend(self.concurrent());
        out.extend(self.nullable_and_read_only());
        out
    }

    /// C4.1–C4.4: the page's example (or every property, when the page has none) and the
    /// answer a valid PATCH gets.
    fn answers(&self, example: Option<&Value>) -> Vec<Case> {
        let last = self.last();
        let every: Value = Value::Object(
            self.writable()
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.clone(), self.simple(p, i + 2)))
                .collect(),
        );
        let example = example.filter(|e| e.is_object()).cloned().unwrap_or(every);
        vec![
            accept(
                "doc-example",
                C4_4,
                "The page's own example request; every property comes back as sent.",
                example,
            ),
            accept(
                "valid-patch-answers-200",
                C4_1,
                "A valid PATCH answers with the page's success status and the updated entity.",
                self.one(last, 15),
            ),
            accept(
                "answer-is-json",
                C4_2,
                "The answer's Content-Type is application/json (parameters allowed).",
                self.one(0, 5),
            ),
            accept(
                "answer-is-the-full-entity",
                C4_3,
                "The answer validates against the entity schema: every property, no others.",
                self.one(3, 1),
            ),
        ]
    }

    /// C4.5: a PATCH merges, for the first property's family and once for every other family.
    fn merges(&self) -> Vec<Case> {
        let mut out = vec![accept(
            "partial-update-merges",
            C4_5,
            "Properties not sent keep their values: PATCH merges.",
            self.one(2, 7),
        )];
        for f in self
            .families()
            .into_iter()
            .filter(|f| *f != Family::of(&self.nth(0).ty))
        {
            let p = self.of(f)[0];
            let body = body_of(&[(&p.name, self.simple(p, 1))]);
            out.push(accept(
                &format!("partial-{}-merges", case_word(f)),
                C4_5,
                &format!(
                    "Sending only a {} property leaves every other property as it was.",
                    f.word()
                ),
                body,
            ));
        }
        out
    }

    /// C4.6 and C4.7: the key stays, and the answer carries the request ids and OData-Version.
    fn key_and_headers(&self) -> Vec<Case> {
        let mut should = accept(
            "request-ids-and-odata-version",
            C4_7,
            "request-id present, client-request-id echoed, OData-Version 4.0.",
            self.one(1, 9),
        );
        should.level = Level::Should;
        vec![
            accept(
                "key-unchanged",
                C4_6,
                "The answer's key is the entity's key, unchanged.",
                self.one(self.last(), 3),
            ),
            should,
        ]
    }

    /// What a request may carry and still be valid: the entity's own `@odata.type` (C3.3) and a
    /// charset on its media type (C3.1).
    fn allowed_forms(&self) -> Vec<Case> {
        let p = self.nth(self.last());
        let annotated = body_of(&[
            ("@odata.type", json!(self.model.odata_type)),
            (&p.name, self.simple(p, 16)),
        ]);
        let mut charset = accept(
            "content-type-with-charset",
            C3_1,
            "application/json with a charset parameter is accepted.",
            self.one(0, 6),
        );
        charset.request.content_type = Some("application/json; charset=utf-8".into());
        vec![
            accept(
                "odata-type-annotation-accepted",
                C3_3,
                "The @odata.type annotation with the entity's own type is allowed in a request.",
                annotated,
            ),
            charset,
        ]
    }

    /// C5.1 and C5.2: an update is stored, and sending it twice leaves the state of one.
    fn persistence(&self) -> Vec<Case> {
        let last = self.last();
        let (a, b) = (self.nth(3), self.nth(last.saturating_sub(1)));
        let mut repeat = accept(
            "idempotent",
            C5_2,
            "The same PATCH twice succeeds both times and leaves the state of one.",
            body_of(&[
                (&self.nth(0).name, self.simple(self.nth(0), 12)),
                (&self.nth(last).name, self.simple(self.nth(last), 13)),
            ]),
        );
        repeat.expect = Expectation::Repeat;
        vec![
            accept(
                "persisted",
                C5_1,
                "A GET right after the PATCH returns the PATCH's values.",
                body_of(&[(&a.name, self.simple(a, 11)), (&b.name, self.simple(b, 4))]),
            ),
            repeat,
        ]
    }

    /// Each family's valid edges (C3.x: the clause that makes them valid).
    fn valid_edges(&self) -> Vec<Case> {
        let mut out = Vec::new();
        for f in self.families() {
            let props = self.of(f);
            match named(f).map(|n| &n.valid) {
                Some(ValidCases::Together(name, values, description)) => {
                    let body: Map<String, Value> = props
                        .iter()
                        .zip(values.iter())
                        .map(|(p, v)| (p.name.clone(), text(v)))
                        .collect();
                    out.push(accept(name, C4_4, description, Value::Object(body)));
                }
                Some(ValidCases::Each(rows)) => {
                    let p = &props[0].name;
                    out.extend(rows.iter().map(|(name, value, description)| {
                        accept(name, C4_4, description, json!({ p: text(value) }))
                    }));
                }
                None => out.extend(self.family_edges(f, &props)),
            }
        }
        out
    }

    /// The first few valid edges of a family's type, each on every property of it.
    fn family_edges(&self, f: Family, props: &[&Property]) -> Vec<Case> {
        let edges = typed::valid_edges(&self.model.types, &props[0].ty, false);
        edges
            .iter()
            .take(4)
            .enumerate()
            .map(|(k, (_, name))| {
                let body: Map<String, Value> = props
                    .iter()
                    .filter(|p| p.ty == props[0].ty)
                    .map(|p| {
                        (
                            p.name.clone(),
                            typed::valid_edges(&self.model.types, &p.ty, false)
                                .get(k)
                                .map_or(Value::Null, |(j, _)| text(j)),
                        )
                    })
                    .collect();
                accept(
                    &format!("{}-valid-edge-{}", case_word(f), k + 1),
                    f.clause(),
                    &format!(
                        "A valid {}: {name}; it comes back as sent (C4.4).",
                        f.word()
                    ),
                    Value::Object(body),
                )
            })
            .collect()
    }

    fn concurrent(&self) -> Vec<Case> {
        let writable = self.writable();
        let mut out = Vec::new();
        if writable.len() > 1 {
            let bodies: Vec<Value> = writable
                .iter()
                .take(8)
                .enumerate()
                .map(|(i, p)| body_of(&[(&p.name, self.simple(p, 1001 + i))]))
                .collect();
            let expect = Expectation::Concurrent {
                bodies,
                rounds: Some(4),
            };
            out.push(case("concurrent-disjoint-properties", C5_4, "PATCHes of disjoint properties sent at once all take effect (no lost update); four rounds.", RequestSpec::default(), expect));
        }
        let p = self.nth(writable.len().saturating_sub(1));
        let bodies: Vec<Value> = (1..=4)
            .map(|k| body_of(&[(&p.name, self.simple(p, k * 100))]))
            .collect();
        out.push(case(
            "concurrent-same-property",
            C5_4,
            "Concurrent PATCHes of one property leave one of the values sent.",
            RequestSpec::default(),
            Expectation::Concurrent {
                bodies,
                rounds: Some(2),
            },
        ));
        out
    }

    /// Nullable properties take null; read-only ones are never changed.
    fn nullable_and_read_only(&self) -> Vec<Case> {
        let mut out = Vec::new();
        for p in self.writable().into_iter().filter(|p| p.nullable) {
            out.push(accept(
                &format!("nullable-{}", p.name),
                p.ty.clause(),
                "A nullable property takes null and comes back null.",
                json!({ &p.name: null }),
            ));
        }
        for p in self
            .model
            .properties
            .iter()
            .filter(|p| p.read_only && p.name != self.model.key)
        {
            let value = typed::valid_edges(&self.model.types, &p.ty, false)
                .first()
                .map_or(Value::Null, |(j, _)| text(j));
            out.push(case(
                &format!("read-only-{}", p.name),
                C3_6,
                "A read-only property set to another value: 400, or 200 leaving it unchanged.",
                sending(json!({ &p.name: value })),
                Expectation::Either {
                    status: vec![200, 400],
                },
            ));
        }
        out
    }
}

impl Synth<'_> {
    /// Refusals of the request's shape and of its credentials (C2, C3.1, C3.2, C3.3, C3.7).
    fn shape_and_auth(&self) -> Vec<Case> {
        let first = self.nth(0);
        let with = |n: usize| body_of(&[(&first.name, self.simple(first, n))]);
        let name = serde_json::to_string(&first.name).unwrap_or_default();
        let mut out = self.auth_cases(&with);
        out.extend(self.body_cases(&with, &name));
        out.extend(self.other_tokens());
        out.extend(self.more_shapes(&with, &name));
        out
    }

    /// C3.7's `{}`, then C2.1–C2.3 with the test tokens.
    fn auth_cases(&self, with: &dyn Fn(usize) -> Value) -> Vec<Case> {
        let either = case(
            "empty-object",
            C3_7,
            "{} changes nothing; 200 with the unchanged entity or 400 are both conformant.",
            sending(json!({})),
            Expectation::Either {
                status: vec![200, 400],
            },
        );
        let mut out = vec![either];
        out.extend(self.unauthenticated(with));
        out.extend(self.unauthorised(with));
        out
    }

    /// C2.1: no credentials, or credentials the service must not take.
    fn unauthenticated(&self, with: &dyn Fn(usize) -> Value) -> Vec<Case> {
        vec![
            refused_with_auth(
                "no-authorization",
                C2_1,
                "No Authorization header: 401 with an error body, nothing changed.",
                Auth::None,
                with(41),
                &[401],
            ),
            refused_with_auth(
                "not-a-bearer-token",
                C2_1,
                "Credentials in another scheme (Basic): 401.",
                Auth::NotBearer,
                with(42),
                &[401],
            ),
            refused_with_auth(
                "unreadable-token",
                C2_1,
                "A bearer token the service cannot read: 401.",
                Auth::Unreadable,
                with(43),
                &[401],
            ),
            refused_with_auth(
                "expired-token",
                C2_1,
                "A token whose exp has passed: 401.",
                Auth::Expired,
                with(44),
                &[401],
            ),
        ]
    }

    /// C2.2 and C2.3: a token without the page's permission is refused, and a refused PATCH of
    /// every property changes none of them.
    fn unauthorised(&self, with: &dyn Fn(usize) -> Value) -> Vec<Case> {
        let every: Value = Value::Object(
            self.writable()
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.clone(), self.simple(p, 46 + i)))
                .collect(),
        );
        let mut no_scope = refused_with_auth(
            "token-without-scope",
            C2_2,
            "A token without the page's permission: 403 (401 tolerated as a SHOULD warning).",
            Auth::NoScope,
            with(45),
            &[401, 403],
        );
        prefer_403(&mut no_scope);
        vec![
            no_scope,
            refused_with_auth(
                "forbidden-changes-nothing",
                C2_3,
                "A refused PATCH of every property changes none of them.",
                Auth::NoScope,
                every.clone(),
                &[401, 403],
            ),
            refused_with_auth(
                "unauthenticated-changes-nothing",
                C2_3,
                "A PATCH without a token changes nothing.",
                Auth::None,
                every,
                &[401],
            ),
        ]
    }

    /// C3.1–C3.3 with one rule of the body broken each.
    fn body_cases(&self, with: &dyn Fn(usize) -> Value, name: &str) -> Vec<Case> {
        let first = self.nth(0);
        let raw = |name: &str, clause: &str, description: &str, body: String| {
            refused(name, clause, description, sending_raw(body), &[400])
        };
        vec![
            refused(
                "text-plain-body",
                C3_1,
                "Content-Type text/plain: 400 or 415.",
                with_content_type(Some("text/plain"), with(51)),
                &[400, 415],
            ),
            refused(
                "no-content-type",
                C3_1,
                "No Content-Type at all: 400 or 415.",
                with_content_type(None, with(52)),
                &[400, 415],
            ),
            raw(
                "malformed-json",
                C3_2,
                "Malformed JSON: 400.",
                format!("{{{name}: 53"),
            ),
            raw(
                "array-body",
                C3_2,
                "A JSON array instead of an object: 400.",
                format!("[{{{name}: 54}}]"),
            ),
            raw(
                "scalar-body",
                C3_2,
                "A JSON scalar instead of an object: 400.",
                "55".into(),
            ),
            raw("empty-body", C3_2, "An empty body: 400.", String::new()),
            refused(
                "deeply-nested-body",
                C3_2,
                "A value nested 10 000 deep: 400, never a crash.",
                sending_parts(&[
                    (&format!("{{{name}: "), 1),
                    ("[", 10_000),
                    ("]", 10_000),
                    ("}", 1),
                ]),
                &[400],
            ),
            refused(
                "unknown-property",
                C3_3,
                "A property the entity does not have: 400.",
                sending(json!({ &first.name: self.simple(first, 56), "numberOfUnknownUsers": 1 })),
                &[400],
            ),
            refused(
                "wrong-odata-type",
                C3_3,
                "@odata.type of another type: 400.",
                sending(
                    json!({ "@odata.type": format!("{}Unrelated", self.model.odata_type), &first.name: self.simple(first, 58) }),
                ),
                &[400],
            ),
        ]
    }

    /// The refusals and acceptances a first held-out evaluation found unprobed (issue 13): a
    /// credential or media type that differs in one way, a body that is an object and more, a
    /// name that differs in case only.
    fn more_shapes(&self, with: &dyn Fn(usize) -> Value, name: &str) -> Vec<Case> {
        let first = self.nth(0);
        let mut out = Vec::new();
        out.push(case("content-type-in-upper-case", C3_1, "Media types are case-insensitive: Application/JSON is application/json and is accepted.", with_content_type(Some("Application/JSON"), with(62)), Expectation::Accepted));
        out.push(refused(
            "merge-patch-media-type",
            C3_1,
            "application/merge-patch+json is not application/json: 400 or 415.",
            with_content_type(Some("application/merge-patch+json"), with(63)),
            &[400, 415],
        ));
        out.push(refused(
            "trailing-text-after-object",
            C3_2,
            "One JSON object and then more text is not one JSON object: 400, nothing changed.",
            sending_raw(format!(
                "{{{name}: {}}} {{{name}: {}}}",
                self.simple(first, 64),
                self.simple(first, 65)
            )),
            &[400],
        ));
        let other_case = swap_first_case(&first.name);
        if self.model.property(&other_case).is_none() {
            out.push(refused("property-name-in-another-case", C3_3, "Property names are case-sensitive: a name that differs from a real one in case only is unknown: 400.", sending(json!({ other_case: self.simple(first, 66) })), &[400]));
        }
        out
    }

    /// Tokens that hold a permission other than the delegated write one, where the page lists it.
    fn other_tokens(&self) -> Vec<Case> {
        let (read, application) = (
            !self.permissions.read.is_empty(),
            !self.permissions.application.is_empty(),
        );
        let first = self.nth(0);
        let with = |n: usize| body_of(&[(&first.name, self.simple(first, n))]);
        let mut out = Vec::new();
        if read {
            let mut c = refused_with_auth("token-with-read-scope-only", C2_2, "A token with only the read permission may read but not PATCH: 403 (401 tolerated as a SHOULD warning).", Auth::ReadOnly, with(47), &[401, 403]);
            prefer_403(&mut c);
            out.push(c);
        }
        if application {
            let request = RequestSpec {
                auth: Auth::App,
                ..sending(with(48))
            };
            out.push(case(
                "application-token-accepted",
                C2_2,
                "An application token whose roles hold the write permission may PATCH.",
                request,
                Expectation::Accepted,
            ));
        }
        out
    }

    /// Every named invalid form of every type the entity uses, each alone on one property.
    fn invalid_values(&self) -> Vec<Case> {
        let mut out = Vec::new();
        for f in self.families() {
            let p = self.of(f)[0];
            match named(f) {
                Some(named) => out.extend(named_refusals(p, f.clause(), named)),
                None => {
                    for (json_text, name) in
                        typed::invalid_edges(&self.model.types, &p.ty, p.nullable)
                            .into_iter()
                            .take(12)
                    {
                        let case_name = format!("{}-invalid-{}", case_word(f), slug(&name));
                        let description = format!("{} is not a valid {}: 400.", name, f.word());
                        out.push(refused(
                            &case_name,
                            f.clause(),
                            &description,
                            sending_raw(format!(
                                "{{{}:{json_text}}}",
                                serde_json::to_string(&p.name).unwrap_or_default()
                            )),
                            &[400],
                        ));
                    }
                }
            }
        }
        dedupe_names(out)
    }

    /// The key, atomicity (C5.3) and the error body (C6).
    fn atomicity_and_errors(&self) -> Vec<Case> {
        let key = &self.model.key;
        let first = self.nth(0);
        let mut out = vec![refused(
            "id-differs",
            C3_6,
            "A body whose key differs from the entity's: 400; the key never changes.",
            sending(
                json!({ key: "00000000-0000-0000-0000-000000000000", &first.name: self.simple(first, 61) }),
            ),
            &[400],
        )];
        for f in self.families() {
            let bad_prop = self.of(f)[0];
            let Some((bad, _)) =
                typed::invalid_edges(&self.model.types, &bad_prop.ty, bad_prop.nullable)
                    .into_iter()
                    .next()
            else {
                continue;
            };
            let mut body: Map<String, Value> = self
                .writable()
                .into_iter()
                .filter(|p| p.name != bad_prop.name)
                .take(2)
                .enumerate()
                .map(|(i, p)| (p.name.clone(), self.simple(p, 77 + i)))
                .collect();
            let bad = named(f).and_then(|n| n.beside_valid).unwrap_or(&bad);
            body.insert(bad_prop.name.clone(), text(bad));
            out.push(refused(
                &format!("valid-beside-invalid-{}", case_word(f)),
                C5_3,
                "Valid properties beside an invalid one: 400 and none of them applied.",
                sending(Value::Object(body)),
                &[400],
            ));
        }
        out.push(refused(
            "valid-beside-unknown-property",
            C5_3,
            "A valid property beside an unknown one: 400, nothing applied.",
            sending(json!({ &first.name: self.simple(first, 80), "bogus": 1 })),
            &[400],
        ));
        let n = serde_json::to_string(&first.name).unwrap_or_default();
        out.push(refused(
            "refusal-has-odata-error-body",
            C6_1,
            "A refusal carries {\"error\": {\"code\", \"message\"}} as application/json.",
            sending(json!({ &first.name: { "not": "a value" } })),
            &[400],
        ));
        out.push(refused(
            "invalid-request-is-not-5xx",
            C6_2,
            "Structurally odd JSON is refused with 400, never 5xx.",
            sending_raw(format!("{{{n}: {{{n}: {{{n}: []}}}}}}")),
            &[400],
        ));
        out.extend(pathological());
        out
    }

    /// A variant's own cases: both spellings (C1.1), alias (C1.2), routing probes (C1.3).
    fn variant_cases(
        &self,
        v: &PackVariant,
        canonical: bool,
        fixtures: &FixturesFile,
    ) -> Vec<Case> {
        let ids = fixtures.variants.get(&v.name);
        let first = self.nth(0);
        let with = |n: usize| json!({ first.name.clone(): self.simple(first, n) });
        let spelled = |spelling: Spelling, n: usize| RequestSpec {
            spelling,
            ..sending(with(n))
        };
        let mut cases = Vec::new();
        let mut printed = case(
            "printed-spelling",
            C1_1,
            "The path exactly as the page prints it.",
            spelled(Spelling::Printed, 21),
            Expectation::Accepted,
        );
        if v.template.has_printed_form() {
            printed.description = "The path exactly as the page prints it, empty // segments and trailing slash kept.".into();
            cases.push(printed);
            cases.push(case("normalised-spelling", C1_1, "The same path with single slashes and no trailing slash addresses the same entity.", spelled(Spelling::Normalised, 22), Expectation::Accepted));
        } else {
            cases.push(printed);
        }
        if !canonical && ids.is_some_and(|i| i.reads.is_some()) {
            let b = self.nth(1);
            let mut body = Map::new();
            body.insert(b.name.clone(), self.simple(b, 31));
            for f in self.families() {
                if let Some(value) = named(f).and_then(|n| n.alias) {
                    body.insert(self.of(f)[0].name.clone(), text(value));
                }
            }
            cases.push(case("alias-consistency", C1_2, "A write through the variant is visible through the canonical path of the entity it reaches.", sending(Value::Object(body)), Expectation::Alias));
        }
        let probe = |name: &str, id: IdChoice, description: &str, n: usize| {
            let request = RequestSpec {
                id,
                ..sending(with(n))
            };
            refused(name, C1_3, description, request, &[404, 400])
        };
        if v.template.keys().next().is_some() {
            cases.push(probe(
                "unknown-id",
                IdChoice::Unknown,
                "A key nobody has: 404 (or 400) with an error body, nothing changed.",
                23,
            ));
        }
        let has = |probe: &str| ids.is_some_and(|i| i.probes.contains_key(probe));
        if has("missing-navigation") {
            cases.push(probe("missing-navigation", IdChoice::MissingNavigation, "An entity of a type that lacks the navigation: 404 (or 400), nothing changed anywhere.", 24));
        }
        if has("cast-mismatch") {
            cases.push(probe("cast-mismatch", IdChoice::CastMismatch, "An entity that has the navigation but is not of the cast's type: 404 (or 400), nothing changed anywhere.", 25));
        }
        if v.template.keys().count() > 1 {
            cases.push(probe(
                "not-a-member",
                IdChoice::NotAMember,
                "A last key that is not a member of its collection: 404 (or 400), nothing changed.",
                26,
            ));
        }
        cases
    }
}

/// Inputs a parser can choke on (C6.2): each must be refused with a 4xx and an error body,
/// never a 5xx, and change nothing.
fn pathological() -> Vec<Case> {
    let name = "{\"pathologicalProperty\": ";
    let rows: [(&str, Parts<'_>, &str); 5] = [
        (
            "pathological-long-number",
            &[(name, 1), ("1", 1), ("0", 5000), ("}", 1)],
            "A number literal of 5001 digits",
        ),
        (
            "pathological-long-string",
            &[(name, 1), ("\"", 1), ("x", 200_000), ("\"}", 1)],
            "A string of 200 000 characters",
        ),
        (
            "pathological-many-properties",
            &[
                ("{", 1),
                ("\"unknownProperty\": 1, ", 4999),
                ("\"unknownProperty\": 1}", 1),
            ],
            "5000 members (one name, repeated)",
        ),
        (
            "pathological-nested-objects",
            &[(name, 1), ("{\"a\": ", 10_000), ("1", 1), ("}", 10_001)],
            "Objects nested 10 000 deep",
        ),
        (
            "pathological-escapes",
            &[(name, 1), ("\"\\ud800\\u0000\\uffff\"}", 1)],
            "A lone surrogate, NUL and U+FFFF escaped in a string",
        ),
    ];
    rows.into_iter()
        .map(|(case_name, parts, what)| {
            refused(
                case_name,
                C6_2,
                &format!(
                    "{what}: refused with a 4xx and an error body, never a 5xx, nothing changed."
                ),
                sending_parts(parts),
                &[400, 413],
            )
        })
        .collect()
}

/// A PATCH with `body` and the Content-Type `content_type` (`None`: no Content-Type at all).
fn with_content_type(content_type: Option<&str>, body: Value) -> RequestSpec {
    RequestSpec {
        content_type: content_type.map(str::to_owned),
        ..sending(body)
    }
}

/// A refusal that prefers 403 among its statuses (C2.2): 401 warns.
fn prefer_403(c: &mut Case) {
    if let Expectation::Refused {
        preferred_status, ..
    } = &mut c.expect
    {
        *preferred_status = vec![403];
    }
}

/// `name` with its first letter's case swapped (`pendingCount` → `PendingCount`).
fn swap_first_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() => c.to_ascii_uppercase().to_string() + chars.as_str(),
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A name made safe for case names: lower-case words joined by `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(48).collect()
}

/// Case names made unique by a counter where two edges slug alike.
fn dedupe_names(mut cases: Vec<Case>) -> Vec<Case> {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for c in &mut cases {
        let n = seen.entry(c.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            c.name = format!("{}-{n}", c.name);
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::case::written;
    use crate::case::{Auth, Case, Expectation, IdChoice, RequestSpec, Spelling};
    use crate::contract::Level;

    /// Cases of every kind, every token, every id choice and both spellings, with the other
    /// request fields set now and then.
    fn every_kind_and_request() -> Vec<Case> {
        let auths = [
            Auth::Valid,
            Auth::None,
            Auth::NotBearer,
            Auth::Unreadable,
            Auth::Expired,
            Auth::NoScope,
            Auth::ReadOnly,
            Auth::App,
        ];
        let ids = [
            IdChoice::Variant,
            IdChoice::Direct,
            IdChoice::Unknown,
            IdChoice::CastMismatch,
            IdChoice::MissingNavigation,
            IdChoice::NotAMember,
        ];
        let expects = [
            Expectation::Accepted,
            Expectation::Refused {
                status: vec![401, 403],
                preferred_status: vec![403],
            },
            Expectation::Either {
                status: vec![200, 400],
            },
            Expectation::Repeat,
            Expectation::Alias,
            Expectation::Concurrent {
                bodies: vec![json!({"a": 1}), json!({"b": 2})],
                rounds: Some(3),
            },
        ];
        (0..auths.len())
            .map(|i| Case {
                name: format!("case-{i}"),
                clause: "C4.4".into(),
                level: if i == 3 { Level::Should } else { Level::Must },
                description: format!("case {i}"),
                request: RequestSpec {
                    method: if i == 2 { "GET" } else { "PATCH" }.into(),
                    spelling: if i % 2 == 0 {
                        Spelling::Normalised
                    } else {
                        Spelling::Printed
                    },
                    id: ids[i % ids.len()],
                    auth: auths[i],
                    content_type: [None, Some("text/plain".into())]
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| RequestSpec::default().content_type),
                    headers: [("If-Match".to_owned(), "*".to_owned())]
                        .into_iter()
                        .filter(|_| i == 4)
                        .collect(),
                    body: Some(json!({ "a": i })),
                    body_raw: (i == 5).then(|| "{\"a\": 45e-1}".to_owned()),
                    body_parts: (i == 6).then(|| vec![("[".to_owned(), 3), ("]".to_owned(), 3)]),
                },
                expect: expects[i % expects.len()].clone(),
            })
            .collect()
    }

    #[test]
    fn what_is_written_reads_back_as_the_same_cases() {
        let cases = every_kind_and_request();
        let file = written(None, "d", &cases);
        let back: Vec<Case> = serde_json::from_value(file["cases"].clone()).unwrap();
        assert_eq!(back.len(), cases.len());
        for (b, c) in back.iter().zip(&cases) {
            assert_eq!(b.expect, c.expect, "{}", c.name);
            assert_eq!(b.level, c.level, "{}", c.name);
            let (br, cr) = (&b.request, &c.request);
            assert_eq!(
                (br.auth, br.id, br.spelling, &br.method, &br.content_type),
                (cr.auth, cr.id, cr.spelling, &cr.method, &cr.content_type),
                "{}",
                c.name
            );
        }
        assert_eq!(written(None, "d", &back), file);
    }

    #[test]
    fn only_what_differs_from_the_readers_defaults_is_written() {
        let cases = every_kind_and_request();
        let file = written(Some(("v", "/a/{id}")), "d", &cases[..1]);
        assert_eq!(
            file,
            json!({
                "variant": "v",
                "template": "/a/{id}",
                "description": "d",
                "cases": [{
                    "name": "case-0",
                    "clause": "C4.4",
                    "description": "case 0",
                    "kind": "accepted",
                    "request": {"spelling": "normalised", "content_type": null, "body": {"a": 0}}
                }]
            })
        );
        assert!(written(None, "d", &[]).get("variant").is_none());
    }
}
