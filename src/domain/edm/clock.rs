//! What the time types share: fixed-width digits, fractions of a second in 100 ns ticks, and
//! the shortest fraction that keeps a value.

use std::fmt;

use super::calendar::TICKS_PER_MINUTE;

pub(crate) const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;

/// `len` ASCII digits of `b` starting at `at`, as a number.
pub(crate) fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let d = b.get(at..at.checked_add(len)?)?;
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0, |acc, x| acc * 10 + u32::from(x - b'0')))
}

/// One to seven fraction digits as 100 ns ticks; anything else is `None`.
pub(crate) fn fraction_ticks(d: &[u8]) -> Option<i64> {
    if d.is_empty() || d.len() > 7 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let padded = d.iter().chain(std::iter::repeat_n(&b'0', 7 - d.len()));
    Some(padded.fold(0, |acc, x| acc * 10 + i64::from(x - b'0')))
}

/// A whole count of any number of digits, `None` when empty, not digits, or beyond i128.
pub(crate) fn count(d: &str) -> Option<i128> {
    if d.is_empty() {
        return None;
    }
    d.bytes().try_fold(0i128, |acc, x| {
        let digit = x.is_ascii_digit().then(|| i128::from(x - b'0'))?;
        acc.checked_mul(10)?.checked_add(digit)
    })
}

/// Writes `.f` with the fewest digits that keep `ticks` (below one second), nothing for zero.
pub(crate) fn write_fraction(f: &mut fmt::Formatter<'_>, ticks: u64) -> fmt::Result {
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

#[cfg(test)]
use crate::domain::edm::Primitive;

/// Reading `text` as `p`, writing it and reading that again gives the same value.
#[cfg(test)]
pub(crate) fn round_trips(p: Primitive, text: &str) {
    use serde_json::json;
    let Ok(read) = p.read(&json!(text)) else {
        panic!("{text} is a valid {p:?}")
    };
    let written = read.to_json(p);
    assert!(
        p.read(&written).is_ok_and(|again| again.same(&read)),
        "{text} -> {written}"
    );
}
