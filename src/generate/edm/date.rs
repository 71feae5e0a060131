//! Edm.Date for generated inputs: dates biased to leap days and month ends, and one broken
//! rule per invalid value.

use proptest::prelude::{prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{as_strings, edge_texts, json_string, year, ymd, Invalid, Kinds, NOT_A_STRING};
use crate::domain::edm::calendar::{days_in_month, is_leap_year};
use crate::domain::Primitive;

pub(super) const DATE_EDGES: &[(&str, &str)] = &[
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

pub(super) const INVALID_DATE_EDGES: &[(&str, &str)] = &[
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

fn date_text(year: i32, month: u32, day: u32) -> String {
    format!("{year:04}-{month:02}-{day:02}")
}

/// A valid (year, month, day), biased to leap days and month ends; shrinks towards 0001-01-01.
fn date_parts() -> impl Strategy<Value = (i32, u32, u32)> {
    ymd().prop_map(|(y, m, d)| (y, m, d.min(days_in_month(y, m))))
}

pub(super) fn valid_value() -> BoxedStrategy<String> {
    let drawn = date_parts().prop_map(|(y, m, d)| json_string(&date_text(y, m, d)));
    prop_oneof![4 => drawn, 1 => edge_texts(as_strings(DATE_EDGES))].boxed()
}

pub(super) fn invalid_value() -> Invalid {
    let day = || 1..=28u32;
    Kinds::of(Primitive::Date)
        .string(
            2,
            "month 00",
            (year(), day()).prop_map(|(y, d)| format!("{y:04}-00-{d:02}")),
        )
        .string(
            2,
            "month 13 or more",
            (year(), 13..=99u32, day()).prop_map(|(y, m, d)| date_text(y, m, d)),
        )
        .string(
            2,
            "day 00",
            (year(), 1..=12u32).prop_map(|(y, m)| date_text(y, m, 0)),
        )
        .string(
            2,
            "day 32 or more",
            (year(), 1..=12u32, 32..=99u32).prop_map(|(y, m, d)| date_text(y, m, d)),
        )
        // Leap years stop at 9996, so the next year is common and still below 10000.
        .string(
            3,
            "29 February in a common year",
            year().prop_map(|y| date_text(if is_leap_year(y) { y + 1 } else { y }, 2, 29)),
        )
        .string(1, "30 February", year().prop_map(|y| date_text(y, 2, 30)))
        .string(
            2,
            "31st of a 30-day month",
            (year(), select(&[4u32, 6, 9, 11][..])).prop_map(|(y, m)| date_text(y, m, 31)),
        )
        .string(
            2,
            "year 0000",
            (1..=12u32, day()).prop_map(|(m, d)| date_text(0, m, d)),
        )
        .string(
            1,
            "one-digit month",
            (year(), 1..=9u32, day()).prop_map(|(y, m, d)| format!("{y:04}-{m}-{d:02}")),
        )
        .string(
            1,
            "three-digit year",
            (1..=999i32, 1..=12u32, day()).prop_map(|(y, m, d)| format!("{y:03}-{m:02}-{d:02}")),
        )
        .string(
            1,
            "a date-time",
            date_parts().prop_map(|(y, m, d)| format!("{}T00:00:00Z", date_text(y, m, d))),
        )
        .others(&NOT_A_STRING)
        .draw()
}
