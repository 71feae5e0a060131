//! Edm.SByte (C3.4): an integer from -128 to 127.

use super::integer::{self, IntRange};
use super::Spec;
use crate::contract::C3_4;

pub(crate) const RANGE: IntRange = IntRange {
    name: "SByte",
    edm: "Edm.SByte",
    min: -128,
    max: 127,
};

pub(crate) const SPEC: Spec = Spec::integer(
    RANGE,
    "sbyte",
    C3_4,
    |v| RANGE.read(v),
    integer::pitfalls(|v| integer::is_min(v, RANGE)),
)
.narrow()
.example(integer::small_example);
