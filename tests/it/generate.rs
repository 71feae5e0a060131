//! Generated inputs through the crate's public API: fixed names, edges judged by the domain as
//! their strategy expects, replayable runs and serialisable failures.

use graph_conformance::domain::{parse_patch, EntityModel};
use graph_conformance::generate::{edges, run, Input, RunSummary, Strategy, MAX_SHRINK_STEPS};
use graph_conformance::pack::{Pack, Selection};

fn model() -> EntityModel {
    (*Pack::load(&Selection::default()).unwrap().model).clone()
}

fn strategy(name: &str) -> Strategy {
    Strategy::from_name(name, &model()).unwrap()
}

#[test]
fn strategies_have_fixed_names_and_clauses() {
    let named: Vec<(String, &str, bool)> = Strategy::for_model(&model())
        .iter()
        .map(|s| (s.name(), s.clause(), s.expects_acceptance()))
        .collect();
    let expected = [
        ("generated-valid-int32", "C4.4", true),
        ("generated-valid-datetimeoffset", "C4.4", true),
        ("generated-valid-body", "C4.4", true),
        ("generated-invalid-int32", "C3.4", false),
        ("generated-invalid-datetimeoffset", "C3.5", false),
    ];
    let expected: Vec<(String, &str, bool)> = expected
        .iter()
        .map(|(n, c, a)| ((*n).to_owned(), *c, *a))
        .collect();
    assert_eq!(named, expected);
}

#[test]
fn edges_are_judged_by_the_domain_as_their_strategy_expects() {
    let m = model();
    for strategy in Strategy::for_model(&m) {
        let edges = edges(strategy, &m);
        assert!(!edges.is_empty(), "{}", strategy.name());
        assert!(
            edges.len() < 256,
            "{}: edges must fit the default cases",
            strategy.name()
        );
        for input in edges {
            assert!(input.note.starts_with("edge: "), "{input:?}");
            let verdict = parse_patch(&m, input.body.as_bytes(), "some-id");
            if strategy.expects_acceptance() {
                assert!(verdict.is_ok(), "{input:?}: {verdict:?}");
            } else {
                assert_eq!(verdict.unwrap_err().clause, strategy.clause(), "{input:?}");
            }
        }
    }
}

#[test]
fn a_failing_run_replays_from_its_seed_and_serialises() {
    let m = model();
    let fails_on_negative = |inputs: &[Input]| -> Result<(), (usize, String)> {
        for (k, input) in inputs.iter().enumerate() {
            if !input.note.starts_with("edge") && input.body.contains(":-") {
                return Err((k, format!("refused {}", input.body)));
            }
        }
        Ok(())
    };
    let body = strategy("generated-valid-body");
    let first = run(body, &m, 2024, 256, 16, fails_on_negative);
    let again = run(body, &m, 2024, 256, 16, fails_on_negative);
    assert_eq!(first, again);
    let failure = first
        .failure
        .as_ref()
        .expect("some random body holds a negative Int32");
    assert!(failure.shrink_steps <= MAX_SHRINK_STEPS);
    assert_eq!(failure.input.properties.len(), 1, "{failure:?}");
    assert!(failure.input.body.len() <= failure.original.body.len());

    let json = serde_json::to_string(&first).unwrap();
    let back: RunSummary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, first);
}
