//! The OData `Edm.DateTimeOffset` value: exact 100 ns ticks plus an offset in minutes.
//!
//! chrono's RFC 3339 parser requires seconds and takes nine fraction digits, while C3.5's grammar
//! makes seconds optional, keeps seven digits exactly and bounds the offset at ±14:00, so the
//! grammar has its own small parser here.

use std::fmt;

use super::calendar::{
    civil_from_days, days_from_civil, days_in_month, TICKS_PER_DAY, TICKS_PER_MINUTE,
    TICKS_PER_SECOND,
};
use super::Reader::Text;
use super::{NamedCases, Pitfalls, Scalar, Spec, ValidCases};
use crate::contract::C3_5;
use crate::domain::value::TimeStyle;

/// The earliest instant, in UTC, as JSON.
const MIN: &str = "\"0001-01-01T00:00:00Z\"";

pub(crate) const SPEC: Spec = Spec::new("Edm.DateTimeOffset", C3_5, MIN, Text(parse), PITFALLS)
    .doc_alias("DateTime")
    .annotated()
    .example(|ordinal, index| Some(Scalar::DateTimeOffset(morning(ordinal, index))))
    .named(&NAMED);

/// The seed pack's cases, which call the type `datetime`.
const NAMED: NamedCases = NamedCases {
    word: "datetime",
    valid: ValidCases::Each(&[
        ("datetime-seven-digits-max-offset", "\"2024-02-29T23:59:59.9999999+14:00\"", "Seven fraction digits, a leap day and the +14:00 offset come back as the same instant."),
        ("datetime-without-seconds", "\"2017-01-01T00:02-08:00\"", "Seconds are optional in a DateTimeOffset."),
        ("datetime-utc-z", "\"1999-12-31T23:59:59.0000001Z\"", "A UTC time with a one-tick fraction."),
    ]),
    invalid: &[
        (
            "datetime-without-offset",
            "\"2017-01-01T00:02:03.0612494\"",
            "A DateTimeOffset needs its offset: 400.",
        ),
        (
            "datetime-date-only",
            "\"2017-01-01\"",
            "A date alone is not a DateTimeOffset: 400.",
        ),
        (
            "datetime-month-13",
            "\"2017-13-01T00:00:00Z\"",
            "Month 13: 400.",
        ),
        (
            "datetime-february-30",
            "\"2016-02-30T00:00:00Z\"",
            "30 February: 400.",
        ),
        (
            "datetime-february-29-common-year",
            "\"2023-02-29T00:00:00Z\"",
            "29 February of a common year: 400.",
        ),
        (
            "datetime-hour-24",
            "\"2017-01-01T24:00:00Z\"",
            "Hour 24: 400.",
        ),
        (
            "datetime-offset-beyond-14h",
            "\"2017-01-01T00:00:00+14:30\"",
            "An offset beyond ±14:00: 400.",
        ),
        (
            "datetime-year-0000",
            "\"0000-01-01T00:00:00Z\"",
            "Year 0000 is outside 0001–9999: 400.",
        ),
        (
            "datetime-null",
            "null",
            "null is not a DateTimeOffset: 400.",
        ),
        (
            "datetime-number",
            "1483228923",
            "A number is not a DateTimeOffset: 400.",
        ),
    ],
    invalid_raw: false,
    beside_valid: None,
    alias: Some("\"2019-03-04T05:06:07.8901234-03:30\""),
};

const PITFALLS: Pitfalls = Pitfalls {
    edge: ("refuses times in years 0001 and 9999", |v| {
        matches!(v.as_str().and_then(|t| t.get(..5)), Some("0001-" | "9999-"))
    }),
    lenient: ("accepts a date without a time as midnight UTC", |v| {
        Some(format!("{}T00:00:00Z", v.as_str().filter(|t| t.len() == 10)?).into())
    }),
    lossy: (
        "answers the local time with Z, dropping the offset",
        |s| match s {
            Scalar::DateTimeOffset(d) => Some(Scalar::DateTimeOffset(d.local_as_utc()?)),
            _ => None,
        },
    ),
};

/// Reads the grammar; the longest valid form has 38 characters, and the parser's messages quote
/// the whole text, which must not grow with a 10 000-character string.
fn parse(text: &str) -> Result<Scalar, String> {
    if text.len() > 38 {
        return Err(format!("{} characters are too many", text.chars().count()));
    }
    DateTimeOffset::parse(text)
        .map(Scalar::DateTimeOffset)
        .map_err(|e| e.to_string())
}

/// A morning in January 2017, in one of a few offsets: the made-up fixtures' times.
fn morning(ordinal: usize, index: usize) -> DateTimeOffset {
    let offsets = [0, -480, 60, 330];
    DateTimeOffset::from_parts(Parts {
        year: 2017,
        month: 1,
        day: 1 + (ordinal % 28) as u32,
        hour: 8,
        minute: (index % 60) as u32,
        second: 3,
        fraction_ticks: 612_494,
        offset_minutes: offsets[ordinal % offsets.len()],
    })
    .expect("a valid fixture time")
}

/// The largest offset C3.5 allows, in minutes (±14:00).
pub(crate) const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// A point in time as written: its UTC instant in ticks since 0001-01-01T00:00Z, and its offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTimeOffset {
    utc_ticks: i64,
    offset_minutes: i32,
}

/// Why a string is not a `DateTimeOffset`; the message names the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DateTimeError(String);

fn err<T>(msg: impl Into<String>) -> Result<T, DateTimeError> {
    Err(DateTimeError(msg.into()))
}

/// A calendar date-time with the parts C3.5 names; the bridge between text and ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// Ticks within the second, 0..10_000_000.
    pub fraction_ticks: u32,
    pub offset_minutes: i32,
}

/// Ticks of 9999-12-31T23:59:59.9999999, the last instant .NET can hold.
pub(crate) const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

impl DateTimeOffset {
    /// Builds a value from calendar parts, refusing what C3.5 refuses (including a UTC instant
    /// outside years 0001–9999, which .NET cannot hold).
    pub(crate) fn from_parts(p: Parts) -> Result<Self, DateTimeError> {
        if !(1..=9999).contains(&p.year) {
            return err(format!("year {:04} is outside 0001–9999", p.year));
        }
        if !(1..=12).contains(&p.month) {
            return err(format!("month {:02} does not exist", p.month));
        }
        if p.day == 0 || p.day > days_in_month(p.year, p.month) {
            return err(format!(
                "{:04}-{:02} has no day {:02}",
                p.year, p.month, p.day
            ));
        }
        if p.hour > 23 || p.minute > 59 || p.second > 59 {
            return err(format!(
                "time {:02}:{:02}:{:02} is not a time of day",
                p.hour, p.minute, p.second
            ));
        }
        if p.offset_minutes.abs() > MAX_OFFSET_MINUTES {
            return err("offset is beyond ±14:00");
        }
        if i64::from(p.fraction_ticks) >= TICKS_PER_SECOND {
            return err("fraction of a second is not below one second");
        }
        let local = days_from_civil(p.year, p.month, p.day) * TICKS_PER_DAY
            + i64::from(p.hour) * 60 * TICKS_PER_MINUTE
            + i64::from(p.minute) * TICKS_PER_MINUTE
            + i64::from(p.second) * TICKS_PER_SECOND
            + i64::from(p.fraction_ticks);
        let utc_ticks = local - i64::from(p.offset_minutes) * TICKS_PER_MINUTE;
        if !(0..=MAX_TICKS).contains(&utc_ticks) {
            return err("the UTC instant falls outside years 0001–9999");
        }
        Ok(Self {
            utc_ticks,
            offset_minutes: p.offset_minutes,
        })
    }

    /// The same instant, written with another offset.
    pub(crate) fn with_offset(self, offset_minutes: i32) -> Result<Self, DateTimeError> {
        if offset_minutes.abs() > MAX_OFFSET_MINUTES {
            return err("offset is beyond ±14:00");
        }
        let local = self.utc_ticks + i64::from(offset_minutes) * TICKS_PER_MINUTE;
        if !(0..=MAX_TICKS).contains(&local) {
            return err("the local time falls outside years 0001–9999");
        }
        Ok(Self {
            utc_ticks: self.utc_ticks,
            offset_minutes,
        })
    }

    pub fn utc_ticks(self) -> i64 {
        self.utc_ticks
    }

    pub fn offset_minutes(self) -> i32 {
        self.offset_minutes
    }

    /// True when both denote the same instant, whatever offsets they are written in.
    pub(crate) fn same_instant(self, other: Self) -> bool {
        self.utc_ticks == other.utc_ticks
    }

    pub(crate) fn parts(self) -> Parts {
        let local = self.utc_ticks + i64::from(self.offset_minutes) * TICKS_PER_MINUTE;
        let days = local.div_euclid(TICKS_PER_DAY);
        let in_day = local.rem_euclid(TICKS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let seconds = in_day / TICKS_PER_SECOND;
        Parts {
            year,
            month,
            day,
            hour: (seconds / 3600) as u32,
            minute: (seconds / 60 % 60) as u32,
            second: (seconds % 60) as u32,
            fraction_ticks: (in_day % TICKS_PER_SECOND) as u32,
            offset_minutes: self.offset_minutes,
        }
    }

    /// Parses C3.5's grammar: `YYYY-MM-DDThh:mm[:ss[.f{1,12}]](Z|±hh:mm)`. Digits beyond the
    /// seventh are rounded to the tick, as .NET does; `t` and `z` are accepted in either case.
    pub fn parse(text: &str) -> Result<Self, DateTimeError> {
        let mut s = Scanner::new(text);
        let year = s.digits(4, "a four-digit year")? as i32;
        s.expect(b'-', "'-' after the year")?;
        let month = s.digits(2, "a two-digit month")?;
        s.expect(b'-', "'-' after the month")?;
        let day = s.digits(2, "a two-digit day")?;
        if !s.eat(b'T') && !s.eat(b't') {
            return err(format!("{text:?} needs 'T' between date and time"));
        }
        let hour = s.digits(2, "a two-digit hour")?;
        s.expect(b':', "':' after the hour")?;
        let minute = s.digits(2, "two-digit minutes")?;
        let mut second = 0;
        let mut fraction_ticks = 0;
        if s.eat(b':') {
            second = s.digits(2, "two-digit seconds")?;
            if s.eat(b'.') {
                fraction_ticks = s.fraction()?;
            }
        }
        let offset_minutes = if s.eat(b'Z') || s.eat(b'z') {
            0
        } else {
            let sign = if s.eat(b'+') {
                1
            } else if s.eat(b'-') {
                -1
            } else {
                return err(format!(
                    "{text:?} has no offset: end it with 'Z' or '±hh:mm'"
                ));
            };
            let oh = s.digits(2, "a two-digit offset hour")?;
            s.expect(b':', "':' in the offset")?;
            let om = s.digits(2, "two-digit offset minutes")?;
            if om > 59 {
                return err(format!("offset minutes {om:02} is not below 60"));
            }
            sign * (oh as i32 * 60 + om as i32)
        };
        if !s.at_end() {
            return err(format!("{text:?} has trailing characters"));
        }
        // Rounding a twelve-digit fraction can carry into the next second.
        let carry = fraction_ticks / TICKS_PER_SECOND as u32;
        let value = Self::from_parts(Parts {
            year,
            month,
            day,
            hour,
            minute,
            second,
            fraction_ticks: fraction_ticks % TICKS_PER_SECOND as u32,
            offset_minutes,
        })?;
        if carry == 0 {
            return Ok(value);
        }
        let utc_ticks = value.utc_ticks + TICKS_PER_SECOND;
        if utc_ticks > MAX_TICKS {
            return err("the UTC instant falls outside years 0001–9999");
        }
        Ok(Self { utc_ticks, ..value })
    }
}

impl DateTimeOffset {
    /// The local time read as UTC, its offset dropped.
    pub(crate) fn local_as_utc(self) -> Option<Self> {
        Self::from_parts(Parts {
            offset_minutes: 0,
            ..self.parts()
        })
        .ok()
    }
}

/// How many fraction digits a time is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fraction {
    /// As few as keep the value (none for whole seconds), as the page writes times.
    Shortest,
    /// Always all seven, as .NET's round-trip format writes them.
    Seven,
}

/// A time ready to be written with a chosen number of fraction digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Written {
    value: DateTimeOffset,
    fraction: Fraction,
}

impl DateTimeOffset {
    /// The time as the reference service writes it in `style`: in UTC or its own offset, with
    /// seven fraction digits or the fewest.
    pub(crate) fn styled(self, style: TimeStyle) -> Written {
        let value = if style.utc {
            self.with_offset(0).unwrap_or(self)
        } else {
            self
        };
        let fraction = if style.seven_digits {
            Fraction::Seven
        } else {
            Fraction::Shortest
        };
        value.written(fraction)
    }

    /// The time as written with `fraction` (`Display` writes [`Fraction::Shortest`]).
    pub(crate) fn written(self, fraction: Fraction) -> Written {
        Written {
            value: self,
            fraction,
        }
    }
}

/// Writes `YYYY-MM-DDThh:mm:ss[.fffffff]` (the fraction as [`Fraction`] says), then `Z` or `±hh:mm`.
impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.value.parts();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            p.year, p.month, p.day, p.hour, p.minute, p.second
        )?;
        match self.fraction {
            Fraction::Seven => write!(f, ".{:07}", p.fraction_ticks)?,
            Fraction::Shortest if p.fraction_ticks != 0 => {
                let mut digits = p.fraction_ticks;
                let mut width = 7;
                while digits.is_multiple_of(10) {
                    digits /= 10;
                    width -= 1;
                }
                write!(f, ".{digits:0width$}")?;
            }
            Fraction::Shortest => {}
        }
        if p.offset_minutes == 0 {
            return f.write_str("Z");
        }
        let sign = if p.offset_minutes < 0 { '-' } else { '+' };
        let m = p.offset_minutes.abs();
        write!(f, "{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

impl fmt::Display for DateTimeOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.written(Fraction::Shortest).fmt(f)
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.bytes.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8, what: &str) -> Result<(), DateTimeError> {
        if self.eat(b) {
            Ok(())
        } else {
            err(format!("{:?} needs {what}", self.text))
        }
    }

    fn digits(&mut self, n: usize, what: &str) -> Result<u32, DateTimeError> {
        let end = self.pos + n;
        match self.bytes.get(self.pos..end) {
            Some(d) if d.iter().all(u8::is_ascii_digit) => {
                self.pos = end;
                Ok(d.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
            }
            _ => err(format!("{:?} needs {what}", self.text)),
        }
    }

    /// One to twelve fraction digits, as ticks rounded half up (may reach 10_000_000).
    fn fraction(&mut self) -> Result<u32, DateTimeError> {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        let digits = &self.bytes[start..self.pos];
        if digits.is_empty() || digits.len() > 12 {
            return err(format!(
                "{:?} needs 1 to 12 digits after the decimal point",
                self.text
            ));
        }
        let mut padded = [b'0'; 12];
        padded[..digits.len()].copy_from_slice(digits);
        let value = padded
            .iter()
            .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
        // 12 digits are picoseconds; a tick is 100_000 of them.
        Ok(((value + 50_000) / 100_000) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<DateTimeOffset, DateTimeError> {
        DateTimeOffset::parse(s)
    }

    #[test]
    fn the_page_example_keeps_every_tick_and_its_offset() {
        let v = p("2017-01-01T00:02:03.0612494-08:00").unwrap();
        assert_eq!(v.to_string(), "2017-01-01T00:02:03.0612494-08:00");
        assert_eq!(v.offset_minutes(), -480);
        let utc = v.with_offset(0).unwrap();
        assert_eq!(utc.to_string(), "2017-01-01T08:02:03.0612494Z");
        assert!(utc.same_instant(v));
    }

    #[test]
    fn seconds_and_fraction_are_optional() {
        assert_eq!(
            p("2017-01-01T00:02Z").unwrap().to_string(),
            "2017-01-01T00:02:00Z"
        );
        assert_eq!(
            p("2017-01-01T00:02:03Z").unwrap(),
            p("2017-01-01T00:02:03.0000000Z").unwrap()
        );
        assert_eq!(
            p("2017-01-01T00:02:03.5Z").unwrap().to_string(),
            "2017-01-01T00:02:03.5Z"
        );
    }

    #[test]
    fn the_ends_of_the_domain_parse() {
        assert_eq!(p("0001-01-01T00:00:00Z").unwrap().utc_ticks(), 0);
        assert_eq!(
            p("9999-12-31T23:59:59.9999999Z").unwrap().utc_ticks(),
            MAX_TICKS
        );
        assert_eq!(
            p("2000-01-01T00:00Z").unwrap().utc_ticks(),
            630_822_816_000_000_000
        );
    }

    #[test]
    fn calendar_rules_hold() {
        assert!(p("2000-02-29T00:00Z").is_ok());
        assert!(p("2400-02-29T00:00Z").is_ok());
        assert!(p("2024-02-29T00:00Z").is_ok());
        assert!(p("1900-02-29T00:00Z").is_err());
        assert!(p("2100-02-29T00:00Z").is_err());
        assert!(p("2023-02-29T00:00Z").is_err());
        assert!(p("2023-02-30T00:00Z").is_err());
        assert!(p("2023-04-31T00:00Z").is_err());
        assert!(p("2023-13-01T00:00Z").is_err());
        assert!(p("2023-00-01T00:00Z").is_err());
        assert!(p("2023-01-00T00:00Z").is_err());
        assert!(p("2023-01-32T00:00Z").is_err());
        assert!(p("0000-01-01T00:00Z").is_err());
    }

    #[test]
    fn times_and_offsets_are_bounded() {
        assert!(p("2023-01-01T24:00Z").is_err());
        assert!(p("2023-01-01T23:60Z").is_err());
        assert!(p("2023-01-01T23:59:60Z").is_err());
        assert!(p("2023-06-01T12:00+14:00").is_ok());
        assert!(p("2023-06-01T12:00-14:00").is_ok());
        assert!(p("2023-06-01T12:00+14:01").is_err());
        assert!(p("2023-06-01T12:00+15:00").is_err());
        assert!(p("2023-06-01T12:00+05:60").is_err());
        assert!(p("2023-06-01T12:00+05:45").is_ok());
    }

    #[test]
    fn shapes_that_are_not_the_grammar_are_refused() {
        for s in [
            "2023-01-01T00:00",
            "2023-01-01",
            "2023-01-01 00:00Z",
            "23-01-01T00:00Z",
            "2023-1-01T00:00Z",
            "2023-01-01T00:00:00.Z",
            "2023-01-01T00:00:00.1234567890123Z",
            "2023-01-01T00:00Z ",
            "",
            "2023-01-01T00:00+0100",
        ] {
            assert!(p(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn long_fractions_round_to_the_tick() {
        assert_eq!(
            p("2023-01-01T00:00:00.12345674Z").unwrap().to_string(),
            "2023-01-01T00:00:00.1234567Z"
        );
        assert_eq!(
            p("2023-01-01T00:00:00.99999995Z").unwrap().to_string(),
            "2023-01-01T00:00:01Z"
        );
    }

    #[test]
    fn utc_outside_the_domain_is_refused() {
        assert!(p("0001-01-01T00:00+14:00").is_err());
        assert!(p("9999-12-31T23:59-01:00").is_err());
    }

    #[test]
    fn round_trips_through_display() {
        for s in [
            "1900-02-28T23:59:59.0000001+13:45",
            "2400-02-29T00:00:00-05:45",
            "1234-05-06T07:08:09.1Z",
        ] {
            let v = p(s).unwrap();
            assert_eq!(p(&v.to_string()).unwrap(), v);
            assert_eq!(v.to_string(), s);
        }
    }

    #[test]
    fn seven_digits_are_written_when_asked() {
        for (s, seven) in [
            ("2017-01-01T00:02:03Z", "2017-01-01T00:02:03.0000000Z"),
            (
                "2017-01-01T00:02:03.5+01:00",
                "2017-01-01T00:02:03.5000000+01:00",
            ),
            (
                "2017-01-01T00:02:03.0612494-08:00",
                "2017-01-01T00:02:03.0612494-08:00",
            ),
        ] {
            let v = p(s).unwrap();
            assert_eq!(v.written(Fraction::Seven).to_string(), seven);
            assert_eq!(v.written(Fraction::Shortest).to_string(), s);
        }
    }
}
