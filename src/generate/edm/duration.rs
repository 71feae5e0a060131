//! Edm.Duration for generated inputs: durations written part by part or canonically, and
//! the forms the grammar refuses.

use proptest::option;
use proptest::prelude::{any, prop_oneof, BoxedStrategy, Strategy};
use proptest::sample::select;

use super::parts::{
    as_strings, edge_texts, fraction, json_string, sign, Invalid, Kinds, NOT_A_STRING,
};
use crate::domain::edm::duration::Duration;
use crate::domain::Primitive;

pub(super) const DURATION_EDGES: &[(&str, &str)] = &[
    ("PT0S", "zero"),
    (
        "P10675199DT2H48M5.4775807S",
        "Duration max (TimeSpan.MaxValue)",
    ),
    (
        "-P10675199DT2H48M5.4775808S",
        "Duration min (TimeSpan.MinValue)",
    ),
    ("P1D", "one day"),
    ("PT1H", "one hour"),
    ("PT1M", "one minute (M after T)"),
    ("PT1S", "one second"),
    ("PT0.0000001S", "one tick"),
    ("-PT0.0000001S", "minus one tick"),
    ("P1DT2H3M4.5S", "every part"),
    ("-P1DT2H3M4.5S", "negative, every part"),
    ("PT36H", "hours beyond a day"),
    ("PT90M", "minutes beyond an hour"),
    ("PT3600S", "seconds beyond a minute"),
    ("PT1H1S", "minutes skipped"),
    ("P1DT1M", "hours skipped"),
    ("PT1.5S", "1-digit fraction"),
    ("PT0.1234567S", "7-digit fraction"),
    ("P0D", "zero days"),
    ("-PT0S", "negative zero"),
    ("P365D", "365 days"),
    ("PT23H59M59.9999999S", "last tick of a day"),
    ("PT007S", "leading zeros"),
];

/// More than seven fraction digits is left out: the ABNF admits any number.
pub(super) const INVALID_DURATION_EDGES: &[(&str, &str)] = &[
    ("\"P1Y\"", "years"),
    ("\"P1M\"", "months (M before T)"),
    ("\"P1W\"", "weeks"),
    ("\"P1Y2M3D\"", "years and months"),
    ("\"P\"", "P alone"),
    ("\"PT\"", "PT alone"),
    ("\"-P\"", "-P alone"),
    ("\"P1DT\"", "T with nothing after"),
    ("\"PT1Y\"", "years after T"),
    ("\"p1d\"", "lower-case"),
    ("\"pt1h\"", "lower-case, after T"),
    ("\"PT1h\"", "lower-case unit"),
    ("\"P1.5D\"", "fraction of a day"),
    ("\"PT1.5H\"", "fraction of an hour"),
    ("\"PT1.5M\"", "fraction of a minute"),
    ("\"PT1S1M\"", "parts out of order"),
    ("\"PT1H1H\"", "a part twice"),
    ("\"PT1.S\"", "point without digits"),
    ("\"PT.5S\"", "fraction without whole seconds"),
    ("\"PT-1S\"", "sign inside"),
    ("\"1D\"", "no P"),
    ("\"P10675200D\"", "beyond the range"),
    ("\"-P10675200D\"", "beyond the range, negative"),
    ("\"P10675199DT2H48M5.4775808S\"", "one tick beyond max"),
    ("\"01:00:00\"", "a time of day"),
    ("\"\"", "empty string"),
    ("86400", "a number"),
    ("true", "a boolean"),
    ("[]", "an array"),
    ("{}", "an object"),
];

/// A duration written part by part, not necessarily canonical (`PT36H`); shrinks towards `PT0S`.
fn duration_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        option::of(0..=100_000u64),
        option::of(0..=1_000u64),
        option::of(0..=10_000u64),
        option::of((0..=100_000u64, fraction())),
    )
        .prop_map(|(negative, days, hours, minutes, seconds)| {
            let mut text = String::from(if negative { "-P" } else { "P" });
            if let Some(d) = days {
                text.push_str(&format!("{d}D"));
            }
            if hours.is_some() || minutes.is_some() || seconds.is_some() {
                text.push('T');
            }
            if let Some(h) = hours {
                text.push_str(&format!("{h}H"));
            }
            if let Some(m) = minutes {
                text.push_str(&format!("{m}M"));
            }
            match seconds {
                Some((s, f)) if f.digits > 0 => {
                    let width = f.digits as usize;
                    text.push_str(&format!("{s}.{:0width$}S", f.value));
                }
                Some((s, _)) => text.push_str(&format!("{s}S")),
                None if days.is_none() && hours.is_none() && minutes.is_none() => {
                    text.push_str("T0S");
                }
                None => {}
            }
            text
        })
}

pub(super) fn valid_value() -> BoxedStrategy<String> {
    let canonical = any::<i64>().prop_map(|t| Duration::from_ticks(t).to_string());
    prop_oneof![
        4 => duration_text().prop_map(|t| json_string(&t)),
        2 => canonical.prop_map(|t| json_string(&t)),
        1 => edge_texts(as_strings(DURATION_EDGES)),
    ]
    .boxed()
}

pub(super) fn invalid_value() -> Invalid {
    let count = || 0..=9999u64;
    Kinds::of(Primitive::Duration)
        .string(2, "years", count().prop_map(|n| format!("P{n}Y")))
        .string(2, "months", count().prop_map(|n| format!("P{n}M")))
        .string(1, "weeks", count().prop_map(|n| format!("P{n}W")))
        .string(
            2,
            "lower-case letters",
            duration_text().prop_map(|t| t.to_lowercase()),
        )
        .string(
            2,
            "fraction on days, hours or minutes",
            (
                select(&[("P", 'D'), ("PT", 'H'), ("PT", 'M')][..]),
                count(),
                1..=9u32,
            )
                .prop_map(|((prefix, unit), n, f)| format!("{prefix}{n}.{f}{unit}")),
        )
        .string(
            1,
            "T with nothing after",
            count().prop_map(|n| format!("P{n}DT")),
        )
        .string(
            1,
            "no part",
            select(&["P", "PT", "-P", "-PT"][..]).prop_map(str::to_owned),
        )
        // 10 675 200 days is the first whole day count beyond 2^63 ticks.
        .string(
            2,
            "beyond the range",
            (any::<bool>(), 10_675_200..=u64::MAX)
                .prop_map(|(neg, d)| format!("{}P{d}D", sign(neg))),
        )
        .string(
            1,
            "parts out of order",
            (1..=59u32, 1..=59u32, any::<bool>()).prop_map(|(a, b, seconds_first)| {
                if seconds_first {
                    format!("PT{a}S{b}M")
                } else {
                    format!("PT{a}M{b}H")
                }
            }),
        )
        .others(&NOT_A_STRING)
        .draw()
}
