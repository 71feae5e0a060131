//! Edm.Date, Edm.TimeOfDay and Edm.Duration (C3.11): their grammars, canonical forms and
//! values (a calendar date; 100 ns ticks since midnight; signed 100 ns ticks).

use std::fmt;

use crate::domain::datetime::{days_in_month, TICKS_PER_DAY, TICKS_PER_MINUTE, TICKS_PER_SECOND};

const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;

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

/// A time of day in 100 ns ticks since midnight, below 24:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeOfDay {
    ticks: i64,
}

impl TimeOfDay {
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

/// A signed span of time in 100 ns ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    ticks: i64,
}

impl Duration {
    pub(crate) fn from_ticks(ticks: i64) -> Self {
        Self { ticks }
    }

    /// Parses `[-]P[nD][T[nH][nM][n[.f{1,7}]S]]` with at least one part, and at least one after
    /// `T` when `T` is written. Years and months are refused: their length in ticks depends on
    /// the calendar, so Edm.Duration (xs:dayTimeDuration) has none.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let Some(body) = unsigned.strip_prefix('P') else {
            return Err("a duration starts with 'P' or '-P'".to_owned());
        };
        let (day_part, time_part) = match body.split_once('T') {
            Some((days, time)) => (days, Some(time)),
            None => (body, None),
        };
        if day_part.is_empty() && time_part.is_none() {
            return Err("a duration needs days, hours, minutes or seconds".to_owned());
        }
        let mut ticks = 0i128;
        if !day_part.is_empty() {
            let days = day_part.strip_suffix('D').ok_or(
                "only days (nD) come before 'T'; years, months and weeks are not durations",
            )?;
            ticks = count(days)
                .and_then(|d| d.checked_mul(i128::from(TICKS_PER_DAY)))
                .ok_or("days are written as digits and must fit the range")?;
        }
        if let Some(time) = time_part {
            ticks = ticks
                .checked_add(time_ticks(time)?)
                .ok_or("the duration is too long")?;
        }
        let signed = if negative { -ticks } else { ticks };
        let ticks = i64::try_from(signed)
            .map_err(|_| "the duration does not fit in 64-bit 100 ns ticks".to_owned())?;
        Ok(Self { ticks })
    }
}

/// The ticks of the part after `T`: hours, minutes and seconds, each optional but in that
/// order, at least one of them, and a fraction on the seconds only.
fn time_ticks(time: &str) -> Result<i128, String> {
    let mut rest = time;
    let mut ticks = 0i128;
    let mut last_unit = 0;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(end);
        let (unit, per_unit) = match tail.chars().next() {
            Some('H') => (1, TICKS_PER_HOUR),
            Some('M') => (2, TICKS_PER_MINUTE),
            Some('S') => (3, TICKS_PER_SECOND),
            _ => return Err("each part after 'T' ends with H, M or S".to_owned()),
        };
        if unit <= last_unit {
            return Err("hours, minutes and seconds come at most once, in that order".to_owned());
        }
        let (whole, fraction) = match number.split_once('.') {
            Some((whole, fraction)) if unit == 3 => (whole, fraction_ticks(fraction.as_bytes())),
            Some(_) => return Err("only seconds take a fraction".to_owned()),
            None => (number, Some(0)),
        };
        let fraction = fraction.ok_or("seconds take 1 to 7 fraction digits")?;
        ticks = count(whole)
            .and_then(|n| n.checked_mul(i128::from(per_unit)))
            .and_then(|t| t.checked_add(i128::from(fraction)))
            .and_then(|t| t.checked_add(ticks))
            .ok_or("hours, minutes and seconds are written as digits and must fit the range")?;
        last_unit = unit;
        rest = &tail[1..];
    }
    if last_unit == 0 {
        return Err("'T' is followed by hours, minutes or seconds".to_owned());
    }
    Ok(ticks)
}

/// Writes the canonical `[-]P[nD][T[nH][nM][n[.f]S]]`: zero parts are left out, and so is `T`
/// when the time parts are all zero (`P1D`, not the ungrammatical `P1DT`); zero is `PT0S`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ticks == 0 {
            return f.write_str("PT0S");
        }
        if self.ticks < 0 {
            f.write_str("-")?;
        }
        // unsigned_abs: the negative end, -2^63 ticks, has no positive i64.
        let ticks = self.ticks.unsigned_abs();
        let (day, hour, minute, second) = (
            TICKS_PER_DAY.unsigned_abs(),
            TICKS_PER_HOUR.unsigned_abs(),
            TICKS_PER_MINUTE.unsigned_abs(),
            TICKS_PER_SECOND.unsigned_abs(),
        );
        f.write_str("P")?;
        if ticks >= day {
            write!(f, "{}D", ticks / day)?;
        }
        let time = ticks % day;
        if time == 0 {
            return Ok(());
        }
        f.write_str("T")?;
        if time >= hour {
            write!(f, "{}H", time / hour)?;
        }
        if time % hour >= minute {
            write!(f, "{}M", time % hour / minute)?;
        }
        let seconds = time % minute;
        if seconds > 0 {
            write!(f, "{}", seconds / second)?;
            write_fraction(f, seconds % second)?;
            f.write_str("S")?;
        }
        Ok(())
    }
}

/// `len` ASCII digits of `b` starting at `at`, as a number.
fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let d = b.get(at..at.checked_add(len)?)?;
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0, |acc, x| acc * 10 + u32::from(x - b'0')))
}

/// One to seven fraction digits as 100 ns ticks; anything else is `None`.
fn fraction_ticks(d: &[u8]) -> Option<i64> {
    if d.is_empty() || d.len() > 7 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let padded = d.iter().chain(std::iter::repeat_n(&b'0', 7 - d.len()));
    Some(padded.fold(0, |acc, x| acc * 10 + i64::from(x - b'0')))
}

/// A whole count of any number of digits, `None` when empty, not digits, or beyond i128.
fn count(d: &str) -> Option<i128> {
    if d.is_empty() {
        return None;
    }
    d.bytes().try_fold(0i128, |acc, x| {
        let digit = x.is_ascii_digit().then(|| i128::from(x - b'0'))?;
        acc.checked_mul(10)?.checked_add(digit)
    })
}

/// Writes `.f` with the fewest digits that keep `ticks` (below one second), nothing for zero.
fn write_fraction(f: &mut fmt::Formatter<'_>, ticks: u64) -> fmt::Result {
    if ticks == 0 {
        return Ok(());
    }
    let mut digits = ticks;
    let mut width = 7;
    while digits.is_multiple_of(10) {
        digits /= 10;
        width -= 1;
    }
    write!(f, ".{digits:0width$}")
}

/// The changes a faulty service makes to these values (the reference's `…-echo-mangled` type
/// faults): the day before, and times without their fraction.
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

impl TimeOfDay {
    pub(crate) fn whole_seconds(self) -> Self {
        Self {
            ticks: self.ticks - self.ticks % TICKS_PER_SECOND,
        }
    }
}

impl Duration {
    pub(crate) fn whole_seconds(self) -> Self {
        Self {
            ticks: self.ticks - self.ticks % TICKS_PER_SECOND,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scalar::{Primitive, Scalar};
    use serde_json::json;

    fn round_trips(p: Primitive, text: &str) {
        let Ok(read) = p.read(&json!(text)) else {
            panic!("{text} is a valid {p:?}")
        };
        let written = read.to_json(p);
        assert!(
            p.read(&written).is_ok_and(|again| again.same(&read)),
            "{text} -> {written}"
        );
    }

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

    #[test]
    fn durations_keep_signed_ticks_and_write_the_canonical_form() {
        for (text, canonical) in [
            ("PT0S", "PT0S"),
            ("-PT0S", "PT0S"),
            ("P0D", "PT0S"),
            ("PT0.0S", "PT0S"),
            ("P1D", "P1D"),
            ("PT1H", "PT1H"),
            ("PT1M", "PT1M"),
            ("PT1S", "PT1S"),
            ("PT1.5S", "PT1.5S"),
            ("PT0.0000001S", "PT0.0000001S"),
            ("-PT0.0000001S", "-PT0.0000001S"),
            ("P1DT2H3M4.5S", "P1DT2H3M4.5S"),
            ("-P1DT2H3M4.5S", "-P1DT2H3M4.5S"),
            ("PT36H", "P1DT12H"),
            ("PT90M", "PT1H30M"),
            ("PT3600S", "PT1H"),
            ("PT1H1S", "PT1H1S"),
            ("P1DT0S", "P1D"),
            ("PT007S", "PT7S"),
            ("P10675199DT2H48M5.4775807S", "P10675199DT2H48M5.4775807S"),
            ("-P10675199DT2H48M5.4775808S", "-P10675199DT2H48M5.4775808S"),
            ("PT922337203685.4775807S", "P10675199DT2H48M5.4775807S"),
        ] {
            assert_eq!(
                Duration::parse(text).map(|d| d.to_string()),
                Ok(canonical.to_owned()),
                "{text}"
            );
            round_trips(Primitive::Duration, text);
        }
        assert_eq!(
            Duration::parse("-PT1S").map(|d| d.ticks),
            Ok(-TICKS_PER_SECOND)
        );
        assert_eq!(
            Duration::parse("-P10675199DT2H48M5.4775808S").map(|d| d.ticks),
            Ok(i64::MIN)
        );
    }

    #[test]
    fn durations_outside_the_grammar_or_range_are_refused() {
        for text in [
            "P1Y",
            "P1M",
            "P1W",
            "P1Y2D",
            "P",
            "PT",
            "-P",
            "-PT",
            "P1DT",
            "PT1Y",
            "p1d",
            "pt1h",
            "PT1h",
            "P1d",
            "P1.5D",
            "PT1.5H",
            "PT1.5M",
            "PT1.12345678S",
            "PT1.S",
            "PT.5S",
            "PT1S1M",
            "PT1M1H",
            "PT1H1H",
            "PT1H2",
            "PT-1S",
            "P-1D",
            "--P1D",
            "+P1D",
            "1D",
            "P1DT1H ",
            " P1D",
            "P10675200D",
            "-P10675200D",
            "P10675199DT2H48M5.4775808S",
            "PT99999999999999999999999999999999999999999S",
            "",
        ] {
            assert!(Duration::parse(text).is_err(), "{text}");
        }
        assert!(Duration::parse(&format!("P{}D", "9".repeat(10_000))).is_err());
        assert!(Primitive::Duration.read(&json!(86_400)).is_err());
    }

    #[test]
    fn durations_compare_ticks() {
        let (Ok(a), Ok(b)) = (Duration::parse("PT36H"), Duration::parse("P1DT12H")) else {
            panic!("valid")
        };
        assert!(Scalar::Duration(a).same(&Scalar::Duration(b)));
        assert!(!Scalar::Duration(a).same(&Scalar::Duration(Duration::from_ticks(-a.ticks))));
        assert_eq!(
            Duration::from_ticks(i64::MIN).to_string(),
            "-P10675199DT2H48M5.4775808S"
        );
    }
}
