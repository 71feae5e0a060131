//! The contract's JSON Schemas, compiled once and offline; violations come back as JSON
//! Pointers (`instance_path` / `schema_path`) so a failure says where the body is wrong.

use serde_json::Value;

/// One schema violation: where in the instance, which schema rule, and the validator's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub instance_path: String,
    pub schema_path: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "at {at}: {} (rule {})", self.message, self.schema_path)
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "the schema {name} does not compile: {message}; fix it or point --schemas-dir at a good pack"
)]
pub(crate) struct SchemaError {
    name: String,
    message: String,
}

/// A pack's two schemas, compiled once when the pack is loaded.
pub(crate) struct Compiled {
    pub(crate) entity: Schema,
    pub(crate) error: Schema,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled({}, {})", self.entity.name, self.error.name)
    }
}

/// A compiled schema and its name (for messages).
pub(crate) struct Schema {
    name: String,
    validator: jsonschema::Validator,
}

impl Schema {
    pub(crate) fn compile(name: &str, schema: &Value) -> Result<Self, SchemaError> {
        let validator = jsonschema::draft202012::new(schema).map_err(|e| SchemaError {
            name: name.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Self {
            name: name.to_owned(),
            validator,
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Every violation of `instance`; empty when it validates.
    pub(crate) fn violations(&self, instance: &Value) -> Vec<Violation> {
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        self.validator
            .iter_errors(instance)
            .map(|e| Violation {
                instance_path: e.instance_path().to_string(),
                schema_path: e.schema_path().to_string(),
                message: e.to_string(),
            })
            .collect()
    }
}

/// The entity's JSON Schema made from the pack's properties (when the pack gives none): every
/// property required with its JSON shape, nothing else but instance annotations. The domain
/// checks what a schema cannot (calendar dates, ranges of every Edm type, enum members).
pub(crate) fn entity_schema(model: &crate::domain::EntityModel) -> Value {
    let mut properties = serde_json::Map::new();
    let family: Vec<String> = model
        .types
        .entity_family(&model.type_name)
        .iter()
        .map(|t| format!("#{t}"))
        .collect();
    properties.insert("@odata.type".into(), serde_json::json!({ "enum": family }));
    for p in &model.properties {
        properties.insert(p.name.clone(), shape(&p.ty, p.nullable));
    }
    let required: Vec<Value> = model
        .properties
        .iter()
        .map(|p| Value::String(p.name.clone()))
        .collect();
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": model.type_name,
        "type": "object",
        "required": required,
        "properties": properties,
        "patternProperties": { "^@": true, "^[^@]+@[^@]+$": true },
        "additionalProperties": false
    })
}

/// The JSON shape of a type (nullable: also `null`).
fn shape(ty: &crate::domain::TypeRef, nullable: bool) -> Value {
    use crate::domain::edm::Shape;
    use crate::domain::TypeRef;
    let base = match ty {
        TypeRef::Primitive(p) => match p.spec().shape {
            Shape::Bool => serde_json::json!({ "type": "boolean" }),
            Shape::Integer => serde_json::json!({ "type": "integer" }),
            Shape::NumberOrString => serde_json::json!({ "type": ["number", "string"] }),
            Shape::String => serde_json::json!({ "type": "string" }),
        },
        TypeRef::Enum(_) => serde_json::json!({ "type": "string" }),
        TypeRef::Collection(inner) => {
            serde_json::json!({ "type": "array", "items": shape(inner, false) })
        }
        TypeRef::Complex(_) => serde_json::json!({ "type": "object" }),
    };
    if !nullable {
        return base;
    }
    serde_json::json!({ "anyOf": [base, { "type": "null" }] })
}
