//! Edm.Int64 for generated inputs: the integer pattern over the 64-bit range.

use super::integer::Integer;
use crate::domain::edm::int64::RANGE as INT64;
use crate::domain::Primitive;

/// Its range, and the k of its ±2^k edges: the powers next to the type's ends and to the
/// narrower types' ends, kept under ~40 edges.
pub(super) const INTEGER: Integer = Integer {
    range: INT64,
    powers: &[62, 53, 32, 31, 16],
    primitive: Primitive::Int64,
};
