//! What the floating-point types share (C3.10): a JSON number, or the strings "NaN", "INF" and
//! "-INF"; written back with the shortest digits that round-trip.

use serde_json::Value;

use super::{kind_of, shorten, Pitfalls, Scalar};

/// Reads `value` as the floating-point type `name`, parsing a number's text with `parse`.
pub(crate) fn read_float(
    value: &Value,
    name: &str,
    parse: impl Fn(&str) -> Option<f64>,
) -> Result<f64, String> {
    match value {
        Value::Number(n) => match parse(n.as_str()) {
            Some(x) if x.is_finite() => Ok(x),
            Some(_) => Err(format!("{} overflows {name}", shorten(n.as_str()))),
            None => Err(format!(
                "{} is not a number {name} reads",
                shorten(n.as_str())
            )),
        },
        Value::String(s) => special(s).ok_or_else(|| {
            format!(
                "{name} takes the strings \"NaN\", \"INF\" and \"-INF\" only, not {}",
                shorten(&value.to_string())
            )
        }),
        other => Err(format!(
            "{name} takes a number or \"NaN\", \"INF\", \"-INF\", not {}",
            kind_of(other)
        )),
    }
}

/// The three values JSON numbers cannot spell, in OData's exact spelling.
fn special(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "INF" => Some(f64::INFINITY),
        "-INF" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// `x` as an Edm.Double's JSON value.
pub(crate) fn render_double(x: f64) -> Value {
    if !x.is_finite() {
        return render_special(x);
    }
    number(shortest(format!("{x}"), format!("{x:e}")))
}

/// `x`, narrowed to f32, as an Edm.Single's JSON value: f32's shortest digits, so the Single
/// 0.1 is written 0.1 and not 0.10000000149011612.
pub(crate) fn render_single(x: f64) -> Value {
    let x = x as f32;
    if !x.is_finite() {
        return render_special(f64::from(x));
    }
    number(shortest(format!("{x}"), format!("{x:e}")))
}

fn render_special(x: f64) -> Value {
    let text = if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "INF"
    } else {
        "-INF"
    };
    Value::String(text.to_owned())
}

/// Both texts hold the shortest round-trip digits; plain notation is shorter for most values,
/// exponent notation for very large and very small ones (`1e308`, `5e-324`).
fn shortest(plain: String, exponent: String) -> String {
    if exponent.len() < plain.len() {
        exponent
    } else {
        plain
    }
}

/// A JSON number holding `text` (arbitrary_precision keeps its digits; serde_json only writes
/// a positive exponent with its sign, `1e+308`).
fn number(text: String) -> Value {
    serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text))
}

/// The floating-point types' pitfalls, with what the type's lossy echo loses.
pub(crate) const fn pitfalls(
    lossy: &'static str,
    mangle: fn(&Scalar) -> Option<Scalar>,
) -> Pitfalls {
    Pitfalls {
        edge: ("refuses \"NaN\", \"INF\" and \"-INF\"", |v| {
            matches!(v.as_str(), Some("NaN" | "INF" | "-INF"))
        }),
        lenient: ("accepts numbers written as strings", |v| {
            serde_json::from_str(v.as_str()?)
                .ok()
                .filter(Value::is_number)
        }),
        lossy: (lossy, mangle),
    }
}

/// The made-up fixtures' numbers: distinct per entity and property, with a fraction.
pub(crate) fn example(ordinal: usize, index: usize) -> Option<Scalar> {
    Some(Scalar::Float((ordinal * 10 + index) as f64 + 0.5))
}

/// Equal as IEEE values, except that NaN equals NaN. +0 equals -0: the contract does not judge
/// the sign of zero, so a service that answers 0 for -0 is not faulted here.
pub(crate) fn same_float(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edm::{Primitive, Scalar};
    use serde_json::json;

    fn read_double(value: &Value) -> Result<f64, String> {
        read_as(Primitive::Double, value)
    }

    fn read_single(value: &Value) -> Result<f64, String> {
        read_as(Primitive::Single, value)
    }

    fn read_as(p: Primitive, value: &Value) -> Result<f64, String> {
        match p.read(value)? {
            Scalar::Float(x) => Ok(x),
            other => Err(format!("{other:?} is not a float")),
        }
    }

    fn value(json: &str) -> Value {
        serde_json::from_str(json).unwrap_or(Value::Null)
    }

    #[test]
    fn any_json_number_is_a_double() {
        for (text, expected) in [
            ("0", 0.0),
            ("-0", -0.0),
            ("4", 4.0),
            ("4.0", 4.0),
            ("1e2", 100.0),
            ("1E+2", 100.0),
            ("0.1", 0.1),
            ("-2.5e-3", -0.0025),
            ("1.7976931348623157e308", f64::MAX),
            ("5e-324", 5e-324),
            ("1e-400", 0.0),
            ("9007199254740993", 9_007_199_254_740_992.0),
        ] {
            assert_eq!(read_double(&value(text)), Ok(expected), "{text}");
        }
        assert!(read_double(&value("-0")).is_ok_and(|x| x.is_sign_negative()));
    }

    #[test]
    fn single_rounds_the_text_to_f32() {
        assert_eq!(read_single(&value("0.1")), Ok(f64::from(0.1f32)));
        assert_eq!(read_single(&value("16777217")), Ok(16_777_216.0));
        assert_eq!(read_single(&value("3.4028235e38")), Ok(f64::from(f32::MAX)));
        assert_eq!(read_single(&value("1e-45")), Ok(f64::from(1e-45f32)));
        // Rounding through f64 first would give the f32 below this one.
        let halfway_plus = "1.00000005960464477550";
        assert_eq!(
            read_single(&value(halfway_plus)),
            Ok(f64::from(1.000_000_1_f32))
        );
    }

    #[test]
    fn nan_and_the_infinities_are_exact_strings() {
        assert!(read_double(&json!("NaN")).is_ok_and(f64::is_nan));
        assert_eq!(read_double(&json!("INF")), Ok(f64::INFINITY));
        assert_eq!(read_double(&json!("-INF")), Ok(f64::NEG_INFINITY));
        assert!(read_single(&json!("NaN")).is_ok_and(f64::is_nan));
        assert_eq!(read_single(&json!("-INF")), Ok(f64::NEG_INFINITY));
        for bad in [
            "nan",
            "inf",
            "Infinity",
            "-Infinity",
            "+INF",
            "NAN",
            " NaN",
            "4",
            "",
        ] {
            assert!(read_double(&json!(bad)).is_err(), "{bad}");
            assert!(read_single(&json!(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn overflow_to_infinity_is_refused() {
        for text in ["1e400", "-1e400", "1.8e308"] {
            assert!(read_double(&value(text)).is_err(), "{text}");
        }
        for text in ["1e39", "-1e39", "3.5e38", "1e400"] {
            assert!(read_single(&value(text)).is_err(), "{text}");
        }
        assert_eq!(
            read_double(&value("1e400")),
            Err("1e+400 overflows Edm.Double".to_owned())
        );
    }

    #[test]
    fn other_json_kinds_are_refused() {
        for bad in ["true", "false", "null", "[]", "[1.5]", "{}"] {
            assert!(read_double(&value(bad)).is_err(), "{bad}");
            assert!(read_single(&value(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn rendering_uses_the_shortest_text() {
        for (x, text) in [
            (0.1, "0.1"),
            (1.0, "1"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (1e308, "1e+308"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (1e-7, "1e-7"),
            (123_456.0, "123456"),
        ] {
            assert_eq!(render_double(x).to_string(), text);
        }
        assert_eq!(render_single(f64::from(0.1f32)).to_string(), "0.1");
        assert_eq!(
            render_single(f64::from(f32::MAX)).to_string(),
            "3.4028235e+38"
        );
        assert_eq!(
            render_single(f64::from(16_777_216f32)).to_string(),
            "16777216"
        );
        assert_eq!(render_double(f64::NAN), json!("NaN"));
        assert_eq!(render_double(f64::INFINITY), json!("INF"));
        assert_eq!(render_single(f64::NEG_INFINITY), json!("-INF"));
    }

    #[test]
    fn rendering_then_reading_gives_the_same_value() {
        let doubles = [
            0.0,
            -0.0,
            0.1,
            1e308,
            -f64::MAX,
            5e-324,
            f64::NAN,
            f64::INFINITY,
        ];
        for x in doubles {
            let p = Primitive::Double;
            let back = p.read(&Scalar::Float(x).to_json(p));
            assert!(back.is_ok_and(|b| b.same(&Scalar::Float(x))), "{x}");
        }
        let singles = [0.1f32, f32::MAX, f32::MIN_POSITIVE, 1e-45, -3.25, f32::NAN];
        for x in singles.map(f64::from) {
            let p = Primitive::Single;
            let back = p.read(&Scalar::Float(x).to_json(p));
            assert!(back.is_ok_and(|b| b.same(&Scalar::Float(x))), "{x}");
        }
    }

    #[test]
    fn sameness_is_ieee_with_nan_equal_to_itself() {
        assert!(same_float(f64::NAN, f64::NAN));
        assert!(same_float(0.0, -0.0));
        assert!(same_float(f64::INFINITY, f64::INFINITY));
        assert!(!same_float(f64::INFINITY, f64::NEG_INFINITY));
        assert!(!same_float(0.1, f64::from(0.1f32)));
        assert!(!same_float(f64::NAN, 0.0));
    }
}
