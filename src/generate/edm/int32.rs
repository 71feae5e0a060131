//! Edm.Int32 for generated inputs: its named edges, draws biased to them, and the kinds of
//! invalid Int32. These are the oldest generators (the seed pack's counts); their draws for a
//! given seed are pinned, so they keep their own shape rather than the other integers'.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Just, Strategy};
use proptest::sample::select;

use super::integer::{exponent_fraction_within, far_out, fraction_within, NOT_A_NUMBER_EDGES};
use super::parts::{other_texts, owned, shrinking_towards_zero, Invalid, Kinds, Other};
use crate::domain::edm::int32::RANGE as INT32;
use crate::domain::Primitive;

/// Valid Int32 edges with their names: the ends, 0, ±1, one inside each end, then ±2^k, ±2^k±1
/// for k from 30 down to 1 (duplicates dropped, the first name kept).
pub(super) fn int32_edges() -> Vec<(i32, String)> {
    let mut edges: Vec<(i32, String)> = vec![
        (i32::MIN, "Int32 min".into()),
        (i32::MAX, "Int32 max".into()),
        (0, "Int32 zero".into()),
        (1, "Int32 1".into()),
        (-1, "Int32 -1".into()),
        (i32::MIN + 1, "Int32 min+1".into()),
        (i32::MAX - 1, "Int32 max-1".into()),
    ];
    for k in (1..=30u32).rev() {
        let p = 1i32 << k;
        for (v, name) in [
            (p, format!("Int32 2^{k}")),
            (p - 1, format!("Int32 2^{k}-1")),
            (p + 1, format!("Int32 2^{k}+1")),
            (-p, format!("Int32 -2^{k}")),
            (-p - 1, format!("Int32 -2^{k}-1")),
            (-p + 1, format!("Int32 -2^{k}+1")),
        ] {
            if !edges.iter().any(|(e, _)| *e == v) {
                edges.push((v, name));
            }
        }
    }
    edges
}

/// Invalid Int32 edges (JSON texts as sent) with their names, up to those of another JSON kind
/// (`NOT_A_NUMBER_EDGES`). None is left open by the contract.
const INVALID_INT32_EDGES: &[(&str, &str)] = &[
    ("2147483648", "Int32 max+1"),
    ("-2147483649", "Int32 min-1"),
    ("9007199254740992", "2^53"),
    ("-9007199254740992", "-2^53"),
    ("1e20", "1e20"),
    ("-1e20", "-1e20"),
    ("4.5", "fraction 4.5"),
    ("45e-1", "fraction 45e-1"),
    ("-4.5", "fraction -4.5"),
    ("0.5", "fraction 0.5"),
    ("2147483647.5", "fraction just above max"),
    ("\"4\"", "string \"4\""),
    ("\"2147483647\"", "string holding max"),
];

/// The invalid Int32 edges after those of another JSON kind: later additions.
const INVALID_INT32_TAIL: &[(&str, &str)] =
    &[("4294967296", "2^32"), ("9223372036854775808", "2^63")];

/// A valid Int32 as JSON text: from the whole range, the edges, or small counts; shrinks
/// towards 0.
pub(super) fn valid_value() -> BoxedStrategy<String> {
    let edges: Vec<i32> = int32_edges().into_iter().map(|(v, _)| v).collect();
    shrinking_towards_zero(prop_oneof![
        2 => any::<i32>(),
        1 => 0..=1000i32,
        2 => select(edges),
    ])
    .prop_map(|v| v.to_string())
    .boxed()
}

pub(super) fn valid_edges() -> Vec<(String, String)> {
    int32_edges()
        .into_iter()
        .map(|(v, name)| (v.to_string(), name))
        .collect()
}

pub(super) fn invalid_edges() -> Vec<(String, &'static str)> {
    let mut edges = owned(INVALID_INT32_EDGES);
    edges.extend(owned(NOT_A_NUMBER_EDGES));
    edges.extend(owned(INVALID_INT32_TAIL));
    edges
}

/// An invalid Int32: the kind is fixed once drawn; its parameters shrink within the kind
/// (towards `2147483648`, say). `null` is among the kinds (1 draw in 17), as it always was, so
/// that a seed keeps its inputs.
pub(super) fn invalid_value() -> Invalid {
    const NAMED: &[&str] = &[
        "9007199254740992",
        "-9007199254740992",
        "9223372036854775808",
        "99999999999999999999",
        "1e20",
    ];
    let beyond = || 0..=u64::from(u32::MAX);
    let int32 = || any::<i32>().prop_map(|n| n.to_string()).boxed();
    Kinds::of(Primitive::Int32)
        .json(
            3,
            "Int32 above max",
            beyond().prop_map(|n| (2_147_483_648 + n).to_string()),
        )
        .json(
            3,
            "Int32 below min",
            beyond().prop_map(|n| format!("-{}", 2_147_483_649 + n)),
        )
        // Always at least 1e10 in magnitude: out of range, never an in-range integer value.
        .json(2, "Int32 far out of range", far_out(NAMED, 10, 1 << 33))
        .json(2, "Int32 fraction", fraction_within(INT32))
        .json(
            2,
            "Int32 fraction in exponent form",
            exponent_fraction_within(INT32),
        )
        .json(1, "Int32 as a string", other_texts(Other::Text, int32()))
        .json(1, "Int32 as a boolean", other_texts(Other::Bool, int32()))
        .json(1, "Int32 as null", Just("null".to_owned()))
        .json(1, "Int32 as an array", other_texts(Other::Array, int32()))
        .json(1, "Int32 as an object", other_texts(Other::Object, int32()))
        .draw()
}

/// A neighbour of the `k`-th invalid edge: a count that differs from edge to edge, so that a
/// partial update shows (C5.3).
pub(super) fn neighbour(k: usize) -> String {
    (1000 + k).to_string()
}
