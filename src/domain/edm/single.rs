//! Edm.Single (C3.10): a JSON number rounded to f32, or "NaN", "INF", "-INF".

use super::{float, Pitfalls, Scalar, Shape, Spec};
use crate::contract::C3_10;

/// The literal text is rounded to f32 directly: going through f64 first would round twice and
/// can land on the wrong f32.
pub(crate) const SPEC: Spec = Spec::json(
    "Edm.Single",
    "single",
    C3_10,
    "0",
    |v| {
        float::read_float(v, SPEC.name, |text| text.parse::<f32>().ok().map(f64::from))
            .map(Scalar::Float)
    },
    PITFALLS,
)
.shaped(Shape::NumberOrString)
.example(float::example);

const PITFALLS: Pitfalls = float::pitfalls(
    "answers Single values with 6 significant digits",
    |s| match s {
        Scalar::Float(f) => Some(Scalar::Float(format!("{f:.5e}").parse().unwrap_or(*f))),
        _ => None,
    },
);
