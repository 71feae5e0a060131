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
#[serde(try_from = "VariantIdsShape", into = "CurrentShape")]
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
    /// The first wave's two fields, which [`IdsFile::written`] puts beside `keys`: read only to
    /// check they agree with `keys` and `reads`, never written from here (a pack's fixtures
    /// hold variant ids too, and need no second copy).
    #[serde(rename = "deviceConfigurationId", default, skip_serializing)]
    device_configuration_id: Option<String>,
    #[serde(rename = "overviewOf", default, skip_serializing)]
    overview_of: Option<String>,
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

impl TryFrom<VariantIdsShape> for VariantIds {
    type Error = String;

    fn try_from(shape: VariantIdsShape) -> Result<Self, String> {
        match shape {
            VariantIdsShape::Current(c) => {
                let key = c.keys.get(FIRST_WAVE_KEY);
                let reached = c.reads.as_ref().and_then(|r| r.get(FIRST_WAVE_KEY)).or(key);
                let agree = |field: &Option<String>, with: Option<&String>| {
                    field.is_none() || field.as_ref() == with
                };
                if !agree(&c.device_configuration_id, key) || !agree(&c.overview_of, reached) {
                    return Err(format!(
                        "\"deviceConfigurationId\" and \"overviewOf\" must agree with \"keys\" and \"reads\" ({:?}, {:?}); remove them or correct them",
                        c.device_configuration_id, c.overview_of
                    ));
                }
                Ok(Self {
                    keys: c.keys,
                    reads: c.reads,
                    probes: c.probes,
                })
            }
            VariantIdsShape::FirstWave(f) => Ok(Self {
                keys: Keys::from([(FIRST_WAVE_KEY.to_owned(), f.device_configuration_id)]),
                reads: Some(Keys::from([(FIRST_WAVE_KEY.to_owned(), f.overview_of)])),
                probes: BTreeMap::new(),
            }),
        }
    }
}

impl From<VariantIds> for CurrentShape {
    fn from(v: VariantIds) -> Self {
        Self {
            device_configuration_id: None,
            overview_of: None,
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
    /// The file `serve --ids-out` writes: the current shape, and for a variant whose one key
    /// is `deviceConfigurationId` the first wave's two fields beside it too (DESIGN.md fixes
    /// that shape for the scripts that read it).
    pub fn written(&self) -> serde_json::Value {
        let mut json = serde_json::to_value(self).expect("ids serialise to JSON");
        for (name, v) in &self.variants {
            let Some(configuration) = v.keys.get(FIRST_WAVE_KEY).filter(|_| v.keys.len() == 1)
            else {
                continue;
            };
            let overview_of = v
                .reads
                .as_ref()
                .and_then(|r| r.get(FIRST_WAVE_KEY))
                .unwrap_or(configuration);
            if let Some(entry) = json["variants"][name].as_object_mut() {
                entry.insert(FIRST_WAVE_KEY.into(), configuration.clone().into());
                entry.insert("overviewOf".into(), overview_of.clone().into());
            }
        }
        json
    }

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
    fn ids_out_writes_a_single_configuration_key_in_the_first_wave_shape_too() {
        let v = VariantIds {
            keys: Keys::from([(FIRST_WAVE_KEY.to_owned(), "a".to_owned())]),
            reads: Some(Keys::from([(FIRST_WAVE_KEY.to_owned(), "b".to_owned())])),
            probes: BTreeMap::new(),
        };
        let ids = IdsFile {
            variants: BTreeMap::from([("root-certificate".to_owned(), v)]),
        };
        let json = ids.written();
        let written = &json["variants"]["root-certificate"];
        assert_eq!(written["deviceConfigurationId"], "a");
        assert_eq!(written["overviewOf"], "b");
        assert_eq!(written["keys"][FIRST_WAVE_KEY], "a");
        let back: IdsFile = serde_json::from_value(json).unwrap();
        assert_eq!(back, ids);
    }

    #[test]
    fn first_wave_fields_that_disagree_with_keys_are_refused() {
        let text = r#"{"variants": {"direct": {"deviceConfigurationId": "a", "keys": {"deviceConfigurationId": "b"}}}}"#;
        let e = serde_json::from_str::<IdsFile>(text).unwrap_err();
        assert!(e.to_string().contains("must agree"), "{e}");
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        let text = r#"{"variants": {"direct": {"kyes": {"a": "b"}}}}"#;
        assert!(serde_json::from_str::<IdsFile>(text).is_err());
    }
}
