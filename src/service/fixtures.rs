//! The initial values of the graph's entities: what `fixtures.json` gives, and for the rest a
//! value made up per type from the entity's ordinal (Int32 counts, a morning in 2017 in a few
//! offsets, labels), so that no two entities start equal and a PATCH that merges is told from
//! one that replaces (C4.5).

use serde_json::{Map, Value as Json};

use crate::domain::datetime::Parts;
use crate::domain::value::Value;
use crate::domain::{DateTimeOffset, Entity, EntityModel, Primitive, Scalar, TypeRef};

/// The entity `key`'s initial values: `given` where it says, made up elsewhere.
pub fn initial_entity(
    model: &EntityModel,
    key: &str,
    given: Option<&Map<String, Json>>,
    ordinal: usize,
) -> Entity {
    let values = model
        .properties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if p.name == model.key {
                return Value::Scalar(Scalar::String(key.to_owned()));
            }
            if let Some(v) = given.and_then(|g| g.get(&p.name)) {
                if let Ok(v) = model.read_value(p, v) {
                    return model.types.filled(v);
                }
            }
            made_up(model, &p.ty, i, ordinal)
        })
        .collect();
    Entity { values }
}

/// A value for property `i` of the `ordinal`-th entity: never null, distinct across entities
/// for the types that allow it.
fn made_up(model: &EntityModel, ty: &TypeRef, i: usize, ordinal: usize) -> Value {
    let n = i64::try_from(ordinal * 10 + i).unwrap_or(0);
    let scalar = match ty {
        TypeRef::Primitive(Primitive::Int32 | Primitive::Int64 | Primitive::Int16) => {
            Scalar::Int(n)
        }
        TypeRef::Primitive(Primitive::Byte | Primitive::SByte) => Scalar::Int(n % 100),
        TypeRef::Primitive(Primitive::String) => Scalar::String(format!("label-{ordinal}-{i}")),
        TypeRef::Primitive(Primitive::Boolean) => Scalar::Bool(ordinal % 2 == 1),
        TypeRef::Primitive(Primitive::Single | Primitive::Double) => Scalar::Float(n as f64 + 0.5),
        TypeRef::Primitive(Primitive::DateTimeOffset) => {
            Scalar::DateTimeOffset(morning(ordinal, i))
        }
        _ => return model.types.filled(model.types.default_value(ty, false)),
    };
    Value::Scalar(scalar)
}

/// A morning in January 2017, in one of a few offsets.
fn morning(ordinal: usize, i: usize) -> DateTimeOffset {
    let offsets = [0, -480, 60, 330];
    DateTimeOffset::from_parts(Parts {
        year: 2017,
        month: 1,
        day: 1 + (ordinal % 28) as u32,
        hour: 8,
        minute: (i % 60) as u32,
        second: 3,
        fraction_ticks: 612_494,
        offset_minutes: offsets[ordinal % offsets.len()],
    })
    .expect("a valid fixture time")
}
