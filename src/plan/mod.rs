//! Planned cases: one per case × variant (and per generator × variant), each with the trial
//! name `<variant>::<clause>::<case>`, the keys its request uses, where its entity's state is
//! read, and the entities it may write, which decide locking and partitions.

use std::collections::BTreeSet;
use std::sync::Arc;

mod ladders;
mod rules;

use crate::case::{Case, Expectation, IdChoice};
use crate::generate::Strategy;
use crate::ids::{IdsFile, Keys, VariantIds};
use crate::pack::template::{Segment, Template};
use crate::pack::Pack;

/// A variant as planned: its name, template, and ids on the target (absent: skipped).
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub name: String,
    pub template: Template,
    /// Its first entity on the target (the one the routing probes run on).
    pub ids: Option<VariantIds>,
    /// Its further entities, which trials are spread over.
    pub more: Vec<VariantIds>,
}

impl Variant {
    /// How many entities the variant has on the target.
    pub(crate) fn entities(&self) -> usize {
        usize::from(self.ids.is_some()) + self.more.len()
    }

    /// Entity `i` (0: the first).
    fn entity(&self, i: usize) -> Option<&VariantIds> {
        match i {
            0 => self.ids.as_ref(),
            _ => self.more.get(i - 1),
        }
    }
}

/// A path to one entity: a variant's template filled with keys.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub variant: Arc<Variant>,
    pub keys: Keys,
}

impl Address {
    /// A name for the entity, for locks and partitions: the variant and its keys.
    pub(crate) fn identity(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}({})", self.variant.name, keys.join(","))
    }
}

/// The keys a request fills its template with; a fresh GUID is drawn per run where the case
/// needs a key nobody has (C1.3).
#[derive(Debug, Clone)]
pub(crate) enum KeyPlan {
    Fixed(Keys),
    /// These keys with a fresh GUID in place of the named one.
    Fresh(Keys, String),
}

impl KeyPlan {
    pub(crate) fn keys(&self) -> Keys {
        match self {
            Self::Fixed(k) => k.clone(),
            Self::Fresh(k, name) => {
                let mut k = k.clone();
                k.insert(name.clone(), uuid::Uuid::new_v4().to_string());
                k
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Work {
    Case(Arc<Case>),
    Generated(Strategy),
}

/// Where a planned case sends its request and reads state; absent when it cannot run here.
#[derive(Debug, Clone)]
pub(crate) struct Routing {
    pub request: Address,
    pub keys: KeyPlan,
    pub state: Address,
    pub watch: Option<Address>,
}

#[derive(Debug, Clone)]
pub struct PlannedCase {
    pub name: String,
    pub(crate) variant: Arc<Variant>,
    pub(crate) clause: String,
    pub(crate) work: Work,
    /// Identities of the entities this trial may write; trials sharing one never run at the
    /// same time, and a partition keeps them on one shard.
    pub(crate) writes: Vec<String>,
    /// For a generated trial of accepted inputs on a variant with several entities: the
    /// routing to each of them (the first is `routing`'s), so that its inputs run as one exact
    /// chain per entity, all at once. Empty otherwise.
    pub(crate) spread: Vec<Routing>,
    /// Where it runs, or why it cannot run here (known before running: a variant missing from
    /// the ids file, a probe the ids file cannot give).
    pub(crate) routing: Result<Routing, String>,
}

pub struct Plan {
    pub cases: Vec<PlannedCase>,
}

/// The pack's variants with their ids on the target (absent ids: the variant is skipped).
pub(crate) fn variants(pack: &Pack, ids: &IdsFile) -> Vec<Arc<Variant>> {
    pack.variants
        .iter()
        .map(|v| {
            Arc::new(Variant {
                name: v.name.clone(),
                template: v.template.clone(),
                ids: ids.variants.get(&v.name).cloned(),
                more: ids.more.get(&v.name).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// Plans every case on every variant it applies to. Trials are interleaved across variants so
/// that parallel runners reach different entities instead of queueing on one.
pub fn plan(pack: &Pack, ids: &IdsFile, generated: bool) -> Plan {
    let variants = variants(pack, ids);
    let strategies = if generated {
        Strategy::for_model(&pack.model)
    } else {
        Vec::new()
    };
    let derived = rules::derived(pack);
    let once = rules::once(pack);
    let mut per_variant: Vec<Vec<PlannedCase>> = Vec::new();
    for (i, variant) in variants.iter().enumerate() {
        // Trials take the variant's entities in turn, so trials that hold an entity alone
        // run side by side on a target that lists several.
        let mut turn = (0..variant.entities().max(1)).cycle();
        let mut list: Vec<PlannedCase> = pack
            .suite
            .cases_of(&variant.name)
            .chain(&derived)
            .zip(&mut turn)
            .map(|(case, entity)| case_on(&variants, variant, entity, case))
            .collect();
        for (s, entity) in strategies.iter().zip(&mut turn) {
            list.push(generated_on(&variants, variant, entity, *s));
        }
        // The ladders last: what a store that keeps everything keeps of them spoils no other
        // trial of the entity.
        if i == 0 {
            list.extend(
                once.iter()
                    .zip(&mut turn)
                    .map(|(case, entity)| case_on(&variants, variant, entity, case)),
            );
        }
        per_variant.push(list);
    }
    let mut cases = Vec::new();
    let longest = per_variant.iter().map(Vec::len).max().unwrap_or(0);
    let mut iters: Vec<_> = per_variant.into_iter().map(Vec::into_iter).collect();
    for _ in 0..longest {
        for it in &mut iters {
            cases.extend(it.next());
        }
    }
    Plan { cases }
}

fn case_on(
    variants: &[Arc<Variant>],
    variant: &Arc<Variant>,
    entity: usize,
    case: &Case,
) -> PlannedCase {
    let alias = case.expect == Expectation::Alias;
    let routing = routing(variants, variant, entity, case.request.id, alias);
    let work = Work::Case(Arc::new(case.clone()));
    planned(variant, case.clause.clone(), &case.name, work, routing)
}

/// A generated trial: refused inputs on the entity whose turn it is; accepted inputs on every
/// entity of the variant at once, one chain each.
fn generated_on(
    variants: &[Arc<Variant>],
    variant: &Arc<Variant>,
    entity: usize,
    s: Strategy,
) -> PlannedCase {
    let on = |entity| routing(variants, variant, entity, IdChoice::Variant, false);
    let spread: Vec<Routing> = if s.expects_acceptance() && variant.entities() > 1 {
        (0..variant.entities()).filter_map(|e| on(e).ok()).collect()
    } else {
        Vec::new()
    };
    let first = if spread.is_empty() { entity } else { 0 };
    let mut pc = planned(
        variant,
        s.clause().to_owned(),
        &s.name(),
        Work::Generated(s),
        on(first),
    );
    pc.writes.extend(spread.iter().map(|r| r.state.identity()));
    pc.writes.sort();
    pc.writes.dedup();
    pc.spread = spread;
    pc
}

fn planned(
    variant: &Arc<Variant>,
    clause: String,
    case_name: &str,
    work: Work,
    routing: Result<Routing, String>,
) -> PlannedCase {
    let mut writes: Vec<String> = match &routing {
        Ok(r) => r
            .watch
            .iter()
            .chain([&r.state])
            .map(Address::identity)
            .collect(),
        Err(_) => Vec::new(),
    };
    writes.sort();
    writes.dedup();
    PlannedCase {
        name: format!("{}::{}::{}", variant.name, clause, case_name),
        variant: Arc::clone(variant),
        clause,
        work,
        writes,
        routing,
        spread: Vec::new(),
    }
}

/// Where the entity `ids` reach is read: the canonical path with `reads`, or the variant itself.
pub(crate) fn state_address(
    variants: &[Arc<Variant>],
    variant: &Arc<Variant>,
    keys: &Keys,
    reads: Option<&Keys>,
) -> Address {
    match reads {
        Some(r) => Address {
            variant: Arc::clone(&variants[0]),
            keys: r.clone(),
        },
        None => Address {
            variant: Arc::clone(variant),
            keys: keys.clone(),
        },
    }
}

/// The routing of a case on `variant`, or why it cannot run there; an `alias` case reads back
/// through the canonical keys the variant reaches.
fn routing(
    variants: &[Arc<Variant>],
    variant: &Arc<Variant>,
    entity: usize,
    choice: IdChoice,
    alias: bool,
) -> Result<Routing, String> {
    // The probes and the borrowed canonical key are the first entity's.
    let entity = match choice {
        IdChoice::Variant | IdChoice::Unknown => entity,
        _ => 0,
    };
    let ids = variant.entity(entity).ok_or_else(|| {
        format!(
            "variant {:?} is not in the ids file; add it to run these trials",
            variant.name
        )
    })?;
    let state = state_address(variants, variant, &ids.keys, ids.reads.as_ref());
    if alias && ids.reads.is_none() {
        return Err(format!("the ids file gives no \"reads\" for variant {:?}: which canonical keys reach its entity, so a write through it cannot be compared with a read through the canonical path (C1.2); add them", variant.name));
    }
    let request = Address {
        variant: Arc::clone(variant),
        keys: ids.keys.clone(),
    };
    let first_key = variant.template.keys().next().map(str::to_owned);
    let (keys, watch) = match choice {
        IdChoice::Variant => (KeyPlan::Fixed(ids.keys.clone()), None),
        IdChoice::Unknown => {
            let first =
                first_key.ok_or("the variant's path has no key to replace by an unknown one")?;
            (KeyPlan::Fresh(ids.keys.clone(), first), None)
        }
        IdChoice::Direct => direct(variants, variant, &ids.keys)?,
        probe_choice => probe(variants, variant, ids, probe_choice)?,
    };
    Ok(Routing {
        request,
        keys,
        state,
        watch,
    })
}

/// The first wave's "direct": the canonical variant's first key in the variant's first key,
/// watching the canonical entity.
fn direct(
    variants: &[Arc<Variant>],
    variant: &Arc<Variant>,
    keys: &Keys,
) -> Result<(KeyPlan, Option<Address>), String> {
    let canonical = &variants[0];
    let cids = canonical
        .ids
        .as_ref()
        .ok_or("the ids file has no ids for the canonical variant, whose entity a probe reads")?;
    let mut keys = keys.clone();
    let (Some(mine), Some(theirs)) = (
        variant.template.keys().next(),
        canonical.template.keys().next(),
    ) else {
        return Err("the variant or the canonical path has no key to borrow".into());
    };
    let value = cids
        .keys
        .get(theirs)
        .cloned()
        .ok_or("the canonical variant's keys are incomplete")?;
    keys.insert(mine.to_owned(), value);
    let watch = state_address(variants, canonical, &cids.keys, cids.reads.as_ref());
    Ok((KeyPlan::Fixed(keys), Some(watch)))
}

/// A probe's keys from the ids file, or a stand-in the ids file allows.
fn probe(
    variants: &[Arc<Variant>],
    variant: &Arc<Variant>,
    ids: &VariantIds,
    choice: IdChoice,
) -> Result<(KeyPlan, Option<Address>), String> {
    let name = choice.probe().unwrap_or_default();
    if let Some(p) = ids.probes.get(name) {
        let watch = p.reads.as_ref().map(|r| Address {
            variant: Arc::clone(&variants[0]),
            keys: r.clone(),
        });
        return Ok((KeyPlan::Fixed(p.keys.clone()), watch));
    }
    match choice {
        IdChoice::NotAMember => {
            let last = variant.template.keys().last().ok_or("the variant's path has no key")?;
            Ok((KeyPlan::Fresh(ids.keys.clone(), last.to_owned()), None))
        }
        IdChoice::MissingNavigation => direct(variants, variant, &ids.keys),
        _ => cast_stand_in(variants, variant, ids).ok_or_else(|| format!(
            "the ids file gives no \"{name}\" probe for variant {:?} and no other variant has the same navigation behind another cast; add probes.{name}.keys: an entity that has the navigation but is not of the cast's type", variant.name)),
    }
}

/// For a cast probe without ids: another variant whose path is the same but for the cast's
/// type; its entity has the navigation and is of another type.
fn cast_stand_in(
    variants: &[Arc<Variant>],
    variant: &Arc<Variant>,
    ids: &VariantIds,
) -> Option<(KeyPlan, Option<Address>)> {
    let shape = |t: &Template| -> Vec<String> {
        t.segments()
            .iter()
            .map(|s| match s {
                Segment::Cast(_) => "(cast)".to_owned(),
                Segment::Key(_) => "(key)".to_owned(),
                Segment::Navigation(n) => n.to_ascii_lowercase(),
            })
            .collect()
    };
    let cast = |t: &Template| {
        t.segments().iter().find_map(|s| match s {
            Segment::Cast(c) => Some(c.to_ascii_lowercase()),
            _ => None,
        })
    };
    let mine = shape(&variant.template);
    let other = variants.iter().find(|o| {
        o.name != variant.name
            && shape(&o.template) == mine
            && cast(&o.template) != cast(&variant.template)
            && o.ids.is_some()
    })?;
    let oids = other.ids.as_ref()?;
    let mut keys = ids.keys.clone();
    for (mine, theirs) in variant.template.keys().zip(other.template.keys()) {
        keys.insert(mine.to_owned(), oids.keys.get(theirs)?.clone());
    }
    let watch = state_address(variants, other, &oids.keys, oids.reads.as_ref());
    Some((KeyPlan::Fixed(keys), Some(watch)))
}

/// `hash:K/N`: this shard's share, split by the first overview a trial writes, hashed stably.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Partition {
    pub k: u32,
    pub n: u32,
}

impl std::str::FromStr for Partition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let usage =
            || format!("--partition {s:?}: expected hash:K/N with 1 ≤ K ≤ N, e.g. hash:1/3");
        let rest = s.strip_prefix("hash:").ok_or_else(usage)?;
        let (k, n) = rest.split_once('/').ok_or_else(usage)?;
        let k: u32 = k.parse().map_err(|_| usage())?;
        let n: u32 = n.parse().map_err(|_| usage())?;
        if n == 0 || k == 0 || k > n {
            return Err(usage());
        }
        Ok(Self { k, n })
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "hash:{}/{}", self.k, self.n)
    }
}

impl Partition {
    /// This shard's trials: those of its variants (see [`Partition::variants`]).
    pub(crate) fn select(&self, cases: Vec<PlannedCase>) -> Vec<PlannedCase> {
        let mine = self.variants(cases.iter().map(|c| c.variant.name.as_str()));
        cases
            .into_iter()
            .filter(|c| mine.contains(&c.variant.name))
            .collect()
    }

    /// The variants of this shard, out of all the pack's `names`. Ranked by a stable hash of
    /// the name and dealt round-robin, so shards differ by one variant at most (the hash alone
    /// put 5 of the 8 on one of two shards, and none on two of eight). The key is the variant
    /// name, not an id, so shards with their own ids files split the same way.
    pub(crate) fn variants<'a>(&self, names: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
        let mut ranked: Vec<(u32, &str)> =
            names.map(|n| (crc32fast::hash(n.as_bytes()), n)).collect();
        ranked.sort_unstable();
        ranked.dedup();
        ranked
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i as u32 % self.n == self.k - 1)
            .map(|(_, (_, name))| name.to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trials_take_a_variants_entities_in_turn_and_accepted_chains_spread_over_all() {
        let pack = Pack::load(&crate::pack::Selection::default())
            .unwrap()
            .with_entities(2)
            .unwrap();
        let ids = pack.fixture_ids();
        assert_eq!(ids.entities("direct").len(), 2);
        let planned = plan(&pack, &ids, true).cases;
        let direct: Vec<&PlannedCase> = planned
            .iter()
            .filter(|pc| pc.variant.name == "direct")
            .collect();
        let entity_of = |pc: &PlannedCase| pc.routing.as_ref().unwrap().state.identity();
        let plain: Vec<String> = direct
            .iter()
            .filter(|pc| matches!(&pc.work, Work::Case(c) if c.request.id == IdChoice::Variant))
            .map(|pc| entity_of(pc))
            .collect();
        let distinct: BTreeSet<&String> = plain.iter().collect();
        assert_eq!(distinct.len(), 2, "{distinct:?}");
        let accepted = direct
            .iter()
            .find(|pc| matches!(pc.work, Work::Generated(s) if s.expects_acceptance()))
            .unwrap();
        assert_eq!(accepted.spread.len(), 2);
        assert_eq!(accepted.writes.len(), 2, "{:?}", accepted.writes);
        let refused = direct
            .iter()
            .find(|pc| matches!(pc.work, Work::Generated(s) if !s.expects_acceptance()))
            .unwrap();
        assert!(refused.spread.is_empty());
        assert_eq!(refused.writes.len(), 1);
    }

    #[test]
    fn shards_are_disjoint_complete_and_even() {
        let names = ["direct", "a", "b", "c", "d", "e", "f", "g"];
        for n in 1..=10u32 {
            let shards: Vec<BTreeSet<String>> = (1..=n)
                .map(|k| Partition { k, n }.variants(names.iter().copied()))
                .collect();
            let sizes: Vec<usize> = shards.iter().map(BTreeSet::len).collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "{n} shards: {sizes:?}");
            assert_eq!(
                sizes.iter().sum::<usize>(),
                names.len(),
                "{n} shards: {sizes:?}"
            );
            let all: BTreeSet<&String> = shards.iter().flatten().collect();
            assert_eq!(all.len(), names.len());
            // The split depends on the names only, not on their order.
            let reversed = Partition { k: 1, n }.variants(names.iter().rev().copied());
            assert_eq!(reversed, shards[0]);
        }
    }
}
