//! The contract's JSON Schemas, compiled once and offline; violations come back as JSON
//! Pointers (`instance_path` / `schema_path`) so a failure says where the body is wrong.

use serde_json::Value;

/// One schema violation: where in the instance, which schema rule, and the validator's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
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
pub struct SchemaError {
    name: String,
    message: String,
}

/// A compiled schema and its name (for messages).
pub struct Schema {
    name: String,
    validator: jsonschema::Validator,
}

impl Schema {
    pub fn compile(name: &str, schema: &Value) -> Result<Self, SchemaError> {
        let validator = jsonschema::draft202012::new(schema).map_err(|e| SchemaError {
            name: name.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Self {
            name: name.to_owned(),
            validator,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every violation of `instance`; empty when it validates.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
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
