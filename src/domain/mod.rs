//! The domain model shared by the harness and the embedded service: the entity read from its
//! schema, the Int32 and DateTimeOffset value types, and PATCH-body validation.

pub mod datetime;
pub mod int32;
pub mod model;
pub mod patch;

pub use datetime::DateTimeOffset;
pub use model::{EdmType, EdmValue, Entity, EntityModel};
pub use patch::{parse_patch, Patch, Refusal};
