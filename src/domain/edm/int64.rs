//! Edm.Int64 (C3.9): a 64-bit signed integer.

use super::integer::IntRange;
use super::Spec;
use crate::contract::C3_9;

pub(crate) const RANGE: IntRange = IntRange {
    name: "Int64",
    edm: "Edm.Int64",
    min: i64::MIN,
    max: i64::MAX,
};

pub(crate) const SPEC: Spec = Spec::integer(RANGE, "int64", C3_9, |v| RANGE.read(v));
