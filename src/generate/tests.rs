//! Unit tests of the generated inputs: named edges, seeding, validity against the domain, and
//! shrinking.

use serde_json::{Map, Value};

use super::*;
use crate::domain::edm::calendar::{days_in_month, is_leap_year};
use crate::domain::edm::date_time_offset::DateTimeOffset;
use crate::domain::{parse_patch, Primitive, Property, TypeRef, Types};

const SEEDS: [u64; 5] = [0, 1, 42, 0xdead_beef, u64::MAX];
const DEFAULT_CASES: u32 = 256;

const VALID_INT32: Strategy = Strategy {
    aim: Aim::Valid(Family::Primitive(Primitive::Int32)),
};
const VALID_DTO: Strategy = Strategy {
    aim: Aim::Valid(Family::Primitive(Primitive::DateTimeOffset)),
};
const VALID_BODY: Strategy = Strategy {
    aim: Aim::ValidBody,
};
const INVALID_INT32: Strategy = Strategy {
    aim: Aim::Invalid(Family::Primitive(Primitive::Int32)),
};
const INVALID_DTO: Strategy = Strategy {
    aim: Aim::Invalid(Family::Primitive(Primitive::DateTimeOffset)),
};

/// The seed pack's entity.
fn model() -> EntityModel {
    let pack = crate::pack::Pack::load(&crate::pack::Selection::default()).unwrap();
    (*pack.model).clone()
}

fn all() -> Vec<Strategy> {
    Strategy::for_model(&model())
}

/// [`run`] one input at a time.
fn run1(
    strategy: Strategy,
    model: &EntityModel,
    seed: u64,
    cases: u32,
    mut test: impl FnMut(&Input) -> Result<(), String>,
) -> RunSummary {
    run(strategy, model, seed, cases, 1, |inputs| {
        test(&inputs[0]).map_err(|m| (0, m))
    })
}

fn refusal_clause(s: Strategy) -> Option<&'static str> {
    (!s.expects_acceptance()).then(|| s.clause())
}

fn collect(strategy: Strategy, seed: u64, cases: u32) -> Vec<Input> {
    let mut inputs = Vec::new();
    let summary = run1(strategy, &model(), seed, cases, |i| {
        inputs.push(i.clone());
        Ok(())
    });
    assert_eq!((summary.cases, summary.passed), (cases, cases));
    assert!(summary.failure.is_none());
    inputs
}

fn object(input: &Input) -> Map<String, Value> {
    match serde_json::from_str(&input.body) {
        Ok(Value::Object(map)) => map,
        other => panic!("{:?} is not a JSON object: {other:?}", input.body),
    }
}

/// Every property value sent, as raw JSON text (numbers exactly as written).
fn sent(inputs: &[Input]) -> Vec<String> {
    inputs
        .iter()
        .flat_map(|i| object(i).into_iter().filter(|(k, _)| !k.starts_with('@')))
        .map(|(_, v)| v.to_string())
        .collect()
}

/// The invalid value of each input (its last property), as raw JSON text exactly as sent.
fn sent_invalid(inputs: &[Input]) -> Vec<String> {
    inputs
        .iter()
        .map(|i| {
            let key = format!("{}:", json_string(i.properties.last().unwrap()));
            let at = i.body.rfind(&key).unwrap() + key.len();
            i.body[at..i.body.len() - 1].to_owned()
        })
        .collect()
}

/// The DateTimeOffset texts sent (unquoted).
fn sent_texts(inputs: &[Input]) -> Vec<String> {
    sent(inputs)
        .into_iter()
        .filter_map(|v| serde_json::from_str::<String>(&v).ok())
        .collect()
}

fn assert_has(values: &[String], wanted: &str, seed: u64) {
    assert!(
        values.iter().any(|v| v == wanted),
        "seed {seed}: {wanted} was not sent"
    );
}

fn assert_any(texts: &[String], what: &str, seed: u64, pred: impl Fn(&str) -> bool) {
    assert!(
        texts.iter().any(|t| pred(t)),
        "seed {seed}: no value with {what} was sent"
    );
}

type Check = fn(&str) -> bool;

fn fraction_digits(text: &str) -> Option<usize> {
    let (_, rest) = text.split_once('.')?;
    Some(rest.bytes().take_while(u8::is_ascii_digit).count())
}

fn has_seconds(text: &str) -> bool {
    text.as_bytes().get(16) == Some(&b':')
}

#[test]
fn every_named_int32_edge_is_sent_within_the_default_cases() {
    let mut wanted: Vec<i64> = vec![
        i64::from(i32::MIN),
        i64::from(i32::MAX),
        0,
        1,
        -1,
        i64::from(i32::MIN) + 1,
        i64::from(i32::MAX) - 1,
    ];
    for k in 1..=30 {
        let p = 1i64 << k;
        wanted.extend([p, p - 1, p + 1, -p, -p - 1, -p + 1]);
    }
    for seed in SEEDS {
        let values = sent(&collect(VALID_INT32, seed, DEFAULT_CASES));
        for w in &wanted {
            assert_has(&values, &w.to_string(), seed);
        }
    }
}

#[test]
fn every_named_datetime_edge_is_sent_within_the_default_cases() {
    for seed in SEEDS {
        let texts = sent_texts(&collect(VALID_DTO, seed, DEFAULT_CASES));
        for (what, prefix) in [
            ("year 0001", "0001-"),
            ("year 9999", "9999-"),
            ("29 February 2000", "2000-02-29"),
            ("29 February 2400", "2400-02-29"),
            ("28 February 1900", "1900-02-28"),
            ("28 February 2100", "2100-02-28"),
        ] {
            assert_any(&texts, what, seed, |t| t.starts_with(prefix));
        }
        assert_any(&texts, "the minimum", seed, |t| t == "0001-01-01T00:00:00Z");
        assert_any(&texts, "the maximum", seed, |t| {
            t == "9999-12-31T23:59:59.9999999Z"
        });
        for offset in [
            "+14:00", "-14:00", "+05:45", "+13:45", "-09:30", "+00:00", "Z",
        ] {
            assert_any(&texts, offset, seed, |t| t.ends_with(offset));
        }
        assert_any(&texts, "seconds omitted", seed, |t| !has_seconds(t));
        assert_any(&texts, "seconds and no fraction", seed, |t| {
            has_seconds(t) && fraction_digits(t).is_none()
        });
        for digits in 1..=7 {
            assert_any(&texts, &format!("{digits} fraction digits"), seed, |t| {
                fraction_digits(t) == Some(digits)
            });
        }
        assert_any(&texts, "7 fraction digits not ending in 0", seed, |t| {
            fraction_digits(t) == Some(7)
                && !t.split_once('.').unwrap().1.starts_with("000000")
                && t.split_once('.').unwrap().1.as_bytes()[6] != b'0'
        });
        for month in 1..=12u32 {
            assert_any(&texts, &format!("the end of month {month}"), seed, |t| {
                let year: i32 = t[0..4].parse().unwrap();
                let m: u32 = t[5..7].parse().unwrap();
                let d: u32 = t[8..10].parse().unwrap();
                m == month && d == days_in_month(year, m)
            });
        }
    }
}

#[test]
fn every_named_invalid_int32_is_sent_within_the_default_cases() {
    for seed in SEEDS {
        let values = sent_invalid(&collect(INVALID_INT32, seed, DEFAULT_CASES));
        for (wanted, _) in edm::invalid_edges(Primitive::Int32) {
            assert_has(&values, &wanted, seed);
        }
        assert_has(&values, "null", seed);
    }
}

#[test]
fn every_named_invalid_datetime_is_sent_within_the_default_cases() {
    for seed in SEEDS {
        let inputs = collect(INVALID_DTO, seed, DEFAULT_CASES);
        let values = sent_invalid(&inputs);
        for wanted in ["null", "1497528000"] {
            assert_has(&values, wanted, seed);
        }
        let texts = sent_texts(&inputs);
        let checks: [(&str, Check); 14] = [
            ("month 00", |t| &t[4..8] == "-00-"),
            ("month 13", |t| &t[4..8] == "-13-"),
            ("day 00", |t| &t[7..11] == "-00T"),
            ("day 32", |t| &t[7..11] == "-32T"),
            ("29 February in a common year", |t| {
                &t[4..10] == "-02-29" && !is_leap_year(t[0..4].parse().unwrap())
            }),
            ("30 February", |t| &t[4..10] == "-02-30"),
            ("hour 24", |t| &t[10..14] == "T24:"),
            ("minute 60", |t| &t[13..16] == ":60"),
            ("no offset", |t| {
                !t.ends_with('Z') && !t[16..].contains('+') && !t[16..].contains('-')
            }),
            ("offset +14:01", |t| t.ends_with("+14:01")),
            ("offset -15:00", |t| t.ends_with("-15:00")),
            ("year 0000", |t| t.starts_with("0000-")),
            ("a missing T", |t| !t.contains('T')),
            ("1900-02-29", |t| t.starts_with("1900-02-29")),
        ];
        for (what, pred) in checks {
            assert_any(&texts, what, seed, pred);
        }
    }
}

#[test]
fn valid_bodies_set_every_writable_property_at_both_ends() {
    let m = model();
    let writable: Vec<String> = m.writable().map(|(_, p)| p.name.clone()).collect();
    for seed in SEEDS {
        let inputs = collect(VALID_BODY, seed, DEFAULT_CASES);
        for end in ["2147483647", "-2147483648"] {
            assert!(inputs
                .iter()
                .any(|i| i.properties == writable && i.body.contains(end)));
        }
        // Random bodies vary in size, from one property to all of them.
        let sizes: std::collections::BTreeSet<usize> =
            inputs.iter().map(|i| i.properties.len()).collect();
        assert_eq!(sizes, (1..=writable.len()).collect());
    }
}

#[test]
fn the_same_seed_gives_the_same_inputs_and_another_seed_another_tail() {
    for strategy in all() {
        let prefix = edges(strategy, &model()).len();
        let a = collect(strategy, 7, 300);
        assert_eq!(a, collect(strategy, 7, 300), "{}", strategy.name());
        let b = collect(strategy, 8, 300);
        assert_eq!(a[..prefix], b[..prefix], "edges do not depend on the seed");
        assert_ne!(
            a[prefix..],
            b[prefix..],
            "{}: seeds 7 and 8 drew alike",
            strategy.name()
        );
        // Strategies draw from their own streams.
        assert!(a[prefix..].iter().all(|i| i.note.starts_with("random #")));
    }
}

#[test]
fn names_are_fixed_and_distinct() {
    let names: Vec<String> = all().iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            "generated-valid-int32",
            "generated-valid-datetimeoffset",
            "generated-valid-body",
            "generated-invalid-int32",
            "generated-invalid-datetimeoffset",
        ]
    );
    for s in all() {
        assert_eq!(Strategy::from_name(&s.name(), &model()), Some(s));
        let expected = match s.aim {
            Aim::Invalid(Family::Primitive(Primitive::Int32)) => "C3.4",
            Aim::Invalid(_) => "C3.5",
            _ => "C4.4",
        };
        assert_eq!(s.clause(), expected);
    }
}

#[test]
fn valid_inputs_parse_and_invalid_ones_are_refused_with_their_clause() {
    let m = model();
    for strategy in all() {
        for seed in [0, 1, 2] {
            for input in collect(strategy, seed, 600) {
                let parsed = parse_patch(&m, input.body.as_bytes(), "an-id");
                let Some(clause) = refusal_clause(strategy) else {
                    let patch = parsed.unwrap_or_else(|r| {
                        panic!("{} refused {input:?}: {}", strategy.name(), r.message)
                    });
                    assert_eq!(patch.changes.len(), input.properties.len(), "{input:?}");
                    continue;
                };
                let refusal = parsed.expect_err(&input.body);
                assert_eq!(refusal.clause, clause, "{input:?}: {}", refusal.message);
                // Out-of-range UTC instants are not judged: never the reason for a refusal.
                assert!(
                    !refusal.message.contains("UTC"),
                    "{input:?}: {}",
                    refusal.message
                );
                // The invalid property is the last one; without it the body is valid.
                let mut rest = object(&input);
                let invalid = input.properties.last().unwrap();
                let bad_value = rest.shift_remove(invalid).unwrap();
                let rest = Value::Object(rest).to_string();
                assert!(parse_patch(&m, rest.as_bytes(), "an-id").is_ok(), "{rest}");
                assert_eq!(input.properties.len(), object(&input).len());
                let alone = format!("{{{}:{bad_value}}}", json_string(invalid));
                let family = Family::of(&m.properties[m.index_of(invalid).unwrap()].ty);
                assert_eq!(Some(family), strategy.family());
                let refusal = parse_patch(&m, alone.as_bytes(), "an-id").unwrap_err();
                assert_eq!(refusal.clause, clause, "{alone}");
            }
        }
    }
}

#[test]
fn datetimes_are_written_as_the_contract_judges_them() {
    for strategy in [VALID_DTO, VALID_BODY, INVALID_DTO] {
        for seed in [3, 4] {
            for text in sent_texts(&collect(strategy, seed, 600)) {
                assert!(
                    text.bytes()
                        .all(|b| b.is_ascii_digit() || b"-:.TZ+".contains(&b)),
                    "{text}: only upper-case T and Z"
                );
                assert!(fraction_digits(&text).unwrap_or(0) <= 7, "{text}");
                assert!(!text.ends_with("-00:00"), "{text}");
                if has_seconds(&text) {
                    assert!(
                        text[17..19].parse::<u32>().unwrap() < 60,
                        "{text}: leap second"
                    );
                }
                if strategy.expects_acceptance() {
                    // Valid as written and in UTC: the value re-written in Z still parses.
                    let v = DateTimeOffset::parse(&text).unwrap();
                    assert!(v.with_offset(0).is_ok(), "{text}");
                }
            }
        }
    }
}

#[test]
fn invalid_int32_values_are_never_integer_valued_non_integers() {
    for seed in [5, 6] {
        for value in sent_invalid(&collect(INVALID_INT32, seed, 600)) {
            let Ok(n) = value.parse::<f64>() else {
                continue; // not a JSON number
            };
            assert_ne!(value, "-0");
            let whole = n.fract() == 0.0;
            let in_range = n >= f64::from(i32::MIN) && n <= f64::from(i32::MAX);
            assert!(
                !(whole && in_range),
                "{value} is an Int32 value (not judged)"
            );
            if !value.contains(['.', 'e', 'E']) {
                let wide: i128 = value.parse().unwrap();
                assert!(i32::try_from(wide).is_err(), "{value}");
            }
        }
    }
}

#[test]
fn a_short_run_sends_the_first_edges_only() {
    let mut sent = Vec::new();
    let summary = run1(VALID_INT32, &model(), 9, 5, |i| {
        sent.push(i.clone());
        Ok(())
    });
    assert_eq!((summary.cases, summary.passed), (5, 5));
    assert_eq!(sent, edges(VALID_INT32, &model())[..5]);
    assert_eq!(sent[0].note, "edge: Int32 min");
    assert_eq!(sent[1].note, "edge: Int32 max");
}

/// The Int32 values of a body.
fn ints(input: &Input) -> Vec<i64> {
    object(input).values().filter_map(Value::as_i64).collect()
}

/// Fails random inputs holding an Int32 above 1000; edges pass so the random tail is reached.
fn above_1000(input: &Input) -> Result<(), String> {
    if !input.note.starts_with("edge") && ints(input).iter().any(|&v| v > 1000) {
        Err(format!("{} has an Int32 above 1000", input.body))
    } else {
        Ok(())
    }
}

#[test]
fn a_failing_body_shrinks_to_one_small_property() {
    for strategy in [VALID_BODY, VALID_INT32] {
        for seed in [0, 1, 2] {
            let summary = run1(strategy, &model(), seed, DEFAULT_CASES, above_1000);
            let failure = summary.failure.expect("some random Int32 is above 1000");
            assert_eq!(summary.passed + 1, summary.cases);
            assert!(failure.original.note.starts_with("random #"));
            assert!(
                failure.input.note.ends_with(", shrunk"),
                "{:?}",
                failure.input
            );
            assert_eq!(failure.input.properties.len(), 1, "{:?}", failure.input);
            let v = ints(&failure.input)[0];
            assert!((1001..=1100).contains(&v), "shrunk to {v}: {failure:?}");
            assert!(failure.shrink_steps <= MAX_SHRINK_STEPS);
            assert!(failure.message.contains(&failure.input.body));
        }
    }
}

#[test]
fn a_failing_datetime_shrinks_towards_a_simple_value() {
    let after_2000 = |input: &Input| -> Result<(), String> {
        let late = sent_texts(std::slice::from_ref(input))
            .iter()
            .any(|t| t[0..4].parse::<i32>().unwrap() > 2000);
        if !input.note.starts_with("edge") && late {
            Err("after 2000".into())
        } else {
            Ok(())
        }
    };
    for seed in [0, 1, 2] {
        let failure = run1(VALID_DTO, &model(), seed, DEFAULT_CASES, after_2000)
            .failure
            .expect("some random year is after 2000");
        let text = &sent_texts(std::slice::from_ref(&failure.input))[0];
        let year: i32 = text[0..4].parse().unwrap();
        assert!((2001..=2100).contains(&year), "{text}");
        assert!(text.ends_with('Z'), "{text}");
        assert!(!text.contains('.'), "{text}");
    }
}

#[test]
fn an_invalid_input_shrinks_to_its_invalid_property_alone() {
    let m = model();
    for strategy in [INVALID_INT32, INVALID_DTO] {
        for seed in [0, 1, 2] {
            let mut calls = 0;
            let summary = run1(strategy, &m, seed, DEFAULT_CASES, |input| {
                calls += 1;
                if input.note.starts_with("edge") {
                    Ok(())
                } else {
                    Err("the service accepted it".into())
                }
            });
            let failure = summary.failure.unwrap();
            assert!(
                failure.original.properties.len() > 1,
                "{:?}",
                failure.original
            );
            assert_eq!(failure.input.properties.len(), 1, "{:?}", failure.input);
            assert_eq!(
                failure.input.properties.last(),
                failure.original.properties.last(),
                "the invalid property is kept"
            );
            let refusal = parse_patch(&m, failure.input.body.as_bytes(), "id").unwrap_err();
            assert_eq!(Some(refusal.clause), refusal_clause(strategy));
            assert_eq!(calls, summary.cases + failure.shrink_steps);
        }
    }
}

#[test]
fn shrinking_is_capped() {
    let mut calls_after_failure = 0;
    let mut failed = false;
    let summary = run1(VALID_BODY, &model(), 3, DEFAULT_CASES, |input| {
        if failed {
            calls_after_failure += 1;
        }
        if input.note.starts_with("edge") {
            return Ok(());
        }
        failed = true;
        // Fails for everything but the simplest body, so every simplification is accepted.
        Err("always".into())
    });
    let failure = summary.failure.unwrap();
    assert_eq!(calls_after_failure, failure.shrink_steps);
    assert!(failure.shrink_steps <= MAX_SHRINK_STEPS);
}

#[test]
fn a_failing_edge_is_reported_as_it_is() {
    let summary = run1(INVALID_DTO, &model(), 0, DEFAULT_CASES, |_| {
        Err("accepted".into())
    });
    assert_eq!((summary.cases, summary.passed), (1, 0));
    let failure = summary.failure.unwrap();
    assert_eq!(failure.input, failure.original);
    assert_eq!(failure.shrink_steps, 0);
    assert_eq!(failure.input.note, "edge: month 13");
    assert_eq!(failure.message, "accepted");
}

#[test]
fn property_names_come_from_the_model() {
    let mut m = model();
    for p in &mut m.properties {
        p.name = match p.name.as_str() {
            "numberOfPendingUsers" => "pendingCount".into(),
            "lastUpdateTime" => "lastUpdateDateTime".into(),
            other => other.to_owned(),
        };
    }
    for strategy in Strategy::for_model(&m) {
        let mut seen = std::collections::BTreeSet::new();
        run1(strategy, &m, 0, 400, |input| {
            seen.extend(input.properties.iter().cloned());
            assert!(!input.body.contains("numberOfPendingUsers"));
            assert!(!input.body.contains("\"lastUpdateTime\""));
            Ok(())
        });
        let expected: Vec<&str> = match strategy.family() {
            Some(Family::Primitive(Primitive::Int32)) => vec!["pendingCount", "policyRevision"],
            Some(_) => vec!["lastUpdateDateTime"],
            None => vec!["pendingCount", "lastUpdateDateTime"],
        };
        for name in expected {
            assert!(
                seen.contains(name),
                "{}: {name} never sent",
                strategy.name()
            );
        }
    }
}

#[test]
fn a_model_without_a_type_yields_no_inputs_of_it() {
    let property = |name: &str, p: Primitive, read_only: bool| Property {
        name: name.into(),
        ty: TypeRef::Primitive(p),
        nullable: false,
        read_only,
    };
    let m = EntityModel {
        odata_type: "#x.y".into(),
        type_name: "x.y".into(),
        key: "id".into(),
        properties: vec![
            property("id", Primitive::String, true),
            property("count", Primitive::Int32, false),
        ],
        types: Types::default(),
    };
    for strategy in [VALID_DTO, INVALID_DTO] {
        assert!(edges(strategy, &m).is_empty());
        let summary = run1(strategy, &m, 0, 10, |_| Err("never called".into()));
        assert_eq!(summary, RunSummary::default());
        let reason = inapplicable(strategy, &m).expect("nothing to vary: skipped");
        assert!(reason.contains("datetimeoffset"), "{reason}");
    }
    assert_eq!(
        Strategy::for_model(&m).len(),
        3,
        "valid and invalid Int32, and the body"
    );
    // With a single writable property, an invalid body stands alone.
    let summary = run1(INVALID_INT32, &m, 0, 50, |input| {
        assert_eq!(input.properties, ["count"]);
        Ok(())
    });
    assert_eq!(summary.passed, 50);
}
