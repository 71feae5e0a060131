//! Planned cases: one per case × variant (and per generator × variant), each with the trial
//! name `<variant>::<clause>::<case>` and the overviews it may write, which decide locking and
//! partitions.

pub mod variants;

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::case::{Case, IdChoice, Suite};
use crate::generate::Strategy;
use crate::ids::{IdsFile, VariantIds};

/// A variant as planned: its name, template, and ids on the target (absent: skipped).
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub template: String,
    pub ids: Option<VariantIds>,
}

#[derive(Debug, Clone)]
pub enum Work {
    Case(Arc<Case>),
    Generated(Strategy),
}

#[derive(Debug, Clone)]
pub struct PlannedCase {
    pub name: String,
    pub variant: Arc<Variant>,
    pub clause: String,
    pub work: Work,
    /// Configuration ids whose overviews this trial may write; trials sharing one never run at
    /// the same time, and a partition keeps them on one shard.
    pub writes: Vec<String>,
    /// Why the trial cannot run here, known before running (a variant missing from the ids file).
    pub skip: Option<String>,
}

pub struct Plan {
    pub cases: Vec<PlannedCase>,
    pub direct: Arc<Variant>,
}

/// The suite's variants with their ids on the target (absent ids: the variant is skipped).
pub fn variants(suite: &Suite, ids: &IdsFile) -> Vec<Arc<Variant>> {
    suite
        .variants
        .iter()
        .map(|v| {
            Arc::new(Variant {
                name: v.name.clone(),
                template: v.template.clone(),
                ids: ids.variants.get(&v.name).cloned(),
            })
        })
        .collect()
}

/// Plans every case on every variant it applies to. Trials are interleaved across variants so
/// that parallel runners reach different overviews instead of queueing on one.
pub fn plan(suite: &Suite, ids: &IdsFile, generated: bool) -> Plan {
    let variants = variants(suite, ids);
    let direct = variants
        .iter()
        .find(|v| v.name == "direct")
        .cloned()
        .expect("Suite::load requires a direct variant");
    let mut per_variant: Vec<Vec<PlannedCase>> = Vec::new();
    for (def, variant) in suite.variants.iter().zip(&variants) {
        let mut list = Vec::new();
        for case in suite.common.iter().chain(&def.cases) {
            let mut writes = overview_of(variant);
            if case.request.id == IdChoice::Direct {
                writes.extend(overview_of(&direct));
            }
            list.push(planned(
                variant,
                &direct,
                case.clause.clone(),
                &case.name,
                Work::Case(Arc::new(case.clone())),
                writes,
            ));
        }
        if generated {
            for s in Strategy::ALL {
                list.push(planned(
                    variant,
                    &direct,
                    s.refusal_clause().unwrap_or(s.clause()).to_owned(),
                    s.name(),
                    Work::Generated(s),
                    overview_of(variant),
                ));
            }
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
    Plan { cases, direct }
}

fn overview_of(variant: &Variant) -> Vec<String> {
    variant.ids.iter().map(|i| i.overview_of.clone()).collect()
}

fn planned(
    variant: &Arc<Variant>,
    direct: &Arc<Variant>,
    clause: String,
    case_name: &str,
    work: Work,
    mut writes: Vec<String>,
) -> PlannedCase {
    writes.sort();
    writes.dedup();
    let skip = match (&variant.ids, &direct.ids) {
        (None, _) => Some(format!(
            "variant {:?} is not in the ids file; add it to run these trials",
            variant.name
        )),
        (_, None) => Some(
            "the ids file has no \"direct\" variant, which every trial reads state through; add it"
                .into(),
        ),
        _ => None,
    };
    PlannedCase {
        name: format!("{}::{}::{}", variant.name, clause, case_name),
        variant: Arc::clone(variant),
        clause,
        work,
        writes,
        skip,
    }
}

/// `hash:K/N`: this shard's share, split by the first overview a trial writes, hashed stably.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
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
    pub fn select(&self, cases: Vec<PlannedCase>) -> Vec<PlannedCase> {
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
    pub fn variants<'a>(&self, names: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
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
    fn shards_are_disjoint_complete_and_even() {
        let names = crate::report::VARIANTS;
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
