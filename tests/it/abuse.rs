//! The service under abuse (issue 7): arbitrary bytes and arbitrary JSON on the request path
//! never give a 5xx or a panic, and a refusal changes nothing; many concurrent clients mixing
//! valid and invalid PATCHes leave well-formed answers and no lost update.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use graph_conformance::jwt;
use graph_conformance::pack::{Pack, Selection};
use graph_conformance::service::{self, ServiceOptions};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

/// The seed pack's write scope.
const READ_WRITE_ALL: &str = "DeviceManagementConfiguration.ReadWrite.All";

fn pack() -> Arc<Pack> {
    Arc::new(Pack::load(&Selection::default()).unwrap())
}

struct Target {
    rt: tokio::runtime::Runtime,
    _service: service::RunningService,
    client: reqwest::Client,
    url: String,
    token: String,
}

fn target() -> Target {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let svc = rt
        .block_on(service::start(pack(), ServiceOptions::default(), 0))
        .unwrap();
    let direct = &svc.ids.variants["direct"];
    let url = format!(
        "{}/deviceManagement/deviceConfigurations/{}/userStatusOverview/",
        svc.base_url, direct.keys["deviceConfigurationId"]
    );
    Target {
        rt,
        _service: svc,
        client: reqwest::Client::new(),
        url,
        token: jwt::mint(&[READ_WRITE_ALL], 3600),
    }
}

impl Target {
    async fn patch(&self, body: Vec<u8>) -> (u16, Option<String>, Vec<u8>) {
        let resp = self
            .client
            .patch(&self.url)
            .bearer_auth(&self.token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the service answers");
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, ct, resp.bytes().await.unwrap().to_vec())
    }

    async fn state(&self) -> Value {
        let resp = self
            .client
            .get(&self.url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
    }
}

/// Arbitrary JSON values, some of them objects holding the entity's own property names.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let names = prop_oneof![
            Just("numberOfPendingUsers".to_owned()),
            Just("lastUpdateTime".to_owned()),
            Just("id".to_owned()),
            Just("@odata.type".to_owned()),
            "[a-zA-Z@.]{1,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(names, inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn check_answer(t: &Target, body: Vec<u8>, before: &Value) -> Result<(), TestCaseError> {
    let (status, ct, answer) = t.rt.block_on(t.patch(body));
    prop_assert!(
        status < 500,
        "a 5xx: {status} {}",
        String::from_utf8_lossy(&answer)
    );
    prop_assert!(
        ct.as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "content type {ct:?}"
    );
    let parsed: Value = serde_json::from_slice(&answer)
        .map_err(|e| TestCaseError::fail(format!("answer is not JSON: {e}")))?;
    if status >= 400 {
        prop_assert!(parsed["error"]["code"]
            .as_str()
            .is_some_and(|c| !c.is_empty()));
        let after = t.rt.block_on(t.state());
        prop_assert_eq!(&after, before, "a refused body changed the state");
    }
    Ok(())
}

#[test]
fn arbitrary_bytes_and_json_never_give_a_5xx_and_refusals_change_nothing() {
    let t = target();
    let before = t.rt.block_on(t.state());
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..256), |bytes| {
            check_answer(&t, bytes, &before)
        })
        .unwrap();
    // Arbitrary JSON may be a valid patch; then the state moves on, so re-read it each time.
    runner
        .run(&json_value(), |v| {
            let before = t.rt.block_on(t.state());
            check_answer(&t, v.to_string().into_bytes(), &before)
        })
        .unwrap();
}

/// 64 clients for 10 s on one overview: each owns one value range; valid PATCHes of
/// one property alternate with invalid ones. Every answer is well formed, and at the end each
/// property holds the last value some client wrote to it (no lost update, no torn write).
#[test]
fn sixty_four_concurrent_clients_lose_no_update() {
    let t = Arc::new(target());
    let props = [
        "numberOfPendingUsers",
        "numberOfSucceededUsers",
        "numberOfErrorUsers",
        "numberOfFailedUsers",
        "policyRevision",
    ];
    let accepted = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(10);
    let last_written: Vec<Arc<std::sync::Mutex<Vec<i64>>>> =
        props.iter().map(|_| Default::default()).collect();
    let handles: Vec<_> = (0..64)
        .map(|client| {
            let (t2, accepted, refused) =
                (Arc::clone(&t), Arc::clone(&accepted), Arc::clone(&refused));
            let written = Arc::clone(&last_written[client % props.len()]);
            let prop = props[client % props.len()];
            t.rt.spawn(async move {
                let mut n = 0i64;
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    n += 1;
                    let value = client as i64 * 1_000_000 + n;
                    let body = if n % 3 == 0 {
                        format!("{{\"{prop}\": {value}, \"bogus\": 1}}")
                    } else {
                        format!("{{\"{prop}\": {value}}}")
                    };
                    let (status, _, answer) = t2.patch(body.into_bytes()).await;
                    let parsed: Value =
                        serde_json::from_slice(&answer).expect("every answer is JSON");
                    match status {
                        200 => {
                            assert_eq!(parsed[prop], value, "the answer echoes the value");
                            accepted.fetch_add(1, Ordering::Relaxed);
                            mine.push(value);
                        }
                        400 => {
                            assert!(parsed["error"]["code"].is_string());
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                        other => panic!("unexpected status {other}"),
                    }
                }
                written.lock().unwrap().extend(mine.last().copied());
            })
        })
        .collect();
    for h in handles {
        t.rt.block_on(h).unwrap();
    }
    let state = t.rt.block_on(t.state());
    for (prop, written) in props.iter().zip(&last_written) {
        let finals = written.lock().unwrap();
        let got = state[*prop].as_i64().unwrap();
        assert!(
            finals.contains(&got),
            "{prop} = {got}, not the last value any client wrote ({finals:?})"
        );
        assert!(got % 1_000_000 != 0 || got == 0);
    }
    let (a, r) = (
        accepted.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
    );
    assert!(a > 100 && r > 50, "the load ran: {a} accepted, {r} refused");
    eprintln!("concurrent writes checked: {a} accepted, {r} refused, 0 lost");
}
