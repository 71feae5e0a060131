//! C4.3: the answer is the entity — the schema, every Edm-typed value readable as its type, and
//! (SHOULD) `@odata.type` present.

use serde_json::{Map, Value};

use crate::outcome::{Check, Level};
use crate::transcript::Incoming;

use super::Judge;
use crate::contract::C4_3;

/// C4.3 on an entity answer. What the entity already had `before` the request beyond the
/// pack's properties (members, or annotation values, left by an earlier trial in a store that
/// keeps whatever it is sent: its baseline) is passed over: what was there before a trial is
/// never held against it.
pub(crate) fn entity(j: &Judge, body: &Value, before: &Map<String, Value>) -> Vec<Check> {
    let answer = body;
    let inherited = |k: &str, v: &Value| {
        j.model.property(k).is_none() && before.get(k) == Some(v) && !is_expected(j, k, v)
    };
    let without_inherited;
    let body = match body.as_object() {
        Some(map) if map.iter().any(|(k, v)| inherited(k, v)) => {
            let mut map = map.clone();
            map.retain(|k, v| !inherited(k, v));
            without_inherited = Value::Object(map);
            &without_inherited
        }
        _ => body,
    };
    let violations = j.entity_schema.violations(body);
    let mut problems: Vec<String> = violations.iter().map(ToString::to_string).collect();
    // The schema checks shapes; the domain checks what a pattern cannot (Feb 30, ±14:00, ticks).
    if let Some(map) = body.as_object() {
        for p in &j.model.properties {
            if let Some(v) = map.get(&p.name) {
                if let Err(e) = j.model.read_value(p, v) {
                    problems.push(format!("at /{}: {}", p.name, e.message));
                }
            }
        }
    }
    let mut out = vec![j.check(
        C4_3,
        Level::Must,
        problems.is_empty(),
        format!("a body valid against {}", j.entity_schema.name()),
        if problems.is_empty() { "valid".to_owned() } else { problems.join("; ") },
        || {
            format!(
                "C4.3: the answer is not the full entity: {}. Return every property of the entity with its type, and nothing beyond them but instance annotations.",
                problems.join("; ")
            )
        },
    )];
    let odata_type = answer.get("@odata.type");
    out.push(j.check(
        C4_3,
        Level::Should,
        odata_type.is_some(),
        format!("\"@odata.type\": {:?}", j.model.odata_type),
        super::shown(odata_type),
        || "C4.3 (SHOULD): the answer has no \"@odata.type\"; the page's example carries it (OData minimal metadata may omit it)".into(),
    ));
    out
}

/// Whether a member beyond the pack's properties holds what a faithful service sends there
/// (`@odata.type` naming the entity's type): never worth passing over.
fn is_expected(j: &Judge, k: &str, v: &Value) -> bool {
    k == "@odata.type" && v.as_str().is_some_and(|t| j.model.accepts_type(t))
}

/// C4.3 when the answer that should carry the entity is not JSON at all (or is missing).
pub(crate) fn not_json(j: &Judge, answer: Option<&Incoming>) -> Check {
    let actual = match answer {
        None => "no answer to read the entity from".to_owned(),
        Some(a) if a.body.is_empty() => "an empty body".to_owned(),
        Some(a) => {
            let start: String = String::from_utf8_lossy(&a.body).chars().take(120).collect();
            format!("a body that is not JSON: {start:?}")
        }
    };
    j.check(C4_3, Level::Must, false, "the entity as a JSON object", actual.clone(), || {
        format!("C4.3: a valid PATCH must answer with the full entity as JSON, but the answer is {actual}; send the updated entity as a JSON object")
    })
}
