//! The files of a contract pack as they are written on disk: `pack.json` (the contract's
//! words: entity, properties, types, permissions, variants) and `fixtures.json` (the embedded
//! service's graph and the ids of its variants). Plain serde shapes; `pack::check` turns them
//! into working objects and says what is wrong with them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::VariantIds;

/// `pack.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PackFile {
    /// Short name, used by `--pack NAME` and in reports.
    pub name: String,
    /// The page's title, e.g. "Update deviceConfigurationUserOverview".
    pub title: String,
    pub source: Source,
    /// The version segment the page's paths live under ("beta").
    pub version: String,
    /// The namespace of type names and cast segments ("microsoft.graph").
    pub namespace: String,
    pub entity: EntityFile,
    pub permissions: Permissions,
    pub success: Success,
    /// Complex, enum and entity types by qualified name ("microsoft.graph.mimeContent").
    #[serde(default)]
    pub types: BTreeMap<String, TypeFile>,
    /// Every path the page lists, in the page's order; the first is the canonical one (C1.2).
    pub variants: Vec<VariantFile>,
    /// The page's example request body, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// What the importer could not state as a rule, in words (shown by `packs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Where the pack's contract was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Source {
    /// The page's file name (or path) as it was imported.
    pub page: String,
    /// The page's date or revision, e.g. "2017-02".
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct EntityFile {
    /// Qualified type name, e.g. "microsoft.graph.deviceConfigurationUserOverview".
    #[serde(rename = "type")]
    pub type_name: String,
    /// The key property ("id").
    pub key: String,
    /// Every property, inherited ones included, in the page's order.
    pub properties: Vec<PropertyFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PropertyFile {
    pub name: String,
    /// "Edm.Int32", "Collection(Edm.String)", "microsoft.graph.mimeContent", …
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
}

/// Who may PATCH (and GET) the entity (C2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Permissions {
    /// Delegated scopes (`scp`) that allow a PATCH; empty when delegated access is not supported.
    pub delegated: Vec<String>,
    /// Application roles (`roles`) that allow a PATCH.
    pub application: Vec<String>,
    /// Further scopes that allow a GET only.
    #[serde(default)]
    pub read: Vec<String>,
}

/// What a valid PATCH answers (C4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Success {
    pub(crate) status: u16,
    /// True when the answer carries the updated entity.
    pub(crate) entity: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) enum TypeFile {
    Complex {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<String>,
        #[serde(default, rename = "abstract", skip_serializing_if = "is_false")]
        is_abstract: bool,
        /// Its own properties (a base type's are inherited).
        #[serde(default)]
        properties: Vec<PropertyFile>,
    },
    Enum {
        #[serde(default, skip_serializing_if = "is_false")]
        flags: bool,
        members: Vec<String>,
    },
    /// An entity type: the entity's own, one derived from it, or one the paths cast to.
    Entity {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<String>,
        #[serde(default, rename = "abstract", skip_serializing_if = "is_false")]
        is_abstract: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VariantFile {
    /// The variant's name in trial names (`<variant>::<clause>::<case>`).
    pub name: String,
    /// The path as the page prints it, after the version segment, `{…Id}` placeholders kept.
    pub template: String,
}

/// `fixtures.json`: the embedded service's graph and the ids of every variant on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixturesFile {
    /// The service root's navigations: name → node id (or ids, for an entity set).
    pub(crate) root: BTreeMap<String, Link>,
    /// Every node by id: the ids are the keys paths use.
    pub nodes: BTreeMap<String, NodeFile>,
    /// The ids file of this graph (what `serve --ids-out` writes).
    pub variants: BTreeMap<String, VariantIds>,
    /// Further entities of a variant beside the one in `variants` (`serve --entities`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) more: BTreeMap<String, Vec<VariantIds>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    /// Qualified type name.
    #[serde(rename = "type")]
    pub(crate) type_name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub links: BTreeMap<String, Link>,
    /// An entity node's initial values (by property name); absent ones are made up per type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) values: Option<serde_json::Map<String, Value>>,
}

/// A navigation: one node (single-valued) or several (collection-valued, members by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Link {
    One(String),
    Many(Vec<String>),
}

fn is_false(b: &bool) -> bool {
    !*b
}
