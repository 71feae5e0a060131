//! Edm.Double (C3.10): a JSON number, or "NaN", "INF", "-INF".

use super::{float, Pitfalls, Scalar, Shape, Spec};
use crate::contract::C3_10;

pub(crate) const SPEC: Spec = Spec::json(
    "Edm.Double",
    "double",
    C3_10,
    "0",
    |v| float::read_float(v, SPEC.name, |text| text.parse::<f64>().ok()).map(Scalar::Float),
    PITFALLS,
)
.shaped(Shape::NumberOrString)
.example(float::example);

const PITFALLS: Pitfalls = float::pitfalls(
    "answers Double values rounded to single precision",
    |s| match s {
        Scalar::Float(f) => Some(Scalar::Float(f64::from(*f as f32))),
        _ => None,
    },
);
