//! The kinds of invalid floating-point values: overflow to infinity, NaN and infinity misspelt,
//! and values of another JSON kind.

use proptest::prelude::{any, Strategy};
use proptest::sample::select;

use super::parts::{owned, sign, Invalid, Kinds, Other};
use crate::domain::edm::Reader;
use crate::domain::Primitive;

/// Misspellings of NaN and infinity, sent as strings.
const SPELLINGS: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-Infinity",
    "+INF",
    "NAN",
    "Inf",
    "INFINITY",
    " NaN",
    "INF ",
    "",
    "-NaN",
    "∞",
];

pub(super) fn invalid_value(p: Primitive) -> Invalid {
    Kinds::of(p)
        .json(3, "overflows to infinity", overflow(p))
        .string(
            3,
            "NaN or infinity misspelt",
            select(SPELLINGS).prop_map(str::to_owned),
        )
        .other(2, Other::Text)
        .others(&[Other::Bool, Other::Array, Other::Object])
        .draw()
}

/// A number at least the smallest power of ten beyond the type's max.
fn overflow(p: Primitive) -> impl Strategy<Value = String> {
    let min_exponent = overflow_exponent(p);
    (any::<bool>(), 1..=9u32, 0..=99u32, min_exponent..=999u32).prop_map(|(neg, d, f, k)| {
        let fraction = if f == 0 {
            String::new()
        } else {
            format!(".{f}")
        };
        format!("{}{d}{fraction}e{k}", sign(neg))
    })
}

/// The first power of ten the type reads as infinite (39 for a Single, 309 for a Double).
fn overflow_exponent(p: Primitive) -> u32 {
    let Reader::Float(parse) = p.spec().read else {
        return 309;
    };
    (1..=309)
        .find(|k| parse(&format!("1e{k}")).is_some_and(f64::is_infinite))
        .unwrap_or(309)
}

/// A float type's invalid edges: its `own` overflows, then those both float types share.
pub(super) fn invalid_edges(own: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    let mut edges = owned(own);
    edges.extend(owned(NOT_A_FLOAT));
    edges
}

/// The invalid edges both float types share, after their own overflows: a number as a
/// string, NaN and infinity misspelt, and values of another JSON kind.
const NOT_A_FLOAT: &[(&str, &str)] = &[
    ("\"4\"", "string \"4\""),
    ("\"1.5\"", "string \"1.5\""),
    ("\"nan\"", "lower-case nan"),
    ("\"inf\"", "lower-case inf"),
    ("\"Infinity\"", "Infinity"),
    ("\"-Infinity\"", "-Infinity"),
    ("\"+INF\"", "+INF"),
    ("\"NAN\"", "upper-case NAN"),
    ("\"\"", "empty string"),
    ("true", "boolean true"),
    ("false", "boolean false"),
    ("[]", "empty array"),
    ("[1.5]", "array [1.5]"),
    ("{}", "empty object"),
    ("{\"value\":1.5}", "object"),
];
