//! Valid and invalid values of every Edm primitive type for generated inputs, as the JSON text
//! to send: named edges (sent first) and proptest strategies biased to them.
//!
//! Int32 and DateTimeOffset are `values`' generators, unchanged, so that their draws for a
//! given seed stay what they were. The other types follow the same pattern: the kind of an
//! invalid value is drawn without shrinking, its parameters shrink within the kind. An invalid
//! value breaks one rule the contract judges; forms the OData ABNF admits but the reference
//! service may refuse (leap seconds, more than seven fraction digits) are not sent either way.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::{any, prop_oneof, BoxedStrategy, Just, Strategy};
use proptest::sample::select;
use proptest::strategy::NewTree;
use proptest::test_runner::TestRunner;

use super::values::{self, json_string, weighted_kinds, Frac};
use crate::domain::datetime::{days_in_month, is_leap_year};
use crate::domain::scalar::binary::encode_binary;
use crate::domain::scalar::float::{render_double, render_single};
use crate::domain::scalar::guid::write_guid;
use crate::domain::scalar::integer::{IntRange, BYTE, INT16, INT64, SBYTE};
use crate::domain::scalar::temporal::Duration;
use crate::domain::scalar::Primitive;

/// Named valid values of the type, as the JSON text to send, most important first.
pub(crate) fn valid_edges(p: Primitive) -> Vec<(String, String)> {
    match p {
        Primitive::Boolean => as_json(BOOLEAN_EDGES),
        Primitive::Byte => integer_edge_texts(BYTE, BYTE_POWERS),
        Primitive::SByte => integer_edge_texts(SBYTE, SBYTE_POWERS),
        Primitive::Int16 => integer_edge_texts(INT16, INT16_POWERS),
        Primitive::Int32 => values::int32_edges()
            .into_iter()
            .map(|(v, name)| (v.to_string(), name))
            .collect(),
        Primitive::Int64 => integer_edge_texts(INT64, INT64_POWERS),
        Primitive::Single => as_json(SINGLE_EDGES),
        Primitive::Double => as_json(DOUBLE_EDGES),
        Primitive::DateTimeOffset => as_strings(values::DATETIME_EDGES),
        Primitive::Date => as_strings(DATE_EDGES),
        Primitive::TimeOfDay => as_strings(TIME_EDGES),
        Primitive::Duration => as_strings(DURATION_EDGES),
        Primitive::Guid => as_strings(GUID_EDGES),
        Primitive::Binary => binary_edges(),
        Primitive::String => string_edges(),
    }
}

/// Named invalid values, each breaking one rule of the type, as JSON text, most important
/// first. `null` is never among them: nullability is the caller's business.
pub(crate) fn invalid_edges(p: Primitive) -> Vec<(String, &'static str)> {
    let edges: Vec<(String, &'static str)> = match p {
        Primitive::Boolean => owned(INVALID_BOOLEAN_EDGES),
        Primitive::Byte => invalid_integer_edges(BYTE),
        Primitive::SByte => invalid_integer_edges(SBYTE),
        Primitive::Int16 => invalid_integer_edges(INT16),
        Primitive::Int32 => owned(values::INVALID_INT32_EDGES),
        Primitive::Int64 => invalid_integer_edges(INT64),
        Primitive::Single => owned(INVALID_SINGLE_EDGES),
        Primitive::Double => owned(INVALID_DOUBLE_EDGES),
        Primitive::DateTimeOffset => owned(values::INVALID_DATETIME_EDGES),
        Primitive::Date => owned(INVALID_DATE_EDGES),
        Primitive::TimeOfDay => owned(INVALID_TIME_EDGES),
        Primitive::Duration => owned(INVALID_DURATION_EDGES),
        Primitive::Guid => owned(INVALID_GUID_EDGES),
        Primitive::Binary => owned(INVALID_BINARY_EDGES),
        Primitive::String => owned(INVALID_STRING_EDGES),
    };
    // `values`' Int32 and DateTimeOffset lists predate that rule and still hold `null`.
    edges
        .into_iter()
        .filter(|(json, _)| json != "null")
        .collect()
}

/// Random valid values (JSON text) over the whole domain, biased to the edges, shrinking
/// towards a simple value (0, false, 0001-01-01, "", …).
pub(crate) fn valid_value(p: Primitive) -> BoxedStrategy<String> {
    match p {
        Primitive::Boolean => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        Primitive::Byte => valid_integer(BYTE, BYTE_POWERS),
        Primitive::SByte => valid_integer(SBYTE, SBYTE_POWERS),
        Primitive::Int16 => valid_integer(INT16, INT16_POWERS),
        Primitive::Int32 => values::valid_int32(),
        Primitive::Int64 => valid_integer(INT64, INT64_POWERS),
        Primitive::Single => valid_single(),
        Primitive::Double => valid_double(),
        Primitive::DateTimeOffset => values::valid_datetime(),
        Primitive::Date => valid_date(),
        Primitive::TimeOfDay => valid_time(),
        Primitive::Duration => valid_duration(),
        Primitive::Guid => valid_guid(),
        Primitive::Binary => valid_binary(),
        Primitive::String => valid_string(),
    }
}

/// Random invalid values: (JSON text, kind of invalid as a short phrase). The kind is drawn
/// without shrinking; its parameters shrink towards the simplest value of that kind.
///
/// Int32 and DateTimeOffset keep `values`' draws exactly, `null` among them (1 draw in 17 and
/// 1 in 31), so that a seed still gives the same inputs; the other types never draw `null`.
pub(crate) fn invalid_value(p: Primitive) -> BoxedStrategy<(String, &'static str)> {
    match p {
        Primitive::Boolean => kinds(&BadBoolean::ALL, move |k| k.strategy()),
        Primitive::Byte => kinds(&BadInteger::ALL, move |k| k.strategy(p, BYTE)),
        Primitive::SByte => kinds(&BadInteger::ALL, move |k| k.strategy(p, SBYTE)),
        Primitive::Int16 => kinds(&BadInteger::ALL, move |k| k.strategy(p, INT16)),
        Primitive::Int32 => values::invalid_int32()
            .prop_map(|bad| (bad.json, bad.kind))
            .boxed(),
        Primitive::Int64 => kinds(&BadInteger::ALL, move |k| k.strategy(p, INT64)),
        Primitive::Single | Primitive::Double => kinds(&BadFloat::ALL, move |k| k.strategy(p)),
        Primitive::DateTimeOffset => values::invalid_datetime()
            .prop_map(|bad| (bad.json, bad.kind))
            .boxed(),
        Primitive::Date => kinds(&BadDate::ALL, BadDate::strategy),
        Primitive::TimeOfDay => kinds(&BadTime::ALL, BadTime::strategy),
        Primitive::Duration => kinds(&BadDuration::ALL, BadDuration::strategy),
        Primitive::Guid => kinds(&BadGuid::ALL, BadGuid::strategy),
        Primitive::Binary => kinds(&BadBinary::ALL, BadBinary::strategy),
        Primitive::String => kinds(&BAD_STRING, move |k| other_kind(p, k)),
    }
}

type Invalid = BoxedStrategy<(String, &'static str)>;

// The k of the ±2^k edges of each integer type besides Int32 (whose edges are `values`'):
// the powers next to the type's ends and to the narrower types' ends, kept under ~40 edges.
const BYTE_POWERS: &[u32] = &[7, 6, 5, 4, 3, 2, 1];
const SBYTE_POWERS: &[u32] = &[6, 5, 4, 3, 1];
const INT16_POWERS: &[u32] = &[14, 8, 7, 4, 1];
const INT64_POWERS: &[u32] = &[62, 53, 32, 31, 16];

/// Draws a kind (never shrunk) and then a value of that kind.
fn kinds<K: Copy + std::fmt::Debug + 'static>(
    all: &[(u32, K)],
    strategy: impl Fn(K) -> Invalid + 'static,
) -> Invalid {
    weighted_kinds(all).prop_flat_map(strategy).boxed()
}

// ---------------------------------------------------------------------------------------------
// Edges.
// ---------------------------------------------------------------------------------------------

/// Edges already written as JSON text.
fn as_json(edges: &[(&str, &str)]) -> Vec<(String, String)> {
    edges
        .iter()
        .map(|(json, name)| ((*json).to_owned(), (*name).to_owned()))
        .collect()
}

/// Edges of a type written as a JSON string, given as the string's content.
fn as_strings(edges: &[(&str, &str)]) -> Vec<(String, String)> {
    edges
        .iter()
        .map(|(text, name)| (json_string(text), (*name).to_owned()))
        .collect()
}

fn owned(edges: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    edges
        .iter()
        .map(|(json, name)| ((*json).to_owned(), *name))
        .collect()
}

/// Valid integer edges, as `values::int32_edges` does for Int32: the ends, 0, ±1, one inside
/// each end, then ±2^k, ±2^k±1 for the chosen `powers` (those in range, duplicates dropped,
/// the first name kept).
fn integer_edges(r: IntRange, powers: &[u32]) -> Vec<(i64, String)> {
    let n = r.name;
    let mut candidates: Vec<(i64, String)> = vec![
        (r.min, format!("{n} min")),
        (r.max, format!("{n} max")),
        (0, format!("{n} zero")),
        (1, format!("{n} 1")),
        (-1, format!("{n} -1")),
        (r.min.saturating_add(1), format!("{n} min+1")),
        (r.max.saturating_sub(1), format!("{n} max-1")),
    ];
    for &k in powers {
        let p = 1i64.checked_shl(k).unwrap_or(i64::MAX);
        candidates.extend([
            (p, format!("{n} 2^{k}")),
            (p.saturating_sub(1), format!("{n} 2^{k}-1")),
            (p.saturating_add(1), format!("{n} 2^{k}+1")),
            (p.saturating_neg(), format!("{n} -2^{k}")),
            (
                p.saturating_neg().saturating_sub(1),
                format!("{n} -2^{k}-1"),
            ),
            (
                p.saturating_neg().saturating_add(1),
                format!("{n} -2^{k}+1"),
            ),
        ]);
    }
    let mut edges: Vec<(i64, String)> = Vec::new();
    for (v, name) in candidates {
        if (r.min..=r.max).contains(&v) && !edges.iter().any(|(e, _)| *e == v) {
            edges.push((v, name));
        }
    }
    edges
}

fn integer_edge_texts(r: IntRange, powers: &[u32]) -> Vec<(String, String)> {
    integer_edges(r, powers)
        .into_iter()
        .map(|(v, name)| (v.to_string(), name))
        .collect()
}

/// Invalid integer edges, as `values::INVALID_INT32_EDGES` for Int32. `4.0`, `1e2` and `-0`
/// are left out: the contract does not judge a whole value written as a float.
fn invalid_integer_edges(r: IntRange) -> Vec<(String, &'static str)> {
    let above = (i128::from(r.max) + 1).to_string();
    let below = (i128::from(r.min) - 1).to_string();
    let mut edges = vec![
        (above, "max+1"),
        (below, "min-1"),
        ("18446744073709551616".to_owned(), "2^64"),
        ("-18446744073709551616".to_owned(), "-2^64"),
        ("1e20".to_owned(), "1e20"),
        ("-1e20".to_owned(), "-1e20"),
        ("4.5".to_owned(), "fraction 4.5"),
        ("45e-1".to_owned(), "fraction 45e-1"),
        ("0.5".to_owned(), "fraction 0.5"),
        (
            format!("{}.5", r.max.saturating_sub(1)),
            "fraction just below max",
        ),
    ];
    if r.min < 0 {
        edges.push(("-4.5".to_owned(), "fraction -4.5"));
    }
    edges.extend(owned(&[
        ("\"4\"", "string \"4\""),
        ("\"0\"", "string \"0\""),
        ("true", "boolean true"),
        ("false", "boolean false"),
        ("[]", "empty array"),
        ("[4]", "array [4]"),
        ("{}", "empty object"),
        ("{\"value\":4}", "object"),
    ]));
    edges.push((format!("1{}", "0".repeat(10_000)), "10 001-digit literal"));
    edges
}

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

const DOUBLE_EDGES: &[(&str, &str)] = &[
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

/// Single values that are exact f32 values or whose text rounds to one the same way whether
/// the service parses it as f32 or through f64 (so the value it answers is the one read here).
const SINGLE_EDGES: &[(&str, &str)] = &[
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

const INVALID_DOUBLE_EDGES: &[(&str, &str)] = &[
    ("1e400", "overflow 1e400"),
    ("-1e400", "overflow -1e400"),
    ("1.8e308", "just beyond max"),
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

const INVALID_SINGLE_EDGES: &[(&str, &str)] = &[
    ("1e39", "overflow 1e39"),
    ("-1e39", "overflow -1e39"),
    ("3.5e38", "just beyond max"),
    ("1e400", "overflow 1e400"),
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

const DATE_EDGES: &[(&str, &str)] = &[
    ("0001-01-01", "Date min"),
    ("9999-12-31", "Date max"),
    ("2000-02-29", "29 February 2000 (leap, divisible by 400)"),
    ("2400-02-29", "29 February 2400 (leap, divisible by 400)"),
    ("2024-02-29", "29 February 2024 (leap)"),
    ("1900-02-28", "28 February 1900 (century, not leap)"),
    ("2100-02-28", "28 February 2100 (century, not leap)"),
    ("2023-06-15", "an ordinary date"),
    ("1970-01-01", "Unix epoch"),
    ("1899-12-30", "OLE automation epoch"),
    ("1601-01-01", "Windows file time epoch"),
    ("0001-12-31", "end of year 0001"),
    ("9999-01-01", "start of year 9999"),
    ("2023-01-31", "end of January"),
    ("2023-02-28", "end of February (common year)"),
    ("2023-03-31", "end of March"),
    ("2023-04-30", "end of April"),
    ("2023-05-31", "end of May"),
    ("2023-06-30", "end of June"),
    ("2023-07-31", "end of July"),
    ("2023-08-31", "end of August"),
    ("2023-09-30", "end of September"),
    ("2023-10-31", "end of October"),
    ("2023-11-30", "end of November"),
    ("2023-12-31", "end of December"),
];

const INVALID_DATE_EDGES: &[(&str, &str)] = &[
    ("\"2021-02-30\"", "30 February"),
    ("\"2021-13-01\"", "month 13"),
    ("\"2021-00-01\"", "month 00"),
    ("\"2021-01-00\"", "day 00"),
    ("\"2021-01-32\"", "day 32"),
    ("\"2021-04-31\"", "31 April"),
    ("\"2023-02-29\"", "29 February in a common year"),
    ("\"1900-02-29\"", "29 February 1900 (century, not leap)"),
    ("\"2100-02-29\"", "29 February 2100 (century, not leap)"),
    ("\"0000-01-01\"", "year 0000"),
    ("\"10000-01-01\"", "five-digit year"),
    ("\"-2021-01-01\"", "signed year"),
    ("\"2021-1-01\"", "one-digit month"),
    ("\"2021-01-1\"", "one-digit day"),
    ("\"21-01-01\"", "two-digit year"),
    ("\"2021-01-01T00:00:00Z\"", "a date-time"),
    ("\"2021/01/01\"", "slashes"),
    ("\"20210101\"", "no hyphens"),
    ("\"\"", "empty string"),
    ("20210101", "a number"),
    ("true", "a boolean"),
    ("[]", "an array"),
    ("{}", "an object"),
];

const TIME_EDGES: &[(&str, &str)] = &[
    ("00:00:00", "TimeOfDay min"),
    ("23:59:59.9999999", "TimeOfDay max"),
    ("00:00", "midnight, seconds omitted"),
    ("23:59", "last minute, seconds omitted"),
    ("12:00:00", "noon"),
    ("00:00:00.0000001", "one tick"),
    ("23:59:59", "last second"),
    ("12:34:56.1234567", "7-digit fraction"),
    ("12:34:56.5", "1-digit fraction"),
    ("12:34:56.25", "2-digit fraction"),
    ("12:34:56.125", "3-digit fraction"),
    ("12:34:56.0625", "4-digit fraction"),
    ("12:34:56.03125", "5-digit fraction"),
    ("12:34:56.015625", "6-digit fraction"),
    ("12:34:56.0000000", "7-digit zero fraction"),
    ("12:34:56.1000000", "7-digit fraction with trailing zeros"),
    ("12:34:56.0", "1-digit zero fraction"),
    ("01:02:03", "leading zeros"),
    ("13:00", "past noon, seconds omitted"),
];

/// `12:00:60` and eight fraction digits are left out: the ABNF admits them (as for
/// DateTimeOffset, where the contract leaves them unjudged).
const INVALID_TIME_EDGES: &[(&str, &str)] = &[
    ("\"24:00\"", "hour 24"),
    ("\"24:00:00\"", "24:00:00"),
    ("\"23:60\"", "minute 60"),
    ("\"12:00:61\"", "second 61"),
    ("\"1:00\"", "one-digit hour"),
    ("\"12:0\"", "one-digit minute"),
    ("\"12:00Z\"", "with Z"),
    ("\"12:00:00+01:00\"", "with an offset"),
    ("\"12\"", "hour only"),
    ("\"12:00:00.\"", "point without digits"),
    ("\"T12:00:00\"", "leading T"),
    ("\"12-00-00\"", "hyphens"),
    ("\"\"", "empty string"),
    ("1200", "a number"),
    ("true", "a boolean"),
    ("[]", "an array"),
    ("{}", "an object"),
];

const DURATION_EDGES: &[(&str, &str)] = &[
    ("PT0S", "zero"),
    (
        "P10675199DT2H48M5.4775807S",
        "Duration max (TimeSpan.MaxValue)",
    ),
    (
        "-P10675199DT2H48M5.4775808S",
        "Duration min (TimeSpan.MinValue)",
    ),
    ("P1D", "one day"),
    ("PT1H", "one hour"),
    ("PT1M", "one minute (M after T)"),
    ("PT1S", "one second"),
    ("PT0.0000001S", "one tick"),
    ("-PT0.0000001S", "minus one tick"),
    ("P1DT2H3M4.5S", "every part"),
    ("-P1DT2H3M4.5S", "negative, every part"),
    ("PT36H", "hours beyond a day"),
    ("PT90M", "minutes beyond an hour"),
    ("PT3600S", "seconds beyond a minute"),
    ("PT1H1S", "minutes skipped"),
    ("P1DT1M", "hours skipped"),
    ("PT1.5S", "1-digit fraction"),
    ("PT0.1234567S", "7-digit fraction"),
    ("P0D", "zero days"),
    ("-PT0S", "negative zero"),
    ("P365D", "365 days"),
    ("PT23H59M59.9999999S", "last tick of a day"),
    ("PT007S", "leading zeros"),
];

/// More than seven fraction digits is left out: the ABNF admits any number.
const INVALID_DURATION_EDGES: &[(&str, &str)] = &[
    ("\"P1Y\"", "years"),
    ("\"P1M\"", "months (M before T)"),
    ("\"P1W\"", "weeks"),
    ("\"P1Y2M3D\"", "years and months"),
    ("\"P\"", "P alone"),
    ("\"PT\"", "PT alone"),
    ("\"-P\"", "-P alone"),
    ("\"P1DT\"", "T with nothing after"),
    ("\"PT1Y\"", "years after T"),
    ("\"p1d\"", "lower-case"),
    ("\"pt1h\"", "lower-case, after T"),
    ("\"PT1h\"", "lower-case unit"),
    ("\"P1.5D\"", "fraction of a day"),
    ("\"PT1.5H\"", "fraction of an hour"),
    ("\"PT1.5M\"", "fraction of a minute"),
    ("\"PT1S1M\"", "parts out of order"),
    ("\"PT1H1H\"", "a part twice"),
    ("\"PT1.S\"", "point without digits"),
    ("\"PT.5S\"", "fraction without whole seconds"),
    ("\"PT-1S\"", "sign inside"),
    ("\"1D\"", "no P"),
    ("\"P10675200D\"", "beyond the range"),
    ("\"-P10675200D\"", "beyond the range, negative"),
    ("\"P10675199DT2H48M5.4775808S\"", "one tick beyond max"),
    ("\"01:00:00\"", "a time of day"),
    ("\"\"", "empty string"),
    ("86400", "a number"),
    ("true", "a boolean"),
    ("[]", "an array"),
    ("{}", "an object"),
];

const GUID_EDGES: &[(&str, &str)] = &[
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

const INVALID_GUID_EDGES: &[(&str, &str)] = &[
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

fn binary_edges() -> Vec<(String, String)> {
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
const INVALID_BINARY_EDGES: &[(&str, &str)] = &[
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

fn string_edges() -> Vec<(String, String)> {
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

const INVALID_STRING_EDGES: &[(&str, &str)] = &[
    ("0", "a number"),
    ("4.5", "a fraction"),
    ("true", "boolean true"),
    ("false", "boolean false"),
    ("[]", "empty array"),
    ("[\"a\"]", "array of a string"),
    ("{}", "empty object"),
    ("{\"value\":\"a\"}", "object"),
];

// ---------------------------------------------------------------------------------------------
// Valid draws.
// ---------------------------------------------------------------------------------------------

/// The texts of a list of edges, drawn by index (the first edge is the simplest).
fn edge_texts(edges: Vec<(String, String)>) -> impl Strategy<Value = String> {
    select(edges.into_iter().map(|(text, _)| text).collect::<Vec<_>>())
}

/// Draws its value as it is and shrinks it by binary search towards 0, like `values`'
/// `TowardsZero` for i32, so that a value picked from the edges shrinks like any number.
#[derive(Clone, Copy, Debug)]
struct TowardsZero(i64);

impl Strategy for TowardsZero {
    type Tree = proptest::num::i64::BinarySearch;
    type Value = i64;

    fn new_tree(&self, _: &mut TestRunner) -> NewTree<Self> {
        Ok(proptest::num::i64::BinarySearch::new(self.0))
    }
}

/// A valid integer: from the whole range, the edges, or small counts; shrinks towards 0,
/// which every range holds, so shrinking never leaves the range.
fn valid_integer(r: IntRange, powers: &[u32]) -> BoxedStrategy<String> {
    let edges: Vec<i64> = integer_edges(r, powers)
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    prop_oneof![
        2 => r.min..=r.max,
        1 => 0..=r.max.min(1000),
        2 => select(edges),
    ]
    .no_shrink()
    .prop_flat_map(TowardsZero)
    .prop_map(|v| v.to_string())
    .boxed()
}

/// A finite Double written in one of several forms, all of which JSON allows: the shortest,
/// exponent form, 17 significant digits, capital E.
fn valid_double() -> BoxedStrategy<String> {
    let drawn = (any::<f64>(), 0..4u8).prop_map(|(x, form)| match form {
        0 => render_double(x).to_string(),
        1 => format!("{x:e}"),
        2 => format!("{x:.16e}"),
        _ => format!("{x:E}"),
    });
    prop_oneof![4 => drawn, 1 => edge_texts(as_json(DOUBLE_EDGES))].boxed()
}

/// A finite Single written so that its text rounds to the same f32 directly or through f64:
/// the shortest f32 digits, exponent form, 9 significant digits, or the exact f64 digits.
fn valid_single() -> BoxedStrategy<String> {
    let drawn = (any::<f32>(), 0..4u8).prop_map(|(x, form)| match form {
        0 => render_single(f64::from(x)).to_string(),
        1 => format!("{x:e}"),
        2 => format!("{x:.8e}"),
        _ => render_double(f64::from(x)).to_string(),
    });
    prop_oneof![4 => drawn, 1 => edge_texts(as_json(SINGLE_EDGES))].boxed()
}

fn date_text(year: i32, month: u32, day: u32) -> String {
    format!("{year:04}-{month:02}-{day:02}")
}

/// A valid (year, month, day), biased to leap days and month ends; shrinks towards 0001-01-01.
fn date_parts() -> impl Strategy<Value = (i32, u32, u32)> {
    prop_oneof![
        6 => (values::year(), 1..=12u32, 1..=31u32),
        1 => (values::leap_year(), Just(2u32), Just(29u32)),
        1 => (values::year(), 1..=12u32, Just(31u32)),
    ]
    .prop_map(|(y, m, d)| (y, m, d.min(days_in_month(y, m))))
}

fn valid_date() -> BoxedStrategy<String> {
    let drawn = date_parts().prop_map(|(y, m, d)| json_string(&date_text(y, m, d)));
    prop_oneof![4 => drawn, 1 => edge_texts(as_strings(DATE_EDGES))].boxed()
}

/// Seconds with their fraction, as `values` draws them for DateTimeOffset.
type Seconds = Option<(u32, Frac)>;

fn time_text(hour: u32, minute: u32, seconds: Seconds) -> String {
    let mut text = format!("{hour:02}:{minute:02}");
    if let Some((second, fraction)) = seconds {
        text.push_str(&format!(":{second:02}"));
        if fraction.digits > 0 {
            let width = fraction.digits as usize;
            text.push_str(&format!(".{:0width$}", fraction.value));
        }
    }
    text
}

/// A valid time of day; shrinks towards 00:00 with seconds omitted.
fn time_parts() -> impl Strategy<Value = (u32, u32, Seconds)> {
    let hour = prop_oneof![3 => 0..=23u32, 1 => select(&[0u32, 23][..])];
    let minute = prop_oneof![3 => 0..=59u32, 1 => select(&[0u32, 59][..])];
    let second = prop_oneof![3 => 0..=59u32, 1 => select(&[0u32, 59][..])];
    (
        hour,
        minute,
        option::weighted(0.8, (second, values::fraction())),
    )
}

fn valid_time() -> BoxedStrategy<String> {
    let drawn = time_parts().prop_map(|(h, m, s)| json_string(&time_text(h, m, s)));
    prop_oneof![4 => drawn, 1 => edge_texts(as_strings(TIME_EDGES))].boxed()
}

/// A duration written part by part, not necessarily canonical (`PT36H`); shrinks towards `PT0S`.
fn duration_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        option::of(0..=100_000u64),
        option::of(0..=1_000u64),
        option::of(0..=10_000u64),
        option::of((0..=100_000u64, values::fraction())),
    )
        .prop_map(|(negative, days, hours, minutes, seconds)| {
            let mut text = String::from(if negative { "-P" } else { "P" });
            if let Some(d) = days {
                text.push_str(&format!("{d}D"));
            }
            if hours.is_some() || minutes.is_some() || seconds.is_some() {
                text.push('T');
            }
            if let Some(h) = hours {
                text.push_str(&format!("{h}H"));
            }
            if let Some(m) = minutes {
                text.push_str(&format!("{m}M"));
            }
            match seconds {
                Some((s, f)) if f.digits > 0 => {
                    let width = f.digits as usize;
                    text.push_str(&format!("{s}.{:0width$}S", f.value));
                }
                Some((s, _)) => text.push_str(&format!("{s}S")),
                None if days.is_none() && hours.is_none() && minutes.is_none() => {
                    text.push_str("T0S");
                }
                None => {}
            }
            text
        })
}

fn valid_duration() -> BoxedStrategy<String> {
    let canonical = any::<i64>().prop_map(|t| Duration::from_ticks(t).to_string());
    prop_oneof![
        4 => duration_text().prop_map(|t| json_string(&t)),
        2 => canonical.prop_map(|t| json_string(&t)),
        1 => edge_texts(as_strings(DURATION_EDGES)),
    ]
    .boxed()
}

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

fn valid_guid() -> BoxedStrategy<String> {
    prop_oneof![
        4 => guid_text().prop_map(|t| json_string(&t)),
        1 => edge_texts(as_strings(GUID_EDGES)),
    ]
    .boxed()
}

/// Canonical base64url of `bytes`, padded or not.
fn base64url(bytes: &[u8], unpadded: bool) -> String {
    let padded = encode_binary(bytes);
    if unpadded {
        padded.trim_end_matches('=').to_owned()
    } else {
        padded
    }
}

/// Bytes as base64url, padded or not, biased to short lengths; shrinks towards "".
fn valid_binary() -> BoxedStrategy<String> {
    let drawn = prop_oneof![
        3 => vec(any::<u8>(), 0..=48),
        2 => vec(any::<u8>(), 0..=5),
    ];
    prop_oneof![
        4 => (drawn, any::<bool>()).prop_map(|(b, unpadded)| json_string(&base64url(&b, unpadded))),
        1 => edge_texts(binary_edges()),
    ]
    .boxed()
}

/// Characters that need escaping or care, mixed with plain ones.
const STRING_CHARS: &[char] = &[
    'a', 'z', 'A', 'Z', '0', '9', ' ', '-', 'é', '"', '\\', '/', '\n', '\t', '\u{0}', '\u{1f}',
    '😀', '中', '\u{301}', '\u{feff}',
];

fn valid_string() -> BoxedStrategy<String> {
    let text = |cs: Vec<char>| json_string(&cs.into_iter().collect::<String>());
    prop_oneof![
        3 => vec(select(STRING_CHARS), 0..=16).prop_map(text),
        2 => vec(any::<char>(), 0..=16).prop_map(text),
        1 => edge_texts(string_edges()),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// Invalid draws.
// ---------------------------------------------------------------------------------------------

/// A JSON value of a kind the type does not take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Other {
    Number,
    Text,
    Boolean,
    Array,
    Object,
}

/// A value of the kind `other`, holding a valid value of `p` where it can (`"4"`, `[4]`).
fn other_kind(p: Primitive, other: Other) -> Invalid {
    match other {
        Other::Number => any::<i64>()
            .prop_map(|n| (n.to_string(), "as a number"))
            .boxed(),
        Other::Text => valid_value(p)
            .prop_map(|v| (json_string(&v), "as a string"))
            .boxed(),
        Other::Boolean => any::<bool>()
            .prop_map(|b| (b.to_string(), "as a boolean"))
            .boxed(),
        Other::Array => option::of(valid_value(p))
            .prop_map(|v| (format!("[{}]", v.unwrap_or_default()), "as an array"))
            .boxed(),
        Other::Object => option::of(valid_value(p))
            .prop_map(|v| {
                let inner = v.map(|v| format!("\"value\":{v}")).unwrap_or_default();
                (format!("{{{inner}}}"), "as an object")
            })
            .boxed(),
    }
}

const BAD_STRING: [(u32, Other); 4] = [
    (2, Other::Number),
    (2, Other::Boolean),
    (1, Other::Array),
    (1, Other::Object),
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

/// The kinds of invalid integer, as `values::BadInt` for Int32 (without `null`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadInteger {
    AboveMax,
    BelowMin,
    FarOut,
    Fraction,
    ExponentFraction,
    Other(Other),
}

impl BadInteger {
    const ALL: [(u32, BadInteger); 9] = [
        (3, BadInteger::AboveMax),
        (3, BadInteger::BelowMin),
        (2, BadInteger::FarOut),
        (2, BadInteger::Fraction),
        (2, BadInteger::ExponentFraction),
        (1, BadInteger::Other(Other::Text)),
        (1, BadInteger::Other(Other::Boolean)),
        (1, BadInteger::Other(Other::Array)),
        (1, BadInteger::Other(Other::Object)),
    ];

    fn strategy(self, p: Primitive, r: IntRange) -> Invalid {
        let (min, max) = (i128::from(r.min), i128::from(r.max));
        // Half the draws stay near the end, which matters most for the narrow types.
        let beyond = prop_oneof![0..=1000u32, 0..=u32::MAX];
        match self {
            BadInteger::AboveMax => beyond
                .prop_map(move |n| ((max + 1 + i128::from(n)).to_string(), "above max"))
                .boxed(),
            BadInteger::BelowMin => beyond
                .prop_map(move |n| ((min - 1 - i128::from(n)).to_string(), "below min"))
                .boxed(),
            BadInteger::FarOut => far_out(r),
            BadInteger::Fraction => fraction_within(r),
            BadInteger::ExponentFraction => exponent_fraction_within(r),
            BadInteger::Other(other) => other_kind(p, other),
        }
    }
}

fn sign(negative: bool) -> &'static str {
    if negative {
        "-"
    } else {
        ""
    }
}

/// Numbers at least 10^d in magnitude, d being the digits of the type's max: out of range
/// whichever way they are read, even the exponent forms the contract would not judge in range.
fn far_out(r: IntRange) -> Invalid {
    let digits = r.max.unsigned_abs().to_string().len() as u32;
    let floor = 10u64.saturating_pow(digits);
    prop_oneof![
        select(
            &[
                "99999999999999999999",
                "-99999999999999999999",
                "1e20",
                "-1e20"
            ][..]
        )
        .prop_map(str::to_owned),
        (any::<bool>(), 1..=9u32, digits..=30u32)
            .prop_map(|(neg, d, k)| format!("{}{d}e{k}", sign(neg))),
        (any::<bool>(), floor..=u64::MAX).prop_map(|(neg, n)| format!("{}{n}", sign(neg))),
    ]
    .prop_map(|s| (s, "far out of range"))
    .boxed()
}

/// A number with a fraction whose last digit is not 0 (never whole), inside the range so that
/// it breaks only the integer rule; negative only for signed types.
fn fraction_within(r: IntRange) -> Invalid {
    let bound = u32::try_from(r.max.saturating_sub(1).min(100_000)).unwrap_or(0);
    let signed = r.min < 0;
    (any::<bool>(), 0..=bound, 1..=9999u32)
        .prop_map(move |(neg, int, frac)| {
            let frac = if frac.is_multiple_of(10) {
                frac + 1
            } else {
                frac
            };
            (format!("{}{int}.{frac}", sign(neg && signed)), "fraction")
        })
        .boxed()
}

/// `me-k` with m not divisible by 10 (never whole) and below the max once scaled.
fn exponent_fraction_within(r: IntRange) -> Invalid {
    let top = u32::try_from(r.max.saturating_mul(10).saturating_sub(2).min(99_999)).unwrap_or(1);
    let signed = r.min < 0;
    (any::<bool>(), 1..=top, 1..=3u32)
        .prop_map(move |(neg, m, k)| {
            let m = if m.is_multiple_of(10) { m + 1 } else { m };
            (
                format!("{}{m}e-{k}", sign(neg && signed)),
                "fraction in exponent form",
            )
        })
        .boxed()
}

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
        (1, BadFloat::Other(Other::Boolean)),
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadDate {
    Month00,
    Month13,
    Day00,
    Day32,
    Feb29Common,
    Feb30,
    Day31Of30,
    Year0000,
    OneDigitMonth,
    ThreeDigitYear,
    DateTime,
    Other(Other),
}

impl BadDate {
    const ALL: [(u32, BadDate); 15] = [
        (2, BadDate::Month00),
        (2, BadDate::Month13),
        (2, BadDate::Day00),
        (2, BadDate::Day32),
        (3, BadDate::Feb29Common),
        (1, BadDate::Feb30),
        (2, BadDate::Day31Of30),
        (2, BadDate::Year0000),
        (1, BadDate::OneDigitMonth),
        (1, BadDate::ThreeDigitYear),
        (1, BadDate::DateTime),
        (1, BadDate::Other(Other::Number)),
        (1, BadDate::Other(Other::Boolean)),
        (1, BadDate::Other(Other::Array)),
        (1, BadDate::Other(Other::Object)),
    ];

    fn strategy(self) -> Invalid {
        let bad = |kind: &'static str| move |text: String| (json_string(&text), kind);
        let (year, day) = (values::year(), 1..=28u32);
        match self {
            BadDate::Month00 => (year, day)
                .prop_map(|(y, d)| format!("{y:04}-00-{d:02}"))
                .prop_map(bad("month 00"))
                .boxed(),
            BadDate::Month13 => (year, 13..=99u32, day)
                .prop_map(|(y, m, d)| date_text(y, m, d))
                .prop_map(bad("month 13 or more"))
                .boxed(),
            BadDate::Day00 => (year, 1..=12u32)
                .prop_map(|(y, m)| date_text(y, m, 0))
                .prop_map(bad("day 00"))
                .boxed(),
            BadDate::Day32 => (year, 1..=12u32, 32..=99u32)
                .prop_map(|(y, m, d)| date_text(y, m, d))
                .prop_map(bad("day 32 or more"))
                .boxed(),
            // Leap years stop at 9996, so the next year is common and still below 10000.
            BadDate::Feb29Common => year
                .prop_map(|y| date_text(if is_leap_year(y) { y + 1 } else { y }, 2, 29))
                .prop_map(bad("29 February in a common year"))
                .boxed(),
            BadDate::Feb30 => year
                .prop_map(|y| date_text(y, 2, 30))
                .prop_map(bad("30 February"))
                .boxed(),
            BadDate::Day31Of30 => (year, select(&[4u32, 6, 9, 11][..]))
                .prop_map(|(y, m)| date_text(y, m, 31))
                .prop_map(bad("31st of a 30-day month"))
                .boxed(),
            BadDate::Year0000 => (1..=12u32, day)
                .prop_map(|(m, d)| date_text(0, m, d))
                .prop_map(bad("year 0000"))
                .boxed(),
            BadDate::OneDigitMonth => (year, 1..=9u32, day)
                .prop_map(|(y, m, d)| format!("{y:04}-{m}-{d:02}"))
                .prop_map(bad("one-digit month"))
                .boxed(),
            BadDate::ThreeDigitYear => (1..=999i32, 1..=12u32, day)
                .prop_map(|(y, m, d)| format!("{y:03}-{m:02}-{d:02}"))
                .prop_map(bad("three-digit year"))
                .boxed(),
            BadDate::DateTime => date_parts()
                .prop_map(|(y, m, d)| format!("{}T00:00:00Z", date_text(y, m, d)))
                .prop_map(bad("a date-time"))
                .boxed(),
            BadDate::Other(other) => other_kind(Primitive::Date, other),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadTime {
    Hour24,
    Minute60,
    Second61,
    OneDigitHour,
    WithOffset,
    EmptyFraction,
    Other(Other),
}

impl BadTime {
    const ALL: [(u32, BadTime); 10] = [
        (3, BadTime::Hour24),
        (3, BadTime::Minute60),
        (2, BadTime::Second61),
        (1, BadTime::OneDigitHour),
        (3, BadTime::WithOffset),
        (1, BadTime::EmptyFraction),
        (1, BadTime::Other(Other::Number)),
        (1, BadTime::Other(Other::Boolean)),
        (1, BadTime::Other(Other::Array)),
        (1, BadTime::Other(Other::Object)),
    ];

    fn strategy(self) -> Invalid {
        let bad = |kind: &'static str| move |text: String| (json_string(&text), kind);
        let (hour, minute, second) = (0..=23u32, 0..=59u32, 0..=59u32);
        match self {
            BadTime::Hour24 => (24..=99u32, minute, option::of(second))
                .prop_map(|(h, m, s)| time_text(h, m, s.map(|s| (s, Frac::NONE))))
                .prop_map(bad("hour 24 or more"))
                .boxed(),
            BadTime::Minute60 => (hour, 60..=99u32)
                .prop_map(|(h, m)| time_text(h, m, None))
                .prop_map(bad("minute 60 or more"))
                .boxed(),
            // Not 60: the ABNF admits a leap second.
            BadTime::Second61 => (hour, minute, 61..=99u32)
                .prop_map(|(h, m, s)| time_text(h, m, Some((s, Frac::NONE))))
                .prop_map(bad("second 61 or more"))
                .boxed(),
            BadTime::OneDigitHour => (0..=9u32, minute)
                .prop_map(|(h, m)| format!("{h}:{m:02}"))
                .prop_map(bad("one-digit hour"))
                .boxed(),
            BadTime::WithOffset => (
                time_parts(),
                select(&["Z", "+01:00", "-05:30", "+00:00"][..]),
            )
                .prop_map(|((h, m, s), offset)| format!("{}{offset}", time_text(h, m, s)))
                .prop_map(bad("with an offset"))
                .boxed(),
            BadTime::EmptyFraction => (hour, minute, second)
                .prop_map(|(h, m, s)| format!("{}.", time_text(h, m, Some((s, Frac::NONE)))))
                .prop_map(bad("point without digits"))
                .boxed(),
            BadTime::Other(other) => other_kind(Primitive::TimeOfDay, other),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadDuration {
    Years,
    Months,
    Weeks,
    LowerCase,
    FractionNotSeconds,
    EmptyTime,
    NoPart,
    Overflow,
    OutOfOrder,
    Other(Other),
}

impl BadDuration {
    const ALL: [(u32, BadDuration); 13] = [
        (2, BadDuration::Years),
        (2, BadDuration::Months),
        (1, BadDuration::Weeks),
        (2, BadDuration::LowerCase),
        (2, BadDuration::FractionNotSeconds),
        (1, BadDuration::EmptyTime),
        (1, BadDuration::NoPart),
        (2, BadDuration::Overflow),
        (1, BadDuration::OutOfOrder),
        (1, BadDuration::Other(Other::Number)),
        (1, BadDuration::Other(Other::Boolean)),
        (1, BadDuration::Other(Other::Array)),
        (1, BadDuration::Other(Other::Object)),
    ];

    fn strategy(self) -> Invalid {
        let bad = |kind: &'static str| move |text: String| (json_string(&text), kind);
        let count = 0..=9999u64;
        match self {
            BadDuration::Years => count
                .prop_map(|n| format!("P{n}Y"))
                .prop_map(bad("years"))
                .boxed(),
            BadDuration::Months => count
                .prop_map(|n| format!("P{n}M"))
                .prop_map(bad("months"))
                .boxed(),
            BadDuration::Weeks => count
                .prop_map(|n| format!("P{n}W"))
                .prop_map(bad("weeks"))
                .boxed(),
            BadDuration::LowerCase => duration_text()
                .prop_map(|t| t.to_lowercase())
                .prop_map(bad("lower-case letters"))
                .boxed(),
            BadDuration::FractionNotSeconds => {
                let units = select(&[("P", 'D'), ("PT", 'H'), ("PT", 'M')][..]);
                (units, count, 1..=9u32)
                    .prop_map(|((prefix, unit), n, f)| format!("{prefix}{n}.{f}{unit}"))
                    .prop_map(bad("fraction on days, hours or minutes"))
                    .boxed()
            }
            BadDuration::EmptyTime => (0..=9999u64)
                .prop_map(|n| format!("P{n}DT"))
                .prop_map(bad("T with nothing after"))
                .boxed(),
            BadDuration::NoPart => select(&["P", "PT", "-P", "-PT"][..])
                .prop_map(|t| (json_string(t), "no part"))
                .boxed(),
            // 10 675 200 days is the first whole day count beyond 2^63 ticks.
            BadDuration::Overflow => (any::<bool>(), 10_675_200..=u64::MAX)
                .prop_map(|(neg, d)| format!("{}P{d}D", sign(neg)))
                .prop_map(bad("beyond the range"))
                .boxed(),
            BadDuration::OutOfOrder => (1..=59u32, 1..=59u32, any::<bool>())
                .prop_map(|(a, b, seconds_first)| {
                    if seconds_first {
                        format!("PT{a}S{b}M")
                    } else {
                        format!("PT{a}M{b}H")
                    }
                })
                .prop_map(bad("parts out of order"))
                .boxed(),
            BadDuration::Other(other) => other_kind(Primitive::Duration, other),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadGuid {
    Braces,
    NoHyphens,
    NonHex,
    MovedHyphen,
    WrongLength,
    Other(Other),
}

impl BadGuid {
    const ALL: [(u32, BadGuid); 9] = [
        (2, BadGuid::Braces),
        (2, BadGuid::NoHyphens),
        (3, BadGuid::NonHex),
        (2, BadGuid::MovedHyphen),
        (2, BadGuid::WrongLength),
        (1, BadGuid::Other(Other::Number)),
        (1, BadGuid::Other(Other::Boolean)),
        (1, BadGuid::Other(Other::Array)),
        (1, BadGuid::Other(Other::Object)),
    ];

    fn strategy(self) -> Invalid {
        let bad = |kind: &'static str| move |text: String| (json_string(&text), kind);
        match self {
            BadGuid::Braces => guid_text()
                .prop_map(|g| format!("{{{g}}}"))
                .prop_map(bad("braces"))
                .boxed(),
            BadGuid::NoHyphens => any::<u128>()
                .prop_map(|v| format!("{v:032x}"))
                .prop_map(bad("32 digits, no hyphens"))
                .boxed(),
            BadGuid::NonHex => (
                guid_text(),
                0..32usize,
                select(&['g', 'x', 'z', 'G', 'O', ' '][..]),
            )
                .prop_map(|(g, at, c)| replace_hex_digit(&g, at, c))
                .prop_map(bad("non-hex digit"))
                .boxed(),
            BadGuid::MovedHyphen => (guid_text(), 0..4usize, any::<bool>())
                .prop_map(|(g, which, later)| move_hyphen(&g, which, later))
                .prop_map(bad("hyphen in the wrong place"))
                .boxed(),
            BadGuid::WrongLength => (guid_text(), any::<bool>())
                .prop_map(|(mut g, longer)| {
                    if longer {
                        g.push('0');
                    } else {
                        g.pop();
                    }
                    g
                })
                .prop_map(bad("35 or 37 characters"))
                .boxed(),
            BadGuid::Other(other) => other_kind(Primitive::Guid, other),
        }
    }
}

/// `guid` with its `at`-th hex digit (hyphens not counted) replaced by `c`.
fn replace_hex_digit(guid: &str, at: usize, c: char) -> String {
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
fn move_hyphen(guid: &str, which: usize, later: bool) -> String {
    const HYPHENS: [usize; 4] = [8, 13, 18, 23];
    let mut chars: Vec<char> = guid.chars().collect();
    let at = HYPHENS[which % 4];
    let other = if later { at + 1 } else { at - 1 };
    if other < chars.len() && at < chars.len() {
        chars.swap(at, other);
    }
    chars.into_iter().collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadBinary {
    Length,
    PaddingInside,
    PaddingCount,
    Character,
    Other(Other),
}

impl BadBinary {
    const ALL: [(u32, BadBinary); 8] = [
        (3, BadBinary::Length),
        (2, BadBinary::PaddingInside),
        (3, BadBinary::PaddingCount),
        (3, BadBinary::Character),
        (1, BadBinary::Other(Other::Number)),
        (1, BadBinary::Other(Other::Boolean)),
        (1, BadBinary::Other(Other::Array)),
        (1, BadBinary::Other(Other::Object)),
    ];

    fn strategy(self) -> Invalid {
        let bad = |kind: &'static str| move |text: String| (json_string(&text), kind);
        let bytes = vec(any::<u8>(), 0..=30);
        match self {
            // Unpadded base64 is 0, 2 or 3 characters past a group of four, never 1.
            BadBinary::Length => bytes
                .prop_map(|b| {
                    let mut text = base64url(&b, true);
                    while text.len() % 4 != 1 {
                        text.push('A');
                    }
                    text
                })
                .prop_map(bad("a length no decoding allows"))
                .boxed(),
            BadBinary::PaddingInside => (vec(any::<u8>(), 1..=2), vec(any::<u8>(), 1..=6))
                .prop_map(|(head, tail)| {
                    format!("{}{}", base64url(&head, false), base64url(&tail, false))
                })
                .prop_map(bad("padding in the middle"))
                .boxed(),
            BadBinary::PaddingCount => (bytes, any::<bool>())
                .prop_map(|(b, more)| {
                    let text = base64url(&b, true);
                    let padding = match (text.len() % 4, more) {
                        (2, false) => "=",
                        (2, true) => "===",
                        (3, _) => "==",
                        _ => "=",
                    };
                    format!("{text}{padding}")
                })
                .prop_map(bad("wrong padding count"))
                .boxed(),
            BadBinary::Character => (
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
                .prop_map(bad("a character outside base64url"))
                .boxed(),
            BadBinary::Other(other) => other_kind(Primitive::Binary, other),
        }
    }
}

/// Characters in neither base64 alphabet nor padding.
const BAD_BASE64_CHARS: &[char] = &[
    '*', ' ', '.', '!', '~', '#', ',', '\t', '\n', 'é', '\\', '"', '%',
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scalar::Scalar;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng};

    const DRAWS: usize = 256;

    fn runner() -> TestRunner {
        TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
        )
    }

    fn read(p: Primitive, json: &str) -> Result<Scalar, String> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        p.read(&value)
    }

    /// Reads `json` as `p`, writes it back, and reads that again as the same value.
    fn assert_valid(p: Primitive, json: &str, what: &str) {
        let scalar = match read(p, json) {
            Ok(scalar) => scalar,
            Err(why) => panic!("{p:?} {what}: {json} is refused: {why}"),
        };
        let written = scalar.to_json(p);
        match p.read(&written) {
            Ok(again) => assert!(again.same(&scalar), "{p:?} {what}: {json} -> {written}"),
            Err(why) => panic!("{p:?} {what}: {json} written as {written} is refused: {why}"),
        }
    }

    fn assert_invalid(p: Primitive, json: &str, what: &str) {
        assert!(read(p, json).is_err(), "{p:?} {what}: {json} is read");
    }

    #[test]
    fn every_valid_edge_reads_and_round_trips() {
        for p in Primitive::ALL {
            for (json, name) in valid_edges(p) {
                assert_valid(p, &json, &name);
            }
        }
    }

    #[test]
    fn every_invalid_edge_is_refused() {
        for p in Primitive::ALL {
            for (json, name) in invalid_edges(p) {
                assert_ne!(json, "null", "{p:?}");
                assert_invalid(p, &json, name);
            }
        }
    }

    #[test]
    fn edge_lists_are_distinct_named_and_sized() {
        for p in Primitive::ALL {
            let valid = valid_edges(p);
            let invalid = invalid_edges(p);
            let mut texts: Vec<&str> = valid.iter().map(|(t, _)| t.as_str()).collect();
            texts.sort_unstable();
            texts.dedup();
            assert_eq!(texts.len(), valid.len(), "{p:?} has duplicate valid edges");
            assert!(valid.iter().all(|(_, name)| !name.is_empty()));
            assert!(invalid.len() >= 8, "{p:?}");
            match p {
                // Two values are all there is; the reference lists are kept as they were.
                Primitive::Boolean => assert_eq!(valid.len(), 2),
                Primitive::Int32 | Primitive::DateTimeOffset => assert!(valid.len() > 40),
                _ => assert!((8..=41).contains(&valid.len()), "{p:?}: {}", valid.len()),
            }
        }
    }

    #[test]
    fn random_valid_values_read_back_the_same() {
        for p in Primitive::ALL {
            let mut runner = runner();
            let strategy = valid_value(p);
            for _ in 0..DRAWS {
                let Ok(tree) = strategy.new_tree(&mut runner) else {
                    panic!("{p:?}: no value drawn")
                };
                assert_valid(p, &tree.current(), "draw");
            }
        }
    }

    #[test]
    fn random_invalid_values_are_refused() {
        for p in Primitive::ALL {
            let mut runner = runner();
            let strategy = invalid_value(p);
            for _ in 0..DRAWS {
                let Ok(tree) = strategy.new_tree(&mut runner) else {
                    panic!("{p:?}: no value drawn")
                };
                let (json, kind) = tree.current();
                assert_invalid(p, &json, kind);
            }
        }
    }

    /// Shrinks `tree` as far as it goes, as a test that always fails would, and answers every
    /// value on the way.
    fn shrink_all<T: ValueTree>(mut tree: T) -> Vec<T::Value> {
        let mut seen = vec![tree.current()];
        while seen.len() < 2_000 && tree.simplify() {
            seen.push(tree.current());
        }
        seen
    }

    #[test]
    fn shrinking_stays_valid_and_reaches_a_simple_value() {
        for p in Primitive::ALL {
            let mut runner = runner();
            let strategy = valid_value(p);
            let mut simplest = Vec::new();
            for _ in 0..16 {
                let Ok(tree) = strategy.new_tree(&mut runner) else {
                    panic!("{p:?}: no value drawn")
                };
                let seen = shrink_all(tree);
                for json in &seen {
                    assert_valid(p, json, "shrunk draw");
                }
                simplest.extend(seen.last().cloned());
            }
            let expected = simple_value(p);
            assert!(
                simplest.iter().any(|s| s == expected),
                "{p:?} never shrinks to {expected}: {simplest:?}"
            );
        }
    }

    fn simple_value(p: Primitive) -> &'static str {
        match p {
            Primitive::Boolean => "false",
            Primitive::Single | Primitive::Double => "0",
            Primitive::DateTimeOffset => "\"0001-01-01T00:00Z\"",
            Primitive::Date => "\"0001-01-01\"",
            Primitive::TimeOfDay => "\"00:00\"",
            Primitive::Duration => "\"PT0S\"",
            Primitive::Guid => "\"00000000-0000-0000-0000-000000000000\"",
            Primitive::Binary | Primitive::String => "\"\"",
            _ => "0",
        }
    }

    #[test]
    fn shrinking_an_invalid_value_keeps_it_invalid_and_of_its_kind() {
        for p in Primitive::ALL {
            let mut runner = runner();
            let strategy = invalid_value(p);
            for _ in 0..16 {
                let Ok(tree) = strategy.new_tree(&mut runner) else {
                    panic!("{p:?}: no value drawn")
                };
                let seen = shrink_all(tree);
                let kind = seen[0].1;
                for (json, k) in &seen {
                    // `values`' DateTimeOffset "day beyond the month's end" may turn into
                    // "29 February in a common year" as its year shrinks; it is kept as it was.
                    if p != Primitive::DateTimeOffset {
                        assert_eq!(*k, kind, "{p:?}: the kind changed while shrinking");
                    }
                    assert_invalid(p, json, k);
                }
            }
        }
    }

    #[test]
    fn int32_and_datetimeoffset_draw_what_values_draws() {
        let pairs = [
            (valid_value(Primitive::Int32), values::valid_int32()),
            (
                valid_value(Primitive::DateTimeOffset),
                values::valid_datetime(),
            ),
        ];
        for (ours, theirs) in pairs {
            let (mut a, mut b) = (runner(), runner());
            for _ in 0..64 {
                let (Ok(x), Ok(y)) = (ours.new_tree(&mut a), theirs.new_tree(&mut b)) else {
                    panic!("no value drawn")
                };
                assert_eq!(x.current(), y.current());
            }
        }
        let (mut a, mut b) = (runner(), runner());
        let ours = invalid_value(Primitive::Int32);
        let theirs = values::invalid_int32();
        for _ in 0..64 {
            let (Ok(x), Ok(y)) = (ours.new_tree(&mut a), theirs.new_tree(&mut b)) else {
                panic!("no value drawn")
            };
            let bad = y.current();
            assert_eq!(x.current(), (bad.json, bad.kind));
        }
    }

    #[test]
    fn helpers_break_guids_in_one_place() {
        let zero = "00000000-0000-0000-0000-000000000000";
        assert_eq!(
            replace_hex_digit(zero, 8, 'g'),
            "00000000-g000-0000-0000-000000000000"
        );
        assert_eq!(
            move_hyphen(zero, 0, false),
            "0000000-00000-0000-0000-000000000000"
        );
        assert_eq!(
            move_hyphen(zero, 3, true),
            "00000000-0000-0000-00000-00000000000"
        );
    }

    #[test]
    fn integer_edges_follow_the_int32_pattern() {
        let byte = integer_edges(BYTE, &[7]);
        let values: Vec<i64> = byte.iter().map(|(v, _)| *v).collect();
        assert_eq!(values, [0, 255, 1, 254, 128, 127, 129]);
        assert_eq!(byte[0].1, "Byte min");
        let int64 = integer_edges(INT64, &[62]);
        assert_eq!(int64[0], (i64::MIN, "Int64 min".to_owned()));
        assert!(int64.iter().any(|(v, _)| *v == 1 << 62));
    }
}
