//! Checks: each turns a transcript into clause verdicts. One file per family; this file picks
//! which checks a case's kind runs. A failed check is a result, never an `Err`.

mod errors;
mod headers;
mod round_trip;
mod routing;
mod schema;
mod status;

use serde_json::{Map, Value};

use crate::case::{Case, Kind};
use crate::domain::{EdmValue, EntityModel};
use crate::executor::Transcript;
use crate::outcome::{Check, Level, Outcome};
use crate::schema::Schema;

pub struct Judge<'a> {
    pub model: &'a EntityModel,
    pub entity_schema: &'a Schema,
    pub error_schema: &'a Schema,
    pub strict: bool,
    /// `--allow-204`: a valid PATCH may answer 204, and C4.3–C4.6 are judged on a GET (C4.1).
    pub allow_204: bool,
}

impl Judge<'_> {
    /// One verdict. A failed SHOULD check warns unless `--strict`.
    pub fn check(
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

    /// Every check the case's kind calls for, on its transcript.
    pub fn judge(&self, case: &Case, t: &Transcript) -> Vec<Check> {
        let mut out = Vec::new();
        for step in &t.steps {
            out.push(errors::no_server_error(
                self,
                case.kind != Kind::Refused,
                step,
            ));
            if step.response.status >= 400 {
                out.extend(errors::error_body(self, &step.response));
            }
        }
        match case.kind {
            Kind::Accepted | Kind::Alias => self.accepted(case, t, &mut out),
            Kind::Repeat => {
                self.accepted(case, t, &mut out);
                let sent = sent_body(case);
                out.push(round_trip::idempotent(self, &sent, t));
            }
            Kind::Refused => {
                let step = &t.steps[0];
                out.push(status::allowed(
                    self,
                    &case.clause,
                    Level::Must,
                    &case.status,
                    step,
                    "a request that breaks it",
                ));
                if !case.preferred_status.is_empty() {
                    out.push(status::allowed(
                        self,
                        &case.clause,
                        Level::Should,
                        &case.preferred_status,
                        step,
                        "the preferred answer",
                    ));
                }
                out.extend(round_trip::unchanged(
                    self,
                    unchanged_clause(&case.clause),
                    t,
                ));
            }
            Kind::Either => {
                let step = &t.steps[0];
                let mut allowed = case.status.clone();
                if self.allow_204 && allowed.contains(&200) {
                    allowed.push(204);
                }
                out.push(status::allowed(
                    self,
                    &case.clause,
                    Level::Must,
                    &allowed,
                    step,
                    "this request",
                ));
                if step.response.status == 200 {
                    out.extend(round_trip::answered_unchanged(self, &case.clause, t, step));
                }
                out.extend(round_trip::unchanged(self, &case.clause, t));
            }
            Kind::Concurrent => {
                for step in &t.steps {
                    out.push(status::allowed(
                        self,
                        &case.clause,
                        Level::Must,
                        &self.success_statuses(),
                        step,
                        "each concurrent PATCH",
                    ));
                }
                out.extend(round_trip::all_took_effect(self, &case.clause, t));
            }
        }
        out
    }

    fn success_statuses(&self) -> Vec<u16> {
        if self.allow_204 {
            vec![200, 204]
        } else {
            vec![200]
        }
    }

    fn accepted(&self, case: &Case, t: &Transcript, out: &mut Vec<Check>) {
        // For routing, auth and validation cases the status is the promise itself; for the
        // others it is C4.1's.
        let status_clause = if ["C1.", "C2.", "C3."]
            .iter()
            .any(|p| case.clause.starts_with(p))
        {
            case.clause.as_str()
        } else {
            "C4.1"
        };
        let step = &t.steps[0];
        let sent = sent_body(case);
        for s in &t.steps {
            out.push(status::allowed(
                self,
                status_clause,
                Level::Must,
                &self.success_statuses(),
                s,
                "a valid PATCH",
            ));
        }
        if !(200..300).contains(&step.response.status) {
            return;
        }
        out.extend(headers::should_headers(self, step));
        // Under --allow-204 an empty answer is judged on the read-back instead (C4.1).
        let answer = if step.response.status == 204 {
            t.read_back.as_ref().map(|r| &r.response)
        } else {
            out.push(headers::json_content_type(self, "C4.2", &step.response));
            Some(&step.response)
        };
        let Some(entity) = answer.and_then(|a| a.json()) else {
            out.push(schema::not_json(self, answer));
            return;
        };
        out.extend(schema::entity(self, &entity));
        let Some(entity) = entity.as_object() else {
            return;
        };
        out.extend(round_trip::echo(self, &sent, entity));
        out.extend(round_trip::merge(self, &sent, &t.before, entity));
        out.push(round_trip::key_unchanged(self, &t.before, entity));
        if case.kind == Kind::Alias {
            out.extend(routing::alias(self, &sent, t));
        } else if let Some(read) = &t.read_back {
            out.extend(round_trip::persisted(self, entity, read));
        }
    }

    /// The typed value of `name` in `map`, if present and readable.
    pub fn value(&self, map: &Map<String, Value>, name: &str) -> Option<EdmValue> {
        let prop = &self.model.properties[self.model.index_of(name)?];
        EdmValue::from_json(prop.edm, map.get(name)?).ok()
    }
}

/// The case's body as a JSON object (empty when it has none), for the round-trip checks.
fn sent_body(case: &Case) -> Map<String, Value> {
    case.request
        .body
        .as_ref()
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// A refused request changes nothing: C2.3 for auth, C1.3 for routing, C5.3 otherwise.
fn unchanged_clause(case_clause: &str) -> &str {
    if case_clause.starts_with("C2.") {
        "C2.3"
    } else if case_clause.starts_with("C1.") {
        case_clause
    } else {
        "C5.3"
    }
}

/// A JSON value for messages, cut short.
pub fn shown(v: Option<&Value>) -> String {
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
