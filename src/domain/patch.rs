//! A PATCH body validated all-or-nothing against the model (C3): either every property is
//! valid and the patch can be applied, or the refusal names the clause and the property.

use serde_json::Value as Json;

use super::model::{Entity, EntityModel};
use super::value::{is_annotation, json_kind, named_type, Value};
use crate::contract::{C3_2, C3_3, C3_6};

/// A validated set of changes, by property index in the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub(crate) changes: Vec<(usize, Value)>,
    /// Read-only properties the body set (validated, then left alone), by index.
    pub(crate) read_only: Vec<(usize, Value)>,
}

impl Patch {
    /// Merges the changes into `entity` (PATCH merges; it does not replace: C4.5). A complex
    /// value is merged into the stored one of the same type; collections are replaced whole.
    pub(crate) fn apply(&self, model: &EntityModel, entity: &mut Entity) {
        for (i, v) in &self.changes {
            entity.values[*i] = match (v, &entity.values[*i]) {
                (Value::Complex(sent), Value::Complex(stored)) => {
                    Value::Complex(model.types.merged(Some(stored), sent.clone()))
                }
                (v, _) => model.types.filled(v.clone()),
            };
        }
    }
}

/// Why a body was refused: the clause it broke and a message that names the property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub clause: &'static str,
    pub(crate) message: String,
}

fn refuse<T>(clause: &'static str, message: String) -> Result<T, Refusal> {
    Err(Refusal { clause, message })
}

/// Reads the body as one JSON object (C3.2).
fn object(body: &[u8]) -> Result<serde_json::Map<String, Json>, Refusal> {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            return refuse(
                C3_2,
                format!("the body is not UTF-8 ({e}); send UTF-8 JSON"),
            )
        }
    };
    if text.trim().is_empty() {
        return refuse(C3_2, "the body is empty; send one JSON object".into());
    }
    match serde_json::from_str(text) {
        Ok(Json::Object(object)) => Ok(object),
        Ok(other) => refuse(
            C3_2,
            format!("the body is {}; send one JSON object", json_kind(&other)),
        ),
        Err(e) => refuse(C3_2, format!("the body is not one JSON object: {e}")),
    }
}

/// Validates a raw PATCH body for the entity whose key is `key` (C3.2–C3.13).
pub fn parse_patch(model: &EntityModel, body: &[u8], key: &str) -> Result<Patch, Refusal> {
    let object = object(body)?;
    let mut patch = Patch {
        changes: Vec::with_capacity(object.len()),
        read_only: Vec::new(),
    };
    for (name, v) in &object {
        if name == "@odata.type" {
            if !named_type(v).is_some_and(|t| model.accepts_type(t)) {
                return refuse(
                    C3_3,
                    format!(
                        "\"@odata.type\" must be {:?} (or a type derived from it) when present, not {v}",
                        model.odata_type
                    ),
                );
            }
            continue;
        }
        if is_annotation(name) {
            continue;
        }
        let Some(index) = model.index_of(name) else {
            return refuse(
                C3_3,
                format!(
                    "{name:?} is not a property of {} (names are case-sensitive)",
                    model.type_name
                ),
            );
        };
        let prop = &model.properties[index];
        if name == &model.key {
            if v.as_str() != Some(key) {
                return refuse(
                    C3_6,
                    format!("{name:?} is the read-only key {key:?}; it cannot be changed to {v}"),
                );
            }
            continue;
        }
        let typed = model.read_value(prop, v).map_err(|e| Refusal {
            clause: e.clause,
            message: format!("property {name:?}: {}", e.message),
        })?;
        if prop.read_only {
            patch.read_only.push((index, typed));
        } else {
            patch.changes.push((index, typed));
        }
    }
    Ok(patch)
}
