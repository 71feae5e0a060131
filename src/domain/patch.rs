//! A PATCH body validated all-or-nothing against the model (C3): either every property is
//! valid and the patch can be applied, or the refusal names the clause and the property.

use serde_json::Value;

use super::model::{json_kind, EdmValue, Entity, EntityModel};

/// A validated set of changes, by property index in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub changes: Vec<(usize, EdmValue)>,
}

impl Patch {
    /// Merges the changes into `entity` (PATCH merges; it does not replace: C4.5).
    pub fn apply(&self, entity: &mut Entity) {
        for (i, v) in &self.changes {
            entity.values[*i] = v.clone();
        }
    }
}

/// Why a body was refused: the clause it broke and a message that names the property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub clause: &'static str,
    pub message: String,
}

fn refuse<T>(clause: &'static str, message: String) -> Result<T, Refusal> {
    Err(Refusal { clause, message })
}

/// Validates a raw PATCH body for the entity whose key is `key` (C3.2–C3.6).
pub fn parse_patch(model: &EntityModel, body: &[u8], key: &str) -> Result<Patch, Refusal> {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            return refuse(
                "C3.2",
                format!("the body is not UTF-8 ({e}); send UTF-8 JSON"),
            )
        }
    };
    if text.trim().is_empty() {
        return refuse("C3.2", "the body is empty; send one JSON object".into());
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return refuse("C3.2", format!("the body is not valid JSON: {e}")),
    };
    let Value::Object(object) = value else {
        return refuse(
            "C3.2",
            format!("the body is {}; send one JSON object", json_kind(&value)),
        );
    };
    let mut changes = Vec::with_capacity(object.len());
    for (name, v) in &object {
        if name == "@odata.type" {
            if v.as_str() != Some(model.odata_type.as_str()) {
                return refuse(
                    "C3.3",
                    format!(
                        "\"@odata.type\" must be {:?} when present, not {v}",
                        model.odata_type
                    ),
                );
            }
            continue;
        }
        let Some(index) = model.index_of(name) else {
            return refuse(
                "C3.3",
                format!(
                    "{name:?} is not a property of {}",
                    model.odata_type.trim_start_matches('#')
                ),
            );
        };
        let prop = &model.properties[index];
        let typed = EdmValue::from_json(prop.edm, v).map_err(|e| Refusal {
            clause: if prop.edm == super::model::EdmType::DateTimeOffset {
                "C3.5"
            } else if name == &model.key {
                "C3.6"
            } else {
                "C3.4"
            },
            message: format!("property {name:?}: {e}"),
        })?;
        if name == &model.key {
            if typed != EdmValue::String(key.to_owned()) {
                return refuse(
                    "C3.6",
                    format!("{name:?} is the read-only key {key:?}; it cannot be changed to {v}"),
                );
            }
            continue;
        }
        changes.push((index, typed));
    }
    Ok(Patch { changes })
}
