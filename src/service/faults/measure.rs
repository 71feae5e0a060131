//! What the body faults measure in a raw body, without parsing it: nesting depth, member
//! count, digits, string length and whitespace, each read outside string literals.

/// The deepest nesting of `[` and `{` outside strings.
pub(super) fn depth(body: &[u8]) -> usize {
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
pub(super) fn members(body: &[u8]) -> usize {
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

pub(super) fn longest_digits(body: &[u8]) -> usize {
    body.split(|b| !b.is_ascii_digit())
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0)
}

/// The longest run of bytes inside one string literal.
pub(super) fn longest_string(body: &[u8]) -> usize {
    let (mut run, mut longest) = (0usize, 0usize);
    for (_, in_string) in scan(body) {
        run = if in_string { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

pub(super) fn whitespace(body: &[u8]) -> usize {
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
