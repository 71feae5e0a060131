//! The domain model shared by the harness and the embedded service: the pack's type system
//! (Edm primitives, enums, complex types, collections), typed values, the entity read from the
//! pack, and PATCH-body validation.

pub mod datetime;
pub mod model;
pub mod patch;
pub mod scalar;
pub mod types;
pub mod value;

pub use datetime::DateTimeOffset;
pub use model::{Entity, EntityModel};
pub use patch::{parse_patch, Patch, Refusal};
pub use scalar::{Primitive, Scalar};
pub use types::{Property, TypeRef, Types};
pub use value::Value;
