//! Measurement 2: checked exchanges per second against the embedded service, beside the same
//! requests with no checks.
//!
//! The checked side runs as the suite's trials do: one plain thread per overview (so no two
//! writers share one, as the trial locks guarantee), each blocking on the run's runtime for the
//! executor's exchanges of one valid generated input (PATCH, read-back GET), then judging them
//! with [`Judge`], concluding and recording the outcome. The baseline sends the same requests
//! (same method, path, headers and body) with a plain reqwest client set up as the harness's,
//! from the same threads, and only reads the answers. Two more sides, for information, split the
//! difference: the harness's [`Client`] without checks, and plain reqwest from async tasks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::{Map, Value};
use tokio::sync::watch;

use super::service::http_client;
use super::{Tally, ROUNDS};
use crate::app::Contract;
use crate::case::Spelling;
use crate::checks::Judge;
use crate::client::{Authorization, Client, ClientOptions, Outgoing};
use crate::domain::EntityModel;
use crate::executor::{Executor, Target, Tokens, CLIENT_REQUEST_ID};
use crate::generate::Strategy;
use crate::harness::{conclude, next_state, synthetic_case};
use crate::outcome::{Check, Outcome};
use crate::plan::variants::fill;
use crate::plan::Variant;
use crate::schema::Schema;
use crate::service::{self, ServiceOptions};

const READ_WRITE: &str = "DeviceManagementConfiguration.ReadWrite.All";
/// The client-request-id the plain side sends: a fixed GUID, as long as the harness's.
const FIXED_REQUEST_ID: &str = "00000000-0000-4000-8000-00000000be0c";

pub struct HarnessRates {
    pub workers: usize,
    /// Executor + every check + outcome recorded; `ok` counts HTTP exchanges of passing runs.
    pub checked: Tally,
    /// Plain reqwest, same threads, same requests.
    pub raw: Tally,
    /// The harness's `Client` (recording, redaction), same threads, no checks.
    pub client: Tally,
    /// Plain reqwest from async tasks.
    pub tasks: Tally,
    /// Checked runs that passed.
    pub passed: u64,
    pub first_problem: Option<String>,
}

/// Everything the workers share.
struct Shared {
    model: Arc<EntityModel>,
    entity_schema: Schema,
    error_schema: Schema,
    client: Client,
    raw: reqwest::Client,
    target: Target,
    tokens: Tokens,
    /// One per overview: the variant and its printed URL.
    lanes: Vec<(Arc<Variant>, String)>,
    bodies: Vec<String>,
    raw_bodies: Vec<Bytes>,
    auth: HeaderValue,
}

/// A worker's own state, kept across rounds.
struct Lane {
    index: usize,
    next_body: usize,
    before: Option<Map<String, Value>>,
    passed: u64,
    problem: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Checked,
    Raw,
    Client,
}

pub fn measure(
    contract: Contract,
    bodies: &[String],
    seconds: Duration,
    rt: &tokio::runtime::Runtime,
) -> Result<HarnessRates, String> {
    let running = rt
        .block_on(service::start(
            Arc::clone(&contract.model),
            ServiceOptions::default(),
            0,
        ))
        .map_err(|e| e.to_string())?;
    let valid: Arc<str> = Arc::from(crate::jwt::mint(&[READ_WRITE], 3600));
    let tokens = Tokens {
        valid: Arc::clone(&valid),
        no_scope: Some(Arc::from(crate::jwt::mint(&["User.Read"], 3600))),
        expired: crate::jwt::mint_expired(&[READ_WRITE]),
    };
    let secrets = vec![Arc::clone(&valid)];
    // The client must be built inside the runtime, as `app` builds its own.
    let client = {
        let _guard = rt.enter();
        Client::new(ClientOptions::default(), secrets, watch::channel(false).1)
            .map_err(|e| e.to_string())?
    };
    let variants = crate::plan::variants(&contract.suite, &running.ids);
    let direct = variants
        .iter()
        .find(|v| v.name == "direct")
        .cloned()
        .ok_or("the pack has no `direct` variant")?;
    // One lane per distinct overview: lanes never write the same entity.
    let mut seen = std::collections::BTreeSet::new();
    let lanes: Vec<(Arc<Variant>, String)> = variants
        .iter()
        .filter_map(|v| {
            let ids = v.ids.as_ref()?;
            seen.insert(ids.overview_of.clone()).then(|| {
                let url = format!(
                    "{}{}",
                    running.base_url,
                    fill(&v.template, &ids.device_configuration_id, Spelling::Printed)
                );
                (Arc::clone(v), url)
            })
        })
        .collect();
    let shared = Arc::new(Shared {
        model: contract.model,
        entity_schema: contract.entity_schema,
        error_schema: contract.error_schema,
        client,
        raw: {
            let _guard = rt.enter();
            http_client()?
        },
        target: Target {
            base_url: running.base_url.clone(),
            direct,
        },
        tokens,
        lanes,
        bodies: bodies.to_vec(),
        raw_bodies: bodies.iter().map(|b| Bytes::from(b.clone())).collect(),
        auth: HeaderValue::from_str(&format!("Bearer {valid}")).map_err(|e| e.to_string())?,
    });
    let mut lanes: Vec<Lane> = (0..shared.lanes.len())
        .map(|index| Lane {
            index,
            next_body: index,
            before: None,
            passed: 0,
            problem: None,
        })
        .collect();

    // Warm-up, not counted.
    let warm = (seconds / 10).min(Duration::from_millis(300));
    for side in [Side::Raw, Side::Client, Side::Checked] {
        threads(&shared, &mut lanes, side, warm, rt);
    }
    tasks(&shared, warm, rt);
    for lane in &mut lanes {
        lane.passed = 0;
        lane.problem = None;
    }

    let per_round = seconds / ROUNDS;
    let mut rates = HarnessRates {
        workers: shared.lanes.len(),
        checked: Tally::default(),
        raw: Tally::default(),
        client: Tally::default(),
        tasks: Tally::default(),
        passed: 0,
        first_problem: None,
    };
    for _ in 0..ROUNDS {
        rates
            .raw
            .add(threads(&shared, &mut lanes, Side::Raw, per_round, rt));
        rates
            .checked
            .add(threads(&shared, &mut lanes, Side::Checked, per_round, rt));
        rates
            .client
            .add(threads(&shared, &mut lanes, Side::Client, per_round, rt));
        rates.tasks.add(tasks(&shared, per_round, rt));
    }
    rates.passed = lanes.iter().map(|l| l.passed).sum();
    rates.first_problem = lanes.iter_mut().find_map(|l| l.problem.take());
    rt.block_on(running.shutdown());
    Ok(rates)
}

/// One round of `side`: one thread per lane until `duration` has passed.
fn threads(
    shared: &Shared,
    lanes: &mut [Lane],
    side: Side,
    duration: Duration,
    rt: &tokio::runtime::Runtime,
) -> Tally {
    let started = Instant::now();
    let deadline = started + duration;
    let handle = rt.handle();
    let mut total = Tally::default();
    std::thread::scope(|s| {
        let workers: Vec<_> = lanes
            .iter_mut()
            .map(|lane| {
                s.spawn(move || {
                    let mut tally = Tally::default();
                    // Other sides have written this overview since: read it afresh.
                    lane.before = None;
                    while Instant::now() < deadline {
                        let t = match side {
                            Side::Checked => checked_once(shared, lane, handle),
                            Side::Raw => handle.block_on(raw_once(shared, lane)),
                            Side::Client => handle.block_on(client_once(shared, lane)),
                        };
                        tally.absorb(&t);
                    }
                    tally
                })
            })
            .collect();
        for w in workers {
            if let Ok(t) = w.join() {
                total.absorb(&t);
            }
        }
    });
    total.elapsed = started.elapsed();
    total
}

fn next_body<'a>(shared: &'a Shared, lane: &mut Lane) -> (usize, &'a str) {
    let i = lane.next_body % shared.bodies.len();
    lane.next_body += shared.lanes.len();
    (i, &shared.bodies[i])
}

/// One generated input as a trial runs it: exchanges, every check, the outcome recorded.
fn checked_once(shared: &Shared, lane: &mut Lane, handle: &tokio::runtime::Handle) -> Tally {
    let (_, body) = next_body(shared, lane);
    let (variant, _) = &shared.lanes[lane.index];
    let exec = Executor {
        client: &shared.client,
        target: &shared.target,
        tokens: &shared.tokens,
    };
    let judge = Judge {
        model: &shared.model,
        entity_schema: &shared.entity_schema,
        error_schema: &shared.error_schema,
        strict: false,
        allow_204: false,
    };
    let case = synthetic_case(Strategy::ValidBody, Strategy::ValidBody.clause(), body);
    match handle.block_on(exec.run(&case, variant, lane.before.take())) {
        Err(a) => {
            lane.problem.get_or_insert(a.message);
            Tally {
                bad: 1,
                ..Tally::default()
            }
        }
        Ok(t) => {
            let checks = judge.judge(&case, &t);
            let (outcome, message) = conclude(&checks);
            let exchanges = t.exchanges.len() as u64;
            record(lane, outcome, message, checks);
            lane.before = next_state(&t);
            if matches!(outcome, Outcome::Passed | Outcome::Warned) {
                Tally {
                    ok: exchanges,
                    ..Tally::default()
                }
            } else {
                Tally {
                    bad: 1,
                    ..Tally::default()
                }
            }
        }
    }
}

/// As `harness::run_generated` records an input: a passing one as a count, a failing one with
/// its checks and message.
fn record(lane: &mut Lane, outcome: Outcome, message: String, checks: Vec<Check>) {
    match outcome {
        Outcome::Passed | Outcome::Warned => lane.passed += 1,
        _ => {
            if lane.problem.is_none() {
                let failed: Vec<&str> = checks
                    .iter()
                    .filter(|c| c.outcome == Outcome::Failed)
                    .map(|c| c.clause.as_str())
                    .collect();
                lane.problem = Some(format!("{} ({})", message, failed.join(", ")));
            }
        }
    }
}

/// The same two requests as a checked run (a state read first when it has none), plain reqwest.
async fn raw_once(shared: &Shared, lane: &mut Lane) -> Tally {
    let (i, _) = next_body(shared, lane);
    let url = &shared.lanes[lane.index].1;
    let mut tally = Tally::default();
    let get = || {
        shared
            .raw
            .get(url)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                CLIENT_REQUEST_ID,
                HeaderValue::from_static(FIXED_REQUEST_ID),
            )
            .header(AUTHORIZATION, shared.auth.clone())
    };
    if lane.before.is_none() {
        count(&mut tally, get().send().await).await;
        lane.before = Some(Map::new());
    }
    let patch = shared
        .raw
        .patch(url)
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            CLIENT_REQUEST_ID,
            HeaderValue::from_static(FIXED_REQUEST_ID),
        )
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(AUTHORIZATION, shared.auth.clone())
        .body(shared.raw_bodies[i].clone());
    count(&mut tally, patch.send().await).await;
    count(&mut tally, get().send().await).await;
    tally
}

async fn count(tally: &mut Tally, sent: reqwest::Result<reqwest::Response>) {
    let ok = match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            resp.bytes().await.is_ok() && status == 200
        }
        Err(_) => false,
    };
    tally.count(ok);
}

/// The same requests through the harness's client (attempts recorded, secrets redacted).
async fn client_once(shared: &Shared, lane: &mut Lane) -> Tally {
    let (_, body) = next_body(shared, lane);
    let url = &shared.lanes[lane.index].1;
    let outgoing = |method: Method, body: Option<&str>| {
        let mut headers = vec![
            ("Accept".to_owned(), "application/json".to_owned()),
            (
                CLIENT_REQUEST_ID.to_owned(),
                uuid::Uuid::new_v4().to_string(),
            ),
        ];
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        Outgoing {
            method,
            url: url.clone(),
            auth: Authorization::Secret {
                env: "GRAPH_TOKEN",
                token: Arc::clone(&shared.tokens.valid),
            },
            headers,
            body: body.map(str::to_owned),
        }
    };
    let mut tally = Tally::default();
    if lane.before.is_none() {
        let sent = shared.client.send(&outgoing(Method::GET, None)).await;
        tally.count(sent.result.is_ok_and(|r| r.status == 200));
        lane.before = Some(Map::new());
    }
    let sent = shared
        .client
        .send(&outgoing(Method::PATCH, Some(body)))
        .await;
    tally.count(sent.result.is_ok_and(|r| r.status == 200));
    let sent = shared.client.send(&outgoing(Method::GET, None)).await;
    tally.count(sent.result.is_ok_and(|r| r.status == 200));
    tally
}

/// Plain reqwest from one async task per lane: what the same requests cost without a thread
/// blocking on the runtime for each.
fn tasks(shared: &Arc<Shared>, duration: Duration, rt: &tokio::runtime::Runtime) -> Tally {
    let started = Instant::now();
    let deadline = started + duration;
    let total = rt.block_on(async {
        let workers: Vec<_> = (0..shared.lanes.len())
            .map(|index| {
                let shared = Arc::clone(shared);
                tokio::spawn(async move {
                    let mut lane = Lane {
                        index,
                        next_body: index,
                        before: Some(Map::new()),
                        passed: 0,
                        problem: None,
                    };
                    let mut tally = Tally::default();
                    while Instant::now() < deadline {
                        let t = raw_once(&shared, &mut lane).await;
                        tally.absorb(&t);
                    }
                    tally
                })
            })
            .collect();
        let mut total = Tally::default();
        for w in workers {
            if let Ok(t) = w.await {
                total.absorb(&t);
            }
        }
        total
    });
    Tally {
        elapsed: started.elapsed(),
        ..total
    }
}
