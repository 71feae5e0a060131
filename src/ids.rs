//! The ids file (DESIGN.md): which keys each path variant uses on a target, the canonical keys
//! of the entity it reaches (C1.2), and the keys of the probes that break one routing rule
//! (C1.3). `serve --ids-out` writes it; `run --ids` reads it. The first wave's shape
//! (`deviceConfigurationId` and `overviewOf`) is still read, as the seed's pack names them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Key values by placeholder name (`deviceConfigurationId` → a GUID).
pub type Keys = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdsFile {
    pub variants: BTreeMap<String, VariantIds>,
}

/// One variant's ids on the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "VariantIdsShape", into = "CurrentShape")]
pub struct VariantIds {
    /// The keys that fill the variant's template.
    pub keys: Keys,
    /// The canonical variant's keys for the entity this variant reaches; absent when no
    /// canonical path reaches it (its state is then read through the variant itself).
    pub reads: Option<Keys>,
    /// Keys that break one routing rule each: `cast-mismatch`, `missing-navigation`,
    /// `not-a-member`.
    pub probes: BTreeMap<String, Probe>,
}

/// A probe's keys, and the canonical keys of what it would reach were the rule ignored (so a
/// run can see that nothing there changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub keys: Keys,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<Keys>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum VariantIdsShape {
    Current(CurrentShape),
    FirstWave(FirstWaveShape),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CurrentShape {
    keys: Keys,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reads: Option<Keys>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    probes: BTreeMap<String, Probe>,
}

/// The seed pack's first shape: one configuration and whose overview it reaches.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FirstWaveShape {
    device_configuration_id: String,
    overview_of: String,
}

/// The placeholder the first wave's shape fills.
pub const FIRST_WAVE_KEY: &str = "deviceConfigurationId";

impl From<VariantIdsShape> for VariantIds {
    fn from(shape: VariantIdsShape) -> Self {
        match shape {
            VariantIdsShape::Current(c) => Self {
                keys: c.keys,
                reads: c.reads,
                probes: c.probes,
            },
            VariantIdsShape::FirstWave(f) => Self {
                keys: Keys::from([(FIRST_WAVE_KEY.to_owned(), f.device_configuration_id)]),
                reads: Some(Keys::from([(FIRST_WAVE_KEY.to_owned(), f.overview_of)])),
                probes: BTreeMap::new(),
            },
        }
    }
}

impl From<VariantIds> for CurrentShape {
    fn from(v: VariantIds) -> Self {
        Self {
            keys: v.keys,
            reads: v.reads,
            probes: v.probes,
        }
    }
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
         {{\"variants\": {{\"<variant>\": {{\"keys\": {{\"<placeholder>\": \"…\"}}, \"reads\": {{…}}}}}}}} \
         (`graph-conformance serve --pack P --ids-out FILE` writes an example)"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_wave_shape_reads_as_keys_and_reads() {
        let text = r#"{"variants": {"direct": {"deviceConfigurationId": "a", "overviewOf": "b"}}}"#;
        let ids: IdsFile = serde_json::from_str(text).unwrap();
        let v = &ids.variants["direct"];
        assert_eq!(v.keys[FIRST_WAVE_KEY], "a");
        assert_eq!(v.reads.as_ref().unwrap()[FIRST_WAVE_KEY], "b");
        let written = serde_json::to_string(&ids).unwrap();
        assert!(written.contains("\"keys\""), "{written}");
        assert_eq!(serde_json::from_str::<IdsFile>(&written).unwrap(), ids);
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        let text = r#"{"variants": {"direct": {"kyes": {"a": "b"}}}}"#;
        assert!(serde_json::from_str::<IdsFile>(text).is_err());
    }
}
