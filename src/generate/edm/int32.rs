//! Edm.Int32 for generated inputs: its named edges, draws biased to them, and the kinds of
//! invalid Int32. These are the oldest generators (the seed pack's counts); their draws for a
//! given seed are pinned, so they keep their own shape rather than the other integers'.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Just, Strategy};
use proptest::sample::select;

use super::parts::{json_string, kinds, owned, shrinking_towards_zero, sign, Invalid};

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

/// Invalid Int32 edges (JSON texts as sent) with their names. None is left open by the contract.
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
    ("true", "boolean true"),
    ("false", "boolean false"),
    ("[]", "empty array"),
    ("[4]", "array [4]"),
    ("{}", "empty object"),
    ("{\"value\":4}", "object"),
    ("4294967296", "2^32"),
    ("9223372036854775808", "2^63"),
];

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

/// The kinds of invalid Int32; the kind is drawn without shrinking, its parameters shrink
/// towards the simplest value of the same kind (for example `2147483648`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadInt {
    AboveMax,
    BelowMin,
    FarOut,
    Fraction,
    ExponentFraction,
    Text,
    Bool,
    Null,
    Array,
    Object,
}

impl BadInt {
    const ALL: [(u32, BadInt); 10] = [
        (3, BadInt::AboveMax),
        (3, BadInt::BelowMin),
        (2, BadInt::FarOut),
        (2, BadInt::Fraction),
        (2, BadInt::ExponentFraction),
        (1, BadInt::Text),
        (1, BadInt::Bool),
        (1, BadInt::Null),
        (1, BadInt::Array),
        (1, BadInt::Object),
    ];

    fn strategy(self) -> Invalid {
        match self {
            BadInt::AboveMax => (0..=u64::from(u32::MAX))
                .prop_map(|n| ((2_147_483_648 + n).to_string(), "Int32 above max"))
                .boxed(),
            BadInt::BelowMin => (0..=u64::from(u32::MAX))
                .prop_map(|n| (format!("-{}", 2_147_483_649 + n), "Int32 below min"))
                .boxed(),
            // Always at least 1e10 in magnitude: out of range, never an in-range integer value.
            BadInt::FarOut => prop_oneof![
                select(
                    &[
                        "9007199254740992",
                        "-9007199254740992",
                        "9223372036854775808",
                        "99999999999999999999",
                        "1e20",
                    ][..]
                )
                .prop_map(|s| s.to_owned()),
                (any::<bool>(), 1..=9u32, 10..=30u32)
                    .prop_map(move |(neg, d, k)| format!("{}{d}e{k}", sign(neg))),
                (any::<bool>(), 1u64 << 33..=u64::MAX)
                    .prop_map(move |(neg, n)| format!("{}{n}", sign(neg))),
            ]
            .prop_map(|s| (s, "Int32 far out of range"))
            .boxed(),
            // The last fraction digit is never 0, so the value is never whole (`4.0` is not judged).
            BadInt::Fraction => (any::<bool>(), 0..=100_000u32, 1..=9999u32)
                .prop_map(move |(neg, int, frac)| {
                    let frac = if frac.is_multiple_of(10) {
                        frac + 1
                    } else {
                        frac
                    };
                    (format!("{}{int}.{frac}", sign(neg)), "Int32 fraction")
                })
                .boxed(),
            // Mantissa not divisible by 10 and a negative exponent: never whole (`1e2` is not judged).
            BadInt::ExponentFraction => (any::<bool>(), 1..=99_999u32, 1..=3u32)
                .prop_map(move |(neg, m, k)| {
                    let m = if m.is_multiple_of(10) { m + 1 } else { m };
                    (
                        format!("{}{m}e-{k}", sign(neg)),
                        "Int32 fraction in exponent form",
                    )
                })
                .boxed(),
            BadInt::Text => any::<i32>()
                .prop_map(|n| (json_string(&n.to_string()), "Int32 as a string"))
                .boxed(),
            BadInt::Bool => any::<bool>()
                .prop_map(|b| (b.to_string(), "Int32 as a boolean"))
                .boxed(),
            BadInt::Null => Just(("null".into(), "Int32 as null")).boxed(),
            BadInt::Array => proptest::option::of(any::<i32>())
                .prop_map(|n| {
                    let inner = n.map(|n| n.to_string()).unwrap_or_default();
                    (format!("[{inner}]"), "Int32 as an array")
                })
                .boxed(),
            BadInt::Object => proptest::option::of(any::<i32>())
                .prop_map(|n| {
                    let inner = n.map(|n| format!("\"value\":{n}")).unwrap_or_default();
                    (format!("{{{inner}}}"), "Int32 as an object")
                })
                .boxed(),
        }
    }
}

pub(super) fn valid_edges() -> Vec<(String, String)> {
    int32_edges()
        .into_iter()
        .map(|(v, name)| (v.to_string(), name))
        .collect()
}

pub(super) fn invalid_edges() -> Vec<(String, &'static str)> {
    owned(INVALID_INT32_EDGES)
}

/// An invalid Int32: the kind is fixed once drawn; its parameters shrink within the kind.
/// `null` is among the kinds (1 draw in 17), as it always was, so that a seed keeps its inputs.
pub(super) fn invalid_value() -> Invalid {
    kinds(&BadInt::ALL, BadInt::strategy)
}

/// A neighbour of the `k`-th invalid edge: a count that differs from edge to edge, so that a
/// partial update shows (C5.3).
pub(super) fn neighbour(k: usize) -> String {
    (1000 + k).to_string()
}
