//! The embedded service's graph for an imported pack: nodes and links made so that every
//! variant's path resolves to an entity of the pack (with real Graph types from the resource
//! pages where they say which type a navigation reaches), the canonical path reaches the same
//! entity where the page's model allows it (C1.2), and each routing probe breaks one rule
//! (C1.3): an entity that has the navigation but not the cast's type, one that lacks the
//! navigation, a key that is not a member of its collection.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::ids::{Keys, Probe, VariantIds};
use crate::pack::file::{FixturesFile, Link, NodeFile};
use crate::pack::template::{Segment, Template};

/// What the resource pages say about an entity type.
#[derive(Debug, Clone, Default)]
pub(crate) struct EntityInfo {
    /// False for a type only named as another's base, whose own page is missing.
    pub described: bool,
    pub base: Option<String>,
    /// Navigation name → (target type, collection-valued).
    pub navigations: BTreeMap<String, (String, bool)>,
}

/// The entity types known from resource pages, by qualified name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Known {
    pub entities: BTreeMap<String, EntityInfo>,
}

impl Known {
    /// True when `actual` is `wanted` or derives from it, as far as the pages tell: a chain of
    /// bases that reaches a type without a page of its own is taken to be compatible.
    fn is_a(&self, actual: &str, wanted: &str) -> bool {
        self.derives(actual, wanted, true)
    }

    /// True when `actual` is `wanted` or derives from it through the types known.
    fn definitely_is_a(&self, actual: &str, wanted: &str) -> bool {
        self.derives(actual, wanted, false)
    }

    /// Follows `actual`'s chain of bases looking for `wanted`. Where the chain reaches a type
    /// with no page (`described` false) or no entry at all, `lenient` says whether that counts
    /// as compatible; else an undescribed type's base is followed and an unknown type fails.
    fn derives(&self, actual: &str, wanted: &str, lenient: bool) -> bool {
        let mut current = Some(actual.to_owned());
        for _ in 0..64 {
            let Some(name) = current else {
                return false;
            };
            if name.eq_ignore_ascii_case(wanted) {
                return true;
            }
            current = match self.entities.get(&name) {
                Some(info) if info.described || !lenient => info.base.clone(),
                _ => return lenient,
            };
        }
        false
    }

    /// The navigation `name` of `ty` or of one of its bases.
    fn navigation(&self, ty: &str, name: &str) -> Option<&(String, bool)> {
        let mut current = Some(ty.to_owned());
        for _ in 0..64 {
            let info = self.entities.get(current.as_deref()?)?;
            if let Some(n) = info
                .navigations
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
            {
                return Some(n);
            }
            current = info.base.clone();
        }
        None
    }

    /// Known types that are `base` (or derive from it), in name order, with whether they have
    /// the navigation `name`.
    fn family(&self, base: &str) -> Vec<(&str, bool)> {
        self.entities
            .keys()
            .filter(|t| self.definitely_is_a(t, base))
            .map(|t| (t.as_str(), false))
            .collect()
    }

    /// A known type of `base`'s family that declares the navigation `name` (and is not of the
    /// type `not`, when given).
    fn declaring(&self, base: &str, name: &str, not: Option<&str>) -> Option<String> {
        let fits = |t: &str| {
            self.navigation(t, name).is_some() && not.is_none_or(|n| !self.definitely_is_a(t, n))
        };
        self.family(base)
            .into_iter()
            .map(|(t, _)| t)
            .find(|t| fits(t))
            .map(str::to_owned)
            .or_else(|| self.entities.keys().find(|t| fits(t)).cloned())
    }

    /// A known type of `base`'s family that lacks the navigation `name`.
    fn lacking(&self, base: &str, name: &str) -> Option<String> {
        self.family(base)
            .into_iter()
            .map(|(t, _)| t)
            .find(|t| self.navigation(t, name).is_none() && *t != base)
            .map(str::to_owned)
    }
}

/// A deterministic GUID for a node, from the pack's name and the node's role.
fn guid(pack: &str, role: &str) -> String {
    let digest = Sha256::digest(format!("{pack}\u{0}{role}").as_bytes());
    let h: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// The element type a key placeholder names: `{deviceConfigurationId}` → `deviceConfiguration`.
fn element_type(namespace: &str, placeholder: &str) -> String {
    let base = placeholder.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = base.strip_suffix("Id").unwrap_or(base);
    format!("{namespace}.{base}")
}

/// What the graph builder may ask about: the entity type, the types the paths name (casts, key
/// placeholders, the segments before the first key) as seeds, and the navigation names the
/// paths follow (lower case).
pub(crate) fn reached_from(
    namespace: &str,
    entity_type: &str,
    templates: &[(String, Template)],
) -> (Vec<String>, std::collections::BTreeSet<String>) {
    let mut seeds = vec![entity_type.to_owned()];
    let mut navigations = std::collections::BTreeSet::new();
    for (_, template) in templates {
        let mut keyed = false;
        for segment in template.segments() {
            match segment {
                Segment::Navigation(n) => {
                    navigations.insert(n.to_ascii_lowercase());
                    if !keyed {
                        seeds.push(format!("{namespace}.{n}"));
                    }
                }
                Segment::Key(k) => {
                    keyed = true;
                    seeds.push(element_type(namespace, k));
                }
                Segment::Cast(t) => seeds.push(t.clone()),
            }
        }
    }
    seeds.sort();
    seeds.dedup();
    (seeds, navigations)
}

/// One walk of a template: the keys it filled, and the node after each segment.
struct Walk {
    keys: Keys,
    nodes: Vec<String>,
}

/// A walk under way: where it stands after the segments read so far.
struct Walking<'w> {
    role: &'w str,
    segments: &'w [Segment],
    forced: &'w BTreeMap<usize, String>,
    keys: Keys,
    nodes: Vec<String>,
    /// The node the walk stands on (none before the first navigation).
    owner: Option<String>,
    /// A collection just named and waiting for its key: its owner, the navigation and the
    /// element type.
    set: Option<(Option<String>, String, String)>,
    /// Whether a key has been passed: nodes after it belong to this walk alone.
    keyed: bool,
}

impl Walking<'_> {
    fn is_last(&self, i: usize) -> bool {
        i + 1 == self.segments.len()
    }
}

/// Builds the graph variant by variant.
pub(crate) struct Builder<'a> {
    pack: String,
    namespace: String,
    entity_type: String,
    known: &'a Known,
    nodes: BTreeMap<String, NodeFile>,
    root: BTreeMap<String, Link>,
    pub warnings: Vec<String>,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(pack: &str, namespace: &str, entity_type: &str, known: &'a Known) -> Self {
        Self {
            pack: pack.to_owned(),
            namespace: namespace.to_owned(),
            entity_type: entity_type.to_owned(),
            known,
            nodes: BTreeMap::new(),
            root: BTreeMap::new(),
            warnings: Vec::new(),
        }
    }

    /// The graph and the ids of `variants` (the first is the canonical one).
    pub(crate) fn build(
        mut self,
        variants: &[(String, Template)],
    ) -> Result<(FixturesFile, Vec<String>), String> {
        let mut ids = BTreeMap::new();
        let canonical = &variants[0].1;
        for (name, template) in variants {
            let walk = self.walk(name, template.segments(), &BTreeMap::new())?;
            let reads = self.attach(canonical, template, &walk);
            self.own_entities(name, canonical, &walk);
            let mut probes = BTreeMap::new();
            self.probes(name, template, &walk, canonical, &mut probes);
            ids.insert(
                name.clone(),
                VariantIds {
                    keys: walk.keys,
                    reads,
                    probes,
                },
            );
        }
        let fixtures = FixturesFile {
            root: self.root,
            nodes: self.nodes,
            variants: ids,
            more: BTreeMap::new(),
        };
        Ok((fixtures, self.warnings))
    }

    fn add_node(&mut self, id: &str, type_name: &str) {
        self.nodes.entry(id.to_owned()).or_insert_with(|| NodeFile {
            type_name: type_name.to_owned(),
            links: BTreeMap::new(),
            values: None,
        });
    }

    fn links_of(&mut self, owner: Option<&str>) -> &mut BTreeMap<String, Link> {
        match owner {
            None => &mut self.root,
            Some(id) => {
                &mut self
                    .nodes
                    .get_mut(id)
                    .expect("a node is added before it is linked from")
                    .links
            }
        }
    }

    fn link_one(&mut self, owner: Option<&str>, name: &str, target: &str) {
        self.links_of(owner)
            .insert(name.to_owned(), Link::One(target.to_owned()));
    }

    fn add_member(&mut self, owner: Option<&str>, name: &str, member: &str) {
        let links = self.links_of(owner);
        let entry = links
            .entry(name.to_owned())
            .or_insert_with(|| Link::Many(Vec::new()));
        if let Link::Many(members) = entry {
            if !members.iter().any(|m| m == member) {
                members.push(member.to_owned());
            }
        }
    }

    fn node_type(&self, id: &str) -> String {
        self.nodes
            .get(id)
            .map(|n| n.type_name.clone())
            .unwrap_or_default()
    }

    fn set_type(&mut self, id: &str, type_name: &str) {
        if let Some(n) = self.nodes.get_mut(id) {
            n.type_name = type_name.to_owned();
        }
    }

    /// Walks `segments` making nodes (`role` names this walk's fresh nodes; `forced` gives a
    /// node's type by position). Nodes before the first key are singletons shared by all walks.
    fn walk(
        &mut self,
        role: &str,
        segments: &[Segment],
        forced: &BTreeMap<usize, String>,
    ) -> Result<Walk, String> {
        let mut w = Walking {
            role,
            segments,
            forced,
            keys: Keys::new(),
            nodes: Vec::new(),
            owner: None,
            set: None,
            keyed: false,
        };
        for (i, segment) in segments.iter().enumerate() {
            match (segment, segments.get(i + 1)) {
                (Segment::Navigation(name), Some(Segment::Key(k))) => {
                    self.collection(&mut w, name, k)
                }
                (Segment::Navigation(name), _) => self.navigation(&mut w, i, name),
                (Segment::Key(k), _) => self.key(&mut w, i, k)?,
                (Segment::Cast(t), _) => self.cast(&mut w, i, t)?,
            }
        }
        let entity = w.owner.ok_or("the path reaches no entity")?;
        self.set_type(&entity, &self.entity_type.clone());
        Ok(Walk {
            keys: w.keys,
            nodes: w.nodes,
        })
    }

    /// A collection named before its key: the key's segment makes the member.
    fn collection(&self, w: &mut Walking<'_>, name: &str, key: &str) {
        w.set = Some((
            w.owner.clone(),
            name.to_owned(),
            element_type(&self.namespace, key),
        ));
        w.nodes.push(w.owner.clone().unwrap_or_default());
    }

    /// A single-valued navigation: a node of the navigation's type (the entity's, at the end),
    /// shared by every walk until a key has been passed.
    fn navigation(&mut self, w: &mut Walking<'_>, i: usize, name: &str) {
        let from_type = w
            .owner
            .as_deref()
            .map(|o| self.node_type(o))
            .unwrap_or_default();
        let ty = if w.is_last(i) {
            self.entity_type.clone()
        } else {
            self.known
                .navigation(&from_type, name)
                .map(|(t, _)| t.clone())
                .unwrap_or_else(|| format!("{}.{name}", self.namespace))
        };
        let path_role = format!("{}/{i}/{name}", w.role);
        let id = if w.keyed {
            guid(&self.pack, &path_role)
        } else {
            w.segments[..=i]
                .iter()
                .map(seg_text)
                .collect::<Vec<_>>()
                .join("/")
        };
        let ty = w.forced.get(&i).cloned().unwrap_or(ty);
        self.add_node(&id, &ty);
        self.link_one(w.owner.as_deref(), name, &id);
        w.owner = Some(id.clone());
        w.nodes.push(id);
    }

    /// A key: a fresh member of the collection named just before it.
    fn key(&mut self, w: &mut Walking<'_>, i: usize, k: &str) -> Result<(), String> {
        let Some((set_owner, link, element)) = w.set.take() else {
            return Err(format!(
                "the key {{{k}}} does not follow a collection (a navigation segment)"
            ));
        };
        w.keyed = true;
        let ty = if w.is_last(i) {
            self.entity_type.clone()
        } else {
            self.refine(&element, w.segments.get(i + 1))
        };
        let ty = w.forced.get(&i).cloned().unwrap_or(ty);
        let id = guid(&self.pack, &format!("{}/{i}/{k}", w.role));
        self.add_node(&id, &ty);
        self.add_member(set_owner.as_deref(), &link, &id);
        w.keys.insert(k.to_owned(), id.clone());
        w.owner = Some(id.clone());
        w.nodes.push(id);
        Ok(())
    }

    /// A type cast: the entity it follows takes the cast's type (unless a forced type holds it).
    fn cast(&mut self, w: &mut Walking<'_>, i: usize, t: &str) -> Result<(), String> {
        let Some(o) = w.owner.clone() else {
            return Err(format!("the cast {t} does not follow an entity"));
        };
        if !w.forced.contains_key(&i.saturating_sub(1)) {
            let refined = self.refine(t, w.segments.get(i + 1));
            self.set_type(&o, &refined);
        }
        w.nodes.push(o);
        Ok(())
    }

    /// `declared`, or a known type of its family that has the navigation coming next.
    fn refine(&self, declared: &str, next: Option<&Segment>) -> String {
        let Some(Segment::Navigation(n)) = next else {
            return declared.to_owned();
        };
        if self.known.navigation(declared, n).is_some()
            || !self.known.entities.contains_key(declared) && self.known.family(declared).is_empty()
        {
            return declared.to_owned();
        }
        self.known
            .declaring(declared, n, None)
            .unwrap_or_else(|| declared.to_owned())
    }
}

fn seg_text(s: &Segment) -> String {
    match s {
        Segment::Navigation(n) | Segment::Cast(n) => n.clone(),
        Segment::Key(k) => format!("{{{k}}}"),
    }
}

/// A segment for comparing tails of two paths: navigations by name, keys as keys, casts out.
fn shape(segments: &[Segment]) -> Vec<String> {
    segments
        .iter()
        .filter(|s| !matches!(s, Segment::Cast(_)))
        .map(|s| match s {
            Segment::Navigation(n) => n.to_ascii_lowercase(),
            _ => "{key}".to_owned(),
        })
        .collect()
}

impl Builder<'_> {
    /// Makes the entity `walk` reached readable through the canonical path, where the page's
    /// model allows it: the node that holds it must be of the canonical collection's type.
    /// Returns the canonical keys (`reads`), or `None` when no canonical path reaches it.
    fn attach(&mut self, canonical: &Template, template: &Template, walk: &Walk) -> Option<Keys> {
        let csegs = canonical.segments();
        let first_key = csegs.iter().position(|s| matches!(s, Segment::Key(_)));
        let Some(kpos) = first_key else {
            // A canonical path without keys reaches one singleton entity.
            return (shape(template.segments()) == shape(csegs)).then(Keys::new);
        };
        let Segment::Key(k1) = &csegs[kpos] else {
            return None;
        };
        let element = element_type(&self.namespace, k1);
        let rest = shape(&csegs[kpos + 1..]);
        let vsegs = template.segments();
        for j in (0..vsegs.len()).rev() {
            if shape(&vsegs[j + 1..]) != rest || matches!(vsegs[j], Segment::Cast(_)) {
                continue;
            }
            let node = walk.nodes.get(j)?.clone();
            let node_type = self.node_type(&node);
            let casts = csegs[kpos + 1..].iter().map_while(|s| {
                if let Segment::Cast(c) = s {
                    Some(c)
                } else {
                    None
                }
            });
            let castable = casts.into_iter().all(|c| self.known.is_a(&node_type, c));
            if node.is_empty() || !self.known.is_a(&node_type, &element) || !castable {
                return None;
            }
            let prefix = self.walk_prefix(&csegs[..kpos])?;
            if let Segment::Navigation(link) = &csegs[kpos - 1] {
                self.add_member(prefix.as_deref(), link, &node);
            }
            let mut reads = Keys::from([(k1.clone(), node)]);
            let vkeys = vsegs[j + 1..].iter().filter_map(Segment::key);
            let ckeys = csegs[kpos + 1..].iter().filter_map(Segment::key);
            for (c, v) in ckeys.zip(vkeys) {
                reads.insert(c.to_owned(), walk.keys.get(v)?.clone());
            }
            return Some(reads);
        }
        None
    }

    /// Every node of a walk that is of the canonical collection's type gets an entity of its
    /// own, reachable through the canonical path, as each configuration has its own overview
    /// in Graph (so a service that writes the first node's entity instead of the one the path
    /// names is seen).
    fn own_entities(&mut self, role: &str, canonical: &Template, walk: &Walk) {
        let csegs = canonical.segments();
        let Some(kpos) = csegs.iter().position(|s| matches!(s, Segment::Key(_))) else {
            return;
        };
        let Segment::Key(k1) = &csegs[kpos] else {
            return;
        };
        let tail: Vec<&str> = csegs[kpos + 1..]
            .iter()
            .filter_map(Segment::navigation)
            .collect();
        if tail.len() != csegs.len() - kpos - 1 || tail.is_empty() {
            return;
        }
        let element = element_type(&self.namespace, k1);
        let Some(Some(prefix)) = self.walk_prefix(&csegs[..kpos]) else {
            return;
        };
        let Segment::Navigation(link) = &csegs[kpos - 1] else {
            return;
        };
        if csegs[kpos + 1..]
            .iter()
            .any(|s| matches!(s, Segment::Cast(_)))
        {
            return;
        }
        let holders: Vec<String> = walk
            .nodes
            .iter()
            .filter(|n| {
                !n.is_empty()
                    && self
                        .known
                        .entities
                        .get(&self.node_type(n))
                        .is_some_and(|i| i.described)
                    && self.known.is_a(&self.node_type(n), &element)
            })
            .cloned()
            .collect();
        for (i, node) in holders.iter().enumerate() {
            if self
                .nodes
                .get(node)
                .is_some_and(|n| n.links.contains_key(tail[0]))
            {
                continue;
            }
            self.add_member(Some(&prefix), link, node);
            let mut owner = node.clone();
            for (depth, nav) in tail.iter().enumerate() {
                let last = depth + 1 == tail.len();
                let id = guid(&self.pack, &format!("{role}/own/{i}/{depth}/{nav}"));
                let ty = if last {
                    self.entity_type.clone()
                } else {
                    format!("{}.{nav}", self.namespace)
                };
                self.add_node(&id, &ty);
                self.link_one(Some(&owner), nav, &id);
                owner = id;
            }
        }
    }

    /// The node a key-less prefix of the canonical path ends at (the owner of its collection).
    fn walk_prefix(&mut self, prefix: &[Segment]) -> Option<Option<String>> {
        let nav_part = &prefix[..prefix.len().saturating_sub(1)];
        if nav_part.is_empty() {
            return Some(None);
        }
        let id = nav_part.iter().map(seg_text).collect::<Vec<_>>().join("/");
        self.nodes.contains_key(&id).then_some(Some(id))
    }
}

impl Builder<'_> {
    /// The routing probes of a variant (C1.3), each with the canonical keys of what it would
    /// reach were its rule ignored.
    fn probes(
        &mut self,
        name: &str,
        template: &Template,
        walk: &Walk,
        canonical: &Template,
        out: &mut BTreeMap<String, Probe>,
    ) {
        let segs = template.segments();
        let cast = segs.iter().position(|s| matches!(s, Segment::Cast(_)));
        let first_key = segs.iter().position(|s| matches!(s, Segment::Key(_)));
        // In this order: each walk adds to the graph.
        let mismatch = cast.and_then(|c| self.cast_mismatch(name, template, canonical, c));
        let missing = match (cast, first_key) {
            (None, Some(kp)) if kp + 2 < segs.len() => {
                self.missing_navigation(name, segs, kp, walk, canonical)
            }
            _ => None,
        };
        let not_a_member = self.not_a_member(name, template, walk, canonical);
        for (probe, found) in [
            ("cast-mismatch", mismatch),
            ("missing-navigation", missing),
            ("not-a-member", not_a_member),
        ] {
            if let Some(found) = found {
                out.insert(probe.into(), found);
            }
        }
    }

    /// The entity behind the cast at `c` made of a type the cast does not match (one that has
    /// the navigation after the cast, where the pages know one).
    fn cast_mismatch(
        &mut self,
        name: &str,
        template: &Template,
        canonical: &Template,
        c: usize,
    ) -> Option<Probe> {
        let segs = template.segments();
        let (Some(k), Some(Segment::Cast(t)), Some(Segment::Navigation(n))) = (
            segs.get(c.wrapping_sub(1)).and_then(Segment::key),
            segs.get(c),
            segs.get(c + 1),
        ) else {
            return None;
        };
        let element = element_type(&self.namespace, k);
        let decoy = self
            .known
            .declaring(&element, n, Some(t))
            .unwrap_or(element);
        let w = self
            .walk(
                &format!("{name}/cast-mismatch"),
                segs,
                &BTreeMap::from([(c - 1, decoy)]),
            )
            .ok()?;
        let reads = self.attach(canonical, template, &w);
        Some(Probe {
            keys: w.keys,
            reads,
        })
    }

    /// The variant's own entity with its last key pointing at a member of another collection.
    fn not_a_member(
        &mut self,
        name: &str,
        template: &Template,
        walk: &Walk,
        canonical: &Template,
    ) -> Option<Probe> {
        if template.keys().count() <= 1 {
            return None;
        }
        let last = template.keys().last()?.to_owned();
        let w = self
            .walk(
                &format!("{name}/not-a-member"),
                template.segments(),
                &BTreeMap::new(),
            )
            .ok()?;
        let reads = self.attach(canonical, template, &w);
        let mut keys = walk.keys.clone();
        keys.insert(last.clone(), w.keys[&last].clone());
        Some(Probe { keys, reads })
    }

    /// A member of the same collection whose type lacks the navigation, with its own entity
    /// through the canonical path; `kp` is the first key of `segs`, which a navigation must
    /// follow.
    fn missing_navigation(
        &mut self,
        name: &str,
        segs: &[Segment],
        kp: usize,
        walk: &Walk,
        canonical: &Template,
    ) -> Option<Probe> {
        let (Some(key), Some(Segment::Navigation(nav))) =
            (segs.get(kp).and_then(Segment::key), segs.get(kp + 1))
        else {
            return None;
        };
        let csegs = canonical.segments();
        let ck = csegs
            .iter()
            .position(|s| matches!(s, Segment::Key(k) if k == key))?;
        let element = element_type(&self.namespace, key);
        let decoy = self.known.lacking(&element, nav).unwrap_or(element);
        let w = self
            .walk(
                &format!("{name}/missing-navigation"),
                csegs,
                &BTreeMap::from([(ck, decoy)]),
            )
            .ok()?;
        let mut keys = walk.keys.clone();
        keys.insert(key.to_owned(), w.keys[key].clone());
        Some(Probe {
            keys,
            reads: Some(w.keys),
        })
    }
}
