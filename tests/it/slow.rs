//! Slow targets: a thread-per-connection mock (the shape of most teams' first mocks) and a
//! run spread over several entities per variant (`serve --entities`).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{self, run_against, serve, token, Served};

const PACK: &str = "user-overview-2017";

/// Without a cap on requests in flight, a run opened a connection for every 10 requests (a
/// burst over the pool's idle ones is closed after it), and against a listen queue of 5 the
/// new connections' SYNs were dropped until a request timed out.
#[test]
fn a_thread_per_connection_mock_answers_a_run_on_a_few_reused_connections() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &["--pack", PACK, "--thread-per-connection"]);
    // The default cases: a smaller run's connections are mostly its first ramp, not churn.
    let (out, report) = run_against(&served, PACK, &[], &dir.path().join("r"));
    let report = support::clean(&out, report);
    assert_eq!(out.status.code(), Some(0), "{}", support::text(&out));
    let s = &report.summary;
    assert!(s.most_in_flight > 0 && s.most_in_flight <= 128, "{s:?}");
    assert!(
        s.connections > 0 && s.connections * 30 <= s.requests,
        "{} connections for {} requests: the client does not reuse them",
        s.connections,
        s.requests
    );
}

/// The entities of each variant in an ids file, by the canonical key that reads them.
fn entities(served: &Served) -> Vec<(String, Vec<String>)> {
    let ids: Value = serde_json::from_slice(&std::fs::read(&served.ids).unwrap()).unwrap();
    ids["variants"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, list)| {
            let keys = list
                .as_array()
                .unwrap_or_else(|| panic!("{name}: a list of entities"))
                .iter()
                .map(|e| {
                    e["reads"]["deviceConfigurationId"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            (name.clone(), keys)
        })
        .collect()
}

/// Every entity's state, read through the canonical path.
fn states(served: &Served, keys: &[String]) -> Vec<Value> {
    let bearer = format!("Bearer {}", token(PACK, false));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    keys.iter()
        .map(|k| {
            let url = format!(
                "{}/deviceManagement/deviceConfigurations/{k}/userStatusOverview",
                served.url
            );
            rt.block_on(async {
                let r = client
                    .get(&url)
                    .header("authorization", &bearer)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "GET {url}");
                let mut v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
                v.as_object_mut().unwrap().remove("@odata.context");
                v
            })
        })
        .collect()
}

#[test]
fn a_run_over_four_entities_per_variant_writes_each_and_restores_each() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &["--pack", PACK, "--entities", "4"]);
    let by_variant = entities(&served);
    assert_eq!(by_variant.len(), 8);
    assert!(by_variant.iter().all(|(_, keys)| keys.len() == 4));
    let keys: Vec<String> = by_variant
        .iter()
        .flat_map(|(_, k)| k.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(keys.len(), 32, "each entity its own");
    let fixtures = states(&served, &keys);

    // Without restoring, what the run left shows that every entity received accepted writes.
    let (out, report) = run_against(
        &served,
        PACK,
        &["--cases", "16", "--no-restore"],
        &dir.path().join("a"),
    );
    support::clean(&out, report);
    assert_eq!(out.status.code(), Some(0), "{}", support::text(&out));
    let left = states(&served, &keys);
    for ((key, before), after) in keys.iter().zip(&fixtures).zip(&left) {
        assert_ne!(before, after, "entity {key} received no accepted write");
    }

    // With restoring (the default against a target), each is written back to how it started.
    let (out, report) = run_against(&served, PACK, &["--cases", "16"], &dir.path().join("b"));
    let report = support::clean(&out, report);
    assert_eq!(out.status.code(), Some(0), "{}", support::text(&out));
    assert_eq!(
        states(&served, &keys),
        left,
        "every entity is as the run found it"
    );
    let restored: BTreeSet<&str> = report
        .restored
        .iter()
        .filter(|r| r.status == "restored")
        .map(|r| r.url.as_str())
        .collect();
    for key in &keys {
        assert!(
            restored.iter().any(|u| u.contains(key.as_str())),
            "{key} is not among the restored: {restored:?}"
        );
    }
}
