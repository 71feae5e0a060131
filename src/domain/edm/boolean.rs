//! Edm.Boolean (C3.8): JSON true or false, nothing else.

use serde_json::Value;

use super::Reader::Json;
use super::{kind_of, Pitfalls, Scalar, Shape, Spec};
use crate::contract::C3_8;

pub(crate) const SPEC: Spec = Spec::new("Edm.Boolean", C3_8, "false", Json(read), PITFALLS)
    .shaped(Shape::Bool)
    .example(|ordinal, _| Some(Scalar::Bool(ordinal % 2 == 1)));

const PITFALLS: Pitfalls = Pitfalls {
    edge: ("refuses false", |v| v == &Value::Bool(false)),
    lenient: ("accepts \"true\" and \"false\" as strings", |v| {
        v.as_str()?.parse().ok().map(Value::Bool)
    }),
    lossy: ("answers every Boolean as false", |s| {
        matches!(s, Scalar::Bool(_)).then_some(Scalar::Bool(false))
    }),
};

fn read(value: &Value) -> Result<Scalar, String> {
    match value {
        Value::Bool(b) => Ok(Scalar::Bool(*b)),
        other => Err(format!(
            "Edm.Boolean takes true or false, not {}",
            kind_of(other)
        )),
    }
}
