//! Runs one planned case's exchanges (state reads, the request under test, read-backs) and
//! returns them as a transcript. It judges nothing: the checks do.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Map, Value};

use crate::case::{Auth, Case, IdChoice, Kind, Spelling};
use crate::client::{Authorization, Client, Incoming, Outgoing};
use crate::outcome::Exchange;
use crate::plan::variants::fill;
use crate::plan::Variant;

/// The tokens a run sends. `valid` and `no_scope` are secrets from the environment (or minted
/// for the embedded service); `expired` is a harmless minted token.
#[derive(Clone)]
pub struct Tokens {
    pub valid: Arc<str>,
    pub no_scope: Option<Arc<str>>,
    pub expired: String,
}

pub struct Target {
    pub base_url: String,
    pub direct: Arc<Variant>,
}

/// One request under test and what came of it.
pub struct Step {
    pub request: Outgoing,
    pub response: Incoming,
}

/// What a case's exchanges produced.
pub struct Transcript {
    pub exchanges: Vec<Exchange>,
    /// The overview's state (read through the direct path of `overviewOf`) before and after.
    pub before: Map<String, Value>,
    pub after: Option<Map<String, Value>>,
    /// The `direct` overview before and after, when the request named the direct configuration.
    pub direct_before: Option<Map<String, Value>>,
    pub direct_after: Option<Map<String, Value>>,
    /// The request(s) under test: one, two for `repeat`, rounds × bodies for `concurrent`.
    pub steps: Vec<Step>,
    /// A GET of the same path right after an accepted PATCH (C5.1), and the `alias` read.
    pub read_back: Option<Step>,
    /// For `concurrent`: the bodies actually sent in the last round.
    pub last_round: Vec<Value>,
}

/// Why the case could not be run to the end (the trial is an `error`, not a failure).
pub struct Aborted {
    pub exchanges: Vec<Exchange>,
    pub message: String,
    pub request: Option<Outgoing>,
}

/// Client-request-id the harness sends on every request, so C4.7's echo can be checked.
pub const CLIENT_REQUEST_ID: &str = "client-request-id";

pub struct Executor<'a> {
    pub client: &'a Client,
    pub target: &'a Target,
    pub tokens: &'a Tokens,
}

impl Executor<'_> {
    fn url(&self, variant: &Variant, id: &str, spelling: Spelling) -> String {
        format!(
            "{}{}",
            self.target.base_url,
            fill(&variant.template, id, spelling)
        )
    }

    /// The direct path of a configuration, normalised: the harness's own state reads, kept
    /// apart from the spellings under test.
    pub fn state_url(&self, configuration: &str) -> String {
        self.url(&self.target.direct, configuration, Spelling::Normalised)
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
            Auth::NoScope => match &self.tokens.no_scope {
                Some(t) => Authorization::Secret {
                    env: "GRAPH_TOKEN_NO_SCOPE",
                    token: t.clone(),
                },
                None => Authorization::None,
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

    /// GETs an overview's state through the direct path of `configuration`.
    pub async fn read_state(
        &self,
        configuration: &str,
        log: &mut Vec<Exchange>,
    ) -> Result<Map<String, Value>, Aborted> {
        let req = self.outgoing(
            Method::GET,
            self.state_url(configuration),
            Auth::Valid,
            None,
            &[],
            None,
        );
        let sent = self.client.send(&req).await;
        log.push(sent.exchange);
        let fail = |message: String| Aborted {
            exchanges: Vec::new(),
            message,
            request: Some(req.clone()),
        };
        match sent.result {
            Ok(resp) if resp.status == 200 => match resp.json() {
                Some(Value::Object(map)) => Ok(map),
                _ => Err(fail(format!(
                    "the state read GET {} answered 200 without a JSON object; the harness reads state through the direct path of each overview (C5.1) and cannot judge without it",
                    req.url
                ))),
            },
            Ok(resp) => Err(fail(format!(
                "the state read GET {} answered {}; check that the ids file names configurations that exist on the target and that GRAPH_TOKEN may read them",
                req.url, resp.status
            ))),
            Err(e) => Err(fail(format!("the state read GET {} did not complete: {e}", req.url))),
        }
    }

    /// PATCHes `body` through the direct path of `configuration` (restoring originals).
    pub async fn write_state(&self, configuration: &str, body: &Value) -> Result<(), String> {
        let req = self.outgoing(
            Method::PATCH,
            self.state_url(configuration),
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
            }),
        };
        (sent.exchange, step)
    }

    /// Runs `case` on `variant`. `before` is the overview's state if the caller already knows it
    /// (generated trials carry it from one input to the next); otherwise it is read first.
    pub async fn run(
        &self,
        case: &Case,
        variant: &Variant,
        before: Option<Map<String, Value>>,
    ) -> Result<Transcript, Aborted> {
        let mut log = Vec::new();
        let result = self.run_logged(case, variant, before, &mut log).await;
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
        case: &Case,
        variant: &Variant,
        before: Option<Map<String, Value>>,
        log: &mut Vec<Exchange>,
    ) -> Result<Transcript, Aborted> {
        let ids = variant
            .ids
            .as_ref()
            .expect("planned trials without ids are skipped");
        let direct_id = self
            .target
            .direct
            .ids
            .as_ref()
            .expect("planned trials without direct ids are skipped")
            .device_configuration_id
            .clone();
        let before = match before {
            Some(b) => b,
            None => self.read_state(&ids.overview_of, log).await?,
        };
        let names_direct = case.request.id == IdChoice::Direct;
        let direct_overview = self
            .target
            .direct
            .ids
            .as_ref()
            .map(|d| d.overview_of.clone())
            .unwrap_or_default();
        let watch_direct = names_direct && direct_overview != ids.overview_of;
        let direct_before = if watch_direct {
            Some(self.read_state(&direct_overview, log).await?)
        } else {
            None
        };
        let id = match case.request.id {
            IdChoice::Variant => ids.device_configuration_id.clone(),
            IdChoice::Direct => direct_id,
            IdChoice::Unknown => uuid::Uuid::new_v4().to_string(),
        };
        let url = self.url(variant, &id, case.request.spelling);
        let method = Method::from_bytes(case.request.method.as_bytes()).unwrap_or(Method::PATCH);
        let headers: Vec<(String, String)> = case
            .request
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let make = |body: Option<String>| {
            self.outgoing(
                method.clone(),
                url.clone(),
                case.request.auth,
                case.request.content_type.as_deref(),
                &headers,
                body,
            )
        };

        let mut steps = Vec::new();
        let mut last_round = Vec::new();
        match case.kind {
            Kind::Concurrent => {
                for round in 0..case.rounds.unwrap_or(1).max(1) {
                    let bodies: Vec<Value> =
                        case.bodies.iter().map(|b| shift_int32s(b, round)).collect();
                    let sends = bodies
                        .iter()
                        .map(|b| self.send_unlogged(make(Some(b.to_string()))));
                    for (exchange, step) in futures_util::future::join_all(sends).await {
                        log.push(exchange);
                        steps.push(step?);
                    }
                    last_round = bodies;
                }
            }
            Kind::Repeat => {
                for _ in 0..2 {
                    steps.push(self.send(make(case.request.body_text()), log).await?);
                }
            }
            _ => steps.push(self.send(make(case.request.body_text()), log).await?),
        }

        let accepted = steps
            .last()
            .is_some_and(|s| (200..300).contains(&s.response.status));
        let read_back = match case.kind {
            Kind::Alias if accepted => Some(
                self.send(
                    self.outgoing(
                        Method::GET,
                        self.state_url(&ids.overview_of),
                        Auth::Valid,
                        None,
                        &[],
                        None,
                    ),
                    log,
                )
                .await?,
            ),
            Kind::Accepted | Kind::Repeat if accepted && method == Method::PATCH => Some(
                self.send(
                    self.outgoing(Method::GET, url.clone(), Auth::Valid, None, &[], None),
                    log,
                )
                .await?,
            ),
            _ => None,
        };
        let after = match (case.kind, &read_back) {
            (Kind::Accepted | Kind::Repeat, Some(_)) => None,
            _ => Some(self.read_state(&ids.overview_of, log).await?),
        };
        let direct_after = if watch_direct {
            Some(self.read_state(&direct_overview, log).await?)
        } else {
            None
        };
        Ok(Transcript {
            exchanges: Vec::new(),
            before,
            after,
            direct_before,
            direct_after,
            steps,
            read_back,
            last_round,
        })
    }
}

/// Round `r` of a concurrent case sends each Int32 value plus `r`, so a value left from an
/// earlier round cannot pass for one that took effect.
fn shift_int32s(body: &Value, round: u32) -> Value {
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
