//! The checks on hand-built transcripts, a table per kind: what a service that keeps the
//! contract answers passes, and an answer that breaks it fails citing the clause it breaks.

use serde_json::{json, Map, Value};

use super::Judge;
use crate::case::Case;
use crate::contract::{C1_2, C3_7, C3_8, C4_1, C4_4, C5_1, C5_2, C5_3, C5_4, C6_2};
use crate::outcome::{Check, Outcome};
use crate::pack::{Pack, Selection};
use crate::transcript::{Authorization, Incoming, Outgoing, Shape, State, Step, Transcript};

const URL: &str = "http://127.0.0.1/beta/deviceManagement/deviceConfigurations/dc010000-0000-4000-8000-000000000000/userStatusOverview";
const CRID: &str = "7f3a1c52-0000-4000-8000-000000000000";

/// One row of a table: what the service did, the transcript the executor would make of it,
/// and the clause a failed check must cite (`None`: no check fails).
type Row = (&'static str, Shape, Option<&'static str>);

fn pack() -> Pack {
    Pack::load(&Selection::default()).expect("the default pack loads")
}

fn judge(pack: &Pack) -> Judge<'_> {
    Judge {
        model: &pack.model,
        entity_schema: &pack.schemas.entity,
        error_schema: &pack.schemas.error,
        strict: false,
        success: pack.meta.success,
        allow_204: false,
    }
}

/// The entity before every row's request.
fn before() -> State {
    entity(json!({}))
}

/// The entity with `changes` written over it.
fn entity(changes: Value) -> State {
    let mut state = object(json!({
        "@odata.type": "#microsoft.graph.deviceConfigurationUserOverview",
        "id": "0e010000-0000-4000-8000-000000000000",
        "numberOfPendingUsers": 4,
        "numberOfSucceededUsers": 6,
        "numberOfErrorUsers": 2,
        "numberOfFailedUsers": 3,
        "lastUpdateTime": "2017-01-01T00:02:03.0612494-08:00",
        "policyRevision": 14
    }));
    state.extend(object(changes));
    state
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `method` of the entity with `body`, answered `status` with `answer` as JSON.
fn exchange(method: &str, body: Option<&Value>, status: u16, answer: &Value) -> Step {
    let request = Outgoing {
        method: method.parse().expect("a method"),
        url: URL.into(),
        auth: Authorization::None,
        headers: vec![("client-request-id".into(), CRID.into())],
        body: body.map(Value::to_string),
    };
    let headers = [
        ("content-type", "application/json"),
        ("request-id", "0a0b0c0d-0000-4000-8000-000000000000"),
        ("client-request-id", CRID),
        ("odata-version", "4.0"),
    ];
    let response = Incoming {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body: answer.to_string().into_bytes(),
    };
    Step { request, response }
}

fn patch(body: &Value, status: u16, answer: &Value) -> Step {
    exchange("PATCH", Some(body), status, answer)
}

fn get(state: State) -> Step {
    exchange("GET", None, 200, &Value::Object(state))
}

/// An OData error body, as C6.1 wants it.
fn error() -> Value {
    json!({"error": {"code": "BadRequest", "message": "the request is invalid",
        "innerError": {"request-id": "0a0b0c0d-0000-4000-8000-000000000000", "date": "2017-01-01T00:00:00"}}})
}

fn accepted(step: Step, read_back: Option<Step>) -> Shape {
    Shape::Accepted { step, read_back }
}

fn alias(step: Step, read: Option<Step>) -> Shape {
    Shape::Alias { step, read }
}

fn refused(step: Step, after: State, watched: Option<(State, State)>) -> Shape {
    let after = Some(after);
    Shape::Refused {
        step,
        after,
        watched,
    }
}

fn either(step: Step, after: State) -> Shape {
    let after = Some(after);
    Shape::Either { step, after }
}

fn repeat(first: Step, second: Step, read_back: Option<Step>) -> Shape {
    Shape::Repeat {
        first,
        second,
        read_back,
    }
}

fn concurrent(steps: Vec<Step>, last_round: &[Value], after: State) -> Shape {
    let (last_round, after) = (last_round.to_vec(), Some(after));
    Shape::Concurrent {
        steps,
        last_round,
        after,
    }
}

/// Judges each row's transcript as `case` (a case file's case) expects it.
fn run<const N: usize>(case: Value, rows: [Row; N]) {
    let pack = pack();
    let judge = judge(&pack);
    let case: Case = serde_json::from_value(case).expect("the table's case reads");
    for (what, shape, fails) in rows {
        let t = Transcript {
            exchanges: Vec::new(),
            before: before(),
            shape,
            unread: Vec::new(),
        };
        let checks = judge.judge(&case, &t);
        let failed: Vec<&Check> = checks
            .iter()
            .filter(|c| c.outcome == Outcome::Failed)
            .collect();
        let said: Vec<&str> = failed.iter().map(|c| c.message.as_str()).collect();
        match fails {
            None => assert!(failed.is_empty(), "{what}: {said:#?}"),
            Some(clause) => assert!(
                failed.iter().any(|c| c.clause == clause),
                "{what}: no failed check cites {clause}: {said:#?}"
            ),
        }
    }
}

#[test]
fn accepted_and_alias() {
    let body = json!({"numberOfPendingUsers": 5});
    let sent = |status, answer: &Value| patch(&body, status, answer);
    let (new, old) = (entity(body.clone()), before());
    let (answer_new, answer_old) = (Value::Object(new.clone()), Value::Object(old.clone()));
    let (read_new, read_old) = (|| Some(get(new.clone())), || Some(get(old.clone())));
    #[rustfmt::skip]
    let rows = [
        ("taken and read back", accepted(sent(200, &answer_new), read_new()), None),
        ("not echoed", accepted(sent(200, &answer_old), read_old()), Some(C4_4)),
        ("echoed, not stored", accepted(sent(200, &answer_new), read_old()), Some(C5_1)),
        ("a 500", accepted(sent(500, &error()), None), Some(C4_1)),
    ];
    run(
        json!({"name": "x", "clause": C4_4, "kind": "accepted", "request": {"body": body}}),
        rows,
    );
    #[rustfmt::skip]
    let rows = [
        ("read back as written", alias(sent(200, &answer_new), read_new()), None),
        ("read back unchanged", alias(sent(200, &answer_new), read_old()), Some(C1_2)),
    ];
    run(
        json!({"name": "x", "clause": C1_2, "kind": "alias", "request": {"body": body}}),
        rows,
    );
}

#[test]
fn refused_and_either() {
    let body = json!({"numberOfPendingUsers": "5"});
    let sent = |status, answer: &Value| patch(&body, status, answer);
    let (old, new) = (before(), entity(json!({"numberOfPendingUsers": 5})));
    let taken = Value::Object(old.clone());
    let other = Some((old.clone(), entity(json!({"policyRevision": 15}))));
    #[rustfmt::skip]
    let rows = [
        ("refused", refused(sent(400, &error()), old.clone(), None), None),
        ("taken", refused(sent(200, &taken), old.clone(), None), Some(C3_8)),
        ("refused, written", refused(sent(400, &error()), new, None), Some(C5_3)),
        ("another written", refused(sent(400, &error()), old.clone(), other), Some(C5_3)),
    ];
    run(
        json!({"name": "x", "clause": C3_8, "kind": "refused", "request": {"body": body}, "status": [400]}),
        rows,
    );
    let empty = json!({});
    #[rustfmt::skip]
    let rows = [
        ("unchanged", either(patch(&empty, 200, &taken), old.clone()), None),
        ("a 500", either(patch(&empty, 500, &error()), old), Some(C6_2)),
    ];
    run(
        json!({"name": "x", "clause": C3_7, "kind": "either", "request": {"body": {}}, "status": [200, 400]}),
        rows,
    );
}

#[test]
fn repeat_and_concurrent() {
    let body = json!({"numberOfPendingUsers": 5});
    let sent = |status, answer: &Value| patch(&body, status, answer);
    let answer = Value::Object(entity(body.clone()));
    let read = Some(get(entity(body.clone())));
    #[rustfmt::skip]
    let rows = [
        ("the same twice", repeat(sent(200, &answer), sent(200, &answer), read), None),
        ("a 409", repeat(sent(200, &answer), sent(409, &error()), None), Some(C4_1)),
    ];
    run(
        json!({"name": "x", "clause": C5_2, "kind": "repeat", "request": {"body": body}}),
        rows,
    );
    let bodies = [
        json!({"numberOfPendingUsers": 7}),
        json!({"numberOfFailedUsers": 8}),
    ];
    let steps = || {
        let answer = |b: &Value| Value::Object(entity(b.clone()));
        bodies
            .iter()
            .map(|b| patch(b, 200, &answer(b)))
            .collect::<Vec<_>>()
    };
    let both = entity(json!({"numberOfPendingUsers": 7, "numberOfFailedUsers": 8}));
    let one = entity(bodies[1].clone());
    #[rustfmt::skip]
    let rows = [
        ("both kept", concurrent(steps(), &bodies, both), None),
        ("one lost", concurrent(steps(), &bodies, one), Some(C5_4)),
    ];
    run(
        json!({"name": "x", "clause": C5_4, "kind": "concurrent", "bodies": bodies, "rounds": 1}),
        rows,
    );
}

#[test]
fn a_transcript_of_another_kind_fails_rather_than_being_judged_by_the_wrong_checks() {
    let body = json!({"numberOfPendingUsers": "5"});
    let rows = [(
        "an accepted transcript",
        accepted(patch(&body, 400, &error()), None),
        Some(C3_8),
    )];
    run(
        json!({"name": "x", "clause": C3_8, "kind": "refused", "request": {"body": body}, "status": [400]}),
        rows,
    );
}
