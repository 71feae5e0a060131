//! The OData `Edm.Int32` value, read from a JSON number's own text, never through `f64`, so that
//! `2147483648`, `4.5`, `1e2` and `1e400` are told apart.

/// Why a JSON number is not an Int32; the message names the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Int32Error(String);

/// Reads an Int32 from the text of a JSON number. Only the integer grammar `-?(0|[1-9][0-9]*)`
/// is taken: a fraction or an exponent is refused even when its value is whole (`4.0`, `1e2`),
/// which CONTRACT.md leaves unjudged, because Graph's OData reader refuses them too.
pub fn parse_int32(text: &str) -> Result<i32, Int32Error> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let is_integer = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !is_integer {
        return Err(Int32Error(format!(
            "{text} is not a whole number: Int32 takes a JSON integer without fraction or exponent"
        )));
    }
    // Eleven characters hold every Int32 ("-2147483648"); longer text is out of range and must
    // not reach a parser that could overflow.
    let out_of_range = || {
        Int32Error(format!(
            "{text} is outside the Int32 range [-2147483648, 2147483647]"
        ))
    };
    if text.len() > 11 {
        return Err(out_of_range());
    }
    let wide: i64 = text.parse().map_err(|_| out_of_range())?;
    i32::try_from(wide).map_err(|_| out_of_range())
}

#[cfg(test)]
mod tests {
    use super::parse_int32;

    #[test]
    fn the_whole_range_is_taken_with_both_ends() {
        assert_eq!(parse_int32("-2147483648"), Ok(i32::MIN));
        assert_eq!(parse_int32("2147483647"), Ok(i32::MAX));
        assert_eq!(parse_int32("0"), Ok(0));
        assert_eq!(parse_int32("-0"), Ok(0));
        assert_eq!(parse_int32("14"), Ok(14));
    }

    #[test]
    fn out_of_range_and_non_integers_are_refused() {
        for t in [
            "2147483648",
            "-2147483649",
            "99999999999999999999",
            "1e20",
            "1e400",
            "4.5",
            "45e-1",
            "4.0",
            "01",
            "",
            "-",
            "9007199254740992",
        ] {
            assert!(parse_int32(t).is_err(), "{t} should be refused");
        }
    }
}
