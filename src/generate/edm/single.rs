//! Edm.Single for generated inputs: texts that round to the same f32 read directly or through
//! f64, so the value the service answers is the one read here.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};

use super::parts::{as_json, edge_texts};
use crate::domain::edm::float::{render_double, render_single};

/// Single values that are exact f32 values or whose text rounds to one the same way whether
/// the service parses it as f32 or through f64 (so the value it answers is the one read here).
pub(super) const SINGLE_EDGES: &[(&str, &str)] = &[
    ("0", "zero"),
    ("-0", "negative zero"),
    ("3.4028235e38", "max finite"),
    ("-3.4028235e38", "min finite"),
    ("1e-45", "min positive subnormal"),
    ("-1e-45", "max negative subnormal"),
    ("1.1754944e-38", "min positive normal"),
    ("0.1", "0.1 (inexact in binary)"),
    ("1e38", "1e38"),
    ("\"NaN\"", "NaN"),
    ("\"INF\"", "INF"),
    ("\"-INF\"", "-INF"),
    ("16777217", "2^24+1 (rounds to 2^24)"),
    ("16777216", "2^24"),
    ("-16777217", "-(2^24+1)"),
    (
        "340282346638528859811704183484516925440",
        "max finite written exactly",
    ),
    ("1", "one"),
    ("-1", "minus one"),
    ("1.5", "1.5"),
    ("3.1415927", "pi"),
    ("1e-7", "1e-7"),
    ("1E+10", "capital E and exponent sign"),
    ("4.0", "whole number with a fraction digit"),
    (
        "0.10000000149011612",
        "the Single 0.1 written with Double digits",
    ),
];

pub(super) const INVALID_SINGLE_EDGES: &[(&str, &str)] = &[
    ("1e39", "overflow 1e39"),
    ("-1e39", "overflow -1e39"),
    ("3.5e38", "just beyond max"),
    ("1e400", "overflow 1e400"),
];

/// A finite Single written so that its text rounds to the same f32 directly or through f64:
/// the shortest f32 digits, exponent form, 9 significant digits, or the exact f64 digits.
pub(super) fn valid_value() -> BoxedStrategy<String> {
    let drawn = (any::<f32>(), 0..4u8).prop_map(|(x, form)| match form {
        0 => render_single(f64::from(x)).to_string(),
        1 => format!("{x:e}"),
        2 => format!("{x:.8e}"),
        _ => render_double(f64::from(x)).to_string(),
    });
    prop_oneof![4 => drawn, 1 => edge_texts(as_json(SINGLE_EDGES))].boxed()
}
