//! Generated inputs (DESIGN.md "Generated cases"): proptest strategies over the entity's writable
//! properties, valid and invalid Int32 and DateTimeOffset values biased to their edges, a fixed
//! edge prefix, deterministic seeding and shrinking of a failing input.
//!
//! Properties are taken from the [`EntityModel`] and chosen by their [`EdmType`]; no property
//! name appears here. An [`Input`] is a raw JSON body text, so that numbers such as `2147483648`,
//! `1e20` and `4.5` are sent exactly as written.
//!
//! A run sends the strategy's [`edges`] first (the same for every seed, most important first, so
//! every named edge is sent within the default 256 cases), then random draws from a proptest
//! [`TestRunner`] whose ChaCha RNG is seeded from the run's seed and the strategy's name. The first
//! failing random input is shrunk with proptest's `ValueTree` (`simplify` while it still fails,
//! `complicate` when it passes), with at most [`MAX_SHRINK_STEPS`] calls of the test.

mod values;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use proptest::prelude::{BoxedStrategy, Strategy as _};
use proptest::sample::{select, subsequence};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};

use crate::domain::{EdmType, EntityModel};

use values::{json_string, Bad};

/// The most times the test is called while shrinking one failure, so a slow target cannot stall
/// a run. A candidate already tested (same body) is not sent again.
pub const MAX_SHRINK_STEPS: u32 = 64;

/// Bound on shrinking iterations that need no test call (candidates whose body was seen before).
const MAX_SHRINK_ITERATIONS: u32 = 4096;

/// How many draws are tried for an invalid body with at least one valid neighbour.
const MAX_DRAW_ATTEMPTS: u32 = 32;

/// One generated-input strategy; a trial runs one strategy against one path variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// One Int32 property with a valid value, edges first (C4.4).
    ValidInt32,
    /// One DateTimeOffset property with a valid value, edges first (C4.4).
    ValidDateTimeOffset,
    /// A non-empty subset of the writable properties with valid values (C4.4).
    ValidBody,
    /// One invalid Int32 value beside valid properties: 400 and nothing changed (C3.4, C5.3).
    InvalidInt32,
    /// One invalid DateTimeOffset value beside valid properties: 400, nothing changed (C3.5, C5.3).
    InvalidDateTimeOffset,
}

impl Strategy {
    pub const ALL: [Strategy; 5] = [
        Strategy::ValidInt32,
        Strategy::ValidDateTimeOffset,
        Strategy::ValidBody,
        Strategy::InvalidInt32,
        Strategy::InvalidDateTimeOffset,
    ];

    /// The case name used in trial names; the same for every seed.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::ValidInt32 => "generated-valid-int32",
            Strategy::ValidDateTimeOffset => "generated-valid-datetimeoffset",
            Strategy::ValidBody => "generated-valid-body",
            Strategy::InvalidInt32 => "generated-invalid-int32",
            Strategy::InvalidDateTimeOffset => "generated-invalid-datetimeoffset",
        }
    }

    /// The strategy whose [`name`](Self::name) is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The clause the trial is about: C4.4 (round trip) for valid inputs, C5.3 (a rejected
    /// request changes nothing) for invalid ones.
    pub fn clause(self) -> &'static str {
        if self.expects_acceptance() {
            "C4.4"
        } else {
            "C5.3"
        }
    }

    /// The validation clause an invalid input breaks (C3.4 or C3.5); `None` for valid inputs.
    pub fn refusal_clause(self) -> Option<&'static str> {
        match self {
            Strategy::InvalidInt32 => Some("C3.4"),
            Strategy::InvalidDateTimeOffset => Some("C3.5"),
            _ => None,
        }
    }

    /// True when a conforming service accepts every input (200, or 204 under `--allow-204`);
    /// false when it refuses every input with 400 and the C6.1 error body.
    pub fn expects_acceptance(self) -> bool {
        matches!(
            self,
            Strategy::ValidInt32 | Strategy::ValidDateTimeOffset | Strategy::ValidBody
        )
    }

    /// The Edm type whose properties the strategy targets; `None` when it uses them all.
    pub fn edm(self) -> Option<EdmType> {
        match self {
            Strategy::ValidInt32 | Strategy::InvalidInt32 => Some(EdmType::Int32),
            Strategy::ValidDateTimeOffset | Strategy::InvalidDateTimeOffset => {
                Some(EdmType::DateTimeOffset)
            }
            Strategy::ValidBody => None,
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
    pub cases: u32,
    pub passed: u32,
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
    pub message: String,
    /// How many times the test was called while shrinking (at most [`MAX_SHRINK_STEPS`]; 0 for
    /// an edge, which is not shrunk).
    pub shrink_steps: u32,
}

/// Why `strategy` has nothing to send for `model`, if it has not: the contract pack's entity
/// has no writable property of the strategy's type (a trial that ran no input must not pass).
pub fn inapplicable(strategy: Strategy, model: &EntityModel) -> Option<String> {
    let applies = model
        .writable()
        .any(|(_, p)| strategy.edm().is_none_or(|edm| p.edm == edm));
    (!applies).then(|| match strategy.edm() {
        Some(edm) => format!(
            "the contract pack's entity has no writable {} property for this strategy to vary",
            edm.name()
        ),
        None => "the contract pack's entity has no writable property to vary".to_owned(),
    })
}

/// Runs `cases` inputs of `strategy` through `test`: the fixed edge prefix first (only its
/// first `cases` entries when `cases` is smaller), then random draws seeded from `seed` (same
/// seed, same inputs). Stops at the first failure, shrunk when it is a random draw. A model
/// without a property of the strategy's type yields no inputs (`cases: 0`).
pub fn run(
    strategy: Strategy,
    model: &EntityModel,
    seed: u64,
    cases: u32,
    mut test: impl FnMut(&Input) -> Result<(), String>,
) -> RunSummary {
    let mut summary = RunSummary::default();
    for input in edges(strategy, model).into_iter().take(cases as usize) {
        summary.cases += 1;
        if let Err(message) = test(&input) {
            summary.failure = Some(Failure {
                original: input.clone(),
                input,
                message,
                shrink_steps: 0,
            });
            return summary;
        }
        summary.passed += 1;
    }
    let Some(draws) = draws(strategy, model) else {
        return summary;
    };
    let mut runner = runner(strategy, seed);
    let mut n = 0u32;
    while summary.cases < cases {
        n += 1;
        let Some(mut tree) = new_draw(&draws, &mut runner, model) else {
            break;
        };
        let label = format!("random #{n}");
        let input = render(model, &tree.current(), &label, false);
        summary.cases += 1;
        match test(&input) {
            Ok(()) => summary.passed += 1,
            Err(message) => {
                summary.failure =
                    Some(shrink(model, &mut *tree, &label, input, message, &mut test));
                return summary;
            }
        }
    }
    summary
}

/// The fixed prefix of `strategy`'s inputs, the same for every seed, most important first.
pub fn edges(strategy: Strategy, model: &EntityModel) -> Vec<Input> {
    let writable: Vec<(usize, EdmType)> = model.writable().map(|(i, p)| (i, p.edm)).collect();
    let of_type = |edm: EdmType| -> Vec<usize> {
        writable
            .iter()
            .filter(|(_, e)| *e == edm)
            .map(|(i, _)| *i)
            .collect()
    };
    let draw = |valid: Vec<(usize, String)>, invalid: Option<(usize, Bad)>, annotation| Draw {
        valid,
        annotation,
        invalid,
    };
    let mut inputs = Vec::new();
    match strategy {
        Strategy::ValidInt32 | Strategy::ValidDateTimeOffset => {
            let targets = of_type(strategy.edm().expect("typed strategy"));
            if targets.is_empty() {
                return inputs;
            }
            let named: Vec<(String, String)> = if strategy == Strategy::ValidInt32 {
                values::int32_edges()
                    .into_iter()
                    .map(|(v, name)| (v.to_string(), name))
                    .collect()
            } else {
                values::DATETIME_EDGES
                    .iter()
                    .map(|(text, name)| (json_string(text), (*name).to_owned()))
                    .collect()
            };
            for (k, (json, name)) in named.into_iter().enumerate() {
                let d = draw(vec![(targets[k % targets.len()], json)], None, false);
                inputs.push(render(model, &d, &format!("edge: {name}"), false));
            }
        }
        Strategy::ValidBody => {
            if writable.is_empty() {
                return inputs;
            }
            // (name, with `@odata.type`, Int32, DateTimeOffset, String)
            let bodies = [
                (
                    "every writable property at its minimum",
                    false,
                    i32::MIN.to_string(),
                    "0001-01-01T00:00:00Z",
                    String::new(),
                ),
                (
                    "every writable property at its maximum",
                    false,
                    i32::MAX.to_string(),
                    "9999-12-31T23:59:59.9999999Z",
                    "z".repeat(64),
                ),
                (
                    "every writable property at simple values",
                    false,
                    "0".to_owned(),
                    "2017-01-01T00:02:03.0612494-08:00",
                    "a".to_owned(),
                ),
                (
                    "@odata.type beside every writable property",
                    true,
                    "1".to_owned(),
                    "2023-06-15T12:34:56.1234567+05:45",
                    "b".to_owned(),
                ),
            ];
            for (name, annotation, int32, datetime, string) in bodies {
                let value = |edm| match edm {
                    EdmType::Int32 => int32.clone(),
                    EdmType::DateTimeOffset => json_string(datetime),
                    EdmType::String => json_string(&string),
                };
                let valid = writable.iter().map(|&(i, edm)| (i, value(edm))).collect();
                inputs.push(render(
                    model,
                    &draw(valid, None, annotation),
                    &format!("edge: {name}"),
                    false,
                ));
            }
        }
        Strategy::InvalidInt32 | Strategy::InvalidDateTimeOffset => {
            let targets = of_type(strategy.edm().expect("typed strategy"));
            if targets.is_empty() {
                return inputs;
            }
            let named = if strategy == Strategy::InvalidInt32 {
                values::INVALID_INT32_EDGES
            } else {
                values::INVALID_DATETIME_EDGES
            };
            for (k, (json, name)) in named.iter().enumerate() {
                let target = targets[k % targets.len()];
                // Neighbours differ from edge to edge, so a partial update shows (C5.3).
                let valid = writable
                    .iter()
                    .filter(|(i, _)| *i != target)
                    .map(|&(i, edm)| (i, neighbour_value(edm, k)))
                    .collect();
                let bad = Bad {
                    json: (*json).to_owned(),
                    kind: name,
                };
                inputs.push(render(
                    model,
                    &draw(valid, Some((target, bad)), false),
                    &format!("edge: {name}"),
                    false,
                ));
            }
        }
    }
    inputs
}

/// A valid value for a neighbour of the `k`-th invalid edge.
fn neighbour_value(edm: EdmType, k: usize) -> String {
    match edm {
        EdmType::Int32 => (1000 + k).to_string(),
        EdmType::DateTimeOffset => {
            json_string(&format!("2017-01-01T00:{:02}:03.0612494-08:00", k % 60))
        }
        EdmType::String => json_string(&format!("edge-{k}")),
    }
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
    let writable: Vec<(usize, EdmType)> = model.writable().map(|(i, p)| (i, p.edm)).collect();
    let index: Vec<usize> = writable.iter().map(|(i, _)| *i).collect();
    let valid_values = || -> Vec<BoxedStrategy<String>> {
        writable.iter().map(|(_, edm)| valid_value(*edm)).collect()
    };
    // Positions (in `writable`) of the strategy's type.
    let targets: Vec<usize> = match strategy.edm() {
        Some(edm) => (0..writable.len())
            .filter(|&k| writable[k].1 == edm)
            .collect(),
        None => (0..writable.len()).collect(),
    };
    if targets.is_empty() {
        return None;
    }
    let n = writable.len();
    Some(match strategy {
        Strategy::ValidInt32 | Strategy::ValidDateTimeOffset => {
            let edm = strategy.edm().expect("typed strategy");
            (select(targets), valid_value(edm))
                .prop_map(move |(k, json)| Draw {
                    valid: vec![(index[k], json)],
                    annotation: false,
                    invalid: None,
                })
                .boxed()
        }
        // Fields shrink in order: properties are removed first, then the annotation, then
        // values move towards simple ones.
        Strategy::ValidBody => (
            subsequence((0..n).collect::<Vec<_>>(), 1..=n),
            proptest::bool::weighted(0.2),
            valid_values(),
        )
            .prop_map(move |(chosen, annotation, values)| Draw {
                valid: chosen
                    .into_iter()
                    .map(|k| (index[k], values[k].clone()))
                    .collect(),
                annotation,
                invalid: None,
            })
            .boxed(),
        // The invalid property never shrinks away; neighbours are removed first, then their
        // values and the invalid value (within its kind) simplify.
        Strategy::InvalidInt32 | Strategy::InvalidDateTimeOffset => {
            let bad = if strategy == Strategy::InvalidInt32 {
                values::invalid_int32()
            } else {
                values::invalid_datetime()
            };
            (
                select(targets).no_shrink(),
                subsequence((0..n).collect::<Vec<_>>(), 0..=n),
                valid_values(),
                bad,
            )
                .prop_map(move |(target, chosen, values, bad)| Draw {
                    valid: chosen
                        .into_iter()
                        .filter(|&k| k != target)
                        .map(|k| (index[k], values[k].clone()))
                        .collect(),
                    annotation: false,
                    invalid: Some((index[target], bad)),
                })
                .boxed()
        }
    })
}

fn valid_value(edm: EdmType) -> BoxedStrategy<String> {
    match edm {
        EdmType::Int32 => values::valid_int32(),
        EdmType::DateTimeOffset => values::valid_datetime(),
        EdmType::String => values::valid_string(),
    }
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
