//! The service's state: every entity of the pack's graph by node id, each behind its own lock,
//! so a PATCH holds that lock across read-modify-write (C5.4) and validates before it applies
//! (C5.3). Entities made on the spot by the `unknown-id-created` fault live here too.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio::sync::Mutex;

use super::fixtures;
use crate::domain::{Entity, EntityModel};
use crate::pack::graph::Graph;

/// One entity's stored state.
#[derive(Debug, Clone)]
pub(crate) struct EntityState {
    pub entity: Entity,
    /// The last non-empty body applied (only the `repeat-refused` fault reads it).
    pub last_body: Option<Vec<u8>>,
}

/// An entity: its node id (its key) and its state.
#[derive(Debug)]
pub(crate) struct Stored {
    pub id: String,
    pub state: Mutex<EntityState>,
}

/// Every entity, keyed by lower-case node id (Graph matches keys case-insensitively).
#[derive(Debug)]
pub(crate) struct Store {
    entities: RwLock<HashMap<String, Arc<Stored>>>,
}

fn stored(id: &str, entity: Entity) -> Arc<Stored> {
    Arc::new(Stored {
        id: id.to_owned(),
        state: Mutex::new(EntityState {
            entity,
            last_body: None,
        }),
    })
}

impl Store {
    /// The graph's entity nodes, each with its initial values (given, or made up per type).
    pub(crate) fn with_fixtures(model: &EntityModel, graph: &Graph) -> Self {
        let entities = graph
            .nodes()
            .filter(|(_, n)| model.types.is_a(&n.type_name, &model.type_name))
            .enumerate()
            .map(|(ordinal, (id, node))| {
                let entity = fixtures::initial_entity(model, id, node.values.as_ref(), ordinal + 1);
                (id.to_ascii_lowercase(), stored(id, entity))
            })
            .collect();
        Self {
            entities: RwLock::new(entities),
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Stored>> {
        let map = self
            .entities
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Most ids arrive as stored; only the others pay for a lower-case copy.
        map.get(id)
            .or_else(|| map.get(&id.to_ascii_lowercase()))
            .cloned()
    }

    /// The entity stored under `id`, created with fresh values when there is none. Only the
    /// `unknown-id-created` fault calls this.
    pub(crate) fn get_or_create(&self, id: &str, model: &EntityModel) -> Arc<Stored> {
        let mut map = self
            .entities
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let ordinal = map.len() + 1;
        map.entry(id.to_ascii_lowercase())
            .or_insert_with(|| {
                let key = uuid::Uuid::new_v4().to_string();
                stored(&key, fixtures::initial_entity(model, &key, None, ordinal))
            })
            .clone()
    }

    /// How many entities exist (tests check that refusals create none).
    pub(crate) fn count(&self) -> usize {
        self.entities
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }
}
