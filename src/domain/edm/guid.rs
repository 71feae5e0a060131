//! Edm.Guid (C3.11): `8-4-4-4-12` hex digits in either case, held as a u128 so that case does
//! not matter when comparing, and written back in lower case.

use super::Reader::Text;
use super::{Pitfalls, Scalar, Spec};
use crate::contract::C3_11;

/// The nil GUID, as JSON.
const NIL: &str = "\"00000000-0000-0000-0000-000000000000\"";

pub(crate) const SPEC: Spec = Spec::new("Edm.Guid", C3_11, NIL, Text(parse), PITFALLS);

const PITFALLS: Pitfalls = Pitfalls {
    edge: ("refuses GUIDs written with upper-case hex digits", |v| {
        v.as_str()
            .is_some_and(|t| t.contains(|c: char| c.is_ascii_uppercase()))
    }),
    lenient: ("accepts a GUID in braces", |v| {
        Some(
            v.as_str()?
                .trim_start_matches('{')
                .trim_end_matches('}')
                .into(),
        )
    }),
    lossy: (
        "answers GUIDs with the first group's bytes reversed",
        |s| match s {
            Scalar::Guid(g) => Some(Scalar::Guid(first_group_reversed(*g))),
            _ => None,
        },
    ),
};

fn parse(text: &str) -> Result<Scalar, String> {
    parse_guid(text).map(Scalar::Guid)
}

/// The GUID with its first group's four bytes in reverse order, as a service that mixes up
/// .NET's little-endian layout with the text's order writes it.
fn first_group_reversed(g: u128) -> u128 {
    let mut bytes = g.to_be_bytes();
    bytes[..4].reverse();
    u128::from_be_bytes(bytes)
}

/// Where the four hyphens of `8-4-4-4-12` stand.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

/// Parses exactly 36 characters `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`; braces, missing
/// hyphens and other group lengths are refused.
pub(crate) fn parse_guid(text: &str) -> Result<u128, String> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return Err(format!(
            "a Guid has 36 characters, 8-4-4-4-12 hex digits, not {}",
            text.chars().count()
        ));
    }
    let mut value = 0u128;
    for (i, &b) in bytes.iter().enumerate() {
        if HYPHENS.contains(&i) {
            if b != b'-' {
                return Err(format!("a Guid has '-' at position {}", i + 1));
            }
            continue;
        }
        let Some(digit) = char::from(b).to_digit(16) else {
            return Err(format!("position {} of a Guid is not a hex digit", i + 1));
        };
        value = (value << 4) | u128::from(digit);
    }
    Ok(value)
}

/// Writes `v` as a lower-case `8-4-4-4-12` Guid.
pub(crate) fn write_guid(v: u128) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        v >> 96,
        (v >> 80) & 0xffff,
        (v >> 64) & 0xffff,
        (v >> 48) & 0xffff,
        v & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edm::{Primitive, Scalar};
    use serde_json::json;

    #[test]
    fn guids_in_either_case_are_read_and_written_in_lower_case() {
        for (text, value) in [
            ("00000000-0000-0000-0000-000000000000", 0),
            ("ffffffff-ffff-ffff-ffff-ffffffffffff", u128::MAX),
            ("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", u128::MAX),
            (
                "01234567-89ab-CDEF-0123-456789AbCdEf",
                0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
            ),
            ("00000000-0000-0000-0000-000000000001", 1),
        ] {
            assert_eq!(parse_guid(text), Ok(value), "{text}");
            assert_eq!(write_guid(value), text.to_lowercase());
            let p = Primitive::Guid;
            let read = p.read(&json!(text));
            let again = read.clone().and_then(|s| p.read(&s.to_json(p)));
            assert_eq!(read, again);
        }
    }

    #[test]
    fn other_shapes_are_refused() {
        for text in [
            "{00000000-0000-0000-0000-000000000000}",
            "00000000000000000000000000000000",
            "0000000g-0000-0000-0000-000000000000",
            "0000000-00000-0000-0000-000000000000",
            "00000000-0000-0000-0000-00000000000",
            "00000000-0000-0000-0000-0000000000000",
            "00000000-0000-0000-00000-00000000000",
            "00000000 0000-0000-0000-000000000000",
            " 00000000-0000-0000-0000-00000000000",
            "00000000-0000-0000-0000-00000000000é",
            "+0000000-0000-0000-0000-000000000000",
            "",
        ] {
            assert!(parse_guid(text).is_err(), "{text}");
        }
        assert!(Primitive::Guid.read(&json!(0)).is_err());
    }

    #[test]
    fn case_does_not_matter_when_comparing() {
        let p = Primitive::Guid;
        let a = p.read(&json!("d3b07384-d9a0-4c8e-9f1b-2f6e8c0a1b2c"));
        let b = p.read(&json!("D3B07384-D9A0-4C8E-9F1B-2F6E8C0A1B2C"));
        assert!(matches!((&a, &b), (Ok(a), Ok(b)) if a.same(b)));
        assert!(!Scalar::Guid(1).same(&Scalar::Guid(2)));
    }
}
