//! Edm.SByte for generated inputs: the integer pattern over -128–127.

use super::integer::Integer;
use crate::domain::edm::sbyte::RANGE as SBYTE;
use crate::domain::Primitive;

/// Its range, and the k of its ±2^k edges: the powers next to the type's ends and to the
/// narrower types' ends, kept under ~40 edges.
pub(super) const INTEGER: Integer = Integer {
    range: SBYTE,
    powers: &[6, 5, 4, 3, 1],
    primitive: Primitive::SByte,
};
