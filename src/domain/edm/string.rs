//! Edm.String (C3.11): any JSON string, compared exactly.

use serde_json::Value;

use super::{kind_of, Scalar, Spec};
use crate::contract::C3_11;

pub(crate) const SPEC: Spec = Spec::text("Edm.String", "string", C3_11, "\"\"", read)
    .nullable_unsaid()
    .example(|ordinal, index| Some(Scalar::String(format!("label-{ordinal}-{index}"))));

fn read(value: &Value) -> Result<Scalar, String> {
    match value {
        Value::String(s) => Ok(Scalar::String(s.clone())),
        other => Err(format!("Edm.String takes a string, not {}", kind_of(other))),
    }
}
