//! Edm.Single (C3.10): a JSON number rounded to f32, or "NaN", "INF", "-INF".

use super::{float, Scalar, Shape, Spec};
use crate::contract::C3_10;

pub(crate) const SPEC: Spec = Spec::text("Edm.Single", "single", C3_10, "0", |v| {
    float::read_single(v).map(Scalar::Float)
})
.shaped(Shape::NumberOrString)
.example(float::example);
