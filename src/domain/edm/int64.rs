//! Edm.Int64 (C3.9): a 64-bit signed integer.

use super::integer::{self, IntRange};
use super::{Pitfalls, Scalar, Spec};
use crate::contract::C3_9;

pub(crate) const RANGE: IntRange = IntRange {
    name: "Int64",
    edm: "Edm.Int64",
    min: i64::MIN,
    max: i64::MAX,
};

pub(crate) const SPEC: Spec = Spec::integer(
    RANGE,
    "int64",
    C3_9,
    |v| RANGE.read(v),
    Pitfalls {
        lossy: "answers Int64 values through a double (precision lost beyond 2^53)",
        mangle: |s| match s {
            Scalar::Int(n) => Scalar::Int(*n as f64 as i64),
            other => other.clone(),
        },
        ..integer::pitfalls(|v| integer::is_min(v, RANGE))
    },
);
