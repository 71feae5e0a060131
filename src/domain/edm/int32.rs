//! Edm.Int32 (C3.4): a 32-bit signed integer.

use super::integer::IntRange;
use super::Spec;
use crate::contract::C3_4;

pub(crate) const RANGE: IntRange =
    IntRange::new("Int32", "Edm.Int32", i32::MIN as i64, i32::MAX as i64);

pub(crate) const SPEC: Spec = Spec::integer(RANGE, C3_4, |v| RANGE.read(v), |v| RANGE.is_min(v));
