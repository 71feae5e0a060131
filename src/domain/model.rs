//! The entity as data: its OData type name, key and typed properties, read from the pack, so
//! that another page's entity is a data change, not a Rust change.

use serde_json::{Map, Value as Json};

use super::types::{Property, Types};
use super::value::{Invalid, Value};

/// The entity type: OData type name, key, properties in the page's order, and every named type
/// its properties use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityModel {
    /// `#microsoft.graph.deviceConfigurationUserOverview`: the `@odata.type` value.
    pub odata_type: String,
    /// The qualified name without `#`.
    pub(crate) type_name: String,
    pub key: String,
    pub properties: Vec<Property>,
    pub types: Types,
}

/// One entity's values, in the model's property order.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub(crate) values: Vec<Value>,
}

impl EntityModel {
    /// True when the entity's type derives from another entity type (other than Graph's root
    /// `entity`): its paths then declare a base type, and every answer must name the entity's
    /// own type (C4.3 with a pack).
    pub fn is_derived(&self) -> bool {
        self.types
            .entities
            .get(&self.type_name)
            .and_then(|e| e.base.as_deref())
            .is_some_and(|base| base != "microsoft.graph.entity")
    }

    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.properties.iter().position(|p| p.name == name)
    }

    pub fn key_index(&self) -> usize {
        self.index_of(&self.key)
            .expect("the pack check makes the key a property")
    }

    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The properties a PATCH may change: all but the key and the read-only ones.
    pub fn writable(&self) -> impl Iterator<Item = (usize, &Property)> {
        self.properties
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.name != self.key && !p.read_only)
    }

    /// True when `name` (with or without `#`) is the entity's type or one derived from it.
    pub fn accepts_type(&self, name: &str) -> bool {
        let name = name.strip_prefix('#').unwrap_or(name);
        name == self.type_name || self.types.entity_family(&self.type_name).contains(&name)
    }

    /// Reads one property's JSON value as its type.
    pub fn read_value(&self, property: &Property, json: &Json) -> Result<Value, Invalid> {
        self.types.read(&property.ty, property.nullable, json)
    }

    /// The typed value of `name` in `map`, if present and readable.
    pub(crate) fn value_in(&self, map: &Map<String, Json>, name: &str) -> Option<Value> {
        let p = self.property(name)?;
        self.read_value(p, map.get(name)?).ok()
    }

    /// True when `a` and `b` hold the same value of `name` as C4.4 compares (both absent or
    /// unreadable: the same JSON).
    pub(crate) fn same_in(&self, name: &str, a: &Map<String, Json>, b: &Map<String, Json>) -> bool {
        match (self.value_in(a, name), self.value_in(b, name)) {
            (Some(x), Some(y)) => self.types.same(&x, &y) && self.types.same(&y, &x),
            _ => a.get(name) == b.get(name),
        }
    }

    /// Reads a whole entity from a JSON object (a response body, say), naming the first problem.
    pub fn read_entity(&self, body: &Map<String, Json>) -> Result<Entity, String> {
        let mut values = Vec::with_capacity(self.properties.len());
        for p in &self.properties {
            let v = body
                .get(&p.name)
                .ok_or_else(|| format!("property {:?} is missing", p.name))?;
            values.push(
                self.read_value(p, v)
                    .map_err(|e| format!("property {:?}: {}", p.name, e.message))?,
            );
        }
        Ok(Entity { values })
    }
}
