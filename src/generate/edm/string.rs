//! Edm.String for generated inputs: texts that need escaping or care, and values of another
//! JSON kind.

use proptest::collection::vec;
use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{as_json, as_strings, edge_texts, json_string, Invalid, Kinds, Other};
use crate::domain::Primitive;

const STRING_EDGES: &[(&str, &str)] = &[
    ("", "empty"),
    ("\"", "a quote"),
    ("\\", "a backslash"),
    ("\"quoted\" and \\back\\slashed", "quotes and backslashes"),
    ("\u{0}", "NUL"),
    ("\n\r\t\u{8}\u{c}", "escaped control characters"),
    ("\u{1}\u{1f}\u{7f}", "other control characters"),
    ("😀", "emoji (outside the BMP)"),
    ("👍🏽 a😀b", "emoji with a skin-tone modifier"),
    ("\u{10ffff}", "highest code point"),
    ("é", "Latin-1 letter"),
    ("中文", "CJK"),
    ("e\u{301}", "combining accent"),
    ("\u{202e}abc", "right-to-left override"),
    ("\u{feff}", "byte order mark"),
    ("\u{ffff}", "noncharacter U+FFFF"),
    (" ", "one space"),
    ("  padded  ", "surrounding spaces"),
    ("null", "the word null"),
    ("true", "the word true"),
    ("0", "the digit 0"),
    ("</script>", "markup"),
];

pub(super) fn valid_edges() -> Vec<(String, String)> {
    let mut edges = as_strings(STRING_EDGES);
    edges.insert(
        1,
        (json_string(&"a".repeat(256)), "256 characters".to_owned()),
    );
    edges.extend(as_json(&[
        ("\"\\ud83d\\ude00\"", "escaped surrogate pair (😀)"),
        (
            "\"\\uD83D\\uDE00\"",
            "escaped surrogate pair, upper-case hex",
        ),
        ("\"\\u0041\\u00e9\"", "escaped BMP characters"),
        ("\"\\/\"", "escaped solidus"),
    ]));
    edges
}

pub(super) const INVALID_STRING_EDGES: &[(&str, &str)] = &[
    ("0", "a number"),
    ("4.5", "a fraction"),
    ("true", "boolean true"),
    ("false", "boolean false"),
    ("[]", "empty array"),
    ("[\"a\"]", "array of a string"),
    ("{}", "empty object"),
    ("{\"value\":\"a\"}", "object"),
];

/// Characters that need escaping or care, mixed with plain ones.
const STRING_CHARS: &[char] = &[
    'a', 'z', 'A', 'Z', '0', '9', ' ', '-', 'é', '"', '\\', '/', '\n', '\t', '\u{0}', '\u{1f}',
    '😀', '中', '\u{301}', '\u{feff}',
];

pub(super) fn valid_value() -> BoxedStrategy<String> {
    let text = |cs: Vec<char>| json_string(&cs.into_iter().collect::<String>());
    prop_oneof![
        3 => vec(select(STRING_CHARS), 0..=16).prop_map(text),
        2 => vec(any::<char>(), 0..=16).prop_map(text),
        1 => edge_texts(valid_edges()),
    ]
    .boxed()
}

pub(super) fn invalid_value() -> Invalid {
    Kinds::of(Primitive::String)
        .other(2, Other::Number)
        .other(2, Other::Bool)
        .others(&[Other::Array, Other::Object])
        .draw()
}
