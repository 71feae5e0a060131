//! Edm.Binary (C3.11): base64url text (RFC 4648 §5), padding optional, decoded to bytes for
//! comparison and written back as padded base64url.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use base64::engine::DecodePaddingMode;
use base64::{DecodeError, Engine};

use super::Reader::Text;
use super::{Pitfalls, Scalar, Spec};
use crate::contract::C3_11;

pub(crate) const SPEC: Spec =
    Spec::new("Edm.Binary", C3_11, "\"\"", Text(parse), PITFALLS).nullable_unsaid();

const PITFALLS: Pitfalls = Pitfalls {
    edge: (
        "refuses base64url's '-' and '_' (takes only standard base64)",
        |v| v.as_str().is_some_and(|t| t.contains(['-', '_'])),
    ),
    lenient: (
        "drops characters outside the base64 alphabets instead of refusing them",
        |v| {
            Some(
                v.as_str()?
                    .chars()
                    .filter(is_base64)
                    .collect::<String>()
                    .into(),
            )
        },
    ),
    lossy: (
        "answers binary values without their last byte",
        |s| match s {
            Scalar::Binary(b) => Some(Scalar::Binary(b[..b.len().saturating_sub(1)].to_vec())),
            _ => None,
        },
    ),
};

fn parse(text: &str) -> Result<Scalar, String> {
    decode_binary(text).map(Scalar::Binary)
}

/// A character of either base64 alphabet, or padding.
fn is_base64(c: &char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '=')
}

/// Decodes with or without padding, and keeps non-zero trailing bits ("QR==" reads as "QQ==",
/// one byte 0x41): OData's grammar asks for zero bits, but a lenient reader loses nothing, and
/// what the service sends is then judged by its bytes.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes base64url text. The standard alphabet's `+` and `/` are read as `-` and `_`, since a
/// service may write them; a value may even mix both alphabets.
pub(crate) fn decode_binary(text: &str) -> Result<Vec<u8>, String> {
    // The padding mode accepts "AA=" (one `=` of the two needed); padding, when written, must
    // complete the last group of four.
    if text.ends_with('=') && !text.len().is_multiple_of(4) {
        return Err(format!(
            "padded base64 is a multiple of 4 characters long, not {}",
            text.chars().count()
        ));
    }
    let url_safe: String = text
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    LENIENT.decode(url_safe).map_err(describe)
}

/// Writes padded base64url.
pub(crate) fn encode_binary(bytes: &[u8]) -> String {
    URL_SAFE.encode(bytes)
}

fn describe(e: DecodeError) -> String {
    match e {
        DecodeError::InvalidByte(at, b'=') => {
            format!(
                "padding at position {} is not at the end or is too long",
                at + 1
            )
        }
        DecodeError::InvalidByte(at, byte) if byte.is_ascii_graphic() => format!(
            "{:?} at position {} is not a base64url character",
            char::from(byte),
            at + 1
        ),
        DecodeError::InvalidByte(at, byte) => format!(
            "byte 0x{byte:02x} at position {} is not a base64url character",
            at + 1
        ),
        DecodeError::InvalidLength(n) => {
            format!("{n} base64 characters do not decode to whole bytes")
        }
        DecodeError::InvalidLastSymbol(at, _) => {
            format!("the last character, at position {}, has stray bits", at + 1)
        }
        DecodeError::InvalidPadding => "the padding is wrong".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edm::{Primitive, Scalar};
    use serde_json::json;

    #[test]
    fn base64url_with_or_without_padding_is_read() {
        for (text, bytes) in [
            ("", &[][..]),
            ("AA==", &[0][..]),
            ("AA", &[0][..]),
            ("AAA=", &[0, 0][..]),
            ("AAA", &[0, 0][..]),
            ("AAAA", &[0, 0, 0][..]),
            ("AAAAAA==", &[0, 0, 0, 0][..]),
            ("AAAAAAA=", &[0, 0, 0, 0, 0][..]),
            ("AAAAAAA", &[0, 0, 0, 0, 0][..]),
            ("dmFsdWU=", &b"value"[..]),
            ("dmFsdWU", &b"value"[..]),
            ("-_-_", &[0xfb, 0xff, 0xbf][..]),
            ("_w==", &[0xff][..]),
        ] {
            assert_eq!(decode_binary(text), Ok(bytes.to_vec()), "{text}");
        }
    }

    #[test]
    fn the_standard_alphabet_and_stray_bits_are_read_leniently() {
        assert_eq!(decode_binary("+/+/"), Ok(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(decode_binary("-/+_"), Ok(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(decode_binary("/w=="), Ok(vec![0xff]));
        assert_eq!(decode_binary("QR=="), Ok(vec![0x41]));
        assert_eq!(decode_binary("QR"), Ok(vec![0x41]));
    }

    #[test]
    fn impossible_lengths_padding_and_characters_are_refused() {
        for text in [
            "A", "AAAAA", "A===", "AA=", "AAA==", "AA===", "QUJD=", "QUJD==", "AA=A", "AA==AA==",
            "====", "=", "AA*A", "AA A", "AA.A", "AAé=", "AA\nA", " AA=",
        ] {
            assert!(decode_binary(text).is_err(), "{text}");
        }
        assert!(Primitive::Binary.read(&json!(1234)).is_err());
        assert_eq!(
            decode_binary("AA*A"),
            Err("'*' at position 3 is not a base64url character".to_owned())
        );
    }

    #[test]
    fn writing_is_padded_base64url_and_reads_back_the_same_bytes() {
        assert_eq!(encode_binary(b"value"), "dmFsdWU=");
        assert_eq!(encode_binary(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(encode_binary(&[]), "");
        let p = Primitive::Binary;
        for text in ["dmFsdWU", "+/+/", "QR==", ""] {
            let read = p.read(&json!(text));
            let again = read.clone().and_then(|s| p.read(&s.to_json(p)));
            assert!(
                matches!((&read, &again), (Ok(a), Ok(b)) if a.same(b)),
                "{text}"
            );
        }
        let (Ok(a), Ok(b)) = (p.read(&json!("QR==")), p.read(&json!("QQ"))) else {
            panic!("both are read")
        };
        assert!(a.same(&b));
        assert!(!Scalar::Binary(vec![0]).same(&Scalar::Binary(vec![0, 0])));
    }
}
