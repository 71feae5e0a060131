//! Edm.String (C3.11): any JSON string, compared exactly.

use serde_json::Value;

use super::Reader::Json;
use super::{kind_of, Pitfalls, Scalar, Spec};
use crate::contract::C3_11;

pub(crate) const SPEC: Spec = Spec::new("Edm.String", C3_11, "\"\"", Json(read), PITFALLS)
    .nullable_unsaid()
    .example(|ordinal, index| Some(Scalar::String(format!("label-{ordinal}-{index}"))));

const PITFALLS: Pitfalls = Pitfalls {
    edge: ("refuses the empty string", |v| v.as_str() == Some("")),
    lenient: ("accepts numbers and booleans as their text", |v| {
        (v.is_number() || v.is_boolean()).then(|| v.to_string().into())
    }),
    lossy: (
        "answers characters outside the BMP as U+FFFD",
        |s| match s {
            Scalar::String(t) => Some(Scalar::String(t.chars().map(inside_the_bmp).collect())),
            _ => None,
        },
    ),
};

/// The character, or U+FFFD when it is outside the Basic Multilingual Plane.
fn inside_the_bmp(c: char) -> char {
    if u32::from(c) > 0xFFFF {
        '\u{FFFD}'
    } else {
        c
    }
}

fn read(value: &Value) -> Result<Scalar, String> {
    match value {
        Value::String(s) => Ok(Scalar::String(s.clone())),
        other => Err(format!("Edm.String takes a string, not {}", kind_of(other))),
    }
}
