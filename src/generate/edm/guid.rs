//! Edm.Guid for generated inputs: GUIDs in any letter case, and each way to break the 8-4-4-4-12
//! form.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{as_strings, edge_texts, json_string, Invalid, Kinds, NOT_A_STRING};
use crate::domain::edm::write_guid;
use crate::domain::Primitive;

pub(super) const GUID_EDGES: &[(&str, &str)] = &[
    ("00000000-0000-0000-0000-000000000000", "Guid zero"),
    ("ffffffff-ffff-ffff-ffff-ffffffffffff", "all f"),
    ("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "all F, upper case"),
    ("00000000-0000-0000-0000-000000000001", "one"),
    ("80000000-0000-0000-0000-000000000000", "top bit"),
    (
        "7fffffff-ffff-ffff-ffff-ffffffffffff",
        "all but the top bit",
    ),
    (
        "d3b07384-d9a0-4c8e-9f1b-2f6e8c0a1b2c",
        "version 4, lower case",
    ),
    (
        "D3B07384-D9A0-4C8E-9F1B-2F6E8C0A1B2C",
        "version 4, upper case",
    ),
    ("d3B07384-D9a0-4c8E-9f1B-2f6E8c0A1b2C", "mixed case"),
    ("01234567-89ab-cdef-0123-456789abcdef", "every hex digit"),
];

pub(super) const INVALID_GUID_EDGES: &[(&str, &str)] = &[
    ("\"{00000000-0000-0000-0000-000000000000}\"", "braces"),
    ("\"(00000000-0000-0000-0000-000000000000)\"", "parentheses"),
    (
        "\"00000000000000000000000000000000\"",
        "32 digits, no hyphens",
    ),
    (
        "\"0000000g-0000-0000-0000-000000000000\"",
        "non-hex digit g",
    ),
    (
        "\"0000000-00000-0000-0000-000000000000\"",
        "first hyphen one early",
    ),
    ("\"00000000-0000-0000-0000-00000000000\"", "35 characters"),
    ("\"00000000-0000-0000-0000-0000000000000\"", "37 characters"),
    (
        "\"urn:uuid:00000000-0000-0000-0000-000000000000\"",
        "urn prefix",
    ),
    ("\" 00000000-0000-0000-0000-000000000000\"", "leading space"),
    ("\"\"", "empty string"),
    ("0", "a number"),
    ("true", "a boolean"),
    ("[]", "an array"),
    ("{}", "an object"),
];

/// A Guid in lower, upper or mixed case; shrinks towards the zero Guid in lower case.
fn guid_text() -> impl Strategy<Value = String> {
    (any::<u128>(), 0..3u8).prop_map(|(v, case)| {
        let lower = write_guid(v);
        match case {
            0 => lower,
            1 => lower.to_uppercase(),
            _ => lower
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect(),
        }
    })
}

pub(super) fn valid_value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => guid_text().prop_map(|t| json_string(&t)),
        1 => edge_texts(as_strings(GUID_EDGES)),
    ]
    .boxed()
}

pub(super) fn invalid_value() -> Invalid {
    Kinds::of(Primitive::Guid)
        .string(2, "braces", guid_text().prop_map(|g| format!("{{{g}}}")))
        .string(
            2,
            "32 digits, no hyphens",
            any::<u128>().prop_map(|v| format!("{v:032x}")),
        )
        .string(
            3,
            "non-hex digit",
            (
                guid_text(),
                0..32usize,
                select(&['g', 'x', 'z', 'G', 'O', ' '][..]),
            )
                .prop_map(|(g, at, c)| replace_hex_digit(&g, at, c)),
        )
        .string(
            2,
            "hyphen in the wrong place",
            (guid_text(), 0..4usize, any::<bool>())
                .prop_map(|(g, which, later)| move_hyphen(&g, which, later)),
        )
        .string(
            2,
            "35 or 37 characters",
            (guid_text(), any::<bool>()).prop_map(|(mut g, longer)| {
                if longer {
                    g.push('0');
                } else {
                    g.pop();
                }
                g
            }),
        )
        .others(&NOT_A_STRING)
        .draw()
}

/// `guid` with its `at`-th hex digit (hyphens not counted) replaced by `c`.
pub(super) fn replace_hex_digit(guid: &str, at: usize, c: char) -> String {
    let mut digit = 0;
    guid.chars()
        .map(|g| {
            if g == '-' {
                return g;
            }
            digit += 1;
            if digit == at + 1 {
                c
            } else {
                g
            }
        })
        .collect()
}

/// `guid` with one of its hyphens swapped with the digit after or before it.
pub(super) fn move_hyphen(guid: &str, which: usize, later: bool) -> String {
    const HYPHENS: [usize; 4] = [8, 13, 18, 23];
    let mut chars: Vec<char> = guid.chars().collect();
    let at = HYPHENS[which % 4];
    let other = if later { at + 1 } else { at - 1 };
    if other < chars.len() && at < chars.len() {
        chars.swap(at, other);
    }
    chars.into_iter().collect()
}
