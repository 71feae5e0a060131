//! Edm.Byte (C3.4): an integer from 0 to 255.

use super::integer::{self, IntRange};
use super::Spec;
use crate::contract::C3_4;

pub(crate) const RANGE: IntRange = IntRange::new("Byte", "Edm.Byte", 0, 255);

pub(crate) const SPEC: Spec = Spec::integer(RANGE, C3_4, |v| RANGE.read(v), |v| RANGE.is_min(v))
    .narrow()
    .example(integer::small_example);
