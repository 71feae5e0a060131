//! Generated inputs (DESIGN.md "Generated cases"): proptest strategies over the entity's writable
//! properties, valid and invalid values of every type the pack uses, biased to their edges, a
//! fixed edge prefix, deterministic seeding and shrinking of a failing input.
//!
//! Properties are taken from the [`EntityModel`] and chosen by their type's [`Family`]; no
//! property name appears here. An [`Input`] is a raw JSON body text, so that numbers such as
//! `2147483648`, `1e20` and `4.5` are sent exactly as written.
//!
//! A run sends the strategy's [`edges`] first (the same for every seed, most important first, so
//! every named edge is sent within the default 256 cases), then random draws from a proptest
//! [`TestRunner`] whose ChaCha RNG is seeded from the run's seed and the strategy's name. Inputs
//! go to the test in batches (a batch shares one verifying read); the first failing random
//! input is shrunk with proptest's `ValueTree` (`simplify` while it still fails, `complicate`
//! when it passes), with at most [`MAX_SHRINK_STEPS`] calls of the test.

mod edm;
pub(crate) mod typed;

#[cfg(test)]
mod draws_tests;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use proptest::prelude::{BoxedStrategy, Strategy as _};
use proptest::sample::{select, subsequence};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};

use crate::contract::C4_4;
use crate::domain::types::Family;
use crate::domain::EntityModel;

use edm::json_string;
use typed::Bad;

/// The most times the test is called while shrinking one failure, so a slow target cannot stall
/// a run. A candidate already tested (same body) is not sent again.
pub const MAX_SHRINK_STEPS: u32 = 64;

/// Bound on shrinking iterations that need no test call (candidates whose body was seen before).
const MAX_SHRINK_ITERATIONS: u32 = 4096;

/// How many draws are tried for an invalid body with at least one valid neighbour.
const MAX_DRAW_ATTEMPTS: u32 = 32;

/// What a strategy's inputs are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aim {
    /// One property of the family with a valid value, edges first (C4.4).
    Valid(Family),
    /// A non-empty subset of the writable properties with valid values (C4.4).
    ValidBody,
    /// One invalid value of the family beside valid properties: 400, nothing changed.
    Invalid(Family),
}

/// One generated-input strategy; a trial runs one strategy against one path variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Strategy {
    pub aim: Aim,
}

impl Strategy {
    /// The strategies for `model`: a valid and an invalid one per family its writable
    /// properties use, and the valid body.
    pub fn for_model(model: &EntityModel) -> Vec<Strategy> {
        let families: Vec<Family> = Family::all()
            .into_iter()
            .filter(|f| model.writable().any(|(_, p)| Family::of(&p.ty) == *f))
            .collect();
        let mut out: Vec<Strategy> = families
            .iter()
            .map(|f| Strategy {
                aim: Aim::Valid(*f),
            })
            .collect();
        out.push(Strategy {
            aim: Aim::ValidBody,
        });
        out.extend(families.iter().map(|f| Strategy {
            aim: Aim::Invalid(*f),
        }));
        out
    }

    /// The case name used in trial names; the same for every seed.
    pub fn name(self) -> String {
        match self.aim {
            Aim::Valid(f) => format!("generated-valid-{}", f.word()),
            Aim::ValidBody => "generated-valid-body".to_owned(),
            Aim::Invalid(f) => format!("generated-invalid-{}", f.word()),
        }
    }

    /// The strategy whose [`name`](Self::name) is `name`, for `model`.
    pub fn from_name(name: &str, model: &EntityModel) -> Option<Self> {
        Self::for_model(model)
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// The clause the trial is about: C4.4 (round trip) for valid inputs, the family's
    /// validity clause (C3.4, C3.5, …) for invalid ones.
    pub fn clause(self) -> &'static str {
        match self.aim {
            Aim::Invalid(f) => f.clause(),
            _ => C4_4,
        }
    }

    /// True when a conforming service accepts every input (200, or 204 under `--allow-204`);
    /// false when it refuses every input with 400 and the C6.1 error body.
    pub fn expects_acceptance(self) -> bool {
        !matches!(self.aim, Aim::Invalid(_))
    }

    /// The family whose properties the strategy targets; `None` when it uses them all.
    pub(crate) fn family(self) -> Option<Family> {
        match self.aim {
            Aim::Valid(f) | Aim::Invalid(f) => Some(f),
            Aim::ValidBody => None,
        }
    }
}

/// One generated PATCH body and what the harness needs to judge it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// The raw JSON object text to send.
    pub body: String,
    /// The entity properties the body sets, in body order (annotations such as `@odata.type`
    /// are not listed). For an invalid input the invalid property is the last one.
    pub properties: Vec<String>,
    /// Where it came from: `edge: <name>`, `random #<n>` (with the kind of invalid value for
    /// invalid strategies), and `, shrunk` once shrunk.
    pub note: String,
}

/// What a run did: how many inputs were tested, how many passed, and the first failure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub(crate) cases: u32,
    pub(crate) passed: u32,
    pub failure: Option<Failure>,
}

/// The first failing input, shrunk, with the input as first drawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The minimal failing input found (the original when it could not be shrunk).
    pub input: Input,
    /// The input as first drawn.
    pub original: Input,
    /// The test's message for `input`.
    pub(crate) message: String,
    /// How many times the test was called while shrinking (at most [`MAX_SHRINK_STEPS`]; 0 for
    /// an edge, which is not shrunk).
    pub shrink_steps: u32,
}

/// Why `strategy` has nothing to send for `model`, if it has not: the contract pack's entity
/// has no writable property of the strategy's family (a trial that ran no input must not pass).
pub(crate) fn inapplicable(strategy: Strategy, model: &EntityModel) -> Option<String> {
    let applies = model
        .writable()
        .any(|(_, p)| strategy.family().is_none_or(|f| Family::of(&p.ty) == f));
    (!applies).then(|| match strategy.family() {
        Some(f) => format!(
            "the contract pack's entity has no writable {} property for this strategy to vary",
            f.word()
        ),
        None => "the contract pack's entity has no writable property to vary".to_owned(),
    })
}

/// A batch's verdict: every input kept the contract, or the index of the first that did not and
/// why.
pub(crate) type BatchVerdict = Result<(), (usize, String)>;

/// Runs `cases` inputs of `strategy` through `test`, `batch` at a time: the fixed edge prefix
/// first (only its first `cases` entries when `cases` is smaller), then random draws seeded from
/// `seed` (same seed, same inputs). Stops at the first failure, shrunk (one input at a time)
/// when it is a random draw. A model without a property of the strategy's family yields no
/// inputs (`cases: 0`).
pub fn run(
    strategy: Strategy,
    model: &EntityModel,
    seed: u64,
    cases: u32,
    batch: usize,
    mut test: impl FnMut(&[Input]) -> BatchVerdict,
) -> RunSummary {
    let mut summary = RunSummary::default();
    let batch = batch.max(1);
    let edges: Vec<Input> = edges(strategy, model)
        .into_iter()
        .take(cases as usize)
        .collect();
    for chunk in edges.chunks(batch) {
        if let Err((i, message)) = tested(&mut summary, chunk, &mut test) {
            summary.failure = Some(Failure {
                original: chunk[i].clone(),
                input: chunk[i].clone(),
                message,
                shrink_steps: 0,
            });
            return summary;
        }
    }
    let Some(draws) = draws(strategy, model) else {
        return summary;
    };
    let mut runner = runner(strategy, seed);
    let mut n = 0u32;
    while summary.cases < cases {
        let size = batch.min((cases - summary.cases) as usize);
        let mut trees = Vec::with_capacity(size);
        let mut inputs = Vec::with_capacity(size);
        for _ in 0..size {
            n += 1;
            let Some(tree) = new_draw(&draws, &mut runner, model) else {
                break;
            };
            let label = format!("random #{n}");
            inputs.push(render(model, &tree.current(), &label, false));
            trees.push((tree, label));
        }
        if inputs.is_empty() {
            break;
        }
        if let Err((i, message)) = tested(&mut summary, &inputs, &mut test) {
            let (tree, label) = &mut trees[i];
            let mut one = |input: &Input| test(std::slice::from_ref(input)).map_err(|(_, m)| m);
            summary.failure = Some(shrink(
                model,
                &mut **tree,
                label,
                inputs[i].clone(),
                message,
                &mut one,
            ));
            return summary;
        }
    }
    summary
}

/// Tests one batch and counts it: every input when it passed, up to the failing one when not.
fn tested(
    summary: &mut RunSummary,
    inputs: &[Input],
    test: &mut impl FnMut(&[Input]) -> BatchVerdict,
) -> BatchVerdict {
    let verdict = test(inputs);
    let counted = match &verdict {
        Ok(()) => inputs.len(),
        Err((i, _)) => i + 1,
    };
    summary.cases += counted as u32;
    summary.passed += match &verdict {
        Ok(()) => counted as u32,
        Err((i, _)) => *i as u32,
    };
    verdict
}

/// The writable properties of `family`, by model index.
fn targets(model: &EntityModel, family: Family) -> Vec<usize> {
    model
        .writable()
        .filter(|(_, p)| Family::of(&p.ty) == family)
        .map(|(i, _)| i)
        .collect()
}

/// True when every index in `targets` has the same type (so one value list serves them all).
fn one_type(model: &EntityModel, targets: &[usize]) -> bool {
    targets
        .windows(2)
        .all(|w| model.properties[w[0]].ty == model.properties[w[1]].ty)
}

/// Named values for `targets`: one list dealt round-robin when they share a type, else each
/// property's own list in turn.
fn dealt(
    model: &EntityModel,
    targets: &[usize],
    list: impl Fn(usize) -> Vec<(String, String)>,
) -> Vec<(usize, String, String)> {
    if one_type(model, targets) {
        return list(targets[0])
            .into_iter()
            .enumerate()
            .map(|(k, (j, n))| (targets[k % targets.len()], j, n))
            .collect();
    }
    targets
        .iter()
        .flat_map(|&t| list(t).into_iter().map(move |(j, n)| (t, j, n)))
        .collect()
}

/// The fixed prefix of `strategy`'s inputs, the same for every seed, most important first.
pub fn edges(strategy: Strategy, model: &EntityModel) -> Vec<Input> {
    match strategy.aim {
        Aim::Valid(family) => valid_edge_inputs(model, family),
        Aim::ValidBody => whole_body_inputs(model),
        Aim::Invalid(family) => invalid_edge_inputs(model, family),
    }
}

/// Each valid edge of the family's types, alone on one of its properties.
fn valid_edge_inputs(model: &EntityModel, family: Family) -> Vec<Input> {
    let targets = targets(model, family);
    if targets.is_empty() {
        return Vec::new();
    }
    let prop = |i: usize| &model.properties[i];
    dealt(model, &targets, |t| {
        typed::valid_edges(&model.types, &prop(t).ty, prop(t).nullable)
    })
    .into_iter()
    .map(|(target, json, name)| {
        let d = Draw {
            valid: vec![(target, json)],
            annotation: false,
            invalid: None,
        };
        render(model, &d, &format!("edge: {name}"), false)
    })
    .collect()
}

/// Every writable property at once: at its minimum, its maximum, simple values, and beside the
/// `@odata.type` annotation.
fn whole_body_inputs(model: &EntityModel) -> Vec<Input> {
    let writable: Vec<usize> = model.writable().map(|(i, _)| i).collect();
    if writable.is_empty() {
        return Vec::new();
    }
    let bodies = [
        ("every writable property at its minimum", false, 0),
        ("every writable property at its maximum", false, 1),
        ("every writable property at simple values", false, 2),
        ("@odata.type beside every writable property", true, 3),
    ];
    bodies
        .into_iter()
        .map(|(name, annotation, pick)| {
            let valid = writable
                .iter()
                .filter_map(|&i| {
                    let edges = typed::valid_edges(&model.types, &model.properties[i].ty, false);
                    edges
                        .get(pick.min(edges.len().saturating_sub(1)))
                        .map(|(j, _)| (i, j.clone()))
                })
                .collect();
            let d = Draw {
                valid,
                annotation,
                invalid: None,
            };
            render(model, &d, &format!("edge: {name}"), false)
        })
        .collect()
}

/// Each named invalid form of the family's types on one of its properties, among valid
/// neighbours.
fn invalid_edge_inputs(model: &EntityModel, family: Family) -> Vec<Input> {
    let targets = targets(model, family);
    if targets.is_empty() {
        return Vec::new();
    }
    let writable: Vec<usize> = model.writable().map(|(i, _)| i).collect();
    let prop = |i: usize| &model.properties[i];
    let named = dealt(model, &targets, |t| {
        typed::invalid_edges(&model.types, &prop(t).ty, prop(t).nullable)
    });
    named
        .into_iter()
        .enumerate()
        .map(|(k, (target, json, name))| {
            // Neighbours differ from edge to edge, so a partial update shows (C5.3).
            let valid = writable
                .iter()
                .filter(|&&i| i != target)
                .map(|&i| (i, neighbour_value(model, i, k)))
                .collect();
            let label = format!("edge: {name}");
            let d = Draw {
                valid,
                annotation: false,
                invalid: Some((target, Bad { json, kind: name })),
            };
            render(model, &d, &label, false)
        })
        .collect()
}

/// A valid value of property `i` for a neighbour of the `k`-th invalid edge.
fn neighbour_value(model: &EntityModel, i: usize, k: usize) -> String {
    let ty = &model.properties[i].ty;
    if let crate::domain::TypeRef::Primitive(p) = ty {
        if let Some(own) = edm::neighbour(*p, k) {
            return own;
        }
    }
    let edges = typed::valid_edges(&model.types, ty, false);
    edges
        .get((k + 1) % edges.len().max(1))
        .map(|(j, _)| j.clone())
        .unwrap_or_else(|| "null".into())
}

/// A drawn body before rendering: valid properties by model index with their JSON texts, the
/// optional `@odata.type` annotation, and the one invalid property of an invalid strategy.
#[derive(Clone, Debug)]
struct Draw {
    valid: Vec<(usize, String)>,
    annotation: bool,
    invalid: Option<(usize, Bad)>,
}

/// Writes the body: `@odata.type` first when drawn, valid properties in model order, the invalid
/// property last (so a service that applies properties one by one before it validates them all
/// has already changed something when it meets the invalid one: C5.3 shows it). The note is
/// `label`, then the kind of invalid value of a random draw, then `, shrunk` when shrunk.
fn render(model: &EntityModel, draw: &Draw, label: &str, shrunk: bool) -> Input {
    let mut body = String::from("{");
    let mut properties = Vec::new();
    let member = |body: &mut String, name: &str, json: &str| {
        if body.len() > 1 {
            body.push(',');
        }
        body.push_str(&json_string(name));
        body.push(':');
        body.push_str(json);
    };
    if draw.annotation {
        member(&mut body, "@odata.type", &json_string(&model.odata_type));
    }
    for (i, json) in &draw.valid {
        let name = &model.properties[*i].name;
        member(&mut body, name, json);
        properties.push(name.clone());
    }
    let mut note = label.to_owned();
    if let Some((i, bad)) = &draw.invalid {
        let name = &model.properties[*i].name;
        member(&mut body, name, &bad.json);
        properties.push(name.clone());
        if !label.starts_with("edge") {
            note = format!("{note}: {}", bad.kind);
        }
    }
    if shrunk {
        note.push_str(", shrunk");
    }
    body.push('}');
    Input {
        body,
        properties,
        note,
    }
}

/// The proptest strategy of `strategy`'s random bodies; `None` when the model has no property
/// it can use.
fn draws(strategy: Strategy, model: &EntityModel) -> Option<BoxedStrategy<Draw>> {
    let writable: Vec<usize> = model.writable().map(|(i, _)| i).collect();
    let n = writable.len();
    // The strategy's targets, as positions in `writable`.
    let targets: Vec<usize> = match strategy.family() {
        Some(f) => (0..n)
            .filter(|&k| Family::of(&model.properties[writable[k]].ty) == f)
            .collect(),
        None => (0..n).collect(),
    };
    if targets.is_empty() {
        return None;
    }
    Some(match strategy.aim {
        Aim::Valid(_) => one_valid(model, writable, targets),
        Aim::ValidBody => valid_body(model, writable),
        Aim::Invalid(_) => one_invalid(model, writable, targets),
    })
}

/// A valid value for each of the writable properties (`writable`: their indices), in order.
fn valid_values(model: &EntityModel, writable: &[usize]) -> Vec<BoxedStrategy<String>> {
    writable
        .iter()
        .map(|&i| {
            let p = &model.properties[i];
            typed::valid_value(&model.types, &p.ty, p.nullable)
        })
        .collect()
}

/// One valid value on one of the targets.
fn one_valid(
    model: &EntityModel,
    writable: Vec<usize>,
    targets: Vec<usize>,
) -> BoxedStrategy<Draw> {
    let targeted: Vec<usize> = targets.iter().map(|&k| writable[k]).collect();
    let per_target = valid_values(model, &targeted);
    // One value per target is drawn and the picked one sent: a flat map would redraw the value
    // whenever the pick shrinks.
    (select((0..targets.len()).collect::<Vec<_>>()), per_target)
        .prop_map(move |(pick, mut values)| Draw {
            valid: vec![(targeted[pick], values.swap_remove(pick))],
            annotation: false,
            invalid: None,
        })
        .boxed()
}

/// A valid body of one or more writable properties, sometimes with the `@odata.type`
/// annotation.
fn valid_body(model: &EntityModel, writable: Vec<usize>) -> BoxedStrategy<Draw> {
    let n = writable.len();
    // Fields shrink in order: properties are removed first, then the annotation, then values
    // move towards simple ones.
    (
        subsequence((0..n).collect::<Vec<_>>(), 1..=n),
        proptest::bool::weighted(0.2),
        valid_values(model, &writable),
    )
        .prop_map(move |(chosen, annotation, values)| Draw {
            valid: chosen
                .into_iter()
                .map(|k| (writable[k], values[k].clone()))
                .collect(),
            annotation,
            invalid: None,
        })
        .boxed()
}

/// An invalid value on one of the targets, among valid neighbours.
fn one_invalid(
    model: &EntityModel,
    writable: Vec<usize>,
    targets: Vec<usize>,
) -> BoxedStrategy<Draw> {
    let n = writable.len();
    let bads: Vec<BoxedStrategy<Bad>> = targets
        .iter()
        .map(|&k| {
            let p = &model.properties[writable[k]];
            typed::invalid_value(&model.types, &p.ty, p.nullable)
        })
        .collect();
    // The invalid property never shrinks away; neighbours are removed first, then their values
    // and the invalid value (within its kind) simplify.
    (
        select((0..targets.len()).collect::<Vec<_>>()).no_shrink(),
        subsequence((0..n).collect::<Vec<_>>(), 0..=n),
        valid_values(model, &writable),
        bads,
    )
        .prop_map(move |(pick, chosen, values, mut bads)| {
            let target = targets[pick];
            Draw {
                valid: chosen
                    .into_iter()
                    .filter(|&k| k != target)
                    .map(|k| (writable[k], values[k].clone()))
                    .collect(),
                annotation: false,
                invalid: Some((writable[target], bads.swap_remove(pick))),
            }
        })
        .boxed()
}

/// Draws one value tree; an invalid body is redrawn (a bounded number of times) until it has a
/// valid neighbour beside its invalid property, when the model has properties to put there.
/// Shrinking may still remove every neighbour.
fn new_draw(
    draws: &BoxedStrategy<Draw>,
    runner: &mut TestRunner,
    model: &EntityModel,
) -> Option<Box<dyn ValueTree<Value = Draw>>> {
    let can_have_neighbours = model.writable().count() > 1;
    let mut tree = draws.new_tree(runner).ok()?;
    for _ in 1..MAX_DRAW_ATTEMPTS {
        let d = tree.current();
        if d.invalid.is_none() || !d.valid.is_empty() || !can_have_neighbours {
            break;
        }
        tree = draws.new_tree(runner).ok()?;
    }
    Some(tree)
}

/// Shrinks a failing draw: `simplify` while the candidate still fails, `complicate` when it
/// passes, until the tree can do neither, [`MAX_SHRINK_STEPS`] tests were made, or
/// [`MAX_SHRINK_ITERATIONS`] candidates were looked at. Each distinct body is tested once.
fn shrink<F: FnMut(&Input) -> Result<(), String>>(
    model: &EntityModel,
    tree: &mut dyn ValueTree<Value = Draw>,
    label: &str,
    original: Input,
    message: String,
    test: &mut F,
) -> Failure {
    let mut seen: HashMap<String, Option<String>> = HashMap::new();
    seen.insert(original.body.clone(), Some(message.clone()));
    let mut best = original.clone();
    let mut best_message = message;
    let mut steps = 0;
    let mut iterations = 0;
    let mut more = tree.simplify();
    while more && iterations < MAX_SHRINK_ITERATIONS {
        iterations += 1;
        let candidate = render(model, &tree.current(), label, true);
        let verdict = match seen.get(&candidate.body) {
            Some(verdict) => verdict.clone(),
            None if steps >= MAX_SHRINK_STEPS => break,
            None => {
                steps += 1;
                let verdict = test(&candidate).err();
                seen.insert(candidate.body.clone(), verdict.clone());
                verdict
            }
        };
        more = match verdict {
            Some(message) => {
                if candidate.body != best.body {
                    best = candidate;
                    best_message = message;
                }
                tree.simplify()
            }
            None => tree.complicate(),
        };
    }
    Failure {
        input: best,
        original,
        message: best_message,
        shrink_steps: steps,
    }
}

/// A runner whose ChaCha RNG is seeded from `seed` and the strategy's name (FNV-1a, expanded with
/// SplitMix64), so each strategy has its own stream and the same seed gives the same inputs.
fn runner(strategy: Strategy, seed: u64) -> TestRunner {
    let mut state = seed ^ fnv1a(strategy.name().as_bytes());
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
