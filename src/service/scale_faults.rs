//! Faults at the body hook that show at one scale or on one side of a rule only: what a service
//! does wrong with a body's padding, depth, member count, digits or string length — each inside
//! a band the harness's one extreme case would not reach, so only a ladder catches it.

use super::errors::ApiError;
use super::faults::Named;

/// The band (inclusive start, exclusive end) where a ladder fault misbehaves.
const BAND: (usize, usize) = (64, 1000);

/// What `fault` does to a raw PATCH body before the service reads it: a 500 inside its band, a
/// 400 for what it wrongly refuses, or nothing.
pub(crate) fn misjudge(fault: Option<Named>, body: &[u8]) -> Result<(), ApiError> {
    let crash = || {
        Err(ApiError::internal(
            "an unexpected error occurred while reading the request",
        ))
    };
    let in_band = |n: usize| (BAND.0..BAND.1).contains(&n);
    match fault {
        Some(Named::ServerErrorOnDeepNesting) if in_band(depth(body)) => crash(),
        Some(Named::ServerErrorOnManyMembers) if in_band(members(body)) => crash(),
        Some(Named::ServerErrorOnMidLongNumber) if in_band(longest_digits(body)) => crash(),
        Some(Named::LongStringRefused) if longest_string(body) >= 256 => Err(
            ApiError::bad_request("a string value is longer than 255 characters"),
        ),
        Some(Named::PaddedBodyRefused) if whitespace(body) >= 256 => Err(ApiError::bad_request(
            "the request body has too much whitespace",
        )),
        Some(Named::TrailingWhitespaceRefused)
            if body.last().is_some_and(u8::is_ascii_whitespace) =>
        {
            Err(ApiError::bad_request(
                "unexpected characters after the JSON object",
            ))
        }
        _ => Ok(()),
    }
}

/// The deepest nesting of `[` and `{` outside strings.
fn depth(body: &[u8]) -> usize {
    let (mut now, mut deepest) = (0usize, 0usize);
    for (byte, in_string) in scan(body) {
        match byte {
            b'[' | b'{' if !in_string => {
                now += 1;
                deepest = deepest.max(now);
            }
            b']' | b'}' if !in_string => now = now.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The members of the top-level object: its commas at depth one, plus one.
fn members(body: &[u8]) -> usize {
    let mut now = 0usize;
    let mut commas = 0;
    for (byte, in_string) in scan(body) {
        match byte {
            b'[' | b'{' if !in_string => now += 1,
            b']' | b'}' if !in_string => now = now.saturating_sub(1),
            b',' if !in_string && now == 1 => commas += 1,
            _ => {}
        }
    }
    commas + 1
}

fn longest_digits(body: &[u8]) -> usize {
    body.split(|b| !b.is_ascii_digit())
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0)
}

/// The longest run of bytes inside one string literal.
fn longest_string(body: &[u8]) -> usize {
    let (mut run, mut longest) = (0usize, 0usize);
    for (_, in_string) in scan(body) {
        run = if in_string { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn whitespace(body: &[u8]) -> usize {
    scan(body)
        .filter(|(b, in_string)| !in_string && b.is_ascii_whitespace())
        .count()
}

/// Each byte with whether it is inside a string literal, between its quotes (escapes
/// honoured; the quotes themselves are outside, and are never structure or whitespace).
fn scan(body: &[u8]) -> impl Iterator<Item = (u8, bool)> + '_ {
    let (mut in_string, mut escaped) = (false, false);
    body.iter().map(move |&b| {
        let was = in_string;
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        }
        (b, was && in_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measures_read_outside_strings() {
        assert_eq!(depth(br#"{"a": [[1]], "b": "[[[["}"#), 3);
        assert_eq!(
            members(br#"{"a": [1, 2], "b": "x,y", "c": {"d": 1, "e": 2}}"#),
            3
        );
        assert_eq!(longest_string(br#"{"ab": "xyz\"q"}"#), 6);
        assert_eq!(whitespace(b"{ \"a b\": 1 }\n"), 4);
        assert_eq!(longest_digits(b"{\"a\": 123456}"), 6);
    }
}
