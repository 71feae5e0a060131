//! Edm.Boolean for generated inputs: its two values, and texts that look like one.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{as_json, json_string, kinds, other_kind, owned, Invalid, Other};
use crate::domain::Primitive;

const BOOLEAN_EDGES: &[(&str, &str)] = &[("true", "true"), ("false", "false")];

const INVALID_BOOLEAN_EDGES: &[(&str, &str)] = &[
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadBoolean {
    Text,
    Number,
    Other(Other),
}

impl BadBoolean {
    const ALL: [(u32, BadBoolean); 4] = [
        (3, BadBoolean::Text),
        (3, BadBoolean::Number),
        (1, BadBoolean::Other(Other::Array)),
        (1, BadBoolean::Other(Other::Object)),
    ];

    fn strategy(self) -> Invalid {
        const WORDS: &[&str] = &["true", "false", "True", "FALSE", "1", "0", "yes", ""];
        match self {
            BadBoolean::Text => select(WORDS)
                .prop_map(|w| (json_string(w), "as a string"))
                .boxed(),
            BadBoolean::Number => prop_oneof![3 => 0..=1i64, 1 => any::<i64>()]
                .prop_map(|n| (n.to_string(), "as a number"))
                .boxed(),
            BadBoolean::Other(other) => other_kind(Primitive::Boolean, other),
        }
    }
}

pub(super) fn valid_edges() -> Vec<(String, String)> {
    as_json(BOOLEAN_EDGES)
}

pub(super) fn invalid_edges() -> Vec<(String, &'static str)> {
    owned(INVALID_BOOLEAN_EDGES)
}

pub(super) fn valid_value() -> BoxedStrategy<String> {
    any::<bool>().prop_map(|b| b.to_string()).boxed()
}

pub(super) fn invalid_value() -> Invalid {
    kinds(&BadBoolean::ALL, BadBoolean::strategy)
}
