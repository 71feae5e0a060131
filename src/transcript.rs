//! The recorded exchanges of one case: the executor fills a [`Transcript`], the checks read
//! it. Its shape follows the case's kind, so a check never guesses which fields were filled.

use serde_json::{Map, Value};

use crate::client::{Incoming, Outgoing};
use crate::outcome::Exchange;

/// An entity's state as read back (a JSON object).
pub type State = Map<String, Value>;

/// One request under test and what came of it.
#[derive(Debug, Clone)]
pub struct Step {
    pub request: Outgoing,
    pub response: Incoming,
}

/// What a case's exchanges produced.
#[derive(Debug, Clone)]
pub struct Transcript {
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
pub struct Unread {
    pub request: Outgoing,
    pub answer: Result<Incoming, String>,
}

/// The exchanges a kind of case makes.
#[derive(Debug, Clone)]
pub enum Shape {
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
    pub fn steps(&self) -> Vec<&Step> {
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
    pub fn state_after(&self) -> Option<State> {
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
