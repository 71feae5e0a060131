//! C1.2: a write through a variant is visible through the canonical path of the entity it
//! reaches.

use serde_json::{Map, Value};

use crate::outcome::{Check, Level};
use crate::transcript::Step;

use super::{shown, Judge};
use crate::contract::C1_2;

pub(crate) fn alias(j: &Judge, sent: &Map<String, Value>, read: &Step) -> Vec<Check> {
    let body = read.response.json();
    let Some(map) = body
        .as_ref()
        .and_then(Value::as_object)
        .filter(|_| read.response.status == 200)
    else {
        return vec![j.check(C1_2, Level::Must, false, "200 with the entity", read.response.status.to_string(), || {
            format!("C1.2: GET {} (the canonical path of the entity the variant reaches) answered {}", read.request.url, read.response.status)
        })];
    };
    let wrong: Vec<String> = sent
        .iter()
        .filter(|(k, _)| !k.contains('@') && **k != j.model.key)
        .filter(
            |(k, _)| match (j.model.value_in(sent, k), j.model.value_in(map, k)) {
                (Some(a), Some(b)) => !j.model.types.same(&a, &b),
                _ => true,
            },
        )
        .map(|(k, v)| {
            format!(
                "{k}: sent {v}, the canonical path shows {}",
                shown(map.get(k))
            )
        })
        .collect();
    vec![j.check(C1_2, Level::Must, wrong.is_empty(), "the write visible through the canonical path of the entity reached", if wrong.is_empty() { "visible".into() } else { wrong.join("; ") }, || {
        format!(
            "C1.2: the PATCH through the variant did not reach the entity it addresses ({}); a navigation variant must update the referenced entity, not the one its first key names",
            wrong.join("; ")
        )
    })]
}
