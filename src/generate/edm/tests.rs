//! Unit tests of the Edm types' generators: every edge reads (or is refused) as the domain
//! says, random values stay valid or invalid while they shrink, and shrinking reaches a simple
//! value.

use super::date_time_offset::DATETIME_EDGES;
use super::guid::{move_hyphen, replace_hex_digit};
use super::int32::int32_edges;
use super::integer::integer_edges;
use super::parts::Frac;
use super::*;
use crate::domain::edm::byte::RANGE as BYTE;
use crate::domain::edm::date_time_offset::DateTimeOffset;
use crate::domain::edm::int64::RANGE as INT64;
use crate::domain::Scalar;
use proptest::strategy::Strategy;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use proptest::test_runner::{Config, RngAlgorithm, TestRng};

const DRAWS: usize = 256;

fn runner() -> TestRunner {
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    )
}

fn read(p: Primitive, json: &str) -> Result<Scalar, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    p.read(&value)
}

/// Reads `json` as `p`, writes it back, and reads that again as the same value.
fn assert_valid(p: Primitive, json: &str, what: &str) {
    let scalar = match read(p, json) {
        Ok(scalar) => scalar,
        Err(why) => panic!("{p:?} {what}: {json} is refused: {why}"),
    };
    let written = scalar.to_json(p);
    match p.read(&written) {
        Ok(again) => assert!(again.same(&scalar), "{p:?} {what}: {json} -> {written}"),
        Err(why) => panic!("{p:?} {what}: {json} written as {written} is refused: {why}"),
    }
}

fn assert_invalid(p: Primitive, json: &str, what: &str) {
    assert!(read(p, json).is_err(), "{p:?} {what}: {json} is read");
}

#[test]
fn every_valid_edge_reads_and_round_trips() {
    for p in Primitive::ALL {
        for (json, name) in valid_edges(p) {
            assert_valid(p, &json, &name);
        }
    }
}

#[test]
fn every_invalid_edge_is_refused() {
    for p in Primitive::ALL {
        for (json, name) in invalid_edges(p) {
            assert_ne!(json, "null", "{p:?}");
            assert_invalid(p, &json, name);
        }
    }
}

#[test]
fn edge_lists_are_distinct_named_and_sized() {
    for p in Primitive::ALL {
        let valid = valid_edges(p);
        let invalid = invalid_edges(p);
        let mut texts: Vec<&str> = valid.iter().map(|(t, _)| t.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), valid.len(), "{p:?} has duplicate valid edges");
        assert!(valid.iter().all(|(_, name)| !name.is_empty()));
        assert!(invalid.len() >= 8, "{p:?}");
        match p {
            // Two values are all there is; the reference lists are kept as they were.
            Primitive::Boolean => assert_eq!(valid.len(), 2),
            Primitive::Int32 | Primitive::DateTimeOffset => assert!(valid.len() > 40),
            _ => assert!((8..=41).contains(&valid.len()), "{p:?}: {}", valid.len()),
        }
    }
}

/// `n` value trees of `strategy` for `p`, drawn from the fixed seed.
fn trees<S: Strategy>(p: Primitive, strategy: &S, n: usize) -> Vec<S::Tree> {
    let mut runner = runner();
    (0..n)
        .map(|_| match strategy.new_tree(&mut runner) {
            Ok(tree) => tree,
            Err(why) => panic!("{p:?}: no value drawn: {why}"),
        })
        .collect()
}

#[test]
fn random_valid_values_read_back_the_same() {
    for p in Primitive::ALL {
        for tree in trees(p, &valid_value(p), DRAWS) {
            assert_valid(p, &tree.current(), "draw");
        }
    }
}

#[test]
fn random_invalid_values_are_refused() {
    for p in Primitive::ALL {
        for tree in trees(p, &invalid_value(p), DRAWS) {
            let (json, kind) = tree.current();
            assert_invalid(p, &json, kind);
        }
    }
}

/// Shrinks `tree` as far as it goes, as a test that always fails would, and answers every
/// value on the way.
fn shrink_all<T: ValueTree>(mut tree: T) -> Vec<T::Value> {
    let mut seen = vec![tree.current()];
    while seen.len() < 2_000 && tree.simplify() {
        seen.push(tree.current());
    }
    seen
}

#[test]
fn shrinking_stays_valid_and_reaches_a_simple_value() {
    for p in Primitive::ALL {
        let mut simplest = Vec::new();
        for tree in trees(p, &valid_value(p), 16) {
            let seen = shrink_all(tree);
            for json in &seen {
                assert_valid(p, json, "shrunk draw");
            }
            simplest.extend(seen.last().cloned());
        }
        let expected = simple_value(p);
        assert!(
            simplest.iter().any(|s| s == expected),
            "{p:?} never shrinks to {expected}: {simplest:?}"
        );
    }
}

fn simple_value(p: Primitive) -> &'static str {
    // Exhaustive, so that a new type says what it shrinks to.
    match p {
        Primitive::Boolean => "false",
        Primitive::Single | Primitive::Double => "0",
        Primitive::DateTimeOffset => "\"0001-01-01T00:00Z\"",
        Primitive::Date => "\"0001-01-01\"",
        Primitive::TimeOfDay => "\"00:00\"",
        Primitive::Duration => "\"PT0S\"",
        Primitive::Guid => "\"00000000-0000-0000-0000-000000000000\"",
        Primitive::Binary | Primitive::String => "\"\"",
        Primitive::Byte
        | Primitive::SByte
        | Primitive::Int16
        | Primitive::Int32
        | Primitive::Int64 => "0",
    }
}

#[test]
fn shrinking_an_invalid_value_keeps_it_invalid_and_of_its_kind() {
    for p in Primitive::ALL {
        for tree in trees(p, &invalid_value(p), 16) {
            let seen = shrink_all(tree);
            let kind = seen[0].1;
            for (json, k) in &seen {
                // The DateTimeOffset "day beyond the month's end" may turn into
                // "29 February in a common year" as its year shrinks; it is kept as it was.
                if p != Primitive::DateTimeOffset {
                    assert_eq!(*k, kind, "{p:?}: the kind changed while shrinking");
                }
                assert_invalid(p, json, k);
            }
        }
    }
}

#[test]
fn helpers_break_guids_in_one_place() {
    let zero = "00000000-0000-0000-0000-000000000000";
    assert_eq!(
        replace_hex_digit(zero, 8, 'g'),
        "00000000-g000-0000-0000-000000000000"
    );
    assert_eq!(
        move_hyphen(zero, 0, false),
        "0000000-00000-0000-0000-000000000000"
    );
    assert_eq!(
        move_hyphen(zero, 3, true),
        "00000000-0000-0000-00000-00000000000"
    );
}

#[test]
fn integer_edges_follow_the_int32_pattern() {
    let byte = integer_edges(BYTE, &[7]);
    let values: Vec<i64> = byte.iter().map(|(v, _)| *v).collect();
    assert_eq!(values, [0, 255, 1, 254, 128, 127, 129]);
    assert_eq!(byte[0].1, "Byte min");
    let int64 = integer_edges(INT64, &[62]);
    assert_eq!(int64[0], (i64::MIN, "Int64 min".to_owned()));
    assert!(int64.iter().any(|(v, _)| *v == 1 << 62));
}

#[test]
fn int32_edges_are_distinct_and_start_with_the_ends() {
    let edges = int32_edges();
    assert_eq!(edges[0], (i32::MIN, "Int32 min".to_owned()));
    assert_eq!(edges[1], (i32::MAX, "Int32 max".to_owned()));
    let mut values: Vec<i32> = edges.iter().map(|(v, _)| *v).collect();
    values.sort_unstable();
    values.dedup();
    assert_eq!(values.len(), edges.len());
}

#[test]
fn datetime_edges_are_valid() {
    for (text, name) in DATETIME_EDGES {
        assert!(DateTimeOffset::parse(text).is_ok(), "{name}: {text}");
    }
}

#[test]
fn frac_ticks_scale_to_seven_digits() {
    assert_eq!(
        Frac {
            digits: 1,
            value: 5
        }
        .ticks(),
        5_000_000
    );
    assert_eq!(
        Frac {
            digits: 7,
            value: 1
        }
        .ticks(),
        1
    );
    assert_eq!(Frac::NONE.ticks(), 0);
}
