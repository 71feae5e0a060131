//! What the 8-, 16- and 64-bit integer types share (int32.rs keeps its own, older draws, which
//! are pinned): edges at the ends and at ±2^k, the kinds of invalid integer, and draws over the
//! range that shrink to 0. Each type's file holds only its range and its powers of two.

use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;
use proptest::strategy::NewTree;
use proptest::test_runner::TestRunner;

use super::parts::{owned, sign, Invalid, Kinds, NOT_A_NUMBER};
use crate::domain::edm::integer::IntRange;
use crate::domain::Primitive;

/// Valid integer edges, as int32.rs names them: the ends, 0, ±1, one inside each end, then
/// ±2^k, ±2^k±1 for the chosen `powers` (those in range, duplicates dropped, the first name
/// kept).
pub(super) fn integer_edges(r: IntRange, powers: &[u32]) -> Vec<(i64, String)> {
    let n = r.name;
    let mut candidates: Vec<(i64, String)> = vec![
        (r.min, format!("{n} min")),
        (r.max, format!("{n} max")),
        (0, format!("{n} zero")),
        (1, format!("{n} 1")),
        (-1, format!("{n} -1")),
        (r.min.saturating_add(1), format!("{n} min+1")),
        (r.max.saturating_sub(1), format!("{n} max-1")),
    ];
    for &k in powers {
        let p = 1i64.checked_shl(k).unwrap_or(i64::MAX);
        candidates.extend([
            (p, format!("{n} 2^{k}")),
            (p.saturating_sub(1), format!("{n} 2^{k}-1")),
            (p.saturating_add(1), format!("{n} 2^{k}+1")),
            (p.saturating_neg(), format!("{n} -2^{k}")),
            (
                p.saturating_neg().saturating_sub(1),
                format!("{n} -2^{k}-1"),
            ),
            (
                p.saturating_neg().saturating_add(1),
                format!("{n} -2^{k}+1"),
            ),
        ]);
    }
    let mut edges: Vec<(i64, String)> = Vec::new();
    for (v, name) in candidates {
        if (r.min..=r.max).contains(&v) && !edges.iter().any(|(e, _)| *e == v) {
            edges.push((v, name));
        }
    }
    edges
}

fn integer_edge_texts(r: IntRange, powers: &[u32]) -> Vec<(String, String)> {
    integer_edges(r, powers)
        .into_iter()
        .map(|(v, name)| (v.to_string(), name))
        .collect()
}

/// Invalid integer edges, as int32.rs lists them. `4.0`, `1e2` and `-0`
/// are left out: the contract does not judge a whole value written as a float.
fn invalid_integer_edges(r: IntRange) -> Vec<(String, &'static str)> {
    let above = (i128::from(r.max) + 1).to_string();
    let below = (i128::from(r.min) - 1).to_string();
    let mut edges = vec![
        (above, "max+1"),
        (below, "min-1"),
        ("18446744073709551616".to_owned(), "2^64"),
        ("-18446744073709551616".to_owned(), "-2^64"),
        ("1e20".to_owned(), "1e20"),
        ("-1e20".to_owned(), "-1e20"),
        ("4.5".to_owned(), "fraction 4.5"),
        ("45e-1".to_owned(), "fraction 45e-1"),
        ("0.5".to_owned(), "fraction 0.5"),
        (
            format!("{}.5", r.max.saturating_sub(1)),
            "fraction just below max",
        ),
    ];
    if r.min < 0 {
        edges.push(("-4.5".to_owned(), "fraction -4.5"));
    }
    edges.extend(owned(&[
        ("\"4\"", "string \"4\""),
        ("\"0\"", "string \"0\""),
    ]));
    edges.extend(owned(NOT_A_NUMBER_EDGES));
    edges.push((format!("1{}", "0".repeat(10_000)), "10 001-digit literal"));
    edges
}

/// The invalid edges of another JSON kind every integer type has, after its strings.
pub(super) const NOT_A_NUMBER_EDGES: &[(&str, &str)] = &[
    ("true", "boolean true"),
    ("false", "boolean false"),
    ("[]", "empty array"),
    ("[4]", "array [4]"),
    ("{}", "empty object"),
    ("{\"value\":4}", "object"),
];

/// Draws its value as it is and shrinks it by binary search towards 0, like `parts`'
/// `TowardsZero` for i32, so that a value picked from the edges shrinks like any number.
#[derive(Clone, Copy, Debug)]
struct TowardsZero(i64);

impl Strategy for TowardsZero {
    type Tree = proptest::num::i64::BinarySearch;
    type Value = i64;

    fn new_tree(&self, _: &mut TestRunner) -> NewTree<Self> {
        Ok(proptest::num::i64::BinarySearch::new(self.0))
    }
}

/// A valid integer: from the whole range, the edges, or small counts; shrinks towards 0,
/// which every range holds, so shrinking never leaves the range.
fn valid_integer(r: IntRange, powers: &[u32]) -> BoxedStrategy<String> {
    let edges: Vec<i64> = integer_edges(r, powers)
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    prop_oneof![
        2 => r.min..=r.max,
        1 => 0..=r.max.min(1000),
        2 => select(edges),
    ]
    .no_shrink()
    .prop_flat_map(TowardsZero)
    .prop_map(|v| v.to_string())
    .boxed()
}

/// The kinds of invalid integer, as int32.rs draws them (without `null`).
fn invalid_integer(p: Primitive, r: IntRange) -> Invalid {
    let (min, max) = (i128::from(r.min), i128::from(r.max));
    // Half the draws stay near the end, which matters most for the narrow types.
    let beyond = || prop_oneof![0..=1000u32, 0..=u32::MAX];
    let digits = r.max.unsigned_abs().to_string().len() as u32;
    const NAMED: &[&str] = &[
        "99999999999999999999",
        "-99999999999999999999",
        "1e20",
        "-1e20",
    ];
    Kinds::of(p)
        .json(
            3,
            "above max",
            beyond().prop_map(move |n| (max + 1 + i128::from(n)).to_string()),
        )
        .json(
            3,
            "below min",
            beyond().prop_map(move |n| (min - 1 - i128::from(n)).to_string()),
        )
        // At least 10^d in magnitude, d being the digits of the type's max: out of range
        // whichever way they are read, even the exponent forms the contract would not judge.
        .json(
            2,
            "far out of range",
            far_out(NAMED, digits, 10u64.saturating_pow(digits)),
        )
        .json(2, "fraction", fraction_within(r))
        .json(2, "fraction in exponent form", exponent_fraction_within(r))
        .others(&NOT_A_NUMBER)
        .draw()
}

/// Numbers out of range: the `named` ones, `de±k` with k at least `digits`, and integers of
/// magnitude at least `floor`.
pub(super) fn far_out(
    named: &'static [&'static str],
    digits: u32,
    floor: u64,
) -> impl Strategy<Value = String> {
    prop_oneof![
        select(named).prop_map(str::to_owned),
        (any::<bool>(), 1..=9u32, digits..=30u32)
            .prop_map(|(neg, d, k)| format!("{}{d}e{k}", sign(neg))),
        (any::<bool>(), floor..=u64::MAX).prop_map(|(neg, n)| format!("{}{n}", sign(neg))),
    ]
}

/// A number with a fraction whose last digit is not 0 (never whole: `4.0` is not judged),
/// inside the range so that it breaks only the integer rule; negative only for signed types.
pub(super) fn fraction_within(r: IntRange) -> impl Strategy<Value = String> {
    let bound = u32::try_from(r.max.saturating_sub(1).min(100_000)).unwrap_or(0);
    let signed = r.min < 0;
    (any::<bool>(), 0..=bound, 1..=9999u32).prop_map(move |(neg, int, frac)| {
        let frac = if frac.is_multiple_of(10) {
            frac + 1
        } else {
            frac
        };
        format!("{}{int}.{frac}", sign(neg && signed))
    })
}

/// `me-k` with m not divisible by 10 (never whole: `1e2` is not judged) and below the max once
/// scaled.
pub(super) fn exponent_fraction_within(r: IntRange) -> impl Strategy<Value = String> {
    let top = u32::try_from(r.max.saturating_mul(10).saturating_sub(2).min(99_999)).unwrap_or(1);
    let signed = r.min < 0;
    (any::<bool>(), 1..=top, 1..=3u32).prop_map(move |(neg, m, k)| {
        let m = if m.is_multiple_of(10) { m + 1 } else { m };
        format!("{}{m}e-{k}", sign(neg && signed))
    })
}

/// One of the integer types that follow this pattern: its range, the k of its ±2^k edges, and
/// the type itself (a value of another JSON kind holds a valid value of it).
pub(super) struct Integer {
    pub(super) range: IntRange,
    pub(super) powers: &'static [u32],
    pub(super) primitive: Primitive,
}

impl Integer {
    pub(super) fn valid_edges(&self) -> Vec<(String, String)> {
        integer_edge_texts(self.range, self.powers)
    }

    pub(super) fn invalid_edges(&self) -> Vec<(String, &'static str)> {
        invalid_integer_edges(self.range)
    }

    pub(super) fn valid_value(&self) -> BoxedStrategy<String> {
        valid_integer(self.range, self.powers)
    }

    pub(super) fn invalid_value(&self) -> Invalid {
        invalid_integer(self.primitive, self.range)
    }
}
