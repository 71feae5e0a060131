//! Edm.Date (C3.11): `YYYY-MM-DD`, a real calendar date of years 0001–9999.

use std::fmt;

use super::calendar::days_in_month;
use super::clock::digits;
use super::Reader::Text;
use super::{Pitfalls, Scalar, Spec};
use crate::contract::C3_11;

pub(crate) const SPEC: Spec = Spec::new("Edm.Date", C3_11, "\"0001-01-01\"", Text(parse), PITFALLS);

const PITFALLS: Pitfalls = Pitfalls {
    edge: ("refuses 29 February", |v| {
        v.as_str().and_then(|t| t.get(4..10)) == Some("-02-29")
    }),
    lenient: ("accepts a date-time, keeping its date", |v| {
        Some(v.as_str().filter(|t| t.as_bytes().get(10) == Some(&b'T'))?[..10].into())
    }),
    lossy: ("answers the day before", |s| match s {
        Scalar::Date(d) => Some(Scalar::Date(d.day_before())),
        _ => None,
    }),
};

fn parse(text: &str) -> Result<Scalar, String> {
    Date::parse(text).map(Scalar::Date)
}

/// A calendar date of years 0001–9999 (field order makes the derived order chronological).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`: exactly four year digits without sign, and a real calendar date.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let b = text.as_bytes();
        let (10, Some(year), Some(b'-'), Some(month), Some(b'-'), Some(day)) = (
            b.len(),
            digits(b, 0, 4),
            b.get(4),
            digits(b, 5, 2),
            b.get(7),
            digits(b, 8, 2),
        ) else {
            return Err("a date is written YYYY-MM-DD".to_owned());
        };
        let year = year as i32;
        if year == 0 {
            return Err("year 0000 does not exist".to_owned());
        }
        if !(1..=12).contains(&month) {
            return Err(format!("month {month:02} does not exist"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(format!("{year:04}-{month:02} has no day {day:02}"));
        }
        Ok(Self { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The change a faulty service makes to the value (the reference's `…-echo-mangled` type fault).
impl Date {
    pub(crate) fn day_before(self) -> Self {
        match (self.day, self.month) {
            (d, _) if d > 1 => Self { day: d - 1, ..self },
            (_, m) if m > 1 => Self {
                month: m - 1,
                day: days_in_month(self.year, m - 1),
                ..self
            },
            _ if self.year > 1 => Self {
                year: self.year - 1,
                month: 12,
                day: 31,
            },
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edm::clock::round_trips;
    use crate::domain::edm::{Primitive, Scalar};
    use serde_json::json;

    #[test]
    fn dates_are_real_calendar_dates_of_years_1_to_9999() {
        for (text, canonical) in [
            ("0001-01-01", "0001-01-01"),
            ("9999-12-31", "9999-12-31"),
            ("2000-02-29", "2000-02-29"),
            ("2024-02-29", "2024-02-29"),
            ("2021-12-31", "2021-12-31"),
        ] {
            assert_eq!(
                Date::parse(text).map(|d| d.to_string()),
                Ok(canonical.to_owned())
            );
            round_trips(Primitive::Date, text);
        }
        for text in [
            "2021-02-30",
            "2021-13-01",
            "2021-00-01",
            "2021-01-00",
            "2021-04-31",
            "1900-02-29",
            "2023-02-29",
            "0000-01-01",
            "2021-1-01",
            "2021-01-1",
            "21-01-01",
            "10000-01-01",
            "-2021-01-01",
            "+2021-01-01",
            "2021-01-01T00:00:00Z",
            "2021/01/01",
            "20210101",
            " 2021-01-01",
            "",
        ] {
            assert!(Date::parse(text).is_err(), "{text}");
        }
        assert!(Primitive::Date.read(&json!(20_210_101)).is_err());
    }

    #[test]
    fn dates_compare_by_value() {
        let (Ok(a), Ok(b)) = (Date::parse("2021-06-01"), Date::parse("2021-06-01")) else {
            panic!("valid")
        };
        assert!(Scalar::Date(a).same(&Scalar::Date(b)));
        let Ok(c) = Date::parse("2021-06-02") else {
            panic!("valid")
        };
        assert!(!Scalar::Date(a).same(&Scalar::Date(c)));
        assert!(a < c);
    }
}
