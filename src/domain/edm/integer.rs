//! What the integer types share (C3.4, C3.9): a JSON number written as an integer literal, read
//! from its text so that no value passes through f64, and checked against the type's range.

use serde_json::Value;

use super::{kind_of, shorten, Pitfalls, Scalar};

/// An integer type's names and inclusive range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IntRange {
    /// "Int32", as messages name it.
    pub name: &'static str,
    /// "Edm.Int32".
    pub edm: &'static str,
    pub min: i64,
    pub max: i64,
}

impl IntRange {
    pub(crate) const fn new(name: &'static str, edm: &'static str, min: i64, max: i64) -> Self {
        IntRange {
            name,
            edm,
            min,
            max,
        }
    }

    /// True when `value` is the range's minimum, the edge a faulty service refuses.
    pub(crate) fn is_min(self, value: &Value) -> bool {
        matches!(value, Value::Number(n) if n.to_string() == self.min.to_string())
    }

    /// Reads `value` as an integer of this range.
    pub(crate) fn read(self, value: &Value) -> Result<Scalar, String> {
        match value {
            Value::Number(n) => parse_integer(n.as_str(), self).map(Scalar::Int),
            other => Err(format!(
                "{} takes an integer number, not {}",
                self.edm,
                kind_of(other)
            )),
        }
    }
}

/// The integer types' pitfalls, with the edge each refuses (its minimum).
pub(crate) const fn pitfalls(is_edge: fn(&Value) -> bool) -> Pitfalls {
    Pitfalls {
        edge: ("refuses the type's minimum", is_edge),
        lenient: ("accepts a fraction, dropping it", drop_fraction),
        lossy: ("answers integers without their sign", |s| match s {
            Scalar::Int(n) => Some(Scalar::Int(n.saturating_abs())),
            _ => None,
        }),
    }
}

/// A number with a fraction, cut to its whole part (`-0.5` to `0`); anything else as it is.
fn drop_fraction(v: &Value) -> Option<Value> {
    let text = v.as_number()?.to_string();
    let (whole, _) = text
        .split_once('.')
        .filter(|_| !text.contains(['e', 'E']))?;
    serde_json::from_str(if whole == "-0" { "0" } else { whole }).ok()
}

/// The made-up fixtures' integers: distinct per entity and property.
pub(crate) fn example(ordinal: usize, index: usize) -> Option<Scalar> {
    Some(Scalar::Int(
        i64::try_from(ordinal * 10 + index).unwrap_or(0),
    ))
}

/// The same below 100, for the types whose range is a byte's.
pub(crate) fn small_example(ordinal: usize, index: usize) -> Option<Scalar> {
    Some(Scalar::Int(
        i64::try_from(ordinal * 10 + index).unwrap_or(0) % 100,
    ))
}

/// Parses the literal grammar `-?(0|[1-9][0-9]*)` and checks the range. A fraction or an
/// exponent is refused even when the value is whole (`4.0`, `1e2`): the contract asks for the
/// integer form.
pub(crate) fn parse_integer(text: &str, range: IntRange) -> Result<i64, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let well_formed = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !well_formed {
        return Err(format!(
            "{} is not an integer literal: Edm.{} takes no fraction, exponent or leading zero",
            shorten(text),
            range.name
        ));
    }
    // Twenty digits exceed every range already; longer literals are refused without parsing.
    let parsed = if digits.len() > 20 {
        None
    } else {
        text.parse::<i128>().ok()
    };
    match parsed.and_then(|v| i64::try_from(v).ok()) {
        Some(v) if (range.min..=range.max).contains(&v) => Ok(v),
        _ => Err(format!(
            "{} is outside the {} range [{}, {}]",
            shorten(text),
            range.name,
            range.min,
            range.max
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Primitive;
    use serde_json::json;

    const INTEGERS: [Primitive; 5] = [
        Primitive::Byte,
        Primitive::SByte,
        Primitive::Int16,
        Primitive::Int32,
        Primitive::Int64,
    ];

    fn read(p: Primitive, json: &str) -> Result<i64, String> {
        let value: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        match p.read(&value)? {
            Scalar::Int(n) => Ok(n),
            other => Err(format!("{other:?} is not an integer")),
        }
    }

    #[test]
    fn the_ends_of_each_range_are_read_and_one_beyond_is_refused() {
        for (p, min, max, below, above) in [
            (Primitive::Byte, "0", "255", "-1", "256"),
            (Primitive::SByte, "-128", "127", "-129", "128"),
            (Primitive::Int16, "-32768", "32767", "-32769", "32768"),
            (
                Primitive::Int32,
                "-2147483648",
                "2147483647",
                "-2147483649",
                "2147483648",
            ),
            (
                Primitive::Int64,
                "-9223372036854775808",
                "9223372036854775807",
                "-9223372036854775809",
                "9223372036854775808",
            ),
        ] {
            assert_eq!(read(p, min).map(|v| v.to_string()), Ok(min.to_owned()));
            assert_eq!(read(p, max).map(|v| v.to_string()), Ok(max.to_owned()));
            assert!(read(p, below).is_err(), "{p:?} {below}");
            assert!(read(p, above).is_err(), "{p:?} {above}");
        }
    }

    #[test]
    fn the_range_message_names_value_and_range() {
        assert_eq!(
            read(Primitive::Int32, "2147483648"),
            Err("2147483648 is outside the Int32 range [-2147483648, 2147483647]".to_owned())
        );
    }

    #[test]
    fn zero_one_and_minus_zero() {
        for p in INTEGERS {
            assert_eq!(read(p, "0"), Ok(0));
            assert_eq!(read(p, "-0"), Ok(0));
            assert_eq!(read(p, "1"), Ok(1));
        }
        assert_eq!(read(Primitive::SByte, "-1"), Ok(-1));
        assert!(read(Primitive::Byte, "-1").is_err());
    }

    #[test]
    fn fractions_exponents_and_leading_zeros_are_refused_even_when_whole() {
        for p in INTEGERS {
            for text in [
                "4.0", "1e2", "1E2", "1e+2", "4.5", "-4.5", "45e-1", "0.5", "-0.0", "01",
            ] {
                assert!(read(p, text).is_err(), "{p:?} {text}");
            }
        }
    }

    #[test]
    fn a_ten_thousand_digit_literal_is_refused_cheaply() {
        let huge = format!("1{}", "0".repeat(10_000));
        let Err(why) = read(Primitive::Int64, &huge) else {
            panic!("refused")
        };
        assert!(why.len() < 120, "{why}");
        assert!(read(Primitive::Int64, &format!("-{huge}")).is_err());
        assert!(read(Primitive::Byte, "99999999999999999999").is_err());
    }

    #[test]
    fn other_json_kinds_are_refused() {
        for p in INTEGERS {
            for bad in [
                "\"4\"",
                "true",
                "false",
                "null",
                "[]",
                "[4]",
                "{}",
                "{\"v\":4}",
            ] {
                assert!(read(p, bad).is_err(), "{p:?} {bad}");
            }
        }
        assert_eq!(
            read(Primitive::Int16, "\"4\""),
            Err("Edm.Int16 takes an integer number, not a string".to_owned())
        );
    }

    #[test]
    fn non_integer_types_have_no_range() {
        assert_eq!(Primitive::Double.spec().range, None);
        assert!(Primitive::String.read(&json!(4)).is_err());
    }

    #[test]
    fn writing_then_reading_gives_the_same_value() {
        for p in INTEGERS {
            let Some(r) = p.spec().range else {
                panic!("{p:?} is an integer type")
            };
            for v in [r.min, r.max, 0, 1] {
                let written = Scalar::Int(v).to_json(p);
                assert_eq!(written.to_string(), v.to_string());
                assert_eq!(p.read(&written), Ok(Scalar::Int(v)));
                assert!(Scalar::Int(v).same(&Scalar::Int(v)));
            }
        }
        assert!(!Scalar::Int(1).same(&Scalar::Int(2)));
    }
}
