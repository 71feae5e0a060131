//! Edm.Int16 (C3.4): a 16-bit signed integer.

use super::integer::{self, IntRange};
use super::Spec;
use crate::contract::C3_4;

pub(crate) const RANGE: IntRange = IntRange {
    name: "Int16",
    edm: "Edm.Int16",
    min: i16::MIN as i64,
    max: i16::MAX as i64,
};

pub(crate) const SPEC: Spec = Spec::integer(
    RANGE,
    "int16",
    C3_4,
    |v| RANGE.read(v),
    integer::pitfalls(|v| integer::is_min(v, RANGE)),
)
.narrow();
