//! Faults at the store write (C4.5, C5): what a PATCH leaves in the store — too much, too
//! little, part of a refused body, or a lost concurrent update.

use std::time::Duration;

use serde_json::Value as Json;

use super::{Fault, Row};
use crate::contract::{Level, C4_5, C5_1, C5_2, C5_3, C5_4};
use crate::domain::value::Value;
use crate::domain::{parse_patch, Entity, EntityModel, Patch};
use crate::pack::Pack;
use crate::service::errors::ApiError;
use crate::service::routes;
use crate::service::store::{EntityState, Stored};
use crate::service::ServiceState;

/// The faults of the store write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum StoreFault {
    PatchReplaces,
    NotPersisted,
    RepeatRefused,
    PartialApply,
    InvalidZeroed,
    LostUpdate,
}

/// What each store fault breaks: what a PATCH leaves stored, refused or not.
pub(super) static ROWS: &[Row<StoreFault>] = &[
    Row {
        fault: StoreFault::PatchReplaces,
        name: "patch-replaces",
        clause: C4_5,
        level: Level::Must,
        description: "a PATCH that changes something resets every property it does not send to 0 / 0001-01-01T00:00:00Z",
    },
    Row {
        fault: StoreFault::NotPersisted,
        name: "not-persisted",
        clause: C5_1,
        level: Level::Must,
        description: "a valid PATCH answers with the updated entity, but the store keeps the old values",
    },
    Row {
        fault: StoreFault::RepeatRefused,
        name: "repeat-refused",
        clause: C5_2,
        level: Level::Must,
        description: "a non-empty PATCH body identical to the last one applied to that overview is refused with 400",
    },
    Row {
        fault: StoreFault::PartialApply,
        name: "partial-apply",
        clause: C5_3,
        level: Level::Must,
        description: "a refused body's valid properties that come before the invalid one are applied before the 400",
    },
    Row {
        fault: StoreFault::InvalidZeroed,
        name: "invalid-zeroed",
        clause: C5_3,
        level: Level::Must,
        description: "a refused body's properties with an invalid value are reset to their type's plain value (0, false, the first member…) before the 400",
    },
    Row {
        fault: StoreFault::LostUpdate,
        name: "lost-update",
        clause: C5_4,
        level: Level::Must,
        description: "PATCH reads, waits 1 ms, then writes the whole entity back without a lock, so concurrent PATCHes of disjoint properties lose updates",
    },
];

fn mine(fault: Option<Fault>) -> Option<StoreFault> {
    match fault {
        Some(Fault::Store(f)) => Some(f),
        _ => None,
    }
}

impl StoreFault {
    pub(super) fn row(self) -> &'static Row<Self> {
        Row::of(ROWS, self)
    }

    /// True when `pack`'s entity has what the fault needs to show.
    pub(super) fn applies(self, pack: &Pack) -> bool {
        match self {
            StoreFault::PatchReplaces | StoreFault::LostUpdate => pack.model.writable().count() > 1,
            StoreFault::NotPersisted
            | StoreFault::RepeatRefused
            | StoreFault::PartialApply
            | StoreFault::InvalidZeroed => true,
        }
    }
}

/// What a refused body (`body`, which `parse_patch` refused) writes all the same:
/// `partial-apply` its valid prefix, `invalid-zeroed` its invalid values' plain ones.
pub(crate) async fn on_refusal(state: &ServiceState, stored: &Stored, body: &[u8], key: &str) {
    let changes = match mine(state.fault()) {
        Some(StoreFault::PartialApply) => valid_prefix(&state.pack().model, body, key),
        Some(StoreFault::InvalidZeroed) => zeroed(&state.pack().model, body, key),
        _ => return,
    };
    if !changes.is_empty() {
        let patch = Patch {
            changes,
            read_only: Vec::new(),
        };
        let _ = routes::apply(state, stored, &patch, None).await;
    }
}

/// `partial-apply`: in order, the body's properties that are valid on their own, up to the
/// first one that is not.
fn valid_prefix(model: &EntityModel, body: &[u8], key: &str) -> Vec<(usize, Value)> {
    let mut changes = Vec::new();
    for (_, alone) in one_by_one(body) {
        match parse_patch(model, alone.as_bytes(), key) {
            Ok(p) => changes.extend(p.changes),
            Err(_) => break,
        }
    }
    changes
}

/// `invalid-zeroed`: each writable property of the body whose value does not parse gets its
/// type's plain value. Storing the same value every time, it is seen only from a state where
/// the property held something else.
fn zeroed(model: &EntityModel, body: &[u8], key: &str) -> Vec<(usize, Value)> {
    one_by_one(body)
        .into_iter()
        .filter_map(|(name, alone)| {
            let index = model.index_of(&name)?;
            let property = &model.properties[index];
            let invalid = parse_patch(model, alone.as_bytes(), key).is_err();
            (!property.read_only && invalid)
                .then(|| (index, model.types.default_value(&property.ty, false)))
        })
        .collect()
}

/// Each member of a body that is a JSON object, by name, as a body of its own, in order.
fn one_by_one(body: &[u8]) -> Vec<(String, String)> {
    let Ok(Json::Object(object)) = serde_json::from_slice::<Json>(body) else {
        return Vec::new();
    };
    object
        .into_iter()
        .map(|(name, value)| {
            let alone = Json::Object([(name.clone(), value)].into_iter().collect()).to_string();
            (name, alone)
        })
        .collect()
}

/// The body `repeat-refused` remembers (a non-empty one); nothing under any other fault, so
/// the body is not copied on every PATCH for nothing.
pub(crate) fn remembered<'b>(
    fault: Option<Fault>,
    patch: &Patch,
    raw: &'b [u8],
) -> Option<&'b [u8]> {
    (mine(fault) == Some(StoreFault::RepeatRefused) && !patch.changes.is_empty()).then_some(raw)
}

/// `repeat-refused`: the same body as the last one applied is refused.
pub(crate) fn refuse_repeat(
    fault: Option<Fault>,
    state: &EntityState,
    raw: Option<&[u8]>,
) -> Result<(), ApiError> {
    if mine(fault) == Some(StoreFault::RepeatRefused)
        && raw.is_some()
        && state.last_body.as_deref() == raw
    {
        return Err(ApiError::bad_request(
            "this update was already applied; change a value before sending it again",
        ));
    }
    Ok(())
}

/// The entity a PATCH starts from: `patch-replaces` resets every writable property first
/// when the PATCH changes something.
pub(crate) fn start_from(
    fault: Option<Fault>,
    model: &EntityModel,
    patch: &Patch,
    entity: &mut Entity,
) {
    if mine(fault) == Some(StoreFault::PatchReplaces) && !patch.changes.is_empty() {
        for (i, p) in model.writable() {
            entity.values[i] = model.types.filled(model.types.default_value(&p.ty, false));
        }
    }
}

/// `lost-update`: reads, waits 1 ms, then writes the whole entity back without holding the
/// lock; `None` under any other fault (the write is made under the lock).
pub(crate) async fn write_unlocked(
    fault: Option<Fault>,
    stored: &Stored,
    merge: impl Fn(&Entity) -> Result<Entity, ApiError>,
) -> Option<Result<Entity, ApiError>> {
    if mine(fault) != Some(StoreFault::LostUpdate) {
        return None;
    }
    let snapshot = stored.state.lock().await.entity.clone();
    tokio::time::sleep(Duration::from_millis(1)).await;
    let updated = match merge(&snapshot) {
        Ok(u) => u,
        Err(e) => return Some(Err(e)),
    };
    stored.state.lock().await.entity = updated.clone();
    Some(Ok(updated))
}

/// False under `not-persisted`: the answer shows the update, the store keeps the old values.
pub(crate) fn persists(fault: Option<Fault>) -> bool {
    mine(fault) != Some(StoreFault::NotPersisted)
}
