//! The embedded service's graph of a pack (`fixtures.json`): nodes with types and navigation
//! links, and how a path resolves through them (C1.2, C1.3): navigations by name, keys among a
//! collection's members, casts by type. Shared by the pack check (every variant must resolve)
//! and the service (which routes every request through it).

use std::collections::HashMap;

use super::file::{FixturesFile, Link, NodeFile};
use crate::domain::Types;

/// Why a path does not reach an entity; the message is what the service answers with 404.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Miss {
    /// A navigation the node does not have.
    NoNavigation { node: String, name: String },
    /// A cast to a type the node is not (nor derives from).
    CastMismatch {
        node: String,
        actual: String,
        cast: String,
    },
    /// A key no member of the collection has; `exists` when a node elsewhere has it.
    NotMember { key: String, exists: bool },
    /// The path ends somewhere that is not an entity of the pack (a collection, another type).
    NotAnEntity,
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoNavigation { node, name } => write!(
                f,
                "Resource not found for the segment '{name}': '{node}' has no navigation {name}"
            ),
            Self::CastMismatch { node, actual, cast } => write!(
                f,
                "'{node}' is a {actual}, not a {cast}: the type-cast segment does not match"
            ),
            Self::NotMember { key, exists: true } => write!(
                f,
                "'{key}' is not a member of this collection (it exists, but not here)"
            ),
            Self::NotMember { key, exists: false } => {
                write!(
                    f,
                    "nothing has the key '{key}'; use a key from the ids file"
                )
            }
            Self::NotAnEntity => write!(f, "the path does not address an entity"),
        }
    }
}

/// How faults bend resolution (the service's `cast-ignored`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bend {
    pub ignore_casts: bool,
}

/// The fixture graph, with ids looked up case-insensitively (Graph matches GUIDs so).
#[derive(Debug, Clone)]
pub(crate) struct Graph {
    root: NodeFile,
    nodes: Vec<(String, NodeFile)>,
    by_id: HashMap<String, usize>,
}

/// Where resolution stands: at a node, or in a collection of nodes.
enum At<'g> {
    Node(&'g str, &'g NodeFile),
    Set(&'g [String]),
}

impl Graph {
    pub(crate) fn new(fixtures: &FixturesFile) -> Self {
        let nodes: Vec<(String, NodeFile)> = fixtures
            .nodes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let by_id = nodes
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.to_ascii_lowercase(), i))
            .collect();
        Self {
            root: NodeFile {
                type_name: String::new(),
                links: fixtures.root.clone(),
                values: None,
            },
            nodes,
            by_id,
        }
    }

    pub(crate) fn node(&self, id: &str) -> Option<(&str, &NodeFile)> {
        let i = match self.by_id.get(id) {
            Some(i) => *i,
            None => *self.by_id.get(&id.to_ascii_lowercase())?,
        };
        let (id, node) = &self.nodes[i];
        Some((id.as_str(), node))
    }

    pub(crate) fn nodes(&self) -> impl Iterator<Item = (&str, &NodeFile)> {
        self.nodes.iter().map(|(id, n)| (id.as_str(), n))
    }

    /// Follows `segments` (a normalised path after the version segment) to the entity node it
    /// addresses; `is_entity` says which nodes are entities of the pack.
    pub(crate) fn resolve<'g>(
        &'g self,
        types: &Types,
        segments: &[&str],
        bend: Bend,
        is_entity: impl Fn(&NodeFile) -> bool,
    ) -> Result<&'g str, Miss> {
        let mut at = At::Node("", &self.root);
        for segment in segments {
            at = self.step(types, at, segment, bend)?;
        }
        match at {
            At::Node(id, node) if !id.is_empty() && is_entity(node) => Ok(id),
            _ => Err(Miss::NotAnEntity),
        }
    }

    fn step<'g>(
        &'g self,
        types: &Types,
        at: At<'g>,
        segment: &str,
        bend: Bend,
    ) -> Result<At<'g>, Miss> {
        match at {
            At::Node(id, node) if segment.contains('.') => {
                if bend.ignore_casts || types.is_a(&node.type_name, segment) {
                    Ok(At::Node(id, node))
                } else {
                    Err(Miss::CastMismatch {
                        node: id.to_owned(),
                        actual: node.type_name.clone(),
                        cast: segment.to_owned(),
                    })
                }
            }
            At::Node(id, node) => {
                let link = node
                    .links
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(segment))
                    .map(|(_, l)| l);
                match link {
                    Some(Link::One(target)) => self.at_node(target),
                    Some(Link::Many(members)) => Ok(At::Set(members)),
                    None => Err(Miss::NoNavigation {
                        node: if id.is_empty() {
                            "the service root".into()
                        } else {
                            id.to_owned()
                        },
                        name: segment.to_owned(),
                    }),
                }
            }
            At::Set(members) => match members.iter().find(|m| m.eq_ignore_ascii_case(segment)) {
                Some(member) => self.at_node(member),
                None => Err(Miss::NotMember {
                    key: segment.to_owned(),
                    exists: self.node(segment).is_some(),
                }),
            },
        }
    }

    fn at_node<'g>(&'g self, id: &str) -> Result<At<'g>, Miss> {
        self.node(id)
            .map(|(id, node)| At::Node(id, node))
            .ok_or(Miss::NotMember {
                key: id.to_owned(),
                exists: false,
            })
    }
}
