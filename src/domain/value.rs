//! Typed values of any pack type: read from a request's JSON (refusing what the type's clause
//! refuses), written as the reference service answers them, compared as C4.4 compares them,
//! and made up for fixtures (a type's default).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value as Json;

use super::edm::{Primitive, Scalar};
use super::types::{Property, TypeRef, Types};
use crate::contract::C3_13;

/// A value of a pack type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Scalar(Scalar),
    /// An enum's members, in the order given (a flags enum may hold several).
    Enum(Vec<String>),
    Collection(Vec<Value>),
    Complex(Complex),
}

/// A complex value: its actual type and its members, in the type's property order.
#[derive(Debug, Clone, PartialEq)]
pub struct Complex {
    pub(crate) type_name: String,
    pub(crate) members: Vec<(String, Value)>,
}

/// Why a JSON value is not a value of its type: the clause that states the type's form, and
/// what is wrong, naming the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub(crate) clause: &'static str,
    pub(crate) message: String,
}

/// How times are written (the `utc-times` and `seven-digits` deviations).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TimeStyle {
    pub utc: bool,
    pub seven_digits: bool,
}

/// How a JSON value is called in messages.
pub(crate) fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// True for an instance annotation (`@odata.type`, `name@odata.type`), not data.
pub(crate) fn is_annotation(name: &str) -> bool {
    name.contains('@')
}

/// The qualified name an `@odata.type` value names: `#microsoft.graph.x` or `microsoft.graph.x`
/// (Graph's own examples write nested types without `#`).
pub(crate) fn named_type(value: &Json) -> Option<&str> {
    value.as_str().map(|s| s.strip_prefix('#').unwrap_or(s))
}

impl Types {
    /// Reads `json` as a value of `ty`; `null` only where `nullable`.
    pub(crate) fn read(&self, ty: &TypeRef, nullable: bool, json: &Json) -> Result<Value, Invalid> {
        let invalid = |message: String| Invalid {
            clause: ty.clause(),
            message,
        };
        if json.is_null() {
            return if nullable {
                Ok(Value::Null)
            } else {
                Err(invalid(format!(
                    "{} is not nullable: null is refused",
                    ty.name()
                )))
            };
        }
        match ty {
            TypeRef::Primitive(p) => p.read(json).map(Value::Scalar).map_err(invalid),
            TypeRef::Enum(name) => self.read_enum(name, json).map_err(invalid),
            TypeRef::Collection(inner) => {
                let Json::Array(items) = json else {
                    return Err(invalid(format!(
                        "{} takes a JSON array, not {}",
                        ty.name(),
                        json_kind(json)
                    )));
                };
                let element_nullable = false;
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        self.read(inner, element_nullable, item)
                            .map_err(|e| Invalid {
                                clause: ty.clause(),
                                message: format!("element {i}: {}", e.message),
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Collection)
            }
            TypeRef::Complex(name) => self.read_complex(name, json).map(Value::Complex),
        }
    }

    fn read_enum(&self, name: &str, json: &Json) -> Result<Value, String> {
        let Some(e) = self.enums.get(name) else {
            return Err(format!("{name} is not a known enum"));
        };
        let Json::String(text) = json else {
            return Err(format!(
                "{name} takes a member's name as a string, not {}",
                json_kind(json)
            ));
        };
        let parts: Vec<&str> = if e.flags {
            text.split(',').collect()
        } else {
            vec![text.as_str()]
        };
        for part in &parts {
            if !e.members.iter().any(|m| m == part) {
                return Err(format!(
                    "{part:?} is not a member of {name} (members are case-sensitive: {})",
                    e.members.join(", ")
                ));
            }
        }
        Ok(Value::Enum(parts.iter().map(|p| (*p).to_owned()).collect()))
    }

    fn read_complex(&self, declared: &str, json: &Json) -> Result<Complex, Invalid> {
        let invalid = |message: String| Invalid {
            clause: C3_13,
            message,
        };
        let Json::Object(map) = json else {
            return Err(invalid(format!(
                "{declared} takes a JSON object, not {}",
                json_kind(json)
            )));
        };
        let actual = match map.get("@odata.type") {
            None => declared.to_owned(),
            Some(t) => match named_type(t).and_then(|n| self.complex_name(n)) {
                Some(n) if self.is_a(n, declared) => n.to_owned(),
                _ => {
                    return Err(invalid(format!(
                        "\"@odata.type\": {t} names neither {declared} nor a type derived from it"
                    )))
                }
            },
        };
        if self.complex.get(&actual).is_some_and(|c| c.is_abstract) {
            return Err(invalid(format!(
                "{actual} is abstract: name a derived type in \"@odata.type\""
            )));
        }
        let properties = self.complex_properties(&actual);
        let mut members = Vec::new();
        for (name, value) in map {
            if is_annotation(name) {
                continue;
            }
            let Some(p) = properties.iter().find(|p| &p.name == name) else {
                return Err(invalid(format!("{name:?} is not a property of {actual}")));
            };
            let v = self
                .read(&p.ty, p.nullable, value)
                .map_err(|e| invalid(format!("{name}: {}", e.message)))?;
            members.push((name.clone(), v));
        }
        Ok(Complex {
            type_name: actual,
            members,
        })
    }

    fn complex_name<'a>(&'a self, name: &str) -> Option<&'a str> {
        self.complex.get_key_value(name).map(|(k, _)| k.as_str())
    }

    /// Equality as C4.4 compares: scalars by their type's rule, enums as sets of members,
    /// collections element by element, complex values member by member for every member of
    /// `sent` (a service may fill in members that were not sent).
    pub fn same(&self, sent: &Value, got: &Value) -> bool {
        match (sent, got) {
            (Value::Null, Value::Null) => true,
            (Value::Scalar(a), Value::Scalar(b)) => a.same(b),
            (Value::Enum(a), Value::Enum(b)) => {
                a.iter().all(|m| b.contains(m)) && b.iter().all(|m| a.contains(m))
            }
            (Value::Collection(a), Value::Collection(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| self.same(x, y))
            }
            (Value::Complex(a), Value::Complex(b)) => a.members.iter().all(|(name, v)| {
                b.members
                    .iter()
                    .find(|(n, _)| n == name)
                    .is_some_and(|(_, w)| self.same(v, w))
            }),
            _ => false,
        }
    }

    /// A type's plain value: null where nullable, else 0, false, "", the first member, an empty
    /// collection, or a complex value of defaults.
    pub(crate) fn default_value(&self, ty: &TypeRef, nullable: bool) -> Value {
        if nullable {
            return Value::Null;
        }
        match ty {
            TypeRef::Primitive(p) => Value::Scalar(p.default_scalar()),
            TypeRef::Enum(name) => Value::Enum(
                self.enums
                    .get(name)
                    .and_then(|e| e.members.first())
                    .cloned()
                    .into_iter()
                    .collect(),
            ),
            TypeRef::Collection(_) => Value::Collection(Vec::new()),
            TypeRef::Complex(name) => Value::Complex(self.default_complex(&self.concrete(name))),
        }
    }

    /// `name`, or its first concrete derived type when it is abstract.
    pub(crate) fn concrete(&self, name: &str) -> String {
        self.complex_family(name)
            .into_iter()
            .find(|c| !c.is_abstract)
            .map_or_else(|| name.to_owned(), |c| c.name.clone())
    }

    /// A complex value of `name` with every member at its default.
    pub(crate) fn default_complex(&self, name: &str) -> Complex {
        Complex {
            type_name: name.to_owned(),
            members: self
                .complex_properties(name)
                .into_iter()
                .map(|p| (p.name.clone(), self.default_value(&p.ty, p.nullable)))
                .collect(),
        }
    }

    /// A complex value as stored after a PATCH sent `sent`: the members sent over `stored`
    /// (when it is of the same type) or over the type's defaults. Every member is then present.
    pub(crate) fn merged(&self, stored: Option<&Complex>, sent: Complex) -> Complex {
        let mut base = match stored {
            Some(s) if s.type_name == sent.type_name => s.clone(),
            _ => self.default_complex(&sent.type_name),
        };
        for (name, value) in sent.members {
            let value = self.filled(value);
            match base.members.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = value,
                None => base.members.push((name, value)),
            }
        }
        base
    }

    /// A value with every complex value in it completed by its type's defaults.
    pub(crate) fn filled(&self, value: Value) -> Value {
        match value {
            Value::Complex(c) => Value::Complex(self.merged(None, c)),
            Value::Collection(items) => {
                Value::Collection(items.into_iter().map(|v| self.filled(v)).collect())
            }
            other => other,
        }
    }

    /// The value ready to be serialised as the reference service writes it.
    pub(crate) fn written<'a>(
        &'a self,
        ty: &'a TypeRef,
        value: &'a Value,
        style: TimeStyle,
    ) -> Written<'a> {
        Written {
            types: self,
            ty,
            value,
            style,
        }
    }
}

/// A value being written: serialised straight into the answer, without a JSON tree first.
pub(crate) struct Written<'a> {
    types: &'a Types,
    ty: &'a TypeRef,
    value: &'a Value,
    style: TimeStyle,
}

impl Serialize for Written<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.value, self.ty) {
            (Value::Null, _) => s.serialize_unit(),
            (Value::Scalar(x), TypeRef::Primitive(p)) => x.serialize(*p, self.style, s),
            (Value::Scalar(x), _) => x.serialize(Primitive::UNTYPED, self.style, s),
            (Value::Enum(members), _) => s.serialize_str(&members.join(",")),
            (Value::Collection(items), ty) => {
                let inner = match ty {
                    TypeRef::Collection(inner) => inner.as_ref(),
                    other => other,
                };
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&self.types.written(inner, item, self.style))?;
                }
                seq.end()
            }
            (Value::Complex(c), _) => self.complex(c, s),
        }
    }
}

impl Written<'_> {
    fn complex<S: Serializer>(&self, c: &super::value::Complex, s: S) -> Result<S::Ok, S::Error> {
        let properties = self.types.complex_properties(&c.type_name);
        let mut map = s.serialize_map(Some(c.members.len() + 1))?;
        map.serialize_entry("@odata.type", &format!("#{}", c.type_name))?;
        for (name, value) in &c.members {
            let ty = properties
                .iter()
                .find(|p| &p.name == name)
                .map_or(&TypeRef::Primitive(Primitive::UNTYPED), |p: &&Property| {
                    &p.ty
                });
            map.serialize_entry(name, &self.types.written(ty, value, self.style))?;
        }
        map.end()
    }
}
