//! Edm.TimeOfDay for generated inputs: times with or without seconds and fractions, and one
//! broken rule per invalid value.

use proptest::option;
use proptest::prelude::{prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{
    as_strings, edge_texts, fraction, hour, json_string, sixty, Frac, Invalid, Kinds, NOT_A_STRING,
};
use crate::domain::Primitive;

pub(super) const TIME_EDGES: &[(&str, &str)] = &[
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
/// date-times with an offset, where the contract leaves them unjudged).
pub(super) const INVALID_TIME_EDGES: &[(&str, &str)] = &[
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

/// Seconds with their fraction, as date_time_offset.rs draws them.
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
    let hour = hour();
    let minute = sixty();
    let second = sixty();
    (hour, minute, option::weighted(0.8, (second, fraction())))
}

pub(super) fn valid_value() -> BoxedStrategy<String> {
    let drawn = time_parts().prop_map(|(h, m, s)| json_string(&time_text(h, m, s)));
    prop_oneof![4 => drawn, 1 => edge_texts(as_strings(TIME_EDGES))].boxed()
}

pub(super) fn invalid_value() -> Invalid {
    let (hour, minute, second) = (|| 0..=23u32, || 0..=59u32, || 0..=59u32);
    let whole = |s| Some((s, Frac::NONE));
    Kinds::of(Primitive::TimeOfDay)
        .string(
            3,
            "hour 24 or more",
            (24..=99u32, minute(), option::of(second()))
                .prop_map(|(h, m, s)| time_text(h, m, s.map(|s| (s, Frac::NONE)))),
        )
        .string(
            3,
            "minute 60 or more",
            (hour(), 60..=99u32).prop_map(|(h, m)| time_text(h, m, None)),
        )
        // Not 60: the ABNF admits a leap second.
        .string(
            2,
            "second 61 or more",
            (hour(), minute(), 61..=99u32).prop_map(move |(h, m, s)| time_text(h, m, whole(s))),
        )
        .string(
            1,
            "one-digit hour",
            (0..=9u32, minute()).prop_map(|(h, m)| format!("{h}:{m:02}")),
        )
        .string(
            3,
            "with an offset",
            (
                time_parts(),
                select(&["Z", "+01:00", "-05:30", "+00:00"][..]),
            )
                .prop_map(|((h, m, s), offset)| format!("{}{offset}", time_text(h, m, s))),
        )
        .string(
            1,
            "point without digits",
            (hour(), minute(), second())
                .prop_map(move |(h, m, s)| format!("{}.", time_text(h, m, whole(s)))),
        )
        .others(&NOT_A_STRING)
        .draw()
}
