//! The entity as data: its OData type name, key and typed properties, read from the JSON Schema
//! so that a contract pack with other property names is a data change, not a Rust change.

use serde_json::{Map, Value};

use super::datetime::DateTimeOffset;
use super::int32::parse_int32;

/// The Edm types this contract uses; `x-edm-type` in the schema names one per property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdmType {
    String,
    Int32,
    DateTimeOffset,
}

impl EdmType {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "Edm.String" => Some(Self::String),
            "Edm.Int32" => Some(Self::Int32),
            "Edm.DateTimeOffset" => Some(Self::DateTimeOffset),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::String => "Edm.String",
            Self::Int32 => "Edm.Int32",
            Self::DateTimeOffset => "Edm.DateTimeOffset",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub edm: EdmType,
}

/// A typed property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdmValue {
    String(String),
    Int32(i32),
    DateTimeOffset(DateTimeOffset),
}

impl EdmValue {
    pub fn to_json(&self) -> Value {
        match self {
            Self::String(s) => Value::String(s.clone()),
            Self::Int32(n) => Value::from(*n),
            Self::DateTimeOffset(d) => Value::String(d.to_string()),
        }
    }

    /// Reads a JSON value as `edm`; the error says what was wrong with it.
    pub fn from_json(edm: EdmType, value: &Value) -> Result<Self, String> {
        match (edm, value) {
            (EdmType::String, Value::String(s)) => Ok(Self::String(s.clone())),
            (EdmType::Int32, Value::Number(n)) => parse_int32(n.as_str())
                .map(Self::Int32)
                .map_err(|e| e.to_string()),
            (EdmType::DateTimeOffset, Value::String(s)) => DateTimeOffset::parse(s)
                .map(Self::DateTimeOffset)
                .map_err(|e| e.to_string()),
            (edm, other) => Err(format!(
                "{} takes {}, not {}",
                edm.name(),
                match edm {
                    EdmType::Int32 => "a JSON integer",
                    _ => "a JSON string",
                },
                json_kind(other)
            )),
        }
    }

    /// Equality as C4.4 compares: Int32 and strings exactly, DateTimeOffset by instant.
    pub fn same_value(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::DateTimeOffset(a), Self::DateTimeOffset(b)) => a.same_instant(*b),
            (a, b) => a == b,
        }
    }
}

/// How a JSON value is called in messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the entity schema has no {0:?}: add it at the schema's top level")]
    Missing(&'static str),
    #[error(
        "property {0:?} in the entity schema has no known \"x-edm-type\": \
         give it one of Edm.String, Edm.Int32, Edm.DateTimeOffset"
    )]
    UnknownType(String),
    #[error("the entity schema's key {0:?} is not one of its properties: fix \"x-odata-key\"")]
    KeyNotAProperty(String),
}

/// The entity type: OData type name, key and properties in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityModel {
    pub odata_type: String,
    pub key: String,
    pub properties: Vec<Property>,
}

impl EntityModel {
    /// Reads the model from the entity schema's `x-odata-type`, `x-odata-key` and each
    /// property's `x-edm-type`. Properties whose names start with `@` are annotations, not data.
    pub fn from_schema(schema: &Value) -> Result<Self, ModelError> {
        let text = |field: &'static str| {
            schema
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(ModelError::Missing(field))
        };
        let odata_type = text("x-odata-type")?;
        let key = text("x-odata-key")?;
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .ok_or(ModelError::Missing("properties"))?;
        let mut properties = Vec::new();
        for (name, def) in props.iter().filter(|(n, _)| !n.starts_with('@')) {
            let edm = def
                .get("x-edm-type")
                .and_then(Value::as_str)
                .and_then(EdmType::from_name)
                .ok_or_else(|| ModelError::UnknownType(name.clone()))?;
            properties.push(Property {
                name: name.clone(),
                edm,
            });
        }
        if !properties.iter().any(|p| p.name == key) {
            return Err(ModelError::KeyNotAProperty(key));
        }
        Ok(Self {
            odata_type,
            key,
            properties,
        })
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.properties.iter().position(|p| p.name == name)
    }

    pub fn key_index(&self) -> usize {
        self.index_of(&self.key)
            .expect("from_schema checked the key is a property")
    }

    /// The properties a PATCH may change: all but the key.
    pub fn writable(&self) -> impl Iterator<Item = (usize, &Property)> {
        self.properties
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.name != self.key)
    }

    /// Reads a whole entity from a JSON object (a response body, say), naming the first problem.
    pub fn read_entity(&self, body: &Map<String, Value>) -> Result<Entity, String> {
        let mut values = Vec::with_capacity(self.properties.len());
        for p in &self.properties {
            let v = body
                .get(&p.name)
                .ok_or_else(|| format!("property {:?} is missing", p.name))?;
            values.push(
                EdmValue::from_json(p.edm, v).map_err(|e| format!("property {:?}: {e}", p.name))?,
            );
        }
        Ok(Entity { values })
    }
}

/// One entity's values, in the model's property order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub values: Vec<EdmValue>,
}
