//! The initial values of the graph's entities: what `fixtures.json` gives, and for the rest a
//! value made up per type from the entity's ordinal (each type's example: counts, a morning in
//! 2017 in a few offsets, labels), so that no two entities start equal and a PATCH that merges is told from
//! one that replaces (C4.5).

use serde_json::{Map, Value as Json};

use crate::domain::value::Value;
use crate::domain::{Entity, EntityModel, Primitive, TypeRef};

/// The entity `key`'s initial values: `given` where it says, made up elsewhere.
pub(crate) fn initial_entity(
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
                // The key is held as the text given, whatever its type.
                return Primitive::UNTYPED
                    .read(&Json::String(key.to_owned()))
                    .map_or(Value::Null, Value::Scalar);
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
    match ty {
        TypeRef::Primitive(p) => match (p.spec().example)(ordinal, i) {
            Some(scalar) => Value::Scalar(scalar),
            None => model.types.filled(model.types.default_value(ty, false)),
        },
        _ => model.types.filled(model.types.default_value(ty, false)),
    }
}
