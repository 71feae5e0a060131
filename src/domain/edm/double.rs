//! Edm.Double (C3.10): a JSON number, or "NaN", "INF", "-INF".

use super::{float, Pitfalls, Scalar, Spec};

pub(crate) const SPEC: Spec = Spec::float("Edm.Double", |t| t.parse().ok(), PITFALLS);

const PITFALLS: Pitfalls = float::pitfalls(
    "answers Double values rounded to single precision",
    |s| match s {
        Scalar::Float(f) => Some(Scalar::Float(f64::from(*f as f32))),
        _ => None,
    },
);
