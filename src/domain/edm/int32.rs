//! Edm.Int32 (C3.4): a 32-bit signed integer.

use super::integer::IntRange;
use super::{NamedCases, Spec, ValidCases};
use crate::contract::C3_4;

pub(crate) const RANGE: IntRange =
    IntRange::new("Int32", "Edm.Int32", i32::MIN as i64, i32::MAX as i64);

pub(crate) const SPEC: Spec =
    Spec::integer(RANGE, C3_4, |v| RANGE.read(v), |v| RANGE.is_min(v)).named(&NAMED);

/// The seed pack's Int32 cases: its range ends together, and invalid numbers sent as raw text,
/// since their text (`45e-1`, `1e400`) is what is tested.
const NAMED: NamedCases = NamedCases {
    word: "int32",
    valid: ValidCases::Together(
        "int32-range-ends",
        &["-2147483648", "2147483647", "0"],
        "Both ends of the Int32 range are valid and come back exactly.",
    ),
    invalid: &[
        (
            "int32-just-above-range",
            "2147483648",
            "2147483648 is one past Int32's maximum: 400.",
        ),
        (
            "int32-just-below-range",
            "-2147483649",
            "-2147483649 is one below Int32's minimum: 400.",
        ),
        (
            "int32-exponent-out-of-range",
            "1e20",
            "1e20 is far out of range: 400.",
        ),
        (
            "int32-huge-exponent",
            "1e400",
            "1e400 overflows even a double: 400, never a crash.",
        ),
        (
            "int32-twenty-digits",
            "12345678901234567890",
            "A 20-digit integer: 400.",
        ),
        ("int32-fraction", "4.5", "4.5 is not an Int32: 400."),
        ("int32-fraction-as-exponent", "45e-1", "45e-1 is 4.5: 400."),
        (
            "int32-string",
            "\"4\"",
            "A string holding digits is not an Int32: 400.",
        ),
        ("int32-boolean", "true", "A boolean is not an Int32: 400."),
        (
            "int32-null",
            "null",
            "null is not an Int32 (the property is not nullable): 400.",
        ),
        ("int32-array", "[4]", "An array is not an Int32: 400."),
        (
            "int32-object",
            "{\"value\": 4}",
            "An object is not an Int32: 400.",
        ),
    ],
    invalid_raw: true,
    beside_valid: Some("\"x\""),
    alias: None,
};
