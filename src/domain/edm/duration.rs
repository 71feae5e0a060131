//! Edm.Duration (C3.11): `[-]P[nD][T[nH][nM][n[.f]S]]`, held as signed 100 ns ticks.

use std::fmt;

use super::calendar::{TICKS_PER_DAY, TICKS_PER_MINUTE, TICKS_PER_SECOND};
use super::clock::{count, fraction_ticks, write_fraction, TICKS_PER_HOUR};
use super::Reader::Text;
use super::{Pitfalls, Scalar, Spec};
use crate::contract::C3_11;

pub(crate) const SPEC: Spec = Spec::new("Edm.Duration", C3_11, "\"PT0S\"", Text(parse), PITFALLS);

const PITFALLS: Pitfalls = Pitfalls {
    edge: ("refuses negative durations", |v| {
        v.as_str().is_some_and(|t| t.starts_with('-'))
    }),
    lenient: ("accepts years and months (as 365 and 30 days)", |v| {
        Some(months_as_days(v.as_str()?).into())
    }),
    lossy: ("answers durations without their fraction", |s| match s {
        Scalar::Duration(d) => Some(Scalar::Duration(d.whole_seconds())),
        _ => None,
    }),
};

fn parse(text: &str) -> Result<Scalar, String> {
    Duration::parse(text).map(Scalar::Duration)
}

/// A signed span of time in 100 ns ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    ticks: i64,
}

impl Duration {
    /// The value without its fraction of a second: what a lossy echo answers.
    pub(crate) fn whole_seconds(self) -> Self {
        Self {
            ticks: self.ticks - self.ticks % TICKS_PER_SECOND,
        }
    }

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

/// `P1Y2M3D` read as 365 + 60 + 3 days; any other text as it is.
fn months_as_days(text: &str) -> String {
    let Some(rest) = text.strip_prefix('P') else {
        return text.to_owned();
    };
    let (date, time) = rest
        .split_once('T')
        .map_or((rest, None), |(d, t)| (d, Some(t)));
    let mut days = 0u64;
    let mut number = String::new();
    for c in date.chars() {
        match c {
            '0'..='9' => number.push(c),
            'Y' | 'M' | 'D' => {
                let n: u64 = number.parse().unwrap_or(0);
                days = days.saturating_add(n.saturating_mul(match c {
                    'Y' => 365,
                    'M' => 30,
                    _ => 1,
                }));
                number.clear();
            }
            _ => return text.to_owned(),
        }
    }
    let time = time.map(|t| format!("T{t}")).unwrap_or_default();
    format!("P{days}D{time}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edm::clock::round_trips;
    use crate::domain::edm::{Primitive, Scalar};
    use serde_json::json;

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
