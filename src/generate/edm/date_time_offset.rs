//! Edm.DateTimeOffset for generated inputs (C3.5): a form kept as written (seconds, fraction
//! digits and the offset's spelling are part of the draw), its named edges, and one broken rule
//! per invalid value.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Just, Strategy};
use proptest::sample::select;
use std::fmt::Write as _;

use super::parts::{
    fraction, hour, json_string, shrinking_towards_zero, sixty, ymd, Frac, Invalid, Kinds,
};
use crate::domain::edm::calendar::{days_in_month, is_leap_year};
use crate::domain::edm::date_time_offset::DateTimeOffset;
use crate::domain::edm::date_time_offset::Parts;
use crate::domain::Primitive;

/// An offset as written: `Z`, or `±hh:mm` (`+00:00` for zero minutes; never `-00:00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Off {
    Z,
    Minutes(i32),
}

/// A DateTimeOffset in the form it is written, so that seconds, fraction digits and the offset's
/// spelling are part of the draw. Fields hold invalid values only in the forms `broken` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DtForm {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    /// `None`: seconds omitted (and so no fraction).
    second: Option<u32>,
    fraction: Frac,
    offset: Off,
}

impl DtForm {
    fn parts(&self) -> Parts {
        Parts {
            year: self.year,
            month: self.month,
            day: self.day,
            hour: self.hour,
            minute: self.minute,
            second: self.second.unwrap_or(0),
            fraction_ticks: self.fraction.ticks(),
            offset_minutes: match self.offset {
                Off::Z => 0,
                Off::Minutes(m) => m,
            },
        }
    }

    /// The value C3.5 reads from this form, or why it refuses it.
    fn value(&self) -> Result<DateTimeOffset, String> {
        DateTimeOffset::from_parts(self.parts()).map_err(|e| e.to_string())
    }

    /// Makes a drawn form valid both as written and in UTC: the day is clamped to the month's
    /// last (which biases draws to month ends), a fraction needs seconds, and an offset that
    /// pushes the UTC instant out of 0001–9999 is replaced by `Z` (local time is then UTC).
    fn normalised(mut self) -> Self {
        self.year = self.year.clamp(1, 9999);
        self.month = self.month.clamp(1, 12);
        self.day = self.day.clamp(1, days_in_month(self.year, self.month));
        self.hour = self.hour.min(23);
        self.minute = self.minute.min(59);
        self.second = self.second.map(|s| s.min(59));
        if self.second.is_none() {
            self.fraction = Frac::NONE;
        }
        if self.value().is_err() {
            self.offset = Off::Z;
        }
        debug_assert!(
            self.value().is_ok(),
            "{self:?} is not valid after normalising"
        );
        self
    }

    /// The text as C3.5 writes it, upper-case `T` and `Z`.
    fn text(&self) -> String {
        self.write(true, true)
    }

    fn write(&self, with_t: bool, with_offset: bool) -> String {
        let mut s = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if with_t {
            s.push('T');
        }
        let _ = write!(s, "{:02}:{:02}", self.hour, self.minute);
        if let Some(second) = self.second {
            let _ = write!(s, ":{second:02}");
            if self.fraction.digits > 0 {
                let width = self.fraction.digits as usize;
                let _ = write!(s, ".{:0width$}", self.fraction.value);
            }
        }
        if with_offset {
            match self.offset {
                Off::Z => s.push('Z'),
                Off::Minutes(m) => {
                    let sign = if m < 0 { '-' } else { '+' };
                    let _ = write!(s, "{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60);
                }
            }
        }
        s
    }
}

/// Valid DateTimeOffset edges (texts as sent) with their names.
pub(super) const DATETIME_EDGES: &[(&str, &str)] = &[
    ("0001-01-01T00:00:00Z", "DateTimeOffset min"),
    ("9999-12-31T23:59:59.9999999Z", "DateTimeOffset max"),
    ("2017-01-01T00:02:03.0612494-08:00", "the page's example"),
    (
        "2000-02-29T12:00:00Z",
        "29 February 2000 (leap, divisible by 400)",
    ),
    (
        "2400-02-29T12:00:00Z",
        "29 February 2400 (leap, divisible by 400)",
    ),
    (
        "1900-02-28T12:00:00Z",
        "28 February 1900 (century, not leap)",
    ),
    (
        "2100-02-28T12:00:00Z",
        "28 February 2100 (century, not leap)",
    ),
    ("2024-02-29T12:00:00Z", "29 February 2024 (leap)"),
    ("2023-06-15T12:00:00+14:00", "offset +14:00"),
    ("2023-06-15T12:00:00-14:00", "offset -14:00"),
    ("2023-06-15T12:34:56.1234567Z", "7-digit fraction"),
    ("2023-06-15T12:34:56.0000001Z", "one tick"),
    (
        "2023-06-15T12:34:56.9999999+05:30",
        "7-digit fraction, last tick of a second",
    ),
    (
        "2023-06-15T12:34:56.0010001Z",
        "7-digit fraction beyond milliseconds",
    ),
    (
        "2023-06-15T12:34:56.1234561-03:00",
        "7-digit fraction beyond microseconds",
    ),
    ("2023-06-15T12:34Z", "seconds omitted"),
    ("2023-06-15T12:34:56+00:00", "offset +00:00"),
    ("2023-06-15T12:34:56Z", "offset Z, no fraction"),
    ("2023-06-15T12:34:56+05:45", "offset +05:45"),
    ("2023-06-15T12:34:56+13:45", "offset +13:45"),
    ("2023-06-15T12:34:56-09:30", "offset -09:30"),
    ("2023-06-15T12:34+05:45", "seconds omitted with an offset"),
    ("0001-01-01T14:00:00+14:00", "min instant written at +14:00"),
    (
        "9999-12-31T09:59:59.9999999-14:00",
        "max instant written at -14:00",
    ),
    ("0001-01-01T00:00:00-14:00", "year 0001 at -14:00"),
    ("9999-12-31T23:59:59.9999999+14:00", "year 9999 at +14:00"),
    ("2023-06-15T12:34:56.5Z", "1-digit fraction"),
    ("2023-06-15T12:34:56.25Z", "2-digit fraction"),
    ("2023-06-15T12:34:56.125Z", "3-digit fraction"),
    ("2023-06-15T12:34:56.0625Z", "4-digit fraction"),
    ("2023-06-15T12:34:56.03125Z", "5-digit fraction"),
    ("2023-06-15T12:34:56.015625Z", "6-digit fraction"),
    (
        "2023-06-15T12:34:56.0078125Z",
        "7-digit fraction, power of two",
    ),
    (
        "2023-06-15T12:34:56.1000000Z",
        "7-digit fraction with trailing zeros",
    ),
    ("2023-06-15T12:34:56.0Z", "1-digit zero fraction"),
    ("2023-01-31T23:59:59Z", "end of January"),
    ("2023-02-28T23:59:59Z", "end of February (common year)"),
    ("2023-03-31T23:59:59Z", "end of March"),
    ("2023-04-30T23:59:59Z", "end of April"),
    ("2023-05-31T23:59:59Z", "end of May"),
    ("2023-06-30T23:59:59Z", "end of June"),
    ("2023-07-31T23:59:59Z", "end of July"),
    ("2023-08-31T23:59:59Z", "end of August"),
    ("2023-09-30T23:59:59Z", "end of September"),
    ("2023-10-31T23:59:59Z", "end of October"),
    ("2023-11-30T23:59:59Z", "end of November"),
    ("2023-12-31T23:59:59.9999999Z", "end of December"),
    ("2000-03-01T00:30:00+01:00", "29 February 2000 in UTC only"),
    ("2100-03-01T00:30:00+01:00", "28 February 2100 in UTC only"),
    ("2023-12-31T23:30:00-01:00", "next year in UTC only"),
    ("1970-01-01T00:00:00Z", "Unix epoch"),
    ("1601-01-01T00:00:00Z", "Windows file time epoch"),
    ("1899-12-30T00:00:00Z", "OLE automation epoch"),
    ("0001-12-31T23:59:59Z", "end of year 0001"),
    ("9999-01-01T00:00:00Z", "start of year 9999"),
    ("1000-01-01T00:00Z", "year 1000, seconds omitted"),
];

/// Invalid DateTimeOffset edges (JSON texts as sent) with their names; each breaks one rule.
pub(super) const INVALID_DATETIME_EDGES: &[(&str, &str)] = &[
    ("\"2023-13-15T12:00:00Z\"", "month 13"),
    ("\"2023-00-15T12:00:00Z\"", "month 00"),
    ("\"2023-06-32T12:00:00Z\"", "day 32"),
    ("\"2023-06-00T12:00:00Z\"", "day 00"),
    ("\"2023-02-29T12:00:00Z\"", "29 February in a common year"),
    (
        "\"1900-02-29T12:00:00Z\"",
        "29 February 1900 (century, not leap)",
    ),
    (
        "\"2100-02-29T12:00:00Z\"",
        "29 February 2100 (century, not leap)",
    ),
    ("\"2023-02-30T12:00:00Z\"", "30 February"),
    ("\"2023-04-31T12:00:00Z\"", "31 April"),
    ("\"2023-06-15T24:00:00Z\"", "hour 24"),
    ("\"2023-06-15T12:60:00Z\"", "minute 60"),
    ("\"2023-06-15T12:00:00\"", "no offset"),
    (
        "\"2023-06-15T12:00:00.1234567\"",
        "no offset, with a fraction",
    ),
    ("\"2023-06-15T12:00\"", "no offset, seconds omitted"),
    ("\"2023-06-15T12:00:00+14:01\"", "offset +14:01"),
    ("\"2023-06-15T12:00:00-14:01\"", "offset -14:01"),
    ("\"2023-06-15T12:00:00-15:00\"", "offset -15:00"),
    ("\"2023-06-15T12:00:00+15:00\"", "offset +15:00"),
    ("\"0000-06-15T12:00:00Z\"", "year 0000"),
    ("\"2023-06-1512:00:00Z\"", "missing T"),
    ("1497528000", "a number"),
];

const OFFSET_EDGES: &[i32] = &[
    840, -840, 345, 825, -570, 330, 60, -60, 1, -1, 839, -839, 765, 525, -210, 270, 570, 630, -720,
    720,
];

fn offset() -> impl Strategy<Value = Off> {
    prop_oneof![
        2 => Just(Off::Z),
        1 => Just(Off::Minutes(0)),
        5 => shrinking_towards_zero(prop_oneof![2 => select(OFFSET_EDGES), 3 => -840..=840i32])
            .prop_map(Off::Minutes),
    ]
}

/// A valid DateTimeOffset form over the whole domain, valid as written and in UTC. Shrinks
/// towards 0001-01-01T00:00Z: small years, January 1st, midnight, seconds omitted, `Z`.
fn dt_form() -> BoxedStrategy<DtForm> {
    let date = ymd();
    let hour = hour();
    let minute = sixty();
    let second = proptest::option::weighted(0.8, sixty());
    (date, hour, minute, second, fraction(), offset())
        .prop_map(
            |((year, month, day), hour, minute, second, fraction, offset)| {
                DtForm {
                    year,
                    month,
                    day,
                    hour,
                    minute,
                    second,
                    fraction,
                    offset,
                }
                .normalised()
            },
        )
        .boxed()
}

/// A valid DateTimeOffset as JSON text.
pub(super) fn valid_value() -> BoxedStrategy<String> {
    dt_form().prop_map(|f| json_string(&f.text())).boxed()
}

/// A valid form whose year is kept in 0002–9998, so that no offset within ±99:59 takes its UTC
/// instant out of 0001–9999: each input made from it breaks exactly one rule.
fn base() -> impl Strategy<Value = DtForm> {
    dt_form().prop_map(|mut f| {
        f.year = f.year.clamp(2, 9998);
        f.normalised()
    })
}

/// An otherwise valid form broken by `apply`, written in full.
fn broken(apply: fn(&mut DtForm)) -> impl Strategy<Value = String> {
    base().prop_map(move |mut f| {
        apply(&mut f);
        f.text()
    })
}

/// A valid form written without its `T` or its offset.
fn without(with_t: bool, with_offset: bool) -> impl Strategy<Value = String> {
    base().prop_map(move |f| f.write(with_t, with_offset))
}

/// Breaks one rule of C3.5 per value.
fn invalid_form() -> Kinds {
    Kinds::of(Primitive::DateTimeOffset)
        .string(
            2,
            "DateTimeOffset month 00",
            broken(|f| {
                f.month = 0;
                f.day = f.day.min(28);
            }),
        )
        .string(
            2,
            "DateTimeOffset month 13",
            broken(|f| {
                f.month = 13;
                f.day = f.day.min(28);
            }),
        )
        .string(2, "DateTimeOffset day 00", broken(|f| f.day = 0))
        .string(2, "DateTimeOffset day 32", broken(|f| f.day = 32))
        .string(
            3,
            "DateTimeOffset 29 February in a common year",
            broken(|f| {
                // Leap years stop at 9996, so the next year is common and still below 9999.
                if is_leap_year(f.year) {
                    f.year += 1;
                }
                f.month = 2;
                f.day = 29;
            }),
        )
        .string(
            2,
            "DateTimeOffset 30 February",
            broken(|f| {
                f.month = 2;
                f.day = 30;
            }),
        )
        .named(2, day_beyond_month())
        .string(2, "DateTimeOffset hour 24", broken(|f| f.hour = 24))
        .string(2, "DateTimeOffset minute 60", broken(|f| f.minute = 60))
        .string(3, "DateTimeOffset without offset", without(true, false))
        .string(
            3,
            "DateTimeOffset offset beyond ±14:00",
            (base(), any::<bool>(), 841..=5999i32).prop_map(|(mut f, neg, m)| {
                f.offset = Off::Minutes(if neg { -m } else { m });
                f.text()
            }),
        )
        .string(2, "DateTimeOffset year 0000", broken(|f| f.year = 0))
        .string(2, "DateTimeOffset without T", without(false, true))
}

/// The day after the end of a month of 30 days or fewer.
fn day_beyond_month() -> impl Strategy<Value = (String, &'static str)> {
    (base(), select(&[2u32, 4, 6, 9, 11][..])).prop_map(|(mut f, month)| {
        f.month = month;
        f.day = days_in_month(f.year, month) + 1;
        let kind = if month == 2 && f.day == 29 {
            "DateTimeOffset 29 February in a common year"
        } else {
            "DateTimeOffset day beyond the month's end"
        };
        (json_string(&f.text()), kind)
    })
}

/// An invalid DateTimeOffset: the kind is fixed once drawn; the rest of the value shrinks.
/// `null` is among the kinds (1 draw in 31), as it always was, so that a seed keeps its inputs.
pub(super) fn invalid_value() -> Invalid {
    let number = prop_oneof![
        select(&[0i64, 1_497_528_000, 636_331_248_000_000_000, 20_230_615][..]),
        any::<i64>(),
    ];
    invalid_form()
        .json(
            1,
            "DateTimeOffset as a number",
            number.prop_map(|n| n.to_string()),
        )
        .json(1, "DateTimeOffset as null", Just("null".to_owned()))
        .draw()
}

/// A neighbour of the `k`-th invalid edge: the page's example with its minute moved by `k`, so
/// that a partial update shows (C5.3).
pub(super) fn neighbour(k: usize) -> String {
    json_string(&format!("2017-01-01T00:{:02}:03.0612494-08:00", k % 60))
}
