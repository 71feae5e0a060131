//! Edm.Int16 for generated inputs: the integer pattern over the 16-bit range.

use super::integer::Integer;
use crate::domain::edm::int16::RANGE as INT16;
use crate::domain::Primitive;

/// Its range, and the k of its ±2^k edges: the powers next to the type's ends and to the
/// narrower types' ends, kept under ~40 edges.
pub(super) const INTEGER: Integer = Integer {
    range: INT16,
    powers: &[14, 8, 7, 4, 1],
    primitive: Primitive::Int16,
};
