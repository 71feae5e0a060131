//! Edm.Double for generated inputs: finite values in every form JSON allows, and the names
//! NaN and INF.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};

use super::parts::{as_json, edge_texts};
use crate::domain::edm::float::render_double;

pub(super) const DOUBLE_EDGES: &[(&str, &str)] = &[
    ("0", "zero"),
    ("-0", "negative zero"),
    ("1.7976931348623157e308", "max finite"),
    ("-1.7976931348623157e308", "min finite"),
    ("5e-324", "min positive subnormal"),
    ("-5e-324", "max negative subnormal"),
    ("2.2250738585072014e-308", "min positive normal"),
    ("0.1", "0.1 (inexact in binary)"),
    ("1e308", "1e308"),
    ("\"NaN\"", "NaN"),
    ("\"INF\"", "INF"),
    ("\"-INF\"", "-INF"),
    (
        "9007199254740993",
        "2^53+1 written exactly (rounds to 2^53)",
    ),
    ("9007199254740992", "2^53"),
    ("-9007199254740993", "-(2^53+1) written exactly"),
    ("18446744073709551617", "2^64+1 written exactly"),
    ("123456789012345678901234567890", "30-digit integer"),
    ("1", "one"),
    ("-1", "minus one"),
    ("1.5", "1.5"),
    ("0.30000000000000004", "0.1+0.2"),
    ("3.141592653589793", "pi"),
    ("1e-7", "1e-7"),
    ("1E+10", "capital E and exponent sign"),
    ("4.0", "whole number with a fraction digit"),
    ("-2.5e-3", "negative with negative exponent"),
];

pub(super) const INVALID_DOUBLE_EDGES: &[(&str, &str)] = &[
    ("1e400", "overflow 1e400"),
    ("-1e400", "overflow -1e400"),
    ("1.8e308", "just beyond max"),
];

/// A finite Double written in one of several forms, all of which JSON allows: the shortest,
/// exponent form, 17 significant digits, capital E.
pub(super) fn valid_value() -> BoxedStrategy<String> {
    let drawn = (any::<f64>(), 0..4u8).prop_map(|(x, form)| match form {
        0 => render_double(x).to_string(),
        1 => format!("{x:e}"),
        2 => format!("{x:.16e}"),
        _ => format!("{x:E}"),
    });
    prop_oneof![4 => drawn, 1 => edge_texts(as_json(DOUBLE_EDGES))].boxed()
}
