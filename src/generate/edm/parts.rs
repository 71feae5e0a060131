//! What the Edm types' generators share: edge lists written as JSON, the draw of an invalid
//! value's kind (never shrunk), values of a kind the type does not take, numbers that shrink
//! towards 0 by value, and the years and second fractions the temporal types are made of.

use proptest::option;
use proptest::prelude::{any, prop_oneof, BoxedStrategy, Just, Strategy};
use proptest::sample::select;
use proptest::strategy::{NewTree, Union};
use proptest::test_runner::TestRunner;

use super::valid_value;
use crate::domain::edm::calendar::is_leap_year;
use crate::domain::Primitive;

pub(super) type Invalid = BoxedStrategy<(String, &'static str)>;

/// The kinds of invalid value of one type, each with its weight, in the order they are drawn:
/// a kind is drawn first and never shrunk, then a value of that kind, which shrinks within it.
pub(super) struct Kinds {
    primitive: Primitive,
    arms: Vec<(u32, Invalid)>,
}

/// The JSON kinds a type written as a JSON string does not take, one draw in each.
pub(super) const NOT_A_STRING: [Other; 4] =
    [Other::Number, Other::Bool, Other::Array, Other::Object];

/// The JSON kinds an integer does not take, one draw in each.
pub(super) const NOT_A_NUMBER: [Other; 4] = [Other::Text, Other::Bool, Other::Array, Other::Object];

impl Kinds {
    /// No kinds yet; a value of another JSON kind holds a valid value of `primitive` where it
    /// can.
    pub(super) fn of(primitive: Primitive) -> Self {
        Kinds {
            primitive,
            arms: Vec::new(),
        }
    }

    /// Texts sent as a JSON string, each breaking the rule `kind` names.
    pub(super) fn string(
        self,
        weight: u32,
        kind: &'static str,
        texts: impl Strategy<Value = String> + 'static,
    ) -> Self {
        self.json(weight, kind, texts.prop_map(|t| json_string(&t)))
    }

    /// JSON texts sent as they are, each breaking the rule `kind` names.
    pub(super) fn json(
        self,
        weight: u32,
        kind: &'static str,
        texts: impl Strategy<Value = String> + 'static,
    ) -> Self {
        self.named(weight, texts.prop_map(move |t| (t, kind)))
    }

    /// Values that name their own kind (JSON text, kind).
    pub(super) fn named(
        mut self,
        weight: u32,
        values: impl Strategy<Value = (String, &'static str)> + 'static,
    ) -> Self {
        self.arms.push((weight, values.boxed()));
        self
    }

    /// Values of the JSON kind `other`, which the type does not take, holding a valid value of
    /// the type where they can.
    pub(super) fn other(self, weight: u32, other: Other) -> Self {
        let texts = other_texts(other, valid_value(self.primitive));
        self.json(weight, other.kind(), texts)
    }

    /// Values of each of the JSON kinds `others`, one draw in each.
    pub(super) fn others(self, others: &[Other]) -> Self {
        others.iter().fold(self, |kinds, &o| kinds.other(1, o))
    }

    /// Draws a kind by weight, as `prop_oneof!` would but never shrinking to another kind, and
    /// then a value of that kind.
    pub(super) fn draw(self) -> Invalid {
        let (weights, arms): (Vec<u32>, Vec<Invalid>) = self.arms.into_iter().unzip();
        let picks = weights.into_iter().enumerate().map(|(i, w)| (w, Just(i)));
        Union::new_weighted(picks.collect())
            .no_shrink()
            .prop_flat_map(move |i| arms[i].clone())
            .boxed()
    }
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

impl Other {
    /// The kind of invalid value, as a short phrase.
    fn kind(self) -> &'static str {
        match self {
            Other::Number => "as a number",
            Other::Text => "as a string",
            Other::Bool => "as a boolean",
            Other::Array => "as an array",
            Other::Object => "as an object",
        }
    }
}

/// A JSON text of the kind `other`, holding one of `values` where it can (`"4"`, `[4]`).
pub(super) fn other_texts(other: Other, values: BoxedStrategy<String>) -> BoxedStrategy<String> {
    match other {
        Other::Number => any::<i64>().prop_map(|n| n.to_string()).boxed(),
        Other::Text => values.prop_map(|v| json_string(&v)).boxed(),
        Other::Bool => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        Other::Array => option::of(values)
            .prop_map(|v| format!("[{}]", v.unwrap_or_default()))
            .boxed(),
        Other::Object => option::of(values)
            .prop_map(|v| {
                let inner = v.map(|v| format!("\"value\":{v}")).unwrap_or_default();
                format!("{{{inner}}}")
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
