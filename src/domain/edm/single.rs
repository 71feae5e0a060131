//! Edm.Single (C3.10): a JSON number rounded to f32, or "NaN", "INF", "-INF".

use super::{float, Pitfalls, Scalar, Spec};

/// The literal text is rounded to f32 directly: going through f64 first would round twice and
/// can land on the wrong f32.
pub(crate) const SPEC: Spec = Spec::float("Edm.Single", parse, PITFALLS);

fn parse(text: &str) -> Option<f64> {
    text.parse::<f32>().ok().map(f64::from)
}

const PITFALLS: Pitfalls = float::pitfalls(
    "answers Single values with 6 significant digits",
    |s| match s {
        Scalar::Float(f) => Some(Scalar::Float(format!("{f:.5e}").parse().unwrap_or(*f))),
        _ => None,
    },
);
