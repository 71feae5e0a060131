//! Every trial judged on its own (issue 27): three loopback services written the way a team
//! writes its first mock, none of them a variant of the reference service. One merges whatever
//! it is sent and keeps numbers as floats (so `1e400` becomes `Infinity`, which it then answers
//! as invalid JSON); one serves every variant but forgot one listed path; one is shaped like a
//! generic REST mock server (it keeps every member any body carried, an array body's items as
//! members "0", "1", …, and once it holds a value nested deeper than its serializer can write,
//! answers 500 to every request on that entity, the write that replaces the value included,
//! though that write takes effect). Against each the run ends with a verdict on clauses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use graph_conformance::outcome::{Outcome, Report};
use serde_json::Value;

use crate::support::{bin, read_report, serve, text, with_tokens, Served};

/// How deep a value this store's serializer can write (a generic mock's JSON writer recursing
/// per level overflows its stack somewhere; the exact depth does not matter).
const SERIALIZER_DEPTH: usize = 64;

/// One stored member: a number kept as a float (what a JavaScript or Python mock does), any
/// other JSON value, or a value nested deeper than the serializer writes.
#[derive(Clone)]
enum Member {
    Float(f64),
    Json(Value),
    TooDeep,
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    /// Merges whatever value an object body gives the entity's own members (numbers become
    /// floats; a member it does not know is dropped); only the direct path.
    FloatsDirectOnly,
    /// Merges the members of an object body; every listed path but one.
    ForgotOnePath,
    /// Keeps every member of any body for good (an array's items as "0", "1", …), and answers
    /// 500 while it holds a value its serializer cannot write.
    GenericRest,
}

struct Store {
    style: Style,
    /// Normalised path (after the version segment) → the id of the overview it reaches.
    routes: BTreeMap<String, String>,
    entities: Mutex<BTreeMap<String, Vec<(String, Member)>>>,
}

/// A naive mock on loopback, with the ids file the harness needs for it; stopped when dropped.
struct Naive {
    url: String,
    ids: PathBuf,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn start(pack: &str, style: Style, forgotten: Option<&str>, dir: &Path) -> Naive {
    // The reference service only writes the ids file, as `serve --ids-out` documents; the
    // mock uses those keys, the way a team copies them into its fixtures.
    let reference: Served = serve(dir, &["--pack", pack]);
    let ids = dir.join("mock-ids.json");
    std::fs::copy(&reference.ids, &ids).unwrap();
    drop(reference);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&ids).unwrap()).unwrap();
    let pack_json: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("cases/{pack}/pack.json")),
        )
        .unwrap(),
    )
    .unwrap();
    let mut routes = BTreeMap::new();
    let mut entities = BTreeMap::new();
    for v in pack_json["variants"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let ids = &file["variants"][name];
        let mut reads: Vec<&Value> = vec![&ids["reads"]];
        reads.extend(
            ids["probes"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(_, p)| &p["reads"]),
        );
        for r in reads {
            let id = r["deviceConfigurationId"].as_str().unwrap().to_owned();
            entities.insert(id.clone(), seed(pack, &id));
            routes.insert(
                normalise(&format!(
                    "/deviceManagement/deviceConfigurations/{id}/userStatusOverview"
                )),
                id,
            );
        }
        if style == Style::FloatsDirectOnly || Some(name) == forgotten {
            continue;
        }
        let mut path = v["template"].as_str().unwrap().to_owned();
        for (k, value) in ids["keys"].as_object().unwrap() {
            path = path.replace(&format!("{{{k}}}"), value.as_str().unwrap());
        }
        let reached = ids["reads"]["deviceConfigurationId"]
            .as_str()
            .unwrap()
            .to_owned();
        routes.insert(normalise(&path), reached);
    }
    let store = Arc::new(Store {
        style,
        routes,
        entities: Mutex::new(entities),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new().fallback(handle).with_state(store);
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
    });
    let addr = rx.recv().unwrap();
    Naive {
        url: format!("http://{addr}/beta"),
        ids,
        _stop: stop,
    }
}

/// The page's example, as a team pastes it into its fixtures.
fn seed(pack: &str, id: &str) -> Vec<(String, Member)> {
    let (ints, time): (&[&str], &str) = if pack == "user-overview-2021" {
        (
            &[
                "pendingCount",
                "notApplicableCount",
                "successCount",
                "errorCount",
                "failedCount",
                "conflictCount",
                "configurationVersion",
            ],
            "lastUpdateDateTime",
        )
    } else {
        (
            &[
                "numberOfPendingUsers",
                "numberOfSucceededUsers",
                "numberOfErrorUsers",
                "numberOfFailedUsers",
                "policyRevision",
            ],
            "lastUpdateTime",
        )
    };
    let mut m = vec![
        (
            "@odata.type".to_owned(),
            Member::Json("#microsoft.graph.deviceConfigurationUserOverview".into()),
        ),
        ("id".to_owned(), Member::Json(id.into())),
    ];
    m.extend(ints.iter().map(|p| ((*p).to_owned(), Member::Float(7.0))));
    m.push((
        time.to_owned(),
        Member::Json("2017-01-01T17:59:51.9492018-08:00".into()),
    ));
    m
}

fn normalise(path: &str) -> String {
    let path = path.strip_prefix("/beta").unwrap_or(path);
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

async fn handle(
    State(store): State<Arc<Store>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let Some(id) = store.routes.get(&normalise(uri.path())).cloned() else {
        return (StatusCode::NOT_FOUND, "{}").into_response();
    };
    let mut entities = store.entities.lock().unwrap();
    let entity = entities.get_mut(&id).unwrap();
    let was_deep = entity.iter().any(|(_, m)| matches!(m, Member::TooDeep));
    if method == Method::PATCH {
        match members_of(store.style, &body) {
            Some(members) => merge(store.style, entity, members),
            None => return (StatusCode::BAD_REQUEST, "Bad JSON").into_response(),
        }
    } else if method != Method::GET {
        return (StatusCode::NOT_FOUND, "{}").into_response();
    }
    let deep = entity.iter().any(|(_, m)| matches!(m, Member::TooDeep));
    if was_deep || deep {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "RangeError: Maximum call stack size exceeded",
        )
            .into_response();
    }
    ([("content-type", "application/json")], render(entity)).into_response()
}

/// What a body adds, as this mock reads it; `None` when it cannot read the body at all.
fn members_of(style: Style, body: &[u8]) -> Option<Vec<(String, Member)>> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        // The generic server's reader takes any depth; only its writer cannot.
        Err(e) if style == Style::GenericRest && e.to_string().contains("recursion limit") => {
            let text = String::from_utf8_lossy(body);
            let key = text.split('"').nth(1)?.to_owned();
            return Some(vec![(key, Member::TooDeep)]);
        }
        Err(_) => return None,
    };
    let member = |v: Value| match (&v, style) {
        (Value::Number(n), Style::FloatsDirectOnly) => {
            Member::Float(n.to_string().parse().unwrap_or(f64::NAN))
        }
        _ if depth(&v) > SERIALIZER_DEPTH => Member::TooDeep,
        _ => Member::Json(v),
    };
    Some(match value {
        Value::Object(m) => m.into_iter().map(|(k, v)| (k, member(v))).collect(),
        Value::Array(items) if style == Style::GenericRest => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), member(v)))
            .collect(),
        _ => Vec::new(),
    })
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn merge(style: Style, entity: &mut Vec<(String, Member)>, members: Vec<(String, Member)>) {
    for (k, m) in members {
        match entity.iter_mut().find(|(name, _)| *name == k) {
            Some(slot) => slot.1 = m,
            None if style != Style::FloatsDirectOnly => entity.push((k, m)),
            None => {}
        }
    }
}

/// The entity as this mock writes it: floats the way Python's `json.dumps` does (`Infinity`).
fn render(entity: &[(String, Member)]) -> String {
    let members: Vec<String> = entity
        .iter()
        .map(|(k, m)| {
            let v = match m {
                Member::Float(f) if f.is_infinite() => {
                    if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
                }
                Member::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                Member::Float(f) => format!("{f}"),
                Member::Json(v) => v.to_string(),
                Member::TooDeep => "null".to_owned(),
            };
            format!("{}:{v}", Value::from(k.as_str()))
        })
        .collect();
    format!("{{{}}}", members.join(","))
}

/// The run against `mock`: its output, its report, and the assertions every naive mock shares.
fn judged(mock: &Naive, pack: &str, args: &[&str], dir: &Path, code: i32) -> (String, Report) {
    let mut cmd = bin(&["--pack", pack, "--target", &mock.url, "--ids"]);
    cmd.arg(&mock.ids)
        .args(["--timeout", "20", "--color", "never", "-q"])
        .args(args)
        .arg("--report-dir")
        .arg(dir.join("r"));
    let out = with_tokens(&mut cmd, pack)
        .output()
        .expect("the binary runs");
    let t = text(&out);
    let report = read_report(&dir.join("r")).unwrap_or_else(|| panic!("a report\n{t}"));
    assert_eq!(out.status.code(), Some(code), "{t}");
    let json = std::fs::read_to_string(dir.join("r/report.json")).unwrap();
    assert!(
        !t.to_lowercase().contains("unusable") && !json.to_lowercase().contains("unusable"),
        "never unusable: {t}"
    );
    let errors: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Error)
        .map(|r| format!("{}: {}", r.name, r.message))
        .collect();
    assert!(errors.is_empty(), "no trial ends in error: {errors:#?}");
    assert!(
        (report.findings.len() as u64) < report.summary.failed,
        "fewer findings ({}) than failed trials ({}): {t}",
        report.findings.len(),
        report.summary.failed
    );
    for f in &report.findings {
        let cited = f.clause.strip_prefix('C').and_then(|c| c.split_once('.'));
        assert!(
            cited.is_some_and(|(a, b)| a.parse::<u8>().is_ok() && b.parse::<u8>().is_ok()),
            "{f:?}"
        );
    }
    assert!(
        t.contains("findings ("),
        "the terminal ends with the findings: {t}"
    );
    eprintln!(
        "NAIVE-OUTPUT {pack}\n{}",
        &t[t.find("findings (").unwrap()..]
    );
    (t, report)
}

#[test]
fn a_mock_that_stores_infinity_is_judged_trial_by_trial() {
    let dir = tempfile::tempdir().unwrap();
    let mock = start(
        "user-overview-2021",
        Style::FloatsDirectOnly,
        None,
        dir.path(),
    );
    let (t, report) = judged(
        &mock,
        "user-overview-2021",
        &["--cases", "8"],
        dir.path(),
        1,
    );
    let direct: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.variant == "direct")
        .collect();
    let skipped: Vec<_> = direct
        .iter()
        .filter(|r| r.outcome == Outcome::Skipped)
        .collect();
    assert!(
        skipped.iter().all(|r| r.message.contains("GRAPH_TOKEN")),
        "the direct variant's trials all run (only optional tokens skip): {:?}\n{t}",
        skipped.iter().map(|r| &r.message).collect::<Vec<_>>()
    );
}

#[test]
fn a_mock_that_forgot_one_listed_path_fails_c1_1_there_and_is_judged_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let forgotten = "macos-scep-root-certificate";
    let mock = start(
        "user-overview-2017",
        Style::ForgotOnePath,
        Some(forgotten),
        dir.path(),
    );
    let (t, report) = judged(
        &mock,
        "user-overview-2017",
        &["--cases", "8"],
        dir.path(),
        1,
    );
    let c11 = report
        .findings
        .iter()
        .find(|f| f.clause == "C1.1" && f.variants == [forgotten])
        .unwrap_or_else(|| panic!("a C1.1 finding of the forgotten path alone: {t}"));
    assert!(c11.title.contains("404"), "{c11:?}");
    for v in report.results.iter().filter(|r| r.variant != forgotten) {
        assert!(
            v.outcome != Outcome::Skipped || v.message.contains("GRAPH_TOKEN"),
            "every other variant judged: {} {}",
            v.name,
            v.message
        );
    }
}

#[test]
fn a_generic_rest_mock_keeps_members_and_later_trials_are_judged_against_its_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let mock = start("user-overview-2017", Style::GenericRest, None, dir.path());
    // The C6.2 case that nests an unknown member 10 000 deep would leave this store unreadable
    // for good (a merge never drops a member): that is quarantine, tested below on its own.
    let (t, report) = judged(
        &mock,
        "user-overview-2017",
        &["--cases", "8", "--skip", "pathological-nested-objects"],
        dir.path(),
        1,
    );
    // The trials that left `bogus` behind are named by the finding that says so, each one a
    // trial that sent it.
    let kept = report
        .findings
        .iter()
        .find(|f| f.title.contains("bogus"))
        .unwrap_or_else(|| panic!("a finding for the stored member: {t}"));
    for name in &kept.trials {
        let r = report.results.iter().find(|r| &r.name == name).unwrap();
        assert!(
            r.exchanges.iter().any(|e| e
                .request
                .body
                .as_deref()
                .is_some_and(|b| b.contains("\"bogus\""))),
            "{name} sent it: {kept:?}"
        );
    }
    assert!(kept.title.contains("baseline"), "{kept:?}");
    let blamed: Vec<_> = report
        .results
        .iter()
        .flat_map(|r| r.checks.iter().map(move |c| (r, c)))
        .filter(|(_, c)| {
            c.clause == "C4.3" && c.outcome == Outcome::Failed && c.message.contains("bogus")
        })
        .map(|(r, _)| r.name.clone())
        .collect();
    assert!(
        blamed.is_empty(),
        "no later trial fails C4.3 for it: {blamed:?}"
    );
    assert!(
        report
            .results
            .iter()
            .all(|r| r.outcome != Outcome::Skipped || r.message.contains("GRAPH_TOKEN")),
        "nothing quarantined: {t}"
    );
}

#[test]
fn an_entity_that_can_no_longer_be_read_is_quarantined_naming_the_trial_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mock = start("user-overview-2017", Style::GenericRest, None, dir.path());
    // An unknown member nested 10 000 deep: this store keeps it for good and answers 500 from
    // then on, so nothing brings the entity back.
    let (t, report) = judged(
        &mock,
        "user-overview-2017",
        &["--cases", "4"],
        dir.path(),
        // A failed MUST clause is exit 1, but these entities cannot be written back at the end
        // either: a target left holding the run's writes outranks any verdict.
        2,
    );
    assert!(t.contains("could not be restored"), "{t}");
    let cause = |v: &str| format!("{v}::C6.2::pathological-nested-objects");
    for r in &report.results {
        if r.outcome == Outcome::Skipped && !r.message.contains("GRAPH_TOKEN") {
            assert!(
                r.message.contains("quarantined") && r.message.contains(&cause(&r.variant)),
                "{}: {}",
                r.name,
                r.message
            );
        }
    }
    for v in ["direct", "root-certificate", "ios-scep-root-certificate"] {
        let caused = report.results.iter().find(|r| r.name == cause(v)).unwrap();
        assert_eq!(caused.outcome, Outcome::Failed, "{t}");
        assert!(
            caused
                .checks
                .iter()
                .any(|c| c.clause == "C6.2" && c.message.contains("500")),
            "{caused:?}"
        );
    }
    assert!(
        report
            .results
            .iter()
            .any(|r| r.message.contains("quarantined")),
        "the entities were quarantined: {t}"
    );
}
