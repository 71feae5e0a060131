//! Edm.Int64 (C3.9): a 64-bit signed integer.

use super::integer::IntRange;
use super::{Scalar, Spec};
use crate::contract::C3_9;

pub(crate) const RANGE: IntRange = IntRange::new("Int64", "Edm.Int64", i64::MIN, i64::MAX);

pub(crate) const SPEC: Spec = Spec::integer(RANGE, C3_9, |v| RANGE.read(v), |v| RANGE.is_min(v))
    .lossy(
        "answers Int64 values through a double (precision lost beyond 2^53)",
        |s| match s {
            Scalar::Int(n) => Some(Scalar::Int(*n as f64 as i64)),
            _ => None,
        },
    );
