//! Edm.Boolean for generated inputs: its two values, and texts that look like one.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{Invalid, Kinds, Other};
use crate::domain::Primitive;

pub(super) const BOOLEAN_EDGES: &[(&str, &str)] = &[("true", "true"), ("false", "false")];

pub(super) const INVALID_BOOLEAN_EDGES: &[(&str, &str)] = &[
    ("\"true\"", "string \"true\""),
    ("\"false\"", "string \"false\""),
    ("1", "number 1"),
    ("0", "number 0"),
    ("\"True\"", "string \"True\""),
    ("\"1\"", "string \"1\""),
    ("\"\"", "empty string"),
    ("[]", "empty array"),
    ("[true]", "array [true]"),
    ("{}", "empty object"),
    ("{\"value\":true}", "object"),
];

pub(super) fn valid_value() -> BoxedStrategy<String> {
    any::<bool>().prop_map(|b| b.to_string()).boxed()
}

/// Words that read as a boolean in other languages, sent as strings, and numbers (mostly 0
/// and 1); then arrays and objects.
pub(super) fn invalid_value() -> Invalid {
    const WORDS: &[&str] = &["true", "false", "True", "FALSE", "1", "0", "yes", ""];
    Kinds::of(Primitive::Boolean)
        .string(3, "as a string", select(WORDS).prop_map(str::to_owned))
        .json(
            3,
            "as a number",
            prop_oneof![3 => 0..=1i64, 1 => any::<i64>()].prop_map(|n| n.to_string()),
        )
        .others(&[Other::Array, Other::Object])
        .draw()
}
