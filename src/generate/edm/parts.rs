//! What the Edm types' generators share: edge lists written as JSON, the draw of an invalid
//! value's kind (never shrunk), values of a kind the type does not take, numbers that shrink
//! towards 0 by value, and the years and second fractions the temporal types are made of.

use proptest::option;
use proptest::prelude::{any, prop_oneof, BoxedStrategy, Just, Strategy};
use proptest::sample::select;
use proptest::strategy::NewTree;
use proptest::test_runner::TestRunner;

use super::valid_value;
use crate::domain::edm::calendar::is_leap_year;
use crate::domain::Primitive;

pub(super) type Invalid = BoxedStrategy<(String, &'static str)>;

/// Draws a kind (never shrunk) and then a value of that kind.
pub(super) fn kinds<K: Copy + std::fmt::Debug + 'static>(
    all: &[(u32, K)],
    strategy: impl Fn(K) -> Invalid + 'static,
) -> Invalid {
    weighted_kinds(all).prop_flat_map(strategy).boxed()
}

/// Edges already written as JSON text.
pub(super) fn as_json(edges: &[(&str, &str)]) -> Vec<(String, String)> {
    edges
        .iter()
        .map(|(json, name)| ((*json).to_owned(), (*name).to_owned()))
        .collect()
}

/// Edges of a type written as a JSON string, given as the string's content.
pub(super) fn as_strings(edges: &[(&str, &str)]) -> Vec<(String, String)> {
    edges
        .iter()
        .map(|(text, name)| (json_string(text), (*name).to_owned()))
        .collect()
}

pub(super) fn owned(edges: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    edges
        .iter()
        .map(|(json, name)| ((*json).to_owned(), *name))
        .collect()
}

/// The texts of a list of edges, drawn by index (the first edge is the simplest).
pub(super) fn edge_texts(edges: Vec<(String, String)>) -> impl Strategy<Value = String> {
    select(edges.into_iter().map(|(text, _)| text).collect::<Vec<_>>())
}

/// A JSON value of a kind the type does not take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Other {
    Number,
    Text,
    Bool,
    Array,
    Object,
}

/// A value of the kind `other`, holding a valid value of `p` where it can (`"4"`, `[4]`).
pub(super) fn other_kind(p: Primitive, other: Other) -> Invalid {
    match other {
        Other::Number => any::<i64>()
            .prop_map(|n| (n.to_string(), "as a number"))
            .boxed(),
        Other::Text => valid_value(p)
            .prop_map(|v| (json_string(&v), "as a string"))
            .boxed(),
        Other::Bool => any::<bool>()
            .prop_map(|b| (b.to_string(), "as a boolean"))
            .boxed(),
        Other::Array => option::of(valid_value(p))
            .prop_map(|v| (format!("[{}]", v.unwrap_or_default()), "as an array"))
            .boxed(),
        Other::Object => option::of(valid_value(p))
            .prop_map(|v| {
                let inner = v.map(|v| format!("\"value\":{v}")).unwrap_or_default();
                (format!("{{{inner}}}"), "as an object")
            })
            .boxed(),
    }
}

pub(super) fn sign(negative: bool) -> &'static str {
    if negative {
        "-"
    } else {
        ""
    }
}

/// A fraction of a second as written: `digits` digits (0 to 7) spelling `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Frac {
    pub(super) digits: u32,
    pub(super) value: u32,
}

impl Frac {
    pub(super) const NONE: Frac = Frac {
        digits: 0,
        value: 0,
    };

    /// The fraction in 100 ns ticks.
    pub(super) fn ticks(self) -> u32 {
        self.value * 10u32.pow(7 - self.digits)
    }
}

/// A JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// Draws its value as it is and shrinks it by binary search towards 0, so that a value picked
/// from a list of edges shrinks like any number (a list shrinks by index, which is not monotone
/// in the value: `-1025` sits between `1024` and `1025`).
#[derive(Clone, Copy, Debug)]
pub(super) struct TowardsZero(i32);

impl Strategy for TowardsZero {
    type Tree = proptest::num::i32::BinarySearch;
    type Value = i32;

    fn new_tree(&self, _: &mut TestRunner) -> NewTree<Self> {
        Ok(proptest::num::i32::BinarySearch::new(self.0))
    }
}

/// `values` drawn as they come, then shrunk towards 0 by value.
pub(super) fn shrinking_towards_zero(
    values: impl Strategy<Value = i32>,
) -> impl Strategy<Value = i32> {
    values.no_shrink().prop_flat_map(TowardsZero)
}

pub(super) const YEAR_EDGES: &[i32] = &[
    1, 9999, 2000, 2400, 1900, 2100, 1600, 1970, 2023, 2024, 4, 100, 400, 1582, 1601, 9996, 9998,
];

/// A year of 0001–9999, shrinking towards 0001.
pub(super) fn year() -> impl Strategy<Value = i32> {
    shrinking_towards_zero(
        prop_oneof![3 => 1..=9999i32, 1 => select(YEAR_EDGES)].prop_map(|y| y - 1),
    )
    .prop_map(|y| y + 1)
}

/// A leap year of 0001–9999 (century years only when divisible by 400).
fn leap_year() -> impl Strategy<Value = i32> {
    (1..=2499i32).prop_map(|n| {
        if is_leap_year(n * 4) {
            n * 4
        } else {
            n * 4 - 4
        }
    })
}

pub(super) fn fraction() -> impl Strategy<Value = Frac> {
    prop_oneof![
        1 => Just(Frac::NONE),
        2 => (1..=7u32, any::<u32>()).prop_map(|(digits, raw)| Frac {
            digits,
            value: raw % 10u32.pow(digits),
        }),
        // Seven digits whose last is not 0, so truncation to ms or µs shows.
        3 => (0..1_000_000u32, 1..=9u32).prop_map(|(high, last)| Frac {
            digits: 7,
            value: high * 10 + last,
        }),
    ]
}

pub(super) fn weighted_kinds<K: Copy + std::fmt::Debug + 'static>(
    kinds: &[(u32, K)],
) -> impl Strategy<Value = K> {
    proptest::strategy::Union::new_weighted(kinds.iter().map(|&(w, k)| (w, Just(k))).collect())
        .no_shrink()
}

/// A (year, month, day) of 0001–9999 whose day may pass the month's end (the caller clamps it,
/// which biases draws to month ends), with leap days and 31sts drawn on purpose.
pub(super) fn ymd() -> impl Strategy<Value = (i32, u32, u32)> {
    prop_oneof![
        6 => (year(), 1..=12u32, 1..=31u32),
        1 => (leap_year(), Just(2u32), Just(29u32)),
        1 => (year(), 1..=12u32, Just(31u32)),
    ]
}

/// An hour of the day, biased to its ends.
pub(super) fn hour() -> impl Strategy<Value = u32> {
    prop_oneof![3 => 0..=23u32, 1 => select(&[0u32, 23][..])]
}

/// A minute or a second, biased to its ends.
pub(super) fn sixty() -> impl Strategy<Value = u32> {
    prop_oneof![3 => 0..=59u32, 1 => select(&[0u32, 59][..])]
}
