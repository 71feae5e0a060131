//! The service's state: configurations by id, each with its own overview behind its own lock,
//! so a PATCH holds that lock across read-modify-write (C5.4) and validates before it applies
//! (C5.3).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio::sync::Mutex;

use super::fixtures::{self, CONFIGURATIONS};
use crate::domain::{Entity, EntityModel};

/// One overview's stored state.
#[derive(Debug, Clone)]
pub struct OverviewState {
    pub entity: Entity,
    /// The last non-empty body applied (only the `repeat-refused` fault reads it).
    pub last_body: Option<Vec<u8>>,
}

/// A configuration: its actual type, its set navigations and its overview.
#[derive(Debug)]
pub struct Configuration {
    pub id: String,
    pub odata_type: String,
    pub root_certificate: Option<String>,
    pub identity_certificate: Option<String>,
    /// The overview's key: fixed at creation (a PATCH can never change it, C3.6), so it is
    /// read without taking the overview's lock.
    pub overview_id: String,
    pub overview: Mutex<OverviewState>,
}

impl Configuration {
    /// The configuration id a navigation of this configuration refers to, if set.
    pub fn navigation(&self, name: &str) -> Option<&str> {
        if name.eq_ignore_ascii_case(fixtures::ROOT_CERTIFICATE) {
            self.root_certificate.as_deref()
        } else if name.eq_ignore_ascii_case(fixtures::IDENTITY_CERTIFICATE) {
            self.identity_certificate.as_deref()
        } else {
            None
        }
    }
}

/// Every configuration, keyed by lower-case id (Graph matches GUIDs case-insensitively).
#[derive(Debug)]
pub struct Store {
    configurations: RwLock<HashMap<String, Arc<Configuration>>>,
}

impl Store {
    /// The fixtures, each with its initial overview generated from the model.
    pub fn with_fixtures(model: &EntityModel) -> Self {
        let configurations = CONFIGURATIONS
            .iter()
            .enumerate()
            .map(|(ordinal, c)| {
                let config = Configuration {
                    id: c.id.to_owned(),
                    odata_type: c.odata_type.to_owned(),
                    root_certificate: c.root_certificate.map(str::to_owned),
                    identity_certificate: c.identity_certificate.map(str::to_owned),
                    overview_id: c.overview_id.to_owned(),
                    overview: Mutex::new(OverviewState {
                        entity: fixtures::initial_overview(model, c.overview_id, ordinal + 1),
                        last_body: None,
                    }),
                };
                (c.id.to_ascii_lowercase(), Arc::new(config))
            })
            .collect();
        Self {
            configurations: RwLock::new(configurations),
        }
    }

    pub fn get(&self, id: &str) -> Option<Arc<Configuration>> {
        let map = self
            .configurations
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Most ids arrive lower-case already; only the others pay for a lower-case copy.
        map.get(id)
            .or_else(|| map.get(&id.to_ascii_lowercase()))
            .cloned()
    }

    /// The configuration `id`, created (as a plain `deviceConfiguration` with a fresh overview)
    /// when it does not exist. Only the `unknown-id-created` fault calls this.
    pub fn get_or_create(&self, id: &str, model: &EntityModel) -> Arc<Configuration> {
        let mut map = self
            .configurations
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let ordinal = map.len() + 1;
        map.entry(id.to_ascii_lowercase())
            .or_insert_with(|| {
                let overview_id = uuid::Uuid::new_v4().to_string();
                Arc::new(Configuration {
                    id: id.to_owned(),
                    odata_type: "deviceConfiguration".to_owned(),
                    root_certificate: None,
                    identity_certificate: None,
                    overview: Mutex::new(OverviewState {
                        entity: fixtures::initial_overview(model, &overview_id, ordinal),
                        last_body: None,
                    }),
                    overview_id,
                })
            })
            .clone()
    }

    /// How many configurations exist (tests check that refusals create none).
    pub fn len(&self) -> usize {
        self.configurations
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }
}
