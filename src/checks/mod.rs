//! Checks: each turns an expectation and a transcript into clause verdicts. One file per
//! family; this file picks which checks each expectation runs. A failed check is a result, never an `Err`.

mod errors;
mod headers;
mod odata;
mod reads;

pub(crate) use reads::ROUTE_OR_TOKEN;
mod round_trip;
mod routing;
mod schema;
mod status;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::case::{Expectation, Judged};
use crate::contract::{family_of, C1, C2, C2_3, C3, C4_1, C4_2, C5_3};
use crate::domain::EntityModel;
use crate::outcome::{Check, Level, Outcome};
use crate::schema::Schema;
use crate::transcript::{Shape, State, Step, Transcript, Unread};

pub(crate) struct Judge<'a> {
    pub model: &'a EntityModel,
    pub entity_schema: &'a Schema,
    pub error_schema: &'a Schema,
    pub strict: bool,
    /// The status the pack's page gives a valid PATCH (200 with the entity, or 204).
    pub success: crate::pack::file::Success,
    /// `--allow-204`: a valid PATCH may answer 204, and C4.3–C4.6 are judged on a GET (C4.1).
    pub allow_204: bool,
}

impl Judge<'_> {
    /// One verdict. A failed SHOULD check warns unless `--strict`; a failed MAY check is
    /// information, whatever `--strict` says.
    pub(crate) fn check(
        &self,
        clause: &str,
        level: Level,
        ok: bool,
        expected: impl Into<String>,
        actual: impl Into<String>,
        message: impl FnOnce() -> String,
    ) -> Check {
        let outcome = match (ok, level, self.strict) {
            (true, _, _) => Outcome::Passed,
            (false, Level::May, _) => Outcome::Info,
            (false, Level::Should, false) => Outcome::Warned,
            (false, _, _) => Outcome::Failed,
        };
        Check {
            clause: clause.to_owned(),
            level,
            outcome,
            expected: expected.into(),
            actual: actual.into(),
            message: if ok { String::new() } else { message() },
        }
    }

    /// A check with nothing to judge in this answer, and why (a clause whose checks all say so
    /// is not applicable, never kept).
    pub(crate) fn not_applicable(&self, clause: &str, reason: &str) -> Check {
        Check {
            clause: clause.to_owned(),
            level: crate::contract::level_of(clause).unwrap_or(Level::Must),
            outcome: Outcome::NotApplicable,
            expected: String::new(),
            actual: String::new(),
            message: reason.to_owned(),
        }
    }

    /// Every check the expectation calls for, on its transcript: those every answer gets,
    /// then those of the expectation.
    pub(crate) fn judge<'c>(&self, judged: impl Into<Judged<'c>>, t: &Transcript) -> Vec<Check> {
        let case = judged.into();
        let mut out = self.every_answer(case, t);
        let before = &t.before;
        match (case.expect, &t.shape) {
            (Expectation::Accepted, Shape::Accepted { step, read_back }) => {
                self.accepted(case, before, step, read_back.as_ref(), &mut out);
                if let Some(read) = read_back.as_ref().filter(|_| step.response.status != 204) {
                    if let Some(Value::Object(entity)) = step.response.json() {
                        out.extend(round_trip::persisted(self, &entity, read));
                    }
                }
            }
            (Expectation::Alias, Shape::Alias { step, read }) => {
                self.accepted(case, before, step, None, &mut out);
                if let Some(read) = read {
                    out.extend(routing::alias(self, &sent_body(case), read));
                }
            }
            (
                Expectation::Repeat,
                Shape::Repeat {
                    first,
                    second,
                    read_back,
                },
            ) => self.repeat(case, before, [first, second], read_back.as_ref(), &mut out),
            (
                Expectation::Refused {
                    status,
                    preferred_status,
                },
                Shape::Refused {
                    step,
                    after,
                    watched,
                },
            ) => {
                let statuses = [status.as_slice(), preferred_status.as_slice()];
                let states = (after.as_ref(), watched.as_ref());
                self.refused(case, statuses, before, step, states, &mut out)
            }
            (Expectation::Either { status }, Shape::Either { step, after }) => {
                self.either(case, status, before, step, after.as_ref(), &mut out)
            }
            (
                Expectation::Concurrent { .. },
                Shape::Concurrent {
                    steps,
                    last_round,
                    after,
                },
            ) => self.concurrent(case, steps, last_round, after.as_ref(), &mut out),
            // Every expectation by name, so that a new one does not compile until it is judged.
            (
                expect @ (Expectation::Accepted
                | Expectation::Alias
                | Expectation::Repeat
                | Expectation::Refused { .. }
                | Expectation::Either { .. }
                | Expectation::Concurrent { .. }),
                shape,
            ) => out.push(self.mismatch(case, expect, shape)),
        }
        out
    }

    /// A transcript the executor did not make for this expectation: a harness bug, failed
    /// rather than judged by the wrong checks.
    fn mismatch(&self, case: Judged<'_>, expect: &Expectation, shape: &Shape) -> Check {
        let name = |debug: String| {
            debug
                .split([' ', '{'])
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        let (expected, actual) = (name(format!("{expect:?}")), name(format!("{shape:?}")));
        self.check(case.clause, Level::Must, false, expected.clone(), actual.clone(), || {
            format!("the executor made a {actual} transcript for a {expected} expectation; this is a harness bug, report it")
        })
    }

    /// The same valid PATCH twice: the first judged as accepted, the second's status, and both
    /// leaving the entity the same.
    fn repeat(
        &self,
        case: Judged<'_>,
        before: &State,
        steps: [&Step; 2],
        read_back: Option<&Step>,
        out: &mut Vec<Check>,
    ) {
        self.accepted(case, before, steps[0], read_back, out);
        out.push(self.success_status(C4_1, steps[1], "the same valid PATCH sent again"));
        let sent = sent_body(case);
        out.push(round_trip::idempotent(self, &sent, steps, read_back));
    }

    /// What every answer under test is held to (no 5xx, an error body on 4xx, the route and
    /// token refusals), and the reads that gave no entity.
    fn every_answer(&self, case: Judged<'_>, t: &Transcript) -> Vec<Check> {
        let mut out = Vec::new();
        for step in t.steps() {
            // A MAY refusal that the service accepts is information, not an invalid request
            // answered 2xx.
            out.push(errors::no_server_error(
                self,
                !matches!(case.expect, Expectation::Refused { .. }) || case.level == Level::May,
                step,
            ));
            if step.response.status >= 400 {
                out.extend(errors::error_body(self, &step.response));
            }
            out.extend(reads::refused_route_or_token(self, case, step));
        }
        out.extend(
            t.unread
                .iter()
                .filter_map(|u| reads::unreadable(self, u, true)),
        );
        out
    }

    /// A request that must be refused: an allowed status (and the preferred one), and neither
    /// the entity nor the one the probe's keys reach changed.
    fn refused(
        &self,
        case: Judged<'_>,
        [status, preferred_status]: [&[u16]; 2],
        before: &State,
        step: &Step,
        (after, watched): (Option<&State>, Option<&(State, State)>),
        out: &mut Vec<Check>,
    ) {
        out.push(status::allowed(
            self,
            case.clause,
            case.level,
            status,
            step,
            "a request that breaks it",
        ));
        // A service may take what a MAY clause asks it to refuse: then it changed the entity
        // rightly, and only a refusal must change nothing.
        if case.level == Level::May && step.response.status < 400 {
            return;
        }
        if !preferred_status.is_empty() {
            out.push(status::allowed(
                self,
                case.clause,
                Level::Should,
                preferred_status,
                step,
                "the preferred answer",
            ));
        }
        let clause = unchanged_clause(case.clause);
        out.extend(self.unchanged(clause, before, after, "the entity"));
        if let Some((b, a)) = watched {
            out.extend(self.unchanged(clause, b, Some(a), "the entity the probe's keys reach"));
        }
    }

    /// `{}`: accepted unchanged or refused, and either way the entity stays as it was.
    fn either(
        &self,
        case: Judged<'_>,
        status: &[u16],
        before: &State,
        step: &Step,
        after: Option<&State>,
        out: &mut Vec<Check>,
    ) {
        let mut allowed = status.to_vec();
        if self.allow_204 && allowed.contains(&200) {
            allowed.push(204);
        }
        out.push(status::allowed(
            self,
            case.clause,
            Level::Must,
            &allowed,
            step,
            "this request",
        ));
        if step.response.status == 200 {
            out.extend(round_trip::answered_unchanged(
                self,
                case.clause,
                before,
                step,
            ));
        }
        out.extend(self.unchanged(case.clause, before, after, "the entity"));
    }

    /// `what` after the request is as it was before, when it could be read after.
    fn unchanged(
        &self,
        clause: &str,
        before: &State,
        after: Option<&State>,
        what: &str,
    ) -> Option<Check> {
        after.map(|after| round_trip::unchanged(self, clause, before, after, what))
    }

    /// PATCHes sent at once: each succeeds, and the last round's all took effect.
    fn concurrent(
        &self,
        case: Judged<'_>,
        steps: &[Step],
        last_round: &[Value],
        after: Option<&State>,
        out: &mut Vec<Check>,
    ) {
        for step in steps {
            out.push(self.success_status(case.clause, step, "each concurrent PATCH"));
        }
        if let Some(after) = after {
            out.extend(round_trip::all_took_effect(
                self,
                case.clause,
                last_round,
                after,
            ));
        }
    }

    fn success_statuses(&self) -> Vec<u16> {
        let mut statuses = vec![self.success.status];
        if self.allow_204 && !statuses.contains(&204) {
            statuses.push(204);
        }
        statuses
    }

    fn success_status(&self, clause: &str, step: &Step, what: &str) -> Check {
        status::allowed(
            self,
            clause,
            Level::Must,
            &self.success_statuses(),
            step,
            what,
        )
    }

    /// The clause a valid PATCH's status cites: the case's own for routing, auth and
    /// validation cases (the status *is* the promise); for a refusal of values that one clause
    /// makes valid (C3.4 for Int32, C3.5 for DateTimeOffset, …), that clause; else C4.1.
    fn status_clause<'c>(&self, case: Judged<'c>, step: &Step) -> std::borrow::Cow<'c, str> {
        if matches!(family_of(case.clause), C1 | C2 | C3) {
            return case.clause.into();
        }
        if (400..500).contains(&step.response.status) {
            let sent = sent_body(case);
            let clauses: std::collections::BTreeSet<&str> = sent
                .keys()
                .filter_map(|k| self.model.property(k))
                .map(|p| p.ty.clause())
                .collect();
            if clauses.len() == 1 {
                return clauses.into_iter().next().unwrap_or(C4_1).to_owned().into();
            }
        }
        C4_1.into()
    }

    fn accepted(
        &self,
        case: Judged<'_>,
        before: &Map<String, Value>,
        step: &Step,
        read_back: Option<&Step>,
        out: &mut Vec<Check>,
    ) {
        let clause = self.status_clause(case, step);
        out.push(self.success_status(&clause, step, "a valid PATCH"));
        if !(200..300).contains(&step.response.status) {
            return;
        }
        out.extend(headers::should_headers(self, step));
        // An empty answer (204, where allowed) is judged on the read-back instead (C4.1).
        let answered = if step.response.status == 204 {
            read_back
        } else {
            out.push(headers::json_content_type(self, C4_2, &step.response));
            Some(step)
        };
        let Some(answered) = answered else {
            return;
        };
        let Some(entity) = answered.response.json() else {
            out.push(schema::not_json(self, Some(&answered.response)));
            return;
        };
        out.extend(schema::entity(self, &entity, before));
        let Some(entity) = entity.as_object() else {
            return;
        };
        out.extend(odata::entity_answer(self, answered, entity));
        let sent = sent_body(case);
        out.extend(round_trip::echo(self, &sent, entity));
        out.extend(round_trip::merge(self, &sent, before, entity));
        out.push(round_trip::key_unchanged(self, before, entity));
    }
}

/// The case's body as a JSON object (empty when it has none), for the round-trip checks.
fn sent_body(case: Judged<'_>) -> Map<String, Value> {
    case.request
        .body
        .as_ref()
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The verdict on a read of the entity that answered without it, before the request under
/// test (`None` when the read got no answer at all): see [`reads::unreadable`].
pub(crate) fn unreadable_before(j: &Judge, u: &Unread) -> Option<Check> {
    reads::unreadable(j, u, false)
}

/// A batch of refused inputs (sent together, `clause` their strategy's) changed the stored
/// state though none did alone from the same state: the check that says so.
pub(crate) fn batch_unchanged(
    j: &Judge,
    clause: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Check {
    round_trip::unchanged(
        j,
        unchanged_clause(clause),
        before,
        after,
        "the entity after a batch of refused inputs sent together (none changed it alone)",
    )
}

/// A refused request changes nothing: C2.3 for auth, C1.3 for routing, C5.3 otherwise.
fn unchanged_clause(case_clause: &str) -> &str {
    match family_of(case_clause) {
        C2 => C2_3,
        C1 => case_clause,
        _ => C5_3,
    }
}

/// A JSON value for messages, cut short.
pub(crate) fn shown(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => {
            let s = v.to_string();
            if s.len() > 200 {
                format!("{}…", &s[..s.floor_char_boundary(200)])
            } else {
                s
            }
        }
    }
}
