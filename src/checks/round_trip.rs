//! Round-trip checks: the echo of what was sent (C4.4), merging (C4.5), the key (C4.6),
//! persistence (C5.1), idempotence (C5.2), atomicity (C5.3 and its kin), concurrency (C5.4).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::outcome::{Check, Level};
use crate::transcript::Step;

use super::{shown, Judge};
use crate::contract::{C4_4, C4_5, C4_6, C5_1, C5_2};

type Object = Map<String, Value>;

/// The data properties of a sent body: no annotations, no key, nothing read-only.
fn sent_properties<'a>(
    j: &'a Judge,
    sent: &'a Object,
) -> impl Iterator<Item = (&'a String, &'a Value)> {
    sent.iter().filter(move |(k, _)| {
        !k.contains('@') && **k != j.model.key && j.model.property(k).is_none_or(|p| !p.read_only)
    })
}

/// True when `got` holds the value `sent` holds for `name`, compared as C4.4 says (the sent
/// value's members: a service may fill in complex members that were not sent).
fn echoes(j: &Judge, name: &str, sent: &Object, got: &Object) -> bool {
    match (j.model.value_in(sent, name), j.model.value_in(got, name)) {
        (Some(x), Some(y)) => j.model.types.same(&x, &y),
        _ => sent.get(name) == got.get(name),
    }
}

/// Every property whose value differs between `a` and `b`, as "name: a → b".
fn differences(j: &Judge, a: &Object, b: &Object, arrow: &str) -> Vec<String> {
    j.model
        .properties
        .iter()
        .filter(|p| !j.model.same_in(&p.name, a, b))
        .map(|p| {
            format!(
                "{}: {} {arrow} {}",
                p.name,
                shown(a.get(&p.name)),
                shown(b.get(&p.name))
            )
        })
        .collect()
}

pub(crate) fn echo(j: &Judge, sent: &Object, entity: &Object) -> Vec<Check> {
    sent_properties(j, sent)
        .map(|(name, sent_value)| {
            let got = entity.get(name);
            let ok = echoes(j, name, sent, entity);
            j.check(C4_4, Level::Must, ok, format!("{name} = {sent_value}"), format!("{name} = {}", shown(got)), || {
                format!(
                    "C4.4: {name} was sent as {sent_value} and came back as {}; every property sent must come back with the value sent (compared as its type's clause says: integers exactly, date-times as the same instant to the 100 ns tick, …)",
                    shown(got)
                )
            })
        })
        .collect()
}

pub(crate) fn merge(j: &Judge, sent: &Object, before: &Object, entity: &Object) -> Vec<Check> {
    j.model
        .writable()
        .filter(|(_, p)| !sent.contains_key(&p.name) && before.contains_key(&p.name))
        .map(|(_, p)| {
            let name = &p.name;
            let ok = j.model.same_in(name, before, entity);
            j.check(C4_5, Level::Must, ok, format!("{name} = {} (unchanged)", shown(before.get(name))), format!("{name} = {}", shown(entity.get(name))), || {
                format!(
                    "C4.5: {name} was not sent but changed from {} to {}; PATCH merges: properties not sent keep their values",
                    shown(before.get(name)),
                    shown(entity.get(name))
                )
            })
        })
        .collect()
}

pub(crate) fn key_unchanged(j: &Judge, before: &Object, entity: &Object) -> Check {
    let key = &j.model.key;
    let (was, is) = (before.get(key), entity.get(key));
    j.check(
        C4_6,
        Level::Must,
        was.is_some() && was == is,
        format!("{key} = {}", shown(was)),
        format!("{key} = {}", shown(is)),
        || {
            format!(
                "C4.6: the answer's {key} is {}, but the entity's key is {}; the key never changes",
                shown(is),
                shown(was)
            )
        },
    )
}

pub(crate) fn persisted(j: &Judge, entity: &Object, read: &Step) -> Vec<Check> {
    let status = read.response.status;
    let body = read.response.json();
    let Some(map) = body
        .as_ref()
        .and_then(Value::as_object)
        .filter(|_| status == 200)
    else {
        return vec![j.check(C5_1, Level::Must, false, "200 with the entity", format!("{status}"), || {
            format!("C5.1: GET {} right after the PATCH answered {status} without the entity; the entity must be readable at the path it was written through", read.request.url)
        })];
    };
    let differing = differences(j, entity, map, "(PATCH answered), GET answered");
    vec![j.check(C5_1, Level::Must, differing.is_empty(), "the GET returns the PATCH's values", if differing.is_empty() { "same".into() } else { differing.join("; ") }, || {
        format!("C5.1: a GET right after the PATCH disagrees with its answer ({}); the update must be stored, not only echoed", differing.join("; "))
    })]
}

/// The state after a request that must change nothing equals the state before.
pub(crate) fn unchanged(
    j: &Judge,
    clause: &str,
    before: &Object,
    after: &Object,
    which: &str,
) -> Check {
    let changed = differences(j, before, after, "→");
    j.check(clause, Level::Must, changed.is_empty(), format!("{which} unchanged"), if changed.is_empty() { "unchanged".into() } else { changed.join("; ") }, || {
        format!("{clause}: a refused request changed {which} ({}); validation, routing and authorisation must happen before anything is written", changed.join("; "))
    })
}

/// C3.7's 200: the answer is the entity, unchanged.
pub(crate) fn answered_unchanged(
    j: &Judge,
    clause: &str,
    before: &Object,
    step: &Step,
) -> Vec<Check> {
    let Some(Value::Object(entity)) = step.response.json() else {
        return vec![j.check(
            clause,
            Level::Must,
            false,
            "the unchanged entity",
            "no JSON object",
            || format!("{clause}: a 200 answer must carry the entity"),
        )];
    };
    let changed: Vec<&str> = j
        .model
        .properties
        .iter()
        .filter(|p| !j.model.same_in(&p.name, before, &entity))
        .map(|p| p.name.as_str())
        .collect();
    vec![j.check(clause, Level::Must, changed.is_empty(), "the entity as it was", if changed.is_empty() { "as it was".into() } else { format!("differs in {}", changed.join(", ")) }, || {
        format!("{clause}: the request answered 200 with an entity that differs in {}; it must change nothing", changed.join(", "))
    })]
}

/// C5.2: after the same PATCH twice, the state equals the first answer (under `--allow-204`
/// an empty first answer stands for the body sent).
pub(crate) fn idempotent(
    j: &Judge,
    sent: &Object,
    steps: [&Step; 2],
    read_back: Option<&Step>,
) -> Check {
    let empty_answers = j.allow_204 && steps.iter().all(|s| s.response.status == 204);
    let first = if empty_answers {
        Some(Value::Object(sent.clone()))
    } else {
        steps[0].response.json()
    };
    let read = read_back.and_then(|r| r.response.json());
    let (Some(Value::Object(first)), Some(Value::Object(read))) = (&first, &read) else {
        let statuses: Vec<String> = steps
            .iter()
            .map(|s| s.response.status.to_string())
            .collect();
        return j.check(C5_2, Level::Must, false, "two successful answers and the state of one PATCH", statuses.join(", "), || {
            format!("C5.2: the same PATCH sent twice answered {}; both must succeed and leave the state of one", statuses.join(" then "))
        });
    };
    let differing: Vec<&str> = j
        .model
        .properties
        .iter()
        .filter(|p| first.contains_key(&p.name) && !j.model.same_in(&p.name, first, read))
        .map(|p| p.name.as_str())
        .collect();
    j.check(C5_2, Level::Must, differing.is_empty(), "the state after two identical PATCHes equals the first answer", if differing.is_empty() { "equal".into() } else { format!("differs in {}", differing.join(", ")) }, || {
        format!("C5.2: after sending the same PATCH twice the state differs from the first answer in {}", differing.join(", "))
    })
}

/// C5.4: after concurrent PATCHes, each property holds one of the values sent to it.
pub(crate) fn all_took_effect(
    j: &Judge,
    clause: &str,
    last_round: &[Value],
    after: &Object,
) -> Vec<Check> {
    let mut sent: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for body in last_round {
        for (name, v) in body.as_object().into_iter().flatten() {
            sent.entry(name).or_default().push(v);
        }
    }
    sent.into_iter()
        .map(|(name, values)| {
            let ok = values.iter().any(|v| {
                let one: Object = [(name.to_owned(), (*v).clone())].into_iter().collect();
                echoes(j, name, &one, after)
            });
            let wanted = values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" or ");
            j.check(clause, Level::Must, ok, format!("{name} = {wanted}"), format!("{name} = {}", shown(after.get(name))), || {
                format!("{clause}: after concurrent PATCHes {name} is {}, not a value sent to it ({wanted}): an update was lost; hold a lock (or use optimistic concurrency) across read-modify-write", shown(after.get(name)))
            })
        })
        .collect()
}
