//! Status checks: the answer's status is one the clause allows.

use crate::outcome::{Check, Level};
use crate::transcript::Step;

use super::Judge;

pub(crate) fn allowed(
    j: &Judge,
    clause: &str,
    level: Level,
    allowed: &[u16],
    step: &Step,
    what: &str,
) -> Check {
    let actual = step.response.status;
    let list = if (400..500).all(|s| allowed.contains(&s)) {
        "4xx".to_owned()
    } else {
        allowed
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or ")
    };
    j.check(clause, level, allowed.contains(&actual), list.clone(), actual.to_string(), || {
        format!(
            "{clause}: {} {} answered {actual}; {clause} wants {list} for {what}. Fix the service's handling of this request, or, if the target is right and the case file wrong, fix the case's \"status\".",
            step.request.method, step.request.url
        )
    })
}
