//! `serve --entities K`: the fixture graph with K entities per variant instead of one. Every
//! node below a collection (an entity set's members and all they link to) is copied K − 1
//! times under new keys, each copy a member of the same collections as its original, and each
//! variant's ids gain the copies' keys. Singletons (the root's `deviceManagement`) stay one.

use std::collections::{BTreeMap, BTreeSet};

use super::file::{FixturesFile, Link};
use crate::ids::VariantIds;

/// The most entities per variant `serve --entities` makes.
pub(crate) const MOST_ENTITIES: usize = 64;

/// `fixtures` with `k` entities per variant, or why not.
pub(crate) fn with_entities(fixtures: &FixturesFile, k: usize) -> Result<FixturesFile, String> {
    if !(1..=MOST_ENTITIES).contains(&k) {
        return Err(format!(
            "--entities {k}: give 1 to {MOST_ENTITIES} entities per variant"
        ));
    }
    let copied = below_collections(fixtures);
    let mut out = fixtures.clone();
    for c in 1..k {
        let name = |id: &str| {
            if copied.contains(id) {
                copy_id(id, c)
            } else {
                id.to_owned()
            }
        };
        for id in &copied {
            let mut node = fixtures.nodes[id].clone();
            node.links.values_mut().for_each(|l| *l = renamed(l, &name));
            if out.nodes.insert(name(id), node).is_some() {
                return Err(format!("the copy {c} of node {id} takes the key {} of another node; this pack's keys leave no room for --entities", name(id)));
            }
        }
        // Collections outside the copies (an entity set on a singleton) gain the copies.
        for id in fixtures.nodes.keys().filter(|id| !copied.contains(*id)) {
            for (nav, link) in &fixtures.nodes[id].links {
                if let (Link::Many(members), Some(Link::Many(grown))) = (
                    link,
                    out.nodes.get_mut(id).and_then(|n| n.links.get_mut(nav)),
                ) {
                    grown.extend(members.iter().map(|m| name(m)));
                }
            }
        }
        for (root_nav, link) in &fixtures.root {
            if let (Link::Many(members), Some(Link::Many(grown))) =
                (link, out.root.get_mut(root_nav))
            {
                grown.extend(members.iter().map(|m| name(m)));
            }
        }
        for (variant, ids) in &fixtures.variants {
            if ids.keys.values().all(|k| !copied.contains(k)) {
                return Err(format!("variant {variant:?} reaches its entity through singletons only (no collection on its path), so --entities has nothing to copy for it; serve it with one entity"));
            }
            let copy = VariantIds {
                keys: ids.keys.iter().map(|(k, v)| (k.clone(), name(v))).collect(),
                reads: ids
                    .reads
                    .as_ref()
                    .map(|r| r.iter().map(|(k, v)| (k.clone(), name(v))).collect()),
                probes: BTreeMap::new(),
            };
            out.more.entry(variant.clone()).or_default().push(copy);
        }
    }
    Ok(out)
}

/// The nodes that are members of a collection, and every node they reach.
fn below_collections(fixtures: &FixturesFile) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = fixtures
        .root
        .values()
        .chain(fixtures.nodes.values().flat_map(|n| n.links.values()))
        .filter_map(|l| match l {
            Link::Many(members) => Some(members),
            Link::One(_) => None,
        })
        .flatten()
        .map(String::as_str)
        .collect();
    while let Some(id) = todo.pop() {
        if !seen.insert(id.to_owned()) {
            continue;
        }
        if let Some(node) = fixtures.nodes.get(id) {
            for link in node.links.values() {
                match link {
                    Link::One(to) => todo.push(to),
                    Link::Many(to) => todo.extend(to.iter().map(String::as_str)),
                }
            }
        }
    }
    seen
}

fn renamed(link: &Link, name: &impl Fn(&str) -> String) -> Link {
    match link {
        Link::One(to) => Link::One(name(to)),
        Link::Many(to) => Link::Many(to.iter().map(|m| name(m)).collect()),
    }
}

/// The key of copy `c` of node `id`: a GUID stays a GUID (its last digits count the copy);
/// any other key gets `-c`.
fn copy_id(id: &str, c: usize) -> String {
    match uuid::Uuid::parse_str(id) {
        Ok(g) => uuid::Uuid::from_u128(g.as_u128().wrapping_add(c as u128)).to_string(),
        Err(_) => format!("{id}-{c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guid_key_stays_a_guid_and_another_key_gets_a_suffix() {
        let id = "dc010000-0000-4000-8000-000000000000";
        assert_eq!(copy_id(id, 3), "dc010000-0000-4000-8000-000000000003");
        assert_eq!(copy_id("printer", 2), "printer-2");
    }
}
