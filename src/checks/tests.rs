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

/// One row: a case file's case, the transcript the executor would make of its exchanges, and
/// the clause a failed check must cite (`None`: no check fails).
struct Row {
    what: &'static str,
    case: Value,
    shape: Shape,
    fails: Option<&'static str>,
}

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

fn run(rows: Vec<Row>) {
    let pack = pack();
    let judge = judge(&pack);
    for row in rows {
        let case: Case = serde_json::from_value(row.case).expect("the row's case reads");
        let t = Transcript {
            exchanges: Vec::new(),
            before: before(),
            shape: row.shape,
            unread: Vec::new(),
        };
        let checks = judge.judge(&case, &t);
        let failed: Vec<&Check> = checks
            .iter()
            .filter(|c| c.outcome == Outcome::Failed)
            .collect();
        let said: Vec<String> = failed.iter().map(|c| c.message.clone()).collect();
        match row.fails {
            None => assert!(failed.is_empty(), "{}: {said:#?}", row.what),
            Some(clause) => assert!(
                failed.iter().any(|c| c.clause == clause),
                "{}: no failed check cites {clause}: {said:#?}",
                row.what
            ),
        }
    }
}

#[test]
fn accepted_and_alias() {
    let body = json!({"numberOfPendingUsers": 5});
    let written = || entity(body.clone());
    let answer = |s: State| Value::Object(s);
    let accepted =
        json!({"name": "x", "clause": C4_4, "kind": "accepted", "request": {"body": body}});
    let alias = json!({"name": "x", "clause": C1_2, "kind": "alias", "request": {"body": body}});
    run(vec![
        Row {
            what: "the entity written, echoed and read back",
            case: accepted.clone(),
            shape: Shape::Accepted {
                step: patch(&body, 200, &answer(written())),
                read_back: Some(get(written())),
            },
            fails: None,
        },
        Row {
            what: "an answer without the value sent",
            case: accepted.clone(),
            shape: Shape::Accepted {
                step: patch(&body, 200, &answer(before())),
                read_back: Some(get(before())),
            },
            fails: Some(C4_4),
        },
        Row {
            what: "echoed but not stored",
            case: accepted.clone(),
            shape: Shape::Accepted {
                step: patch(&body, 200, &answer(written())),
                read_back: Some(get(before())),
            },
            fails: Some(C5_1),
        },
        Row {
            what: "a valid PATCH failing",
            case: accepted,
            shape: Shape::Accepted {
                step: patch(&body, 500, &error()),
                read_back: None,
            },
            fails: Some(C4_1),
        },
        Row {
            what: "written through the variant, read through the canonical path",
            case: alias.clone(),
            shape: Shape::Alias {
                step: patch(&body, 200, &answer(written())),
                read: Some(get(written())),
            },
            fails: None,
        },
        Row {
            what: "the canonical path reads another entity",
            case: alias,
            shape: Shape::Alias {
                step: patch(&body, 200, &answer(written())),
                read: Some(get(before())),
            },
            fails: Some(C1_2),
        },
    ]);
}

#[test]
fn refused_and_either() {
    let body = json!({"numberOfPendingUsers": "5"});
    let refused = json!({"name": "x", "clause": C3_8, "kind": "refused", "request": {"body": body}, "status": [400]});
    let either = json!({"name": "x", "clause": C3_7, "kind": "either", "request": {"body": {}}, "status": [200, 400]});
    let empty = json!({});
    run(vec![
        Row {
            what: "refused, nothing changed",
            case: refused.clone(),
            shape: Shape::Refused {
                step: patch(&body, 400, &error()),
                after: Some(before()),
                watched: None,
            },
            fails: None,
        },
        Row {
            what: "taken",
            case: refused.clone(),
            shape: Shape::Refused {
                step: patch(&body, 200, &Value::Object(before())),
                after: Some(before()),
                watched: None,
            },
            fails: Some(C3_8),
        },
        Row {
            what: "refused, but written",
            case: refused.clone(),
            shape: Shape::Refused {
                step: patch(&body, 400, &error()),
                after: Some(entity(json!({"numberOfPendingUsers": 5}))),
                watched: None,
            },
            fails: Some(C5_3),
        },
        Row {
            what: "refused, another entity written",
            case: refused,
            shape: Shape::Refused {
                step: patch(&body, 400, &error()),
                after: Some(before()),
                watched: Some((before(), entity(json!({"policyRevision": 15})))),
            },
            fails: Some(C5_3),
        },
        Row {
            what: "{} answered with the entity unchanged",
            case: either.clone(),
            shape: Shape::Either {
                step: patch(&empty, 200, &Value::Object(before())),
                after: Some(before()),
            },
            fails: None,
        },
        Row {
            what: "{} answered 500",
            case: either,
            shape: Shape::Either {
                step: patch(&empty, 500, &error()),
                after: Some(before()),
            },
            fails: Some(C6_2),
        },
    ]);
}

#[test]
fn repeat_and_concurrent() {
    let body = json!({"numberOfPendingUsers": 5});
    let written = Value::Object(entity(body.clone()));
    let repeat = json!({"name": "x", "clause": C5_2, "kind": "repeat", "request": {"body": body}});
    let bodies = [
        json!({"numberOfPendingUsers": 7}),
        json!({"numberOfFailedUsers": 8}),
    ];
    let concurrent =
        json!({"name": "x", "clause": C5_4, "kind": "concurrent", "bodies": bodies, "rounds": 1});
    let both = entity(json!({"numberOfPendingUsers": 7, "numberOfFailedUsers": 8}));
    let steps = || {
        bodies
            .iter()
            .map(|b| patch(b, 200, &Value::Object(entity(b.clone()))))
            .collect::<Vec<_>>()
    };
    run(vec![
        Row {
            what: "the same PATCH twice, the same answer",
            case: repeat.clone(),
            shape: Shape::Repeat {
                first: patch(&body, 200, &written),
                second: patch(&body, 200, &written),
                read_back: Some(get(entity(body.clone()))),
            },
            fails: None,
        },
        Row {
            what: "the second refused",
            case: repeat,
            shape: Shape::Repeat {
                first: patch(&body, 200, &written),
                second: patch(&body, 409, &error()),
                read_back: None,
            },
            fails: Some(C4_1),
        },
        Row {
            what: "both writes kept",
            case: concurrent.clone(),
            shape: Shape::Concurrent {
                steps: steps(),
                last_round: bodies.to_vec(),
                after: Some(both),
            },
            fails: None,
        },
        Row {
            what: "a write lost",
            case: concurrent,
            shape: Shape::Concurrent {
                steps: steps(),
                last_round: bodies.to_vec(),
                after: Some(entity(bodies[1].clone())),
            },
            fails: Some(C5_4),
        },
    ]);
}

#[test]
fn a_transcript_of_another_kind_fails_rather_than_being_judged_by_the_wrong_checks() {
    let body = json!({"numberOfPendingUsers": "5"});
    run(vec![Row {
        what: "a refusal's case with an accepted transcript",
        case: json!({"name": "x", "clause": C3_8, "kind": "refused", "request": {"body": body}, "status": [400]}),
        shape: Shape::Accepted {
            step: patch(&body, 400, &error()),
            read_back: None,
        },
        fails: Some(C3_8),
    }]);
}
