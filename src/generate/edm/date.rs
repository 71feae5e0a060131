//! Edm.Date for generated inputs: dates biased to leap days and month ends, and one broken
//! rule per invalid value.

use proptest::prelude::{prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{
    as_strings, edge_texts, json_string, kinds, other_kind, owned, year, ymd, Invalid, Other,
};
use crate::domain::edm::calendar::{days_in_month, is_leap_year};
use crate::domain::Primitive;

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
        (1, BadDate::Other(Other::Bool)),
        (1, BadDate::Other(Other::Array)),
        (1, BadDate::Other(Other::Object)),
    ];

    fn strategy(self) -> Invalid {
        let bad = |kind: &'static str| move |text: String| (json_string(&text), kind);
        let (year, day) = (year(), 1..=28u32);
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

pub(super) fn valid_edges() -> Vec<(String, String)> {
    as_strings(DATE_EDGES)
}

pub(super) fn invalid_edges() -> Vec<(String, &'static str)> {
    owned(INVALID_DATE_EDGES)
}

pub(super) fn invalid_value() -> Invalid {
    kinds(&BadDate::ALL, BadDate::strategy)
}
