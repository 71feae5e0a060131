//! C6: every 4xx/5xx carries the OData error body as JSON; no valid request answers 5xx and no
//! invalid one 2xx or 5xx.

use serde_json::{Map, Value};

use crate::domain::value::json_kind;
use crate::outcome::{Check, Level};
use crate::transcript::Incoming;
use crate::transcript::Step;

use super::headers::json_content_type;
use super::Judge;
use crate::contract::{C6_1, C6_2, C6_3};

pub(crate) fn error_body(j: &Judge, resp: &Incoming) -> Vec<Check> {
    let mut out = vec![json_content_type(j, C6_1, resp)];
    let body = resp.json();
    let violations = body.as_ref().map(|b| j.error_schema.violations(b));
    let problem = match &violations {
        None => Some("the body is not JSON".to_owned()),
        Some(v) if !v.is_empty() => Some(
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Some(_) => None,
    };
    out.push(j.check(
        C6_1,
        Level::Must,
        problem.is_none(),
        "{\"error\": {\"code\": non-empty string, \"message\": non-empty string}}",
        problem.clone().unwrap_or_else(|| "valid".into()),
        || {
            format!(
                "C6.1: the {} answer's body is not an OData error: {}. Answer {{\"error\": {{\"code\": \"…\", \"message\": \"…\"}}}}.",
                resp.status,
                problem.unwrap_or_default()
            )
        },
    ));
    let inner = body
        .as_ref()
        .and_then(|b| b.get("error"))
        .and_then(|e| e.get("innerError").or_else(|| e.get("innererror")));
    let has = |k: &str| {
        inner
            .and_then(|i| i.get(k))
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    };
    let ok = has("request-id") && has("date");
    out.push(j.check(C6_1, Level::Should, ok, "innerError with request-id and date", super::shown(inner), || {
        "C6.1 (SHOULD): the error has no innerError carrying request-id and date, which Graph sends for support".into()
    }));
    out.push(error_shape(j, resp.status, body.as_ref()));
    out
}

/// C6.3: the error body's shape beyond C6.1 (OData JSON Format §19): `error` alone at the top,
/// `details` an array of `{code, message}` objects, the inner error an object.
fn error_shape(j: &Judge, status: u16, body: Option<&Value>) -> Check {
    let Some(Value::Object(top)) = body else {
        return j.not_applicable(C6_3, "the body is not a JSON object (C6.1 says so)");
    };
    let Some(Value::Object(error)) = top.get("error") else {
        return j.not_applicable(C6_3, "the body has no error object (C6.1 says so)");
    };
    let problem = shape_problem(top, error);
    j.check(C6_3, Level::Must, problem.is_none(), "{\"error\": {…}} alone; details: [{code, message}]; innerError: {…}", problem.clone().unwrap_or_else(|| "that shape".into()), || {
        format!("C6.3: the {status} answer's error body {}; OData clients read exactly {{\"error\": {{\"code\", \"message\", \"details\": [{{\"code\", \"message\"}}], \"innerError\": {{…}}}}}} (OData JSON Format §19)", problem.unwrap_or_default())
    })
}

fn shape_problem(top: &Map<String, Value>, error: &Map<String, Value>) -> Option<String> {
    if let Some(other) = top.keys().find(|k| *k != "error") {
        return Some(format!("has the member {other:?} beside \"error\""));
    }
    if let Some(details) = error.get("details") {
        let Value::Array(items) = details else {
            return Some(format!(
                "has details as {}, not an array",
                json_kind(details)
            ));
        };
        let bad = items.iter().position(|d| {
            let text = |k: &str| d.get(k).is_some_and(Value::is_string);
            !(d.is_object() && text("code") && text("message"))
        });
        if let Some(i) = bad {
            return Some(format!(
                "has details[{i}] = {}, not an object with string code and message",
                super::shown(items.get(i))
            ));
        }
    }
    ["innerError", "innererror"].iter().find_map(|k| {
        error
            .get(*k)
            .filter(|v| !v.is_object())
            .map(|v| format!("has {k} as {}, not an object", json_kind(v)))
    })
}

/// C6.2 on one answer: 5xx never; 2xx never for a request the case expects refused.
pub(crate) fn no_server_error(j: &Judge, valid: bool, step: &Step) -> Check {
    let s = step.response.status;
    let ok = s < 500 && (valid || !(200..300).contains(&s));
    let expected = if valid { "not 5xx" } else { "not 2xx, not 5xx" };
    j.check(C6_2, Level::Must, ok, expected, s.to_string(), || {
        let body = String::from_utf8_lossy(&step.response.body);
        let hint: String = body.chars().take(200).collect();
        if s >= 500 {
            format!("C6.2: {} {} answered {s} ({hint}); a service must not fail with 5xx for {} request", step.request.method, step.request.url, if valid { "a valid" } else { "an invalid" })
        } else {
            format!("C6.2: {} {} answered {s} to a request that breaks the contract; it must be refused with a 4xx", step.request.method, step.request.url)
        }
    })
}
