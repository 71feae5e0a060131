//! Edm.SByte (C3.4): an integer from -128 to 127.

use super::integer::{self, IntRange};
use super::Spec;
use crate::contract::C3_4;

pub(crate) const RANGE: IntRange = IntRange::new("SByte", "Edm.SByte", -128, 127);

pub(crate) const SPEC: Spec = Spec::integer(RANGE, C3_4, |v| RANGE.read(v), |v| RANGE.is_min(v))
    .narrow()
    .example(integer::small_example);
