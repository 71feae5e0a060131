//! Measurement 2: checked exchanges per second against the embedded service, beside the same
//! requests with no checks.
//!
//! The checked side runs as the suite's trials do: one plain thread per entity the variants
//! reach (so no two writers share one, as the trial locks guarantee), each blocking on the run's
//! runtime for the executor's exchanges of one valid generated input (PATCH, read-back GET; a
//! state read through the canonical path when the lane has no state yet), then judging them with
//! [`Judge`], concluding and recording the outcome. The baseline sends the same requests (same
//! method, URL, headers and body) with a plain reqwest client set up as the harness's, from the
//! same threads, and only reads the answers. Two more sides, for information, split the
//! difference: the harness's [`Client`] without checks, and plain reqwest from async tasks.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use tokio::sync::watch;

use super::service::http_client;
use super::{Setup, Tally, ROUNDS};
use crate::case::Case;
use crate::checks::Judge;
use crate::client::{Client, ClientOptions};
use crate::executor::{Executor, Reads, Route, Target, Tokens};
use crate::generate::{Aim, Strategy};
use crate::harness::{conclude, next_state, synthetic_case};
use crate::outcome::{Check, Outcome};
use crate::pack::Pack;
use crate::plan::{state_address, Address, KeyPlan};
use crate::service::{self, ServiceOptions};
use crate::transcript::State;
use crate::transcript::CLIENT_REQUEST_ID;
use crate::transcript::{Authorization, Outgoing};

/// The client-request-id the plain side sends: a fixed GUID, as long as the harness's.
const FIXED_REQUEST_ID: &str = "00000000-0000-4000-8000-00000000be0c";
/// The strategy whose inputs every side sends.
const VALID_BODY: Strategy = Strategy {
    aim: Aim::ValidBody,
};

pub(crate) struct HarnessRates {
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

/// Where one lane writes and reads, as the plan routes a generated trial.
struct LaneRoute {
    request: Address,
    keys: KeyPlan,
    /// Where the entity's state is read: the canonical path with the variant's `reads` keys,
    /// or the variant itself.
    state: Address,
    /// The request's URL as the executor sends it.
    url: String,
    /// The state read's URL as the executor sends it.
    state_url: String,
}

/// Everything the workers share.
struct Shared {
    pack: Arc<Pack>,
    schemas: Arc<crate::schema::Compiled>,
    client: Client,
    raw: reqwest::Client,
    target: Target,
    tokens: Tokens,
    /// One per entity.
    lanes: Vec<LaneRoute>,
    bodies: Vec<String>,
    raw_bodies: Vec<Bytes>,
    auth: HeaderValue,
}

/// A worker's own state, kept across rounds.
struct Lane {
    index: usize,
    next_body: usize,
    before: Option<State>,
    passed: u64,
    problem: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Checked,
    Raw,
    Client,
}

pub(crate) fn measure(setup: &Setup, rt: &tokio::runtime::Runtime) -> Result<HarnessRates, String> {
    let running = rt
        .block_on(service::start(
            Arc::clone(&setup.pack),
            ServiceOptions::default(),
            0,
        ))
        .map_err(|e| e.to_string())?;
    let shared = Arc::new(shared(setup, &running, rt)?);
    if shared.lanes.is_empty() {
        return Err("no path variant has ids on the embedded service".into());
    }
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
    let warm = (setup.seconds / 10).min(Duration::from_millis(300));
    for side in [Side::Raw, Side::Client, Side::Checked] {
        threads(&shared, &mut lanes, side, warm, rt);
    }
    tasks(&shared, warm, rt);
    for lane in &mut lanes {
        lane.passed = 0;
        lane.problem = None;
    }

    let per_round = setup.seconds / ROUNDS;
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
        let raw = threads(&shared, &mut lanes, Side::Raw, per_round, rt);
        rates.raw.add(raw);
        let checked = threads(&shared, &mut lanes, Side::Checked, per_round, rt);
        rates.checked.add(checked);
        let client = threads(&shared, &mut lanes, Side::Client, per_round, rt);
        rates.client.add(client);
        rates.tasks.add(tasks(&shared, per_round, rt));
    }
    rates.passed = lanes.iter().map(|l| l.passed).sum();
    rates.first_problem = lanes.iter_mut().find_map(|l| l.problem.take());
    rt.block_on(running.shutdown());
    Ok(rates)
}

/// The tokens, clients, schemas and lanes of a run against `running`, set up as `app` sets up
/// a run against the embedded service.
fn shared(
    setup: &Setup,
    running: &service::RunningService,
    rt: &tokio::runtime::Runtime,
) -> Result<Shared, String> {
    let pack = Arc::clone(&setup.pack);
    let tokens = crate::app::minted_tokens(&pack);
    let valid = Arc::clone(&tokens.valid);
    let options = ClientOptions {
        no_proxy: true,
        ..ClientOptions::default()
    };
    // The clients must be built inside the runtime, as `app` builds its own.
    let (client, raw) = {
        let _guard = rt.enter();
        let client = Client::new(options, tokens.secrets(), watch::channel(false).1)
            .map_err(|e| e.to_string())?;
        (client, http_client()?)
    };
    let target = Target {
        base_url: running.base_url.clone(),
    };
    let lanes = lane_routes(&pack, running, &client, &target, &tokens);
    Ok(Shared {
        schemas: Arc::clone(&pack.schemas),
        pack,
        client,
        raw,
        target,
        tokens,
        lanes,
        bodies: setup.bodies.clone(),
        raw_bodies: setup.raw_bodies(),
        auth: super::bearer(&valid)?,
    })
}

/// One lane per distinct entity the variants reach (lanes never write the same entity), routed
/// as the plan routes a generated trial: the variant's keys, the state read through the
/// canonical variant with `reads` keys when the ids give them, else through the variant itself.
fn lane_routes(
    pack: &Pack,
    running: &service::RunningService,
    client: &Client,
    target: &Target,
    tokens: &Tokens,
) -> Vec<LaneRoute> {
    let variants = crate::plan::variants(pack, &running.ids);
    let exec = Executor {
        client,
        target,
        tokens,
    };
    let spelling = sample_case().request.spelling;
    let mut seen = BTreeSet::new();
    let mut lanes = Vec::new();
    for variant in &variants {
        let Some(ids) = variant.ids.as_ref() else {
            continue;
        };
        let state = state_address(&variants, variant, &ids.keys, ids.reads.as_ref());
        if !seen.insert(state.identity()) {
            continue;
        }
        let Ok(path) = variant.template.fill(&ids.keys, spelling) else {
            continue;
        };
        lanes.push(LaneRoute {
            request: Address {
                variant: Arc::clone(variant),
                keys: ids.keys.clone(),
            },
            keys: KeyPlan::Fixed(ids.keys.clone()),
            url: format!("{}{path}", target.base_url),
            state_url: exec.state_url(&state),
            state,
        });
    }
    lanes
}

/// A generated valid input as the suite judges it (its body aside).
fn sample_case() -> Case {
    synthetic_case(VALID_BODY, VALID_BODY.clause(), "{}")
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
                    // Other sides have written this entity since: read it afresh.
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
    let route = &shared.lanes[lane.index];
    let exec = Executor {
        client: &shared.client,
        target: &shared.target,
        tokens: &shared.tokens,
    };
    let judge = Judge {
        model: &shared.pack.model,
        entity_schema: &shared.schemas.entity,
        error_schema: &shared.schemas.error,
        strict: false,
        success: shared.pack.meta.success,
        allow_204: false,
    };
    let case = synthetic_case(VALID_BODY, VALID_BODY.clause(), body);
    let how = Route {
        request: (&route.request, &route.keys),
        state: &route.state,
        watch: None,
    };
    let bad = Tally {
        bad: 1,
        ..Tally::default()
    };
    match handle.block_on(exec.run(&case, how, lane.before.take(), Reads::Full)) {
        Err(a) => {
            lane.problem.get_or_insert(a.message);
            bad
        }
        Ok(t) => {
            let checks = judge.judge(&case, &t);
            let (outcome, message) = conclude(&checks);
            let exchanges = t.exchanges.len() as u64;
            record(lane, outcome, message, &checks);
            lane.before = next_state(&t);
            if matches!(outcome, Outcome::Passed | Outcome::Warned) {
                Tally {
                    ok: exchanges,
                    ..Tally::default()
                }
            } else {
                bad
            }
        }
    }
}

/// As the generated trials record an input: a passing one as a count, a failing one with its
/// checks and message.
fn record(lane: &mut Lane, outcome: Outcome, message: String, checks: &[Check]) {
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

/// The same requests as a checked run (a state read first when it has none), plain reqwest.
async fn raw_once(shared: &Shared, lane: &mut Lane) -> Tally {
    let (i, _) = next_body(shared, lane);
    let route = &shared.lanes[lane.index];
    let mut tally = Tally::default();
    let get = |url: &str| {
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
        count(&mut tally, 200, get(&route.state_url).send().await).await;
        lane.before = Some(State::new());
    }
    let patch = shared
        .raw
        .patch(&route.url)
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            CLIENT_REQUEST_ID,
            HeaderValue::from_static(FIXED_REQUEST_ID),
        )
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(AUTHORIZATION, shared.auth.clone())
        .body(shared.raw_bodies[i].clone());
    let success = shared.pack.meta.success.status;
    count(&mut tally, success, patch.send().await).await;
    count(&mut tally, 200, get(&route.url).send().await).await;
    tally
}

async fn count(tally: &mut Tally, expected: u16, sent: reqwest::Result<reqwest::Response>) {
    let ok = match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            resp.bytes().await.is_ok() && status == expected
        }
        Err(_) => false,
    };
    tally.count(ok);
}

/// The same requests through the harness's client (attempts recorded, secrets redacted).
async fn client_once(shared: &Shared, lane: &mut Lane) -> Tally {
    let (_, body) = next_body(shared, lane);
    let route = &shared.lanes[lane.index];
    let outgoing = |method: Method, url: &str, body: Option<&str>| {
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
            url: url.to_owned(),
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
        let read = outgoing(Method::GET, &route.state_url, None);
        let sent = shared.client.send(&read).await;
        tally.count(sent.result.is_ok_and(|r| r.status == 200));
        lane.before = Some(State::new());
    }
    let success = shared.pack.meta.success.status;
    let patch = outgoing(Method::PATCH, &route.url, Some(body));
    let sent = shared.client.send(&patch).await;
    tally.count(sent.result.is_ok_and(|r| r.status == success));
    let read_back = outgoing(Method::GET, &route.url, None);
    let sent = shared.client.send(&read_back).await;
    tally.count(sent.result.is_ok_and(|r| r.status == 200));
    tally
}

/// Plain reqwest from one async task per lane: what the same requests cost without a thread
/// blocking on the runtime for each.
fn tasks(shared: &Arc<Shared>, duration: Duration, rt: &tokio::runtime::Runtime) -> Tally {
    let started = Instant::now();
    let deadline = started + duration;
    rt.block_on(async {
        let workers: Vec<_> = (0..shared.lanes.len())
            .map(|index| {
                let shared = Arc::clone(shared);
                tokio::spawn(async move {
                    let mut lane = Lane {
                        index,
                        next_body: index,
                        before: Some(State::new()),
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
        Tally::joined(workers, started).await
    })
}
