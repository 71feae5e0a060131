//! Edm.Int16 (C3.4): a 16-bit signed integer.

use super::integer::IntRange;
use super::Spec;
use crate::contract::C3_4;

pub(crate) const RANGE: IntRange =
    IntRange::new("Int16", "Edm.Int16", i16::MIN as i64, i16::MAX as i64);

pub(crate) const SPEC: Spec =
    Spec::integer(RANGE, C3_4, |v| RANGE.read(v), |v| RANGE.is_min(v)).narrow();
