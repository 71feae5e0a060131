//! Values of any pack type for generated inputs, as the JSON text to send: the primitives'
//! (from `edm`), and enums, collections and complex types built from their parts. Named
//! edges first; random draws that shrink towards simple values.

use proptest::prelude::{prop_oneof, BoxedStrategy, Just, Strategy};
use proptest::sample::select;

use super::edm::{self, json_string};
use crate::domain::{TypeRef, Types};

/// How deep complex values nest in generated inputs (a complex type may contain itself).
const MAX_DEPTH: u32 = 3;

/// An invalid value: its JSON text and what kind of invalid it is (for the input's note).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bad {
    pub json: String,
    pub kind: String,
}

fn bad(json: impl Into<String>, kind: impl Into<String>) -> Bad {
    Bad {
        json: json.into(),
        kind: kind.into(),
    }
}

/// Named valid values of `ty`, most important first.
pub(crate) fn valid_edges(types: &Types, ty: &TypeRef, nullable: bool) -> Vec<(String, String)> {
    let mut edges = match ty {
        TypeRef::Primitive(p) => edm::valid_edges(*p),
        TypeRef::Enum(name) => {
            let members = enum_members(types, name);
            let mut edges: Vec<(String, String)> = members
                .iter()
                .map(|m| (json_string(m), format!("member {m}")))
                .collect();
            // A flags value's far edge: every member at once (C3.12's valid side of a set).
            if is_flags(types, name) && members.len() > 1 {
                edges.push((
                    json_string(&members.join(",")),
                    "every member (flags)".into(),
                ));
            }
            edges
        }
        TypeRef::Collection(inner) => {
            let items = valid_edges(types, inner, false);
            let mut edges = vec![("[]".to_owned(), "an empty collection".to_owned())];
            if let Some((one, name)) = items.first() {
                edges.push((format!("[{one}]"), format!("one element: {name}")));
            }
            if items.len() > 1 {
                let all: Vec<&str> = items.iter().take(8).map(|(j, _)| j.as_str()).collect();
                edges.push((
                    format!("[{}]", all.join(",")),
                    format!("{} elements", all.len()),
                ));
            }
            edges
        }
        TypeRef::Complex(name) => complex_edges(types, name, 0),
    };
    if nullable {
        edges.push(("null".into(), "null (the property is nullable)".into()));
    }
    edges
}

fn is_flags(types: &Types, name: &str) -> bool {
    types.enums.get(name).is_some_and(|e| e.flags)
}

fn enum_members<'t>(types: &'t Types, name: &str) -> &'t [String] {
    types.enums.get(name).map_or(&[], |e| e.members.as_slice())
}

/// A complex value of every concrete type in `name`'s family: every member at its first edge,
/// then (for the declared type) only the first member.
fn complex_edges(types: &Types, name: &str, depth: u32) -> Vec<(String, String)> {
    let mut edges = Vec::new();
    for c in types
        .complex_family(name)
        .into_iter()
        .filter(|c| !c.is_abstract)
    {
        edges.push((
            complex_text(types, &c.name, depth, usize::MAX, 0),
            format!("{} with every member", c.name),
        ));
    }
    if let Some(c) = types
        .complex_family(name)
        .into_iter()
        .find(|c| !c.is_abstract)
    {
        edges.push((
            complex_text(types, &c.name, depth, 1, 1),
            format!("{} with one member", c.name),
        ));
    }
    edges
}

/// `{"@odata.type": "#t", …}` with at most `members` members, each at its `pick`-th edge.
fn complex_text(types: &Types, name: &str, depth: u32, members: usize, pick: usize) -> String {
    let mut out = format!("{{\"@odata.type\":{}", json_string(&format!("#{name}")));
    if depth < MAX_DEPTH {
        for p in types.complex_properties(name).into_iter().take(members) {
            let edges = valid_edges(types, &p.ty, false);
            let chosen = edges.get(pick.min(edges.len().saturating_sub(1)));
            if let Some((json, _)) = chosen {
                out.push(',');
                out.push_str(&json_string(&p.name));
                out.push(':');
                out.push_str(json);
            }
        }
    }
    out.push('}');
    out
}

/// Named invalid values of `ty`, each breaking one rule, most important first; `null` too when
/// the property is not nullable.
pub(crate) fn invalid_edges(types: &Types, ty: &TypeRef, nullable: bool) -> Vec<(String, String)> {
    let mut edges: Vec<(String, String)> = match ty {
        TypeRef::Primitive(p) => edm::invalid_edges(*p)
            .into_iter()
            .map(|(j, n)| (j, n.to_owned()))
            .collect(),
        TypeRef::Enum(name) => {
            let first = enum_members(types, name)
                .first()
                .cloned()
                .unwrap_or_default();
            let mut e = vec![
                (json_string("notAMember"), "an unknown member".to_owned()),
                ("0".to_owned(), "a number".to_owned()),
                ("true".to_owned(), "a boolean".to_owned()),
            ];
            // Two members at once: a set is valid for a flags enum only, and one unknown member
            // spoils it (the twins of "every member" and of a single member).
            let members = enum_members(types, name);
            if is_flags(types, name) {
                e.push((
                    json_string(&format!("{first},notAMember")),
                    "a member and an unknown one (flags)".to_owned(),
                ));
            } else if let [a, b, ..] = members {
                e.push((
                    json_string(&format!("{a},{b}")),
                    "two members of an enum that is not flags".to_owned(),
                ));
            }
            let other_case = swap_case(&first);
            if other_case != first {
                e.insert(
                    1,
                    (
                        json_string(&other_case),
                        format!("{first} in another letter case"),
                    ),
                );
            }
            e
        }
        TypeRef::Collection(inner) => {
            let mut e = Vec::new();
            if let Some((one, name)) = valid_edges(types, inner, false).first() {
                e.push((
                    one.clone(),
                    format!("a single element, not an array ({name})"),
                ));
            }
            if let Some((b, name)) = invalid_edges(types, inner, false).first() {
                e.push((
                    format!("[{b}]"),
                    format!("an element that breaks its type ({name})"),
                ));
            }
            e.push(("[null]".into(), "a null element".into()));
            e.push(("{}".into(), "an object".into()));
            e
        }
        TypeRef::Complex(name) => complex_invalid(types, name),
    };
    if !nullable {
        edges.push(("null".into(), "null".into()));
    }
    edges
}

fn swap_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn complex_invalid(types: &Types, name: &str) -> Vec<(String, String)> {
    let concrete = types.concrete(name);
    let typed = |extra: &str| {
        format!(
            "{{\"@odata.type\":{}{extra}}}",
            json_string(&format!("#{concrete}"))
        )
    };
    let mut e = vec![
        (typed(",\"notAMember\":1"), "an unknown member".to_owned()),
        ("\"text\"".to_owned(), "a string, not an object".to_owned()),
        ("[]".to_owned(), "an array".to_owned()),
        (
            "{\"@odata.type\":\"#microsoft.graph.notARelatedType\"}".to_owned(),
            "@odata.type naming an unrelated type".to_owned(),
        ),
    ];
    let member = types
        .complex_properties(&concrete)
        .into_iter()
        .find_map(|p| {
            invalid_edges(types, &p.ty, true)
                .into_iter()
                .next()
                .map(|(b, kind)| (p.name.clone(), b, kind))
        });
    if let Some((member, b, kind)) = member {
        e.insert(
            1,
            (
                typed(&format!(",{}:{b}", json_string(&member))),
                format!("member {member} breaks its type ({kind})"),
            ),
        );
    }
    e
}

/// Random valid values of `ty` (JSON text).
pub(crate) fn valid_value(types: &Types, ty: &TypeRef, nullable: bool) -> BoxedStrategy<String> {
    let base = match ty {
        TypeRef::Primitive(p) => edm::valid_value(*p),
        TypeRef::Enum(name) => {
            let members: Vec<String> = enum_members(types, name)
                .iter()
                .map(|m| json_string(m))
                .collect();
            if members.is_empty() {
                Just(json_string("")).boxed()
            } else {
                select(members).boxed()
            }
        }
        TypeRef::Collection(inner) => {
            proptest::collection::vec(valid_value(types, inner, false), 0..=4)
                .prop_map(|items| format!("[{}]", items.join(",")))
                .boxed()
        }
        TypeRef::Complex(name) => {
            let edges: Vec<String> = complex_edges(types, name, 0)
                .into_iter()
                .map(|(j, _)| j)
                .collect();
            if edges.is_empty() {
                Just("{}".to_owned()).boxed()
            } else {
                select(edges).boxed()
            }
        }
    };
    if nullable {
        prop_oneof![9 => base, 1 => Just("null".to_owned())].boxed()
    } else {
        base
    }
}

/// Random invalid values of `ty`: the primitives' own kinds of invalid, or the named edges of
/// the structured types.
pub(crate) fn invalid_value(types: &Types, ty: &TypeRef, nullable: bool) -> BoxedStrategy<Bad> {
    match ty {
        TypeRef::Primitive(p) => {
            let base = edm::invalid_value(*p).prop_map(|(j, k)| bad(j, k));
            if nullable {
                base.boxed()
            } else {
                prop_oneof![19 => base, 1 => Just(bad("null", "null"))].boxed()
            }
        }
        other => {
            let edges: Vec<Bad> = invalid_edges(types, other, nullable)
                .into_iter()
                .map(|(j, k)| bad(j, k))
                .collect();
            select(edges).boxed()
        }
    }
}
