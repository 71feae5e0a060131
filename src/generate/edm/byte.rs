//! Edm.Byte for generated inputs: the integer pattern over 0–255.

use super::integer::Integer;
use crate::domain::edm::byte::RANGE as BYTE;
use crate::domain::Primitive;

/// Its range, and the k of its ±2^k edges: the powers next to the type's ends and to the
/// narrower types' ends, kept under ~40 edges.
pub(super) const INTEGER: Integer = Integer {
    range: BYTE,
    powers: &[7, 6, 5, 4, 3, 2, 1],
    primitive: Primitive::Byte,
};
