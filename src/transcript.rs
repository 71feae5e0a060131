//! The recorded exchange, owned here once: the request as sent ([`Outgoing`]) and the answer
//! ([`Incoming`]), the record of both a report keeps ([`Exchange`]), and one case's
//! [`Transcript`]. The client fills them, the executor shapes them by the case's kind, the
//! checks read them, so a check never guesses which fields were filled.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An entity's state as read back (a JSON object).
pub(crate) type State = Map<String, Value>;

/// One request under test and what came of it.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub request: Outgoing,
    pub response: Incoming,
}

/// What a case's exchanges produced.
#[derive(Debug, Clone)]
pub(crate) struct Transcript {
    /// Every exchange, state reads included, in order (for the report).
    pub exchanges: Vec<Exchange>,
    /// The entity's state before the request under test.
    pub before: State,
    pub shape: Shape,
    /// Reads after the request under test that gave no entity; the read they stood for is
    /// missing from `shape`.
    pub unread: Vec<Unread>,
}

/// A read of an entity that did not give it as a JSON object: an answer (a verdict on the
/// clause it breaks, see `checks::reads`), or no answer at all (why, as the client said).
#[derive(Debug, Clone)]
pub(crate) struct Unread {
    pub request: Outgoing,
    pub answer: Result<Incoming, String>,
}

/// The exchanges a kind of case makes.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// A valid PATCH, and (unless a later read in the same batch stands for it) a GET of the
    /// same path right after it (C5.1).
    Accepted { step: Step, read_back: Option<Step> },
    /// A valid PATCH through a variant, read back through the canonical path (C1.2).
    Alias { step: Step, read: Option<Step> },
    /// A request that must be refused, and the state after it (unless a batch read stands for
    /// it); `watched` is another entity the request must not touch, before and after.
    Refused {
        step: Step,
        after: Option<State>,
        watched: Option<(State, State)>,
    },
    /// `{}`: accepted unchanged or refused; either way nothing changes (`after`: the state
    /// read after it, unless that read gave no entity).
    Either { step: Step, after: Option<State> },
    /// The same PATCH twice (C5.2), then a GET.
    Repeat {
        first: Step,
        second: Step,
        read_back: Option<Step>,
    },
    /// Bodies sent at once, round after round (C5.4); the last round's bodies; the state after
    /// (unless that read gave no entity).
    Concurrent {
        steps: Vec<Step>,
        last_round: Vec<Value>,
        after: Option<State>,
    },
}

impl Transcript {
    /// The requests under test, in order.
    pub(crate) fn steps(&self) -> Vec<&Step> {
        match &self.shape {
            Shape::Accepted { step, .. }
            | Shape::Alias { step, .. }
            | Shape::Refused { step, .. }
            | Shape::Either { step, .. } => vec![step],
            Shape::Repeat { first, second, .. } => vec![first, second],
            Shape::Concurrent { steps, .. } => steps.iter().collect(),
        }
    }

    /// The state after the case, as far as it was read: the read-back of an accepted PATCH,
    /// or the state read after a refused one.
    pub(crate) fn state_after(&self) -> Option<State> {
        let read = |s: &Option<Step>| match s.as_ref().map(|s| s.response.json()) {
            Some(Some(Value::Object(m))) => Some(m),
            _ => None,
        };
        match &self.shape {
            Shape::Accepted { read_back, .. } | Shape::Repeat { read_back, .. } => read(read_back),
            Shape::Alias { read, .. } => read_state(read.as_ref()),
            Shape::Refused { after, .. }
            | Shape::Either { after, .. }
            | Shape::Concurrent { after, .. } => after.clone(),
        }
    }
}

fn read_state(step: Option<&Step>) -> Option<State> {
    match step.map(|s| s.response.json()) {
        Some(Some(Value::Object(m))) => Some(m),
        _ => None,
    }
}

/// Client-request-id the harness sends on every request, so C4.7's echo can be checked.
pub(crate) const CLIENT_REQUEST_ID: &str = "client-request-id";

/// Where an `Authorization` header comes from. Secrets are named by their environment
/// variable, so records and reproduce lines can say `$GRAPH_TOKEN` instead of the token.
#[derive(Debug, Clone)]
pub(crate) enum Authorization {
    None,
    /// `Bearer <token from env var>`.
    Secret {
        env: &'static str,
        token: Arc<str>,
    },
    /// A value that is not a secret (a deliberately unreadable token, `Basic …`).
    Literal(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub method: reqwest::Method,
    pub url: String,
    pub auth: Authorization,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub status: u16,
    /// Names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Incoming {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON (numbers keep their text).
    pub(crate) fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Headers as recorded, in order; sensitive values are already redacted.
pub(crate) type Headers = Vec<(String, String)>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Headers,
    /// The body as sent, cut at the stated size (see `body_truncated`).
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub body_truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub body_truncated: bool,
}

/// One request and what came of it. `response` is absent when the exchange could not complete
/// (`error` says why). `attempts` counts throttled answers retried before this one (C7.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub request: RecordedRequest,
    pub response: Option<RecordedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub throttled: u32,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
