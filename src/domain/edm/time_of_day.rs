//! Edm.TimeOfDay (C3.11): `hh:mm[:ss[.fffffff]]` below 24:00, held as 100 ns ticks since
//! midnight.

use std::fmt;

use super::calendar::{TICKS_PER_DAY, TICKS_PER_MINUTE, TICKS_PER_SECOND};
use super::clock::{digits, fraction_ticks, write_fraction, TICKS_PER_HOUR};
use super::Reader::Text;
use super::{Pitfalls, Scalar, Spec};
use crate::contract::C3_11;

pub(crate) const SPEC: Spec = Spec::new(
    "Edm.TimeOfDay",
    C3_11,
    "\"00:00:00\"",
    Text(parse),
    PITFALLS,
);

const PITFALLS: Pitfalls = Pitfalls {
    edge: ("refuses times with a fraction of a second", |v| {
        v.as_str().is_some_and(|t| t.contains('.'))
    }),
    lenient: ("accepts hour 24 as 00", |v| {
        Some(format!("00:{}", v.as_str()?.strip_prefix("24:")?).into())
    }),
    lossy: ("answers times without their fraction", |s| match s {
        Scalar::TimeOfDay(t) => Some(Scalar::TimeOfDay(t.whole_seconds())),
        _ => None,
    }),
};

fn parse(text: &str) -> Result<Scalar, String> {
    TimeOfDay::parse(text).map(Scalar::TimeOfDay)
}

/// A time of day in 100 ns ticks since midnight, below 24:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeOfDay {
    ticks: i64,
}

impl TimeOfDay {
    /// The value without its fraction of a second: what a lossy echo answers.
    pub(crate) fn whole_seconds(self) -> Self {
        Self {
            ticks: self.ticks - self.ticks % TICKS_PER_SECOND,
        }
    }

    /// Parses `hh:mm[:ss[.f{1,7}]]` from 00:00 to 23:59:59.9999999, without an offset.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let b = text.as_bytes();
        let shape = "a time of day is written hh:mm[:ss[.fffffff]]";
        let (Some(hour), Some(b':'), Some(minute)) = (digits(b, 0, 2), b.get(2), digits(b, 3, 2))
        else {
            return Err(shape.to_owned());
        };
        let (second, fraction) = match b.get(5..) {
            Some([]) => (0, 0),
            Some([b':', rest @ ..]) => match (digits(rest, 0, 2), rest.get(2..)) {
                (Some(second), Some([])) => (second, 0),
                (Some(second), Some([b'.', fraction @ ..])) => {
                    let ticks = fraction_ticks(fraction)
                        .ok_or("a time of day takes 1 to 7 fraction digits")?;
                    (second, ticks)
                }
                _ => return Err(shape.to_owned()),
            },
            _ => return Err(shape.to_owned()),
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Err(format!(
                "{hour:02}:{minute:02}:{second:02} is not a time of day"
            ));
        }
        let ticks = i64::from(hour) * TICKS_PER_HOUR
            + i64::from(minute) * TICKS_PER_MINUTE
            + i64::from(second) * TICKS_PER_SECOND
            + fraction;
        Ok(Self { ticks })
    }
}

/// Writes `hh:mm:ss` and the shortest fraction, none when it is zero.
impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ticks = self.ticks.rem_euclid(TICKS_PER_DAY);
        let seconds = ticks / TICKS_PER_SECOND;
        write!(
            f,
            "{:02}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )?;
        write_fraction(f, (ticks % TICKS_PER_SECOND).unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edm::clock::round_trips;
    use crate::domain::edm::{Primitive, Scalar};
    use serde_json::json;

    #[test]
    fn times_of_day_keep_ticks_and_write_the_shortest_fraction() {
        for (text, canonical) in [
            ("00:00", "00:00:00"),
            ("00:00:00", "00:00:00"),
            ("23:59", "23:59:00"),
            ("23:59:59.9999999", "23:59:59.9999999"),
            ("12:34:56.5", "12:34:56.5"),
            ("12:34:56.1000000", "12:34:56.1"),
            ("12:34:56.0", "12:34:56"),
            ("00:00:00.0000001", "00:00:00.0000001"),
            ("01:02:03.004", "01:02:03.004"),
        ] {
            assert_eq!(
                TimeOfDay::parse(text).map(|t| t.to_string()),
                Ok(canonical.to_owned())
            );
            round_trips(Primitive::TimeOfDay, text);
        }
        assert_eq!(
            TimeOfDay::parse("23:59:59.9999999").map(|t| t.ticks),
            Ok(TICKS_PER_DAY - 1)
        );
    }

    #[test]
    fn times_of_day_outside_the_grammar_are_refused() {
        for text in [
            "24:00",
            "24:00:00",
            "23:60",
            "12:00:60",
            "12:00:00.12345678",
            "1:00",
            "12:0",
            "12:00Z",
            "12:00:00Z",
            "12:00:00+01:00",
            "12",
            "12:",
            "12:00:",
            "12:00:00.",
            "T12:00",
            "12-00-00",
            "12:00:00.5 ",
            "",
        ] {
            assert!(TimeOfDay::parse(text).is_err(), "{text}");
        }
        assert!(Primitive::TimeOfDay.read(&json!(1200)).is_err());
    }

    #[test]
    fn times_of_day_compare_ticks() {
        let (Ok(a), Ok(b)) = (
            TimeOfDay::parse("12:00"),
            TimeOfDay::parse("12:00:00.0000000"),
        ) else {
            panic!("valid")
        };
        assert!(Scalar::TimeOfDay(a).same(&Scalar::TimeOfDay(b)));
        let Ok(c) = TimeOfDay::parse("12:00:00.0000001") else {
            panic!("valid")
        };
        assert!(!Scalar::TimeOfDay(a).same(&Scalar::TimeOfDay(c)));
    }
}
