//! Header checks: JSON media type (parameters allowed) and the SHOULD headers of C4.7.

use crate::outcome::{Check, Level};
use crate::transcript::Incoming;
use crate::transcript::Step;
use crate::transcript::CLIENT_REQUEST_ID;

use super::Judge;
use crate::contract::C4_7;

/// True for `application/json` with or without parameters, in any letter case.
pub(crate) fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("application/json")
    })
}

pub(crate) fn json_content_type(j: &Judge, clause: &str, resp: &Incoming) -> Check {
    let ct = resp.header("content-type");
    j.check(clause, Level::Must, is_json(ct), "application/json (parameters allowed)", ct.unwrap_or("(absent)"), || {
        format!("{clause}: the answer's Content-Type is {}, not application/json; send `Content-Type: application/json` (parameters such as odata.metadata=minimal are fine)", ct.unwrap_or("absent"))
    })
}

pub(crate) fn should_headers(j: &Judge, step: &Step) -> Vec<Check> {
    let resp = &step.response;
    let request_id = resp.header("request-id");
    let sent_crid = step
        .request
        .headers
        .iter()
        .find(|(n, _)| n == CLIENT_REQUEST_ID)
        .map(|(_, v)| v.as_str());
    let echoed = resp.header(CLIENT_REQUEST_ID);
    let version = resp.header("odata-version");
    let mut out = vec![j.check(C4_7, Level::Should, request_id.is_some_and(|v| !v.is_empty()), "a request-id header", request_id.unwrap_or("(absent)"), || {
        "C4.7: the answer has no request-id header; Graph sends one on every answer so support can trace a call".into()
    })];
    if let Some(sent) = sent_crid {
        out.push(j.check(C4_7, Level::Should, echoed == Some(sent), sent, echoed.unwrap_or("(absent)"), || {
            format!("C4.7: client-request-id {sent} was not echoed (got {}); echo the client's value", echoed.unwrap_or("nothing"))
        }));
    }
    out.push(j.check(
        C4_7,
        Level::Should,
        version.is_some_and(|v| v.trim() == "4.0"),
        "OData-Version: 4.0",
        version.unwrap_or("(absent)"),
        || {
            format!(
                "C4.7: OData-Version is {}; send `OData-Version: 4.0`",
                version.unwrap_or("absent")
            )
        },
    ));
    out
}
