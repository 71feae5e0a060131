//! Faults that mishandle one type (issue: "for every type, a fault that refuses an edge of its
//! domain, accepts an invalid form, or mangles the echo"), for every type a pack can use: each
//! Edm primitive, enums, collections and complex types. The harness must catch each citing the
//! type's clause (or C4.4 for a mangled echo) on any pack that has a property of that type.

use axum::body::Bytes;
use serde_json::{Map, Value as Json};

use crate::contract::C4_4;
use crate::domain::types::Family;
use crate::domain::value::{Complex, Value};
use crate::domain::{EntityModel, TypeRef};
use crate::service::errors::ApiError;
use crate::service::render::Field;

/// What the fault does to its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mishandling {
    /// Refuses a valid value at an edge of the type's domain with 400.
    EdgeRefused,
    /// Accepts one invalid form, read as if it were valid.
    InvalidAccepted,
    /// Answers a PATCH with the value changed (what is stored is right).
    EchoMangled,
}

/// A fault of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeFault {
    pub(crate) mishandling: Mishandling,
    pub(crate) target: Family,
}

impl TypeFault {
    /// Every type fault, in a stable order.
    pub(crate) fn all() -> Vec<TypeFault> {
        let mut all = Vec::new();
        let own = |f: &Family| !matches!(f, Family::Primitive(p) if !p.spec().own_faults);
        for target in Family::all().into_iter().filter(own) {
            for mishandling in [
                Mishandling::EdgeRefused,
                Mishandling::InvalidAccepted,
                Mishandling::EchoMangled,
            ] {
                all.push(TypeFault {
                    mishandling,
                    target,
                });
            }
        }
        all
    }

    pub(crate) fn name(self) -> String {
        let what = match self.mishandling {
            Mishandling::EdgeRefused => "edge-refused",
            Mishandling::InvalidAccepted => "invalid-accepted",
            Mishandling::EchoMangled => "echo-mangled",
        };
        format!("{}-{what}", self.target.word())
    }

    pub(crate) fn clause(self) -> &'static str {
        match self.mishandling {
            Mishandling::EchoMangled => C4_4,
            _ => self.target.clause(),
        }
    }

    /// True when `model` has a writable property this fault can touch.
    pub(crate) fn applies(self, model: &EntityModel) -> bool {
        model.writable().any(|(_, p)| self.target.touches(&p.ty))
    }

    pub(crate) fn description(self) -> String {
        let t = self.target;
        let what = match (self.mishandling, t) {
            (Mishandling::EdgeRefused, Family::Primitive(p)) => p.spec().pitfalls.edge.0,
            (Mishandling::EdgeRefused, Family::Enum) => "refuses the enum's last member",
            (Mishandling::EdgeRefused, Family::Collection) => "refuses an empty collection",
            (Mishandling::EdgeRefused, Family::Complex) => {
                "refuses a complex value that does not send every member"
            }
            (Mishandling::InvalidAccepted, Family::Primitive(p)) => p.spec().pitfalls.lenient.0,
            (Mishandling::InvalidAccepted, Family::Enum) => "matches members case-insensitively",
            (Mishandling::InvalidAccepted, Family::Collection) => {
                "accepts a single value as a one-element collection"
            }
            (Mishandling::InvalidAccepted, Family::Complex) => {
                "drops members the complex type does not have"
            }
            (Mishandling::EchoMangled, Family::Primitive(p)) => p.spec().pitfalls.lossy.0,
            (Mishandling::EchoMangled, Family::Enum) => {
                "answers the enum's first member whatever was stored"
            }
            (Mishandling::EchoMangled, Family::Collection) => {
                "answers collections without their last element"
            }
            (Mishandling::EchoMangled, Family::Complex) => {
                "answers complex values with their last member at its default"
            }
        };
        format!("{} ({}): {what}", t.word(), self.clause())
    }
}

/// The body hook of a type's fault: `EdgeRefused` refuses a body that sends its edge,
/// `InvalidAccepted` rewrites its invalid form into a valid one; `raw` is the body.
pub(super) fn read(fault: TypeFault, model: &EntityModel, raw: Bytes) -> Result<Bytes, ApiError> {
    if fault.mishandling == Mishandling::EchoMangled {
        return Ok(raw);
    }
    let Ok(Json::Object(object)) = serde_json::from_slice::<Json>(&raw) else {
        return Ok(raw);
    };
    match fault.mishandling {
        Mishandling::EdgeRefused if sends_edge(fault, model, &object) => {
            Err(ApiError::bad_request(format!(
                "Invalid value for a {} property",
                fault.target.word()
            )))
        }
        Mishandling::InvalidAccepted => Ok(Bytes::from(
            Json::Object(loosen(fault, model, object)).to_string(),
        )),
        _ => Ok(raw),
    }
}

/// The render hook of a type's fault: `EchoMangled` changes the values of its type in a PATCH
/// answer's members.
pub(super) fn echo(fault: TypeFault, model: &EntityModel, fields: &mut [(String, Field<'_>)]) {
    if fault.mishandling != Mishandling::EchoMangled {
        return;
    }
    for (_, field) in fields.iter_mut() {
        if let Field::Typed(ty, value) = field {
            if fault.target.touches(ty) {
                *value = mangle(fault.target, ty, model, value);
            }
        }
    }
}

/// `InvalidAccepted`: the body with this fault's invalid form rewritten into a valid one, for
/// every property of the target type; anything else is left as it is.
fn loosen(fault: TypeFault, model: &EntityModel, object: Map<String, Json>) -> Map<String, Json> {
    object
        .into_iter()
        .map(|(name, value)| {
            let value = match model.property(&name) {
                Some(p) if fault.target.touches(&p.ty) => {
                    loosen_value(fault.target, &p.ty, model, value)
                }
                _ => value,
            };
            (name, value)
        })
        .collect()
}

fn loosen_value(target: Family, ty: &TypeRef, model: &EntityModel, value: Json) -> Json {
    match (target, ty, value) {
        (Family::Collection, TypeRef::Collection(_), v) if !v.is_array() && !v.is_null() => {
            Json::Array(vec![v])
        }
        (t, TypeRef::Collection(inner), Json::Array(items)) if t != Family::Collection => {
            Json::Array(
                items
                    .into_iter()
                    .map(|i| loosen_value(t, inner, model, i))
                    .collect(),
            )
        }
        (Family::Enum, TypeRef::Enum(name), Json::String(s)) => {
            let members = model
                .types
                .enums
                .get(name)
                .map(|e| e.members.clone())
                .unwrap_or_default();
            let fixed: Vec<String> = s
                .split(',')
                .map(|part| {
                    members
                        .iter()
                        .find(|m| m.eq_ignore_ascii_case(part))
                        .cloned()
                        .unwrap_or_else(|| part.to_owned())
                })
                .collect();
            Json::String(fixed.join(","))
        }
        (Family::Complex, TypeRef::Complex(name), Json::Object(map)) => {
            let known: Vec<String> = model
                .types
                .complex_properties(name)
                .iter()
                .map(|p| p.name.clone())
                .collect();
            Json::Object(
                map.into_iter()
                    .filter(|(k, _)| k.contains('@') || known.contains(k))
                    .collect(),
            )
        }
        (Family::Primitive(p), _, v) => (p.spec().pitfalls.lenient.1)(&v).unwrap_or(v),
        (_, _, v) => v,
    }
}

/// `EdgeRefused`: true when the raw body sends the edge this fault refuses, for a property of
/// the target type.
fn sends_edge(fault: TypeFault, model: &EntityModel, object: &Map<String, Json>) -> bool {
    object.iter().any(|(name, value)| {
        model.property(name).is_some_and(|p| {
            fault.target.touches(&p.ty) && is_edge(fault.target, &p.ty, model, value)
        })
    })
}

fn is_edge(target: Family, ty: &TypeRef, model: &EntityModel, value: &Json) -> bool {
    match (target, ty, value) {
        (Family::Collection, _, Json::Array(items)) => items.is_empty(),
        (t, TypeRef::Collection(inner), Json::Array(items)) if t != Family::Collection => {
            items.iter().any(|i| is_edge(t, inner, model, i))
        }
        (Family::Enum, TypeRef::Enum(name), Json::String(s)) => {
            let last = model.types.enums.get(name).and_then(|e| e.members.last());
            last.is_some_and(|l| s.split(',').any(|m| m == l))
        }
        (Family::Complex, TypeRef::Complex(name), Json::Object(map)) => {
            let actual = map
                .get("@odata.type")
                .and_then(crate::domain::value::named_type)
                .unwrap_or(name);
            model
                .types
                .complex_properties(actual)
                .iter()
                .any(|p| !map.contains_key(&p.name))
        }
        (Family::Primitive(p), _, v) => (p.spec().pitfalls.edge.1)(v),
        _ => false,
    }
}

/// `EchoMangled`: the value as the faulty service answers a PATCH with it.
fn mangle(target: Family, ty: &TypeRef, model: &EntityModel, value: &Value) -> Value {
    match (target, ty, value) {
        (Family::Collection, _, Value::Collection(items)) => Value::Collection(
            items
                .iter()
                .take(items.len().saturating_sub(1))
                .cloned()
                .collect(),
        ),
        (t, TypeRef::Collection(inner), Value::Collection(items)) if t != Family::Collection => {
            Value::Collection(items.iter().map(|i| mangle(t, inner, model, i)).collect())
        }
        (Family::Enum, TypeRef::Enum(name), Value::Enum(_)) => Value::Enum(
            model
                .types
                .enums
                .get(name)
                .and_then(|e| e.members.first())
                .cloned()
                .into_iter()
                .collect(),
        ),
        (Family::Complex, _, Value::Complex(c)) => Value::Complex(reset_last_member(model, c)),
        (Family::Primitive(p), _, Value::Scalar(s)) => {
            Value::Scalar((p.spec().pitfalls.lossy.1)(s).unwrap_or_else(|| s.clone()))
        }
        (_, _, v) => v.clone(),
    }
}

fn reset_last_member(model: &EntityModel, c: &Complex) -> Complex {
    let mut out = c.clone();
    let defaults = model.types.default_complex(&c.type_name);
    if let Some((name, slot)) = out.members.last_mut() {
        if let Some((_, d)) = defaults.members.iter().find(|(n, _)| n == name) {
            *slot = d.clone();
        }
    }
    out
}
