//! Edm.Binary for generated inputs: base64url, padded or not, and the lengths, paddings and
//! characters no decoding allows.

use proptest::collection::vec;
use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{as_strings, edge_texts, json_string, Invalid, Kinds, NOT_A_STRING};
use crate::domain::edm::encode_binary;
use crate::domain::Primitive;

const BINARY_EDGES: &[(&str, &str)] = &[
    ("", "empty"),
    ("AA==", "one byte, padded"),
    ("AA", "one byte, unpadded"),
    ("_w==", "0xff, needs _"),
    ("_w", "0xff, needs _, unpadded"),
    ("-_-_", "3 bytes needing - and _"),
    ("-_8=", "2 bytes needing - and _, padded"),
    ("-_8", "2 bytes needing - and _, unpadded"),
    ("AAAA", "3 bytes"),
    ("AAAAAA==", "4 bytes, padded"),
    ("AAAAAA", "4 bytes, unpadded"),
    ("AAAAAAA=", "5 bytes, padded"),
    ("AAAAAAA", "5 bytes, unpadded"),
    ("dmFsdWU=", "\"value\", padded"),
    ("dmFsdWU", "\"value\", unpadded"),
];

pub(super) fn valid_edges() -> Vec<(String, String)> {
    let mut edges = as_strings(BINARY_EDGES);
    let every_byte: Vec<u8> = (0..=255).collect();
    edges.push((
        json_string(&encode_binary(&every_byte)),
        "every byte value".to_owned(),
    ));
    edges
}

/// Trailing bits that are not zero ("QR==") and the standard alphabet are left out: the reader
/// accepts them, but the ABNF does not, so no side of the contract judges them.
pub(super) const INVALID_BINARY_EDGES: &[(&str, &str)] = &[
    ("\"A\"", "one character"),
    ("\"AAAAA\"", "five characters"),
    ("\"A===\"", "one character, padded"),
    ("\"AA=\"", "one '=' of two"),
    ("\"AAA==\"", "two '=' where one is due"),
    ("\"AAAA=\"", "'=' after a full group"),
    ("\"AA==AA==\"", "padding in the middle"),
    ("\"AA=A\"", "'=' inside a group"),
    ("\"====\"", "padding only"),
    ("\"AA*A\"", "'*'"),
    ("\"AA A\"", "space"),
    ("\"AA.A\"", "'.'"),
    ("\"AA\\nA\"", "line break"),
    ("12", "a number"),
    ("true", "a boolean"),
    ("[0,1]", "an array of bytes"),
    ("{}", "an object"),
];

/// Canonical base64url of `bytes`, padded or not.
fn base64url(bytes: &[u8], unpadded: bool) -> String {
    let padded = encode_binary(bytes);
    if unpadded {
        padded.trim_end_matches('=').to_owned()
    } else {
        padded
    }
}

/// Random bytes as base64url, padded or not, biased to short lengths; shrinks towards "".
pub(super) fn valid_value() -> BoxedStrategy<String> {
    let drawn = prop_oneof![
        3 => vec(any::<u8>(), 0..=48),
        2 => vec(any::<u8>(), 0..=5),
    ];
    prop_oneof![
        4 => (drawn, any::<bool>()).prop_map(|(b, unpadded)| json_string(&base64url(&b, unpadded))),
        1 => edge_texts(valid_edges()),
    ]
    .boxed()
}

pub(super) fn invalid_value() -> Invalid {
    let bytes = || vec(any::<u8>(), 0..=30);
    Kinds::of(Primitive::Binary)
        // Unpadded base64 is 0, 2 or 3 characters past a group of four, never 1.
        .string(
            3,
            "a length no decoding allows",
            bytes().prop_map(|b| {
                let mut text = base64url(&b, true);
                while text.len() % 4 != 1 {
                    text.push('A');
                }
                text
            }),
        )
        .string(
            2,
            "padding in the middle",
            (vec(any::<u8>(), 1..=2), vec(any::<u8>(), 1..=6)).prop_map(|(head, tail)| {
                format!("{}{}", base64url(&head, false), base64url(&tail, false))
            }),
        )
        .string(
            3,
            "wrong padding count",
            (bytes(), any::<bool>()).prop_map(|(b, more)| {
                let text = base64url(&b, true);
                let padding = match (text.len() % 4, more) {
                    (2, false) => "=",
                    (2, true) => "===",
                    (3, _) => "==",
                    _ => "=",
                };
                format!("{text}{padding}")
            }),
        )
        .string(3, "a character outside base64url", bad_character())
        .others(&NOT_A_STRING)
        .draw()
}

/// Base64url with one character replaced by one in neither alphabet nor padding.
fn bad_character() -> impl Strategy<Value = String> {
    (
        vec(any::<u8>(), 1..=30),
        any::<usize>(),
        select(BAD_BASE64_CHARS),
    )
        .prop_map(|(b, at, c)| {
            let text = base64url(&b, true);
            let at = at % text.len().max(1);
            text.chars()
                .enumerate()
                .map(|(i, t)| if i == at { c } else { t })
                .collect()
        })
}

/// Characters in neither base64 alphabet nor padding.
const BAD_BASE64_CHARS: &[char] = &[
    '*', ' ', '.', '!', '~', '#', ',', '\t', '\n', 'é', '\\', '"', '%',
];
