//! The ids file (DESIGN.md): which keys each path variant uses on a target, the canonical keys
//! of the entity it reaches (C1.2), and the keys of the probes that break one routing rule
//! (C1.3). `serve --ids-out` writes it; `run --ids` reads it. The first wave's shape
//! (`deviceConfigurationId` and `overviewOf`) is still read, as the seed's pack names them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Key values by placeholder name (`deviceConfigurationId` → a GUID).
pub type Keys = BTreeMap<String, String>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "IdsShape", into = "IdsShape")]
pub struct IdsFile {
    /// Each variant's first entity (the one whose entry holds the routing probes).
    pub variants: BTreeMap<String, VariantIds>,
    /// A variant's further entities, when its entry is a list (`"direct": [{…}, {…}]`): trials
    /// are spread over all of them, so a slow target answers several chains at once.
    pub(crate) more: BTreeMap<String, Vec<VariantIds>>,
}

/// The file as written: a variant's entry is one entity, or a list of them.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdsShape {
    variants: BTreeMap<String, Entities>,
}

/// One entity (today's single form), or several.
#[derive(Serialize)]
#[serde(untagged)]
enum Entities {
    One(VariantIds),
    Many(Vec<VariantIds>),
}

/// By hand rather than `untagged`, so that a mistake inside an entry is reported as serde
/// found it, not as "matched no variant".
impl<'de> Deserialize<'de> for Entities {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        if value.is_array() {
            let many: Vec<VariantIds> = serde_json::from_value(value).map_err(D::Error::custom)?;
            if many.is_empty() {
                return Err(D::Error::custom(
                    "a variant's list of entities is empty; list one entity at least, or remove the variant",
                ));
            }
            return Ok(Self::Many(many));
        }
        serde_json::from_value(value)
            .map(Self::One)
            .map_err(D::Error::custom)
    }
}

impl TryFrom<IdsShape> for IdsFile {
    type Error = String;

    fn try_from(shape: IdsShape) -> Result<Self, String> {
        let mut ids = Self::default();
        for (name, entities) in shape.variants {
            let mut all = match entities {
                Entities::One(v) => vec![v],
                Entities::Many(v) => v,
            };
            // Two chains on one entity at once would see each other's writes as C4.5 failures.
            if let Some(twice) = all
                .iter()
                .enumerate()
                .find(|(i, v)| all[..*i].iter().any(|u| u.keys == v.keys))
            {
                return Err(format!(
                    "variant {name:?} lists the entity with keys {:?} twice; list each entity once",
                    twice.1.keys
                ));
            }
            let first = all.remove(0);
            if all.iter().any(|v| !v.probes.is_empty()) {
                return Err(format!("variant {name:?}: only its first entity may list probes (the routing probes run once per variant); move them to the first"));
            }
            ids.variants.insert(name.clone(), first);
            if !all.is_empty() {
                ids.more.insert(name, all);
            }
        }
        Ok(ids)
    }
}

impl From<IdsFile> for IdsShape {
    fn from(mut ids: IdsFile) -> Self {
        let variants = ids
            .variants
            .into_iter()
            .map(|(name, first)| match ids.more.remove(&name) {
                Some(more) => {
                    let mut all = vec![first];
                    all.extend(more);
                    (name, Entities::Many(all))
                }
                None => (name, Entities::One(first)),
            })
            .collect();
        Self { variants }
    }
}

/// Every entity of `variant`, its first one first: what the tests read back.
#[cfg(test)]
impl IdsFile {
    pub(crate) fn entities(&self, variant: &str) -> Vec<VariantIds> {
        self.variants
            .get(variant)
            .into_iter()
            .chain(self.more.get(variant).into_iter().flatten())
            .cloned()
            .collect()
    }
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
    pub(crate) probes: BTreeMap<String, Probe>,
}

/// A probe's keys, and the canonical keys of what it would reach were the rule ignored (so a
/// run can see that nothing there changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Probe {
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
pub(crate) const FIRST_WAVE_KEY: &str = "deviceConfigurationId";

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
pub(crate) enum IdsError {
    #[error("cannot read the ids file {path}: {source}; check the path given to --ids")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the ids file {path} is not in the expected shape: {source}; it must be \
         {{\"variants\": {{\"<variant>\": {{\"keys\": {{\"<placeholder>\": \"…\"}}, \"reads\": {{…}}}}}}}}, \
         a variant's entry also a list of such entities \
         (`graph-conformance serve --pack P [--entities K] --ids-out FILE` writes an example)"
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
    pub(crate) fn written(&self) -> serde_json::Value {
        let mut json = serde_json::to_value(self).expect("ids serialise to JSON");
        // A list of entities is a shape the first wave never read: no fields of its beside it.
        for (name, v) in self
            .variants
            .iter()
            .filter(|(n, _)| !self.more.contains_key(*n))
        {
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

    pub(crate) fn load(path: &Path) -> Result<Self, IdsError> {
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
            more: BTreeMap::new(),
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
    fn a_variant_may_list_several_entities_and_reads_back_the_same() {
        let text = r#"{"variants": {"direct": [{"keys": {"k": "a"}}, {"keys": {"k": "b"}}], "other": {"keys": {"k": "c"}}}}"#;
        let ids: IdsFile = serde_json::from_str(text).unwrap();
        assert_eq!(ids.variants["direct"].keys["k"], "a");
        assert_eq!(ids.more["direct"][0].keys["k"], "b");
        let all: Vec<String> = ids
            .entities("direct")
            .iter()
            .map(|v| v.keys["k"].clone())
            .collect();
        assert_eq!(all, ["a", "b"]);
        assert_eq!(ids.entities("other").len(), 1);
        let back: IdsFile = serde_json::from_value(ids.written()).unwrap();
        assert_eq!(back, ids);
        assert!(ids.written()["variants"]["other"].is_object());
    }

    #[test]
    fn an_empty_list_and_probes_past_the_first_entity_are_refused_saying_what_to_do() {
        let empty = r#"{"variants": {"direct": []}}"#;
        let e = serde_json::from_str::<IdsFile>(empty).unwrap_err();
        assert!(e.to_string().contains("list one entity at least"), "{e}");
        let late = r#"{"variants": {"direct": [{"keys": {"k": "a"}}, {"keys": {"k": "b"}, "probes": {"not-a-member": {"keys": {"k": "x"}}}}]}}"#;
        let e = serde_json::from_str::<IdsFile>(late).unwrap_err();
        assert!(e.to_string().contains("move them to the first"), "{e}");
        let twice = r#"{"variants": {"direct": [{"keys": {"k": "a"}}, {"keys": {"k": "a"}}]}}"#;
        let e = serde_json::from_str::<IdsFile>(twice).unwrap_err();
        assert!(e.to_string().contains("list each entity once"), "{e}");
        let typo = r#"{"variants": {"direct": [{"keys": {"k": "a"}}, {"kyes": {"k": "b"}}]}}"#;
        assert!(serde_json::from_str::<IdsFile>(typo).is_err());
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        let text = r#"{"variants": {"direct": {"kyes": {"a": "b"}}}}"#;
        assert!(serde_json::from_str::<IdsFile>(text).is_err());
    }
}
