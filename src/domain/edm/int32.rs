//! Edm.Int32 (C3.4): a 32-bit signed integer.

use super::integer::{self, IntRange};
use super::Spec;
use crate::contract::C3_4;

pub(crate) const RANGE: IntRange = IntRange {
    name: "Int32",
    edm: "Edm.Int32",
    min: i32::MIN as i64,
    max: i32::MAX as i64,
};

pub(crate) const SPEC: Spec = Spec::integer(
    RANGE,
    "int32",
    C3_4,
    |v| RANGE.read(v),
    integer::pitfalls(|v| integer::is_min(v, RANGE)),
);
