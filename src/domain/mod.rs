//! The domain model shared by the harness and the embedded service: the pack's type system
//! (Edm primitives, enums, complex types, collections), typed values, the entity read from the
//! pack, and PATCH-body validation.

pub mod edm;
pub(crate) mod model;
pub(crate) mod patch;
pub(crate) mod types;
pub mod value;

pub use edm::{Primitive, Scalar};
pub use model::{Entity, EntityModel};
pub use patch::{parse_patch, Patch, Refusal};
pub use types::{Property, TypeRef, Types};
