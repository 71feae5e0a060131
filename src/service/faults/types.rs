//! Faults that mishandle one type (issue: "for every type, a fault that refuses an edge of its
//! domain, accepts an invalid form, or mangles the echo"), for every type a pack can use: each
//! Edm primitive, enums, collections and complex types. The harness must catch each citing the
//! type's clause (or C4.4 for a mangled echo) on any pack that has a property of that type.

use axum::body::Bytes;
use serde_json::{Map, Value as Json};

use crate::contract::C4_4;
use crate::domain::types::Family;
use crate::domain::value::{Complex, Value};
use crate::domain::{EntityModel, Primitive, Scalar, TypeRef};
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
    pub mishandling: Mishandling,
    pub target: Family,
}

impl TypeFault {
    /// Every type fault, in a stable order.
    pub fn all() -> Vec<TypeFault> {
        let mut all = Vec::new();
        for target in Family::all().into_iter().filter(|f| {
            !matches!(
                f,
                Family::Primitive(Primitive::Byte | Primitive::SByte | Primitive::Int16)
            )
        }) {
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

    pub fn name(self) -> String {
        let what = match self.mishandling {
            Mishandling::EdgeRefused => "edge-refused",
            Mishandling::InvalidAccepted => "invalid-accepted",
            Mishandling::EchoMangled => "echo-mangled",
        };
        format!("{}-{what}", self.target.word())
    }

    pub fn clause(self) -> &'static str {
        match self.mishandling {
            Mishandling::EchoMangled => C4_4,
            _ => self.target.clause(),
        }
    }

    /// True when `model` has a writable property this fault can touch.
    pub fn applies(self, model: &EntityModel) -> bool {
        model.writable().any(|(_, p)| self.target.touches(&p.ty))
    }

    pub fn description(self) -> String {
        let t = self.target;
        let what = match (self.mishandling, t) {
            (Mishandling::EdgeRefused, Family::Primitive(p)) => match p {
                Primitive::Boolean => "refuses false",
                Primitive::Single | Primitive::Double => "refuses \"NaN\", \"INF\" and \"-INF\"",
                Primitive::DateTimeOffset => "refuses times in years 0001 and 9999",
                Primitive::Date => "refuses 29 February",
                Primitive::TimeOfDay => "refuses times with a fraction of a second",
                Primitive::Duration => "refuses negative durations",
                Primitive::Guid => "refuses GUIDs written with upper-case hex digits",
                Primitive::Binary => "refuses base64url's '-' and '_' (takes only standard base64)",
                Primitive::String => "refuses the empty string",
                _ => "refuses the type's minimum",
            },
            (Mishandling::EdgeRefused, Family::Enum) => "refuses the enum's last member",
            (Mishandling::EdgeRefused, Family::Collection) => "refuses an empty collection",
            (Mishandling::EdgeRefused, Family::Complex) => {
                "refuses a complex value that does not send every member"
            }
            (Mishandling::InvalidAccepted, Family::Primitive(p)) => match p {
                Primitive::Boolean => "accepts \"true\" and \"false\" as strings",
                Primitive::Single | Primitive::Double => "accepts numbers written as strings",
                Primitive::DateTimeOffset => "accepts a date without a time as midnight UTC",
                Primitive::Date => "accepts a date-time, keeping its date",
                Primitive::TimeOfDay => "accepts hour 24 as 00",
                Primitive::Duration => "accepts years and months (as 365 and 30 days)",
                Primitive::Guid => "accepts a GUID in braces",
                Primitive::Binary => {
                    "drops characters outside the base64 alphabets instead of refusing them"
                }
                Primitive::String => "accepts numbers and booleans as their text",
                _ => "accepts a fraction, dropping it",
            },
            (Mishandling::InvalidAccepted, Family::Enum) => "matches members case-insensitively",
            (Mishandling::InvalidAccepted, Family::Collection) => {
                "accepts a single value as a one-element collection"
            }
            (Mishandling::InvalidAccepted, Family::Complex) => {
                "drops members the complex type does not have"
            }
            (Mishandling::EchoMangled, Family::Primitive(p)) => match p {
                Primitive::Boolean => "answers every Boolean as false",
                Primitive::Int64 => {
                    "answers Int64 values through a double (precision lost beyond 2^53)"
                }
                Primitive::Single => "answers Single values with 6 significant digits",
                Primitive::Double => "answers Double values rounded to single precision",
                Primitive::DateTimeOffset => "answers the local time with Z, dropping the offset",
                Primitive::Date => "answers the day before",
                Primitive::TimeOfDay => "answers times without their fraction",
                Primitive::Duration => "answers durations without their fraction",
                Primitive::Guid => "answers GUIDs with the first group's bytes reversed",
                Primitive::Binary => "answers binary values without their last byte",
                Primitive::String => "answers characters outside the BMP as U+FFFD",
                _ => "answers integers without their sign",
            },
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
        (Family::Primitive(p), _, v) => loosen_primitive(p, v),
        (_, _, v) => v,
    }
}

fn loosen_primitive(p: Primitive, v: Json) -> Json {
    let text = v.as_str().map(str::to_owned);
    match (p, &v, text) {
        (Primitive::Boolean, _, Some(t)) if t == "true" || t == "false" => Json::Bool(t == "true"),
        (Primitive::Single | Primitive::Double, _, Some(t)) => serde_json::from_str::<Json>(&t)
            .ok()
            .filter(Json::is_number)
            .unwrap_or(v),
        (Primitive::DateTimeOffset, _, Some(t)) if t.len() == 10 => {
            Json::String(format!("{t}T00:00:00Z"))
        }
        (Primitive::Date, _, Some(t)) if t.len() > 10 && t.as_bytes().get(10) == Some(&b'T') => {
            Json::String(t[..10].to_owned())
        }
        (Primitive::TimeOfDay, _, Some(t)) if t.starts_with("24:") => {
            Json::String(format!("00:{}", &t[3..]))
        }
        (Primitive::Duration, _, Some(t)) => Json::String(months_as_days(&t)),
        (Primitive::Guid, _, Some(t)) => {
            Json::String(t.trim_start_matches('{').trim_end_matches('}').to_owned())
        }
        (Primitive::Binary, _, Some(t)) => Json::String(
            t.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '='))
                .collect(),
        ),
        (Primitive::String, Json::Number(_) | Json::Bool(_), _) => Json::String(v.to_string()),
        (
            Primitive::Byte
            | Primitive::SByte
            | Primitive::Int16
            | Primitive::Int32
            | Primitive::Int64,
            Json::Number(n),
            _,
        ) => {
            let text = n.to_string();
            match text.split_once('.') {
                Some((whole, _)) if !text.contains(['e', 'E']) => {
                    serde_json::from_str(if whole == "-0" { "0" } else { whole }).unwrap_or(v)
                }
                _ => v,
            }
        }
        _ => v,
    }
}

/// `P1Y2M3D` read as 365 + 60 + 3 days; any other text as it is.
fn months_as_days(text: &str) -> String {
    let Some(rest) = text.strip_prefix('P') else {
        return text.to_owned();
    };
    let (date, time) = rest
        .split_once('T')
        .map_or((rest, None), |(d, t)| (d, Some(t)));
    let mut days = 0u64;
    let mut number = String::new();
    for c in date.chars() {
        match c {
            '0'..='9' => number.push(c),
            'Y' | 'M' | 'D' => {
                let n: u64 = number.parse().unwrap_or(0);
                days = days.saturating_add(n.saturating_mul(match c {
                    'Y' => 365,
                    'M' => 30,
                    _ => 1,
                }));
                number.clear();
            }
            _ => return text.to_owned(),
        }
    }
    let time = time.map(|t| format!("T{t}")).unwrap_or_default();
    format!("P{days}D{time}")
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
        (Family::Primitive(p), _, v) => primitive_edge(p, v),
        _ => false,
    }
}

fn primitive_edge(p: Primitive, v: &Json) -> bool {
    let text = v.as_str().unwrap_or_default();
    match p {
        Primitive::Boolean => v == &Json::Bool(false),
        Primitive::Single | Primitive::Double => matches!(text, "NaN" | "INF" | "-INF"),
        Primitive::DateTimeOffset => text.starts_with("0001-") || text.starts_with("9999-"),
        Primitive::Date => text.get(4..10) == Some("-02-29"),
        Primitive::TimeOfDay => text.contains('.'),
        Primitive::Duration => text.starts_with('-'),
        Primitive::Guid => text.chars().any(|c| c.is_ascii_uppercase()),
        Primitive::Binary => text.contains(['-', '_']),
        Primitive::String => v == &Json::String(String::new()),
        Primitive::Byte
        | Primitive::SByte
        | Primitive::Int16
        | Primitive::Int32
        | Primitive::Int64 => {
            let min = match p {
                Primitive::Byte => "0",
                Primitive::SByte => "-128",
                Primitive::Int16 => "-32768",
                Primitive::Int32 => "-2147483648",
                _ => "-9223372036854775808",
            };
            matches!(v, Json::Number(n) if n.to_string() == min)
        }
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
        (Family::Primitive(p), _, Value::Scalar(s)) => Value::Scalar(mangle_scalar(p, s)),
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

fn mangle_scalar(p: Primitive, s: &Scalar) -> Scalar {
    match (p, s) {
        (Primitive::Boolean, Scalar::Bool(_)) => Scalar::Bool(false),
        (Primitive::Int64, Scalar::Int(n)) => Scalar::Int(*n as f64 as i64),
        (_, Scalar::Int(n)) => Scalar::Int(n.saturating_abs()),
        (Primitive::Double, Scalar::Float(f)) => Scalar::Float(f64::from(*f as f32)),
        (Primitive::Single, Scalar::Float(f)) => {
            Scalar::Float(format!("{f:.5e}").parse().unwrap_or(*f))
        }
        (_, Scalar::DateTimeOffset(d)) => {
            let p = d.parts();
            crate::domain::datetime::DateTimeOffset::from_parts(crate::domain::datetime::Parts {
                offset_minutes: 0,
                ..p
            })
            .map(Scalar::DateTimeOffset)
            .unwrap_or_else(|_| s.clone())
        }
        (_, Scalar::Guid(g)) => {
            let bytes = g.to_be_bytes();
            let mut swapped = bytes;
            swapped[..4].reverse();
            Scalar::Guid(u128::from_be_bytes(swapped))
        }
        (_, Scalar::Binary(b)) => Scalar::Binary(b[..b.len().saturating_sub(1)].to_vec()),
        (_, Scalar::String(t)) => Scalar::String(
            t.chars()
                .map(|c| if u32::from(c) > 0xFFFF { '\u{FFFD}' } else { c })
                .collect(),
        ),
        (_, Scalar::Date(d)) => Scalar::Date(d.day_before()),
        (_, Scalar::TimeOfDay(t)) => Scalar::TimeOfDay(t.whole_seconds()),
        (_, Scalar::Duration(d)) => Scalar::Duration(d.whole_seconds()),
        (_, other) => other.clone(),
    }
}
