//! An answer is an answer: a read that gave no entity, and a request under test answered 404 on
//! a listed path or 401/403 to the token with the scope, are verdicts on the clause each breaks
//! (C1.1, C2.2, C6.2, C4.3 / C5.1), never a reason to stop judging.

use crate::case::{Auth, Judged};
use crate::outcome::{Check, Level};
use crate::transcript::{Step, Unread};

use super::Judge;
use crate::contract::{C1_1, C1_3, C2_2, C4_3, C5_1, C6_2};

/// The verdict on a read of the entity that answered without it; `None` when it got no answer
/// at all (the harness says so beside the trial's verdict). `after_write`: the read stood for
/// the state a request left (C5.1 when a 2xx carries no entity), not the state it started from
/// (C4.3).
pub(crate) fn unreadable(j: &Judge, u: &Unread, after_write: bool) -> Option<Check> {
    let resp = u.answer.as_ref().ok()?;
    let s = resp.status;
    let start: String = String::from_utf8_lossy(&resp.body)
        .chars()
        .take(120)
        .collect();
    let (clause, why) = match s {
        200..=299 if after_write => (C5_1, format!("answered {s} with a body that is not the entity as a JSON object ({start:?}); the stored state must stay readable as JSON")),
        200..=299 => (C4_3, format!("answered {s} with a body that is not the entity as a JSON object ({start:?}); answer the entity as JSON")),
        401 | 403 => (C2_2, format!("answered {s} to a token with the read and write permission; a token with the pack's permission must be let through")),
        500..=599 => (C6_2, format!("answered {s} ({start}); reading an entity must never fail with 5xx")),
        300..=399 => (C1_1, format!("answered {s}, a redirect the harness never follows (a token must not reach another host); answer at the path the page lists")),
        _ => (C1_1, format!("answered {s}; a path the page lists, with keys that exist, must answer with the entity")),
    };
    Some(j.check(
        clause,
        Level::Must,
        false,
        "200 with the entity as a JSON object",
        s.to_string(),
        || {
            format!(
                "{clause}: GET {} (reading the entity's state) {why}",
                u.request.url
            )
        },
    ))
}

/// What a check from [`refused_route_or_token`] expected: its failure is the root cause of the
/// trial's others (a request that never reached the entity), and the trial's verdict cites it.
pub(crate) const ROUTE_OR_TOKEN: &str = "not 404, 401 or 403";

/// C1.1 / C2.2 on the request under test: 404 on a listed path where the case expects no 404
/// (a routing probe's unknown keys do), and 401/403 to the token with the pack's permission.
pub(crate) fn refused_route_or_token(j: &Judge, case: Judged<'_>, step: &Step) -> Option<Check> {
    let s = step.response.status;
    if case.expect.statuses().contains(&s) {
        return None;
    }
    let (clause, why) = match s {
        404 if !case.clause.starts_with(C1_3) => (
            C1_1,
            "a path the page lists, with keys that exist, must route",
        ),
        401 | 403 if case.request.auth == Auth::Valid => (
            C2_2,
            "a token with the pack's write permission must be let through",
        ),
        _ => return None,
    };
    Some(j.check(
        clause,
        Level::Must,
        false,
        "not 404, 401 or 403",
        s.to_string(),
        || {
            format!(
                "{clause}: {} {} answered {s}; {why}",
                step.request.method, step.request.url
            )
        },
    ))
}
