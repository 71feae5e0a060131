//! The ids file (DESIGN.md, fixed): which configuration each path variant uses on a target, and
//! whose overview it reaches. `serve --ids-out` writes it; `run --ids` reads it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdsFile {
    pub variants: BTreeMap<String, VariantIds>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VariantIds {
    pub device_configuration_id: String,
    /// The configuration whose overview the variant reaches (C1.2); for `direct`, itself.
    pub overview_of: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IdsError {
    #[error("cannot read the ids file {path}: {source}; check the path given to --ids")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the ids file {path} is not in the expected shape: {source}; it must be \
         {{\"variants\": {{\"<variant>\": {{\"deviceConfigurationId\": \"…\", \"overviewOf\": \"…\"}}}}}} \
         (`graph-conformance serve --ids-out FILE` writes an example)"
    )]
    Parse {
        path: String,
        source: serde_json::Error,
    },
}

impl IdsFile {
    pub fn load(path: &Path) -> Result<Self, IdsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| IdsError::Read {
            path: shown.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| IdsError::Parse {
            path: shown,
            source,
        })
    }
}
