//! Generated inputs through the crate's public API: fixed names, edges judged by the domain as
//! their strategy expects, replayable runs and serialisable failures.

use graph_conformance::domain::{parse_patch, EntityModel};
use graph_conformance::generate::{edges, run, Input, RunSummary, Strategy, MAX_SHRINK_STEPS};

fn model() -> EntityModel {
    let schema = include_str!("../../schemas/deviceConfigurationUserOverview.schema.json");
    EntityModel::from_schema(&serde_json::from_str(schema).unwrap()).unwrap()
}

#[test]
fn strategies_have_fixed_names_and_clauses() {
    let named: Vec<(&str, &str, bool)> = Strategy::ALL
        .iter()
        .map(|s| (s.name(), s.clause(), s.expects_acceptance()))
        .collect();
    assert_eq!(
        named,
        [
            ("generated-valid-int32", "C4.4", true),
            ("generated-valid-datetimeoffset", "C4.4", true),
            ("generated-valid-body", "C4.4", true),
            ("generated-invalid-int32", "C5.3", false),
            ("generated-invalid-datetimeoffset", "C5.3", false),
        ]
    );
}

#[test]
fn edges_are_judged_by_the_domain_as_their_strategy_expects() {
    let m = model();
    for strategy in Strategy::ALL {
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
            match strategy.refusal_clause() {
                None => assert!(verdict.is_ok(), "{input:?}: {verdict:?}"),
                Some(clause) => assert_eq!(verdict.unwrap_err().clause, clause, "{input:?}"),
            }
        }
    }
}

#[test]
fn a_failing_run_replays_from_its_seed_and_serialises() {
    let m = model();
    let fails_on_negative = |input: &Input| -> Result<(), String> {
        if !input.note.starts_with("edge") && input.body.contains(":-") {
            Err(format!("refused {}", input.body))
        } else {
            Ok(())
        }
    };
    let first = run(Strategy::ValidBody, &m, 2024, 256, fails_on_negative);
    let again = run(Strategy::ValidBody, &m, 2024, 256, fails_on_negative);
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
