//! The kinds of invalid Single and Double: overflow to infinity, NaN and infinity misspelt,
//! and values of another JSON kind.

use proptest::prelude::{any, Strategy};
use proptest::sample::select;

use super::parts::{json_string, kinds, other_kind, sign, Invalid, Other};
use crate::domain::Primitive;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadFloat {
    Overflow,
    Spelling,
    Other(Other),
}

impl BadFloat {
    const ALL: [(u32, BadFloat); 6] = [
        (3, BadFloat::Overflow),
        (3, BadFloat::Spelling),
        (2, BadFloat::Other(Other::Text)),
        (1, BadFloat::Other(Other::Bool)),
        (1, BadFloat::Other(Other::Array)),
        (1, BadFloat::Other(Other::Object)),
    ];

    fn strategy(self, p: Primitive) -> Invalid {
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
        // The smallest power of ten beyond the type's max.
        let min_exponent = if p == Primitive::Single { 39 } else { 309 };
        match self {
            BadFloat::Overflow => (any::<bool>(), 1..=9u32, 0..=99u32, min_exponent..=999u32)
                .prop_map(|(neg, d, f, k)| {
                    let fraction = if f == 0 {
                        String::new()
                    } else {
                        format!(".{f}")
                    };
                    (
                        format!("{}{d}{fraction}e{k}", sign(neg)),
                        "overflows to infinity",
                    )
                })
                .boxed(),
            BadFloat::Spelling => select(SPELLINGS)
                .prop_map(|s| (json_string(s), "NaN or infinity misspelt"))
                .boxed(),
            BadFloat::Other(other) => other_kind(p, other),
        }
    }
}

pub(super) fn invalid_value(p: Primitive) -> Invalid {
    kinds(&BadFloat::ALL, move |k| k.strategy(p))
}

/// The invalid edges Single and Double share, after their own overflows: a number as a
/// string, NaN and infinity misspelt, and values of another JSON kind.
pub(super) const NOT_A_FLOAT: &[(&str, &str)] = &[
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
