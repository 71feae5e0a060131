//! Runs one planned case's exchanges (state reads, the request under test, read-backs) and
//! returns them as a [`Transcript`]. It judges nothing: the checks do.

use std::sync::Arc;

use reqwest::Method;
use serde_json::Value;

use crate::case::{Auth, Expectation, Judged};
use crate::client::Client;
use crate::ids::Keys;
use crate::pack::template::Spelling;
use crate::plan::{Address, KeyPlan};
use crate::transcript::{
    Authorization, Exchange, Outgoing, Shape, State, Step, Transcript, Unread, CLIENT_REQUEST_ID,
};

/// The tokens a run sends. `valid` and `no_scope` are secrets from the environment (or minted
/// for the embedded service); `expired` is a harmless minted token.
#[derive(Clone)]
pub struct Tokens {
    pub(crate) valid: Arc<str>,
    pub(crate) no_scope: Option<Arc<str>>,
    /// With the read permission only.
    pub(crate) read_only: Option<Arc<str>>,
    /// An application token (roles) with the write permission.
    pub(crate) app: Option<Arc<str>>,
    pub(crate) expired: String,
}

impl Tokens {
    /// The optional token `auth` needs, when it needs one.
    pub(crate) fn optional(&self, auth: Auth) -> Option<&Arc<str>> {
        match auth {
            Auth::NoScope => self.no_scope.as_ref(),
            Auth::ReadOnly => self.read_only.as_ref(),
            Auth::App => self.app.as_ref(),
            _ => None,
        }
    }

    /// Every secret token, for redaction.
    pub fn secrets(&self) -> Vec<Arc<str>> {
        std::iter::once(&self.valid)
            .chain(self.no_scope.iter())
            .chain(self.read_only.iter())
            .chain(self.app.iter())
            .cloned()
            .collect()
    }
}

/// The service root the paths are appended to (`…/beta`).
pub struct Target {
    pub base_url: String,
}

/// Where one case sends its request and reads state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route<'a> {
    /// The variant under test and the keys that fill its template.
    pub request: (&'a Address, &'a KeyPlan),
    /// Where the variant's entity is read (the canonical path, or the variant itself).
    pub state: &'a Address,
    /// Another entity the request must leave alone (a probe's), read before and after.
    pub watch: Option<&'a Address>,
}

/// What one case sends and where, shared by the shapes each kind makes.
struct Leg<'a> {
    judged: Judged<'a>,
    route: Route<'a>,
    url: String,
    method: Method,
    reads: Reads,
    /// The watched entity's state before the request, when the route watches one.
    watched_before: Option<State>,
}

/// What a leg's exchanges leave: every exchange in order (state reads included), and the reads
/// after the request under test that gave no entity.
struct Record<'l> {
    log: &'l mut Vec<Exchange>,
    unread: Vec<Unread>,
}

/// A 2xx answer.
fn succeeded(step: &Step) -> bool {
    (200..300).contains(&step.response.status)
}

/// Whether the reads that verify a case are made now, or left to a read later in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reads {
    /// Every read the case's kind calls for.
    Full,
    /// No read-back after an accepted PATCH and no state read after a refused one: a later read
    /// verifies a batch of inputs at once.
    Deferred,
}

/// Why the case could not be run to the end: no answer (the trial is an `error`), or a state
/// read answered without the entity (`answered`: a verdict on the clause that answer breaks).
pub(crate) struct Aborted {
    pub exchanges: Vec<Exchange>,
    pub message: String,
    pub request: Option<Outgoing>,
    pub answered: Option<Unread>,
}

pub(crate) struct Executor<'a> {
    pub client: &'a Client,
    pub target: &'a Target,
    pub tokens: &'a Tokens,
}

impl Executor<'_> {
    fn url(&self, address: &Address, keys: &Keys, spelling: Spelling) -> String {
        let path = address
            .variant
            .template
            .fill(keys, spelling)
            .unwrap_or_else(|missing| format!("/(the ids file gives no {missing})"));
        format!("{}{path}", self.target.base_url)
    }

    /// Where the harness reads an entity: always normalised, so the spellings under test are
    /// only those of the requests under test.
    pub(crate) fn state_url(&self, address: &Address) -> String {
        self.url(address, &address.keys, Spelling::Normalised)
    }

    fn auth(&self, auth: Auth) -> Authorization {
        match auth {
            Auth::Valid => Authorization::Secret {
                env: "GRAPH_TOKEN",
                token: self.tokens.valid.clone(),
            },
            Auth::None => Authorization::None,
            Auth::NotBearer => Authorization::Literal("Basic Z3JhcGg6Y29uZm9ybWFuY2U=".into()),
            Auth::Unreadable => Authorization::Literal("Bearer this.is-not-a.token".into()),
            Auth::Expired => Authorization::Literal(format!("Bearer {}", self.tokens.expired)),
            optional => match (optional.optional_token(), self.tokens.optional(optional)) {
                (Some(env), Some(t)) => Authorization::Secret {
                    env,
                    token: t.clone(),
                },
                _ => Authorization::None,
            },
        }
    }

    fn outgoing(
        &self,
        method: Method,
        url: String,
        auth: Auth,
        content_type: Option<&str>,
        extra: &[(String, String)],
        body: Option<String>,
    ) -> Outgoing {
        let mut headers = vec![
            ("Accept".to_owned(), "application/json".to_owned()),
            (
                CLIENT_REQUEST_ID.to_owned(),
                uuid::Uuid::new_v4().to_string(),
            ),
        ];
        if let (Some(ct), true) = (content_type, body.is_some()) {
            headers.push(("Content-Type".into(), ct.to_owned()));
        }
        headers.extend(extra.iter().cloned());
        Outgoing {
            method,
            url,
            auth: self.auth(auth),
            headers,
            body,
        }
    }

    /// A GET of `url` with the valid token.
    fn get(&self, url: String) -> Outgoing {
        self.outgoing(Method::GET, url, Auth::Valid, None, &[], None)
    }

    /// GETs an entity's state at `address`.
    pub(crate) async fn read_state(
        &self,
        address: &Address,
        log: &mut Vec<Exchange>,
    ) -> Result<State, Aborted> {
        self.try_read(address, log).await.map_err(|u| {
            let message = match &u.answer {
                Ok(resp) if resp.status == 200 => format!(
                    "the state read GET {} answered 200 without a JSON object; the harness reads state through the canonical path of each entity (C5.1) and cannot judge without it",
                    u.request.url
                ),
                Ok(resp) => format!(
                    "the state read GET {} answered {}; check that the ids file names entities that exist on the target and that GRAPH_TOKEN may read them",
                    u.request.url, resp.status
                ),
                Err(e) => format!("the state read GET {} did not complete: {e}", u.request.url),
            };
            Aborted {
                exchanges: Vec::new(),
                message,
                request: Some(u.request.clone()),
                answered: u.answer.is_ok().then_some(u),
            }
        })
    }

    /// The GET that reads an entity's state at `address`.
    pub(crate) fn state_read(&self, address: &Address) -> Outgoing {
        self.get(self.state_url(address))
    }

    /// GETs an entity's state at `address`; what came instead when it is not a JSON object.
    pub(crate) async fn try_read(
        &self,
        address: &Address,
        log: &mut Vec<Exchange>,
    ) -> Result<State, Unread> {
        let request = self.state_read(address);
        let sent = self.client.send(&request).await;
        log.push(sent.exchange);
        match sent.result {
            Ok(resp) => match resp.json() {
                Some(Value::Object(map)) if resp.status == 200 => Ok(map),
                _ => Err(Unread {
                    request,
                    answer: Ok(resp),
                }),
            },
            Err(e) => Err(Unread {
                request,
                answer: Err(e.to_string()),
            }),
        }
    }

    /// A read after the request under test: the state, or `None` with the read kept in
    /// `unread` (the checks judge an answer; no answer leaves the trial unjudged unless it
    /// failed already).
    async fn read_after(&self, address: &Address, rec: &mut Record<'_>) -> Option<State> {
        match self.try_read(address, rec.log).await {
            Ok(state) => Some(state),
            Err(u) => {
                rec.unread.push(u);
                None
            }
        }
    }

    /// A read-back GET after the request under test: its step, or `None` when it got no
    /// answer (kept in `unread`).
    async fn get_after(&self, url: String, rec: &mut Record<'_>) -> Option<Step> {
        let request = self.get(url);
        let sent = self.client.send(&request).await;
        rec.log.push(sent.exchange);
        match sent.result {
            Ok(response) => Some(Step { request, response }),
            Err(e) => {
                rec.unread.push(Unread {
                    request,
                    answer: Err(e.to_string()),
                });
                None
            }
        }
    }

    /// PATCHes `body` to `address` (restoring originals).
    pub(crate) async fn write_state(&self, address: &Address, body: &Value) -> Result<(), String> {
        let req = self.outgoing(
            Method::PATCH,
            self.state_url(address),
            Auth::Valid,
            Some("application/json"),
            &[],
            Some(body.to_string()),
        );
        match self.client.send(&req).await.result {
            Ok(resp) if (200..300).contains(&resp.status) => Ok(()),
            Ok(resp) => Err(format!("PATCH {} answered {}", req.url, resp.status)),
            Err(e) => Err(format!("PATCH {} did not complete: {e}", req.url)),
        }
    }

    async fn send(&self, req: Outgoing, log: &mut Vec<Exchange>) -> Result<Step, Aborted> {
        let (exchange, step) = self.send_unlogged(req).await;
        log.push(exchange);
        step
    }

    async fn send_unlogged(&self, req: Outgoing) -> (Exchange, Result<Step, Aborted>) {
        let sent = self.client.send(&req).await;
        let step = match sent.result {
            Ok(response) => Ok(Step {
                request: req,
                response,
            }),
            Err(e) => Err(Aborted {
                exchanges: Vec::new(),
                message: format!("{} {} did not complete: {e}", req.method, req.url),
                request: Some(req),
                answered: None,
            }),
        };
        (sent.exchange, step)
    }

    /// Runs a case (or a generated input) along `route`. `before` is the entity's state if the caller already knows it
    /// (carried from the case before); otherwise it is read first.
    pub(crate) async fn run<'c>(
        &self,
        judged: impl Into<Judged<'c>>,
        route: Route<'_>,
        before: Option<State>,
        reads: Reads,
    ) -> Result<Transcript, Aborted> {
        let mut log = Vec::new();
        let result = self
            .run_logged(judged.into(), route, before, reads, &mut log)
            .await;
        result
            .map_err(|mut a| {
                a.exchanges = std::mem::take(&mut log);
                a
            })
            .map(|mut t| {
                t.exchanges = log;
                t
            })
    }

    async fn run_logged(
        &self,
        judged: Judged<'_>,
        route: Route<'_>,
        before: Option<State>,
        reads: Reads,
        log: &mut Vec<Exchange>,
    ) -> Result<Transcript, Aborted> {
        let before = match before {
            Some(b) => b,
            None => self.read_state(route.state, log).await?,
        };
        let watched_before = match route.watch {
            Some(w) => Some(self.read_state(w, log).await?),
            None => None,
        };
        let (address, key_plan) = route.request;
        let request = judged.request;
        let leg = Leg {
            judged,
            route,
            url: self.url(address, &key_plan.keys(), request.spelling),
            method: Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::PATCH),
            reads,
            watched_before,
        };
        let mut rec = Record {
            log,
            unread: Vec::new(),
        };
        let shape = self.exchanges(&leg, &mut rec).await?;
        Ok(Transcript {
            exchanges: Vec::new(),
            before,
            shape,
            unread: rec.unread,
        })
    }

    /// The exchanges of the leg's expectation, each expectation its own shape.
    async fn exchanges(&self, leg: &Leg<'_>, rec: &mut Record<'_>) -> Result<Shape, Aborted> {
        let state = leg.route.state;
        Ok(match leg.judged.expect {
            Expectation::Accepted => {
                let step = self.send_once(leg, rec).await?;
                let read_back = self.read_back(leg, &step, leg.url.clone(), rec);
                Shape::Accepted {
                    read_back: read_back.await,
                    step,
                }
            }
            Expectation::Alias => {
                let step = self.send_once(leg, rec).await?;
                let read = self.read_back(leg, &step, self.state_url(state), rec);
                Shape::Alias {
                    read: read.await,
                    step,
                }
            }
            Expectation::Refused { .. } => self.refused(leg, rec).await?,
            Expectation::Either { .. } => {
                let step = self.send_once(leg, rec).await?;
                let after = self.read_after(state, rec).await;
                Shape::Either { step, after }
            }
            Expectation::Repeat => self.repeat(leg, rec).await?,
            Expectation::Concurrent { bodies, rounds } => {
                let make = |body| self.request_of(leg, body);
                let (steps, last_round) = self.concurrent(bodies, *rounds, &make, rec.log).await?;
                let after = self.read_after(state, rec).await;
                Shape::Concurrent {
                    steps,
                    last_round,
                    after,
                }
            }
        })
    }

    /// The case's request with `body`, to the leg's URL.
    fn request_of(&self, leg: &Leg<'_>, body: Option<String>) -> Outgoing {
        let headers: Vec<(String, String)> = leg
            .judged
            .request
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.outgoing(
            leg.method.clone(),
            leg.url.clone(),
            leg.judged.request.auth,
            leg.judged.request.content_type.as_deref(),
            &headers,
            body,
        )
    }

    /// C4.6: the same request twice, then (after a success, with every read) a read back.
    async fn repeat(&self, leg: &Leg<'_>, rec: &mut Record<'_>) -> Result<Shape, Aborted> {
        let first = self.send_once(leg, rec).await?;
        let second = self.send_once(leg, rec).await?;
        let read_back = match (leg.reads, succeeded(&second)) {
            (Reads::Full, true) => self.get_after(leg.url.clone(), rec).await,
            _ => None,
        };
        Ok(Shape::Repeat {
            first,
            second,
            read_back,
        })
    }

    /// The request under test, sent once with the case's body.
    async fn send_once(&self, leg: &Leg<'_>, rec: &mut Record<'_>) -> Result<Step, Aborted> {
        let body = leg.judged.request.body_text();
        self.send(self.request_of(leg, body), rec.log).await
    }

    /// After a write that succeeded, with every read: a GET of `url`.
    async fn read_back(
        &self,
        leg: &Leg<'_>,
        step: &Step,
        url: String,
        rec: &mut Record<'_>,
    ) -> Option<Step> {
        let wanted = leg.reads == Reads::Full && succeeded(step) && leg.method == Method::PATCH;
        if wanted {
            self.get_after(url, rec).await
        } else {
            None
        }
    }

    /// A write that must be refused: the entity read after it, and a watched one before and
    /// after.
    async fn refused(&self, leg: &Leg<'_>, rec: &mut Record<'_>) -> Result<Shape, Aborted> {
        let step = self.send_once(leg, rec).await?;
        let after = match leg.reads {
            Reads::Full => self.read_after(leg.route.state, rec).await,
            Reads::Deferred => None,
        };
        let watched = match (leg.route.watch, &leg.watched_before) {
            (Some(w), Some(b)) => self.read_after(w, rec).await.map(|a| (b.clone(), a)),
            _ => None,
        };
        Ok(Shape::Refused {
            step,
            after,
            watched,
        })
    }

    /// `bodies` sent at once, `rounds` times: every step, and the last round's bodies.
    async fn concurrent(
        &self,
        bodies: &[Value],
        rounds: Option<u32>,
        make: &impl Fn(Option<String>) -> Outgoing,
        log: &mut Vec<Exchange>,
    ) -> Result<(Vec<Step>, Vec<Value>), Aborted> {
        let mut steps = Vec::new();
        let mut last_round = Vec::new();
        for round in 0..rounds.unwrap_or(1).max(1) {
            let bodies: Vec<Value> = bodies.iter().map(|b| shift_integers(b, round)).collect();
            let sends = bodies
                .iter()
                .map(|b| self.send_unlogged(make(Some(b.to_string()))));
            for (exchange, step) in futures_util::future::join_all(sends).await {
                log.push(exchange);
                steps.push(step?);
            }
            last_round = bodies;
        }
        Ok((steps, last_round))
    }
}

/// Round `r` of a concurrent case sends each integer value plus `r`, so a value left from an
/// earlier round cannot pass for one that took effect.
fn shift_integers(body: &Value, round: u32) -> Value {
    let Value::Object(map) = body else {
        return body.clone();
    };
    let shifted = map
        .iter()
        .map(|(k, v)| {
            let v = match v.as_i64() {
                Some(n) if round > 0 => Value::from(
                    (n + i64::from(round)).clamp(i64::from(i32::MIN), i64::from(i32::MAX)),
                ),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    Value::Object(shifted)
}
