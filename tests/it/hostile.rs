//! The harness against hostile targets (issue 7): the real binary, run as a subprocess, against
//! servers on loopback that hang, drip, flood, reset, speak garbage, redirect to another host,
//! speak TLS with certificates it must verify, or echo the token back; a real SIGINT / SIGTERM in
//! the middle of a run; and every byte of every output searched for the token.
//!
//! Each run is kept to a few seconds with `--timeout 1`, `--cases 2` and a filter. Every run
//! is also bounded here: a harness that hangs fails its test instead of hanging `cargo test`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream as StdStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BIN: &str = env!("CARGO_BIN_EXE_graph-conformance");
const DIRECT_ID: &str = "dc010000-0000-4000-8000-000000000000";
/// Known secrets. Not shaped like a JWT, so the report writers' JWT scrubbing cannot hide them:
/// only the harness's own redaction can.
const TOKEN: &str = "hostile-test-token-7f3a9c1e5b20d48a";
const TOKEN_NO_SCOPE: &str = "hostile-noscope-token-0c6e2a9d71f3b58e";
/// How long any one harness run may take before the test calls it a hang.
const RUN_LIMIT: Duration = Duration::from_secs(40);
/// One trial that PATCHes and expects 200 with the entity.
const ONE_PATCH: &str = "direct::C4.1::valid-patch-answers-200";

// ---------------------------------------------------------------------------------------------
// Hostile servers.

/// A request as the hostile server read it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    /// Names lower-cased.
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The harness's own state reads: a GET of the direct path, normalised.
    fn is_state_read(&self) -> bool {
        self.method == "GET" && self.path.ends_with("/userStatusOverview")
    }
}

/// What a hostile server does with a request.
enum Reply {
    /// A complete answer; the connection closes after it.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Reads the request and never answers.
    Hang,
    /// A complete answer, one byte a second.
    Drip(Vec<u8>),
    /// `total` bytes of filler after a 200 head, with or without a Content-Length.
    Flood { declared: bool, total: usize },
    /// A head promising 500 bytes, 40 of them, then a TCP reset.
    ResetMidBody,
    /// A status line, then header lines forever.
    EndlessHeaders,
    /// These bytes as they are, then close.
    Raw(Vec<u8>),
}

type Behaviour = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn base_url(&self) -> String {
        format!("http://{}/beta", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Serves `behaviour` on `bind` (an `ip:port`) until the runtime is dropped.
fn serve(
    rt: &tokio::runtime::Runtime,
    bind: &str,
    behaviour: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> Server {
    let listener = rt.block_on(TcpListener::bind(bind)).unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let behaviour: Behaviour = Arc::new(behaviour);
    let log = Arc::clone(&seen);
    rt.spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let behaviour = Arc::clone(&behaviour);
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut sock = sock;
                let Some(req) = read_request(&mut sock).await else {
                    return;
                };
                log.lock().unwrap().push(req.clone());
                let reply = behaviour(&req);
                let _ = respond(sock, reply).await;
            });
        }
    });
    Server { addr, seen }
}

async fn read_request(sock: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let method = start.next()?.to_owned();
    let path = start.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut have = buf.len() - (head_end + 4);
    while have < length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        have += n;
    }
    Some(Seen {
        method,
        path,
        headers,
    })
}

async fn respond(mut sock: TcpStream, reply: Reply) -> std::io::Result<()> {
    match reply {
        Reply::Answer {
            status,
            headers,
            body,
        } => {
            sock.write_all(&answer_bytes(status, &headers, &body))
                .await?;
            sock.shutdown().await
        }
        Reply::Hang => {
            // Hold the connection until the client gives up on it.
            let mut buf = [0u8; 1024];
            while sock.read(&mut buf).await? > 0 {}
            Ok(())
        }
        Reply::Drip(bytes) => {
            for b in bytes {
                sock.write_all(&[b]).await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(())
        }
        Reply::Flood { declared, total } => {
            let mut head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".to_owned();
            if declared {
                head.push_str(&format!("Content-Length: {total}\r\n"));
            }
            head.push_str("Connection: close\r\n\r\n");
            sock.write_all(head.as_bytes()).await?;
            let filler = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < total {
                let n = filler.len().min(total - sent);
                sock.write_all(&filler[..n]).await?;
                sent += n;
            }
            Ok(())
        }
        Reply::ResetMidBody => {
            sock.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"numberOfPendingUsers\": 4, \"numberOfSu",
            )
            .await?;
            sock.flush().await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            sock.set_zero_linger()?;
            drop(sock);
            Ok(())
        }
        Reply::EndlessHeaders => {
            sock.write_all(b"HTTP/1.1 200 OK\r\n").await?;
            let line = format!("X-Hostile: {}\r\n", "a".repeat(1000));
            for _ in 0..100_000 {
                sock.write_all(line.as_bytes()).await?;
            }
            Ok(())
        }
        Reply::Raw(bytes) => {
            sock.write_all(&bytes).await?;
            sock.shutdown().await
        }
    }
}

fn answer_bytes(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Hostile\r\n").into_bytes();
    for (n, v) in headers {
        out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

fn entity() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceConfigurationUserOverview",
        "id": DIRECT_ID,
        "numberOfPendingUsers": 4,
        "numberOfSucceededUsers": 6,
        "numberOfErrorUsers": 2,
        "numberOfFailedUsers": 3,
        "lastUpdateTime": "2017-01-01T00:02:03.0612494-08:00",
        "policyRevision": 14
    })
}

fn json_headers() -> Vec<(String, String)> {
    vec![
        ("Content-Type".into(), "application/json".into()),
        ("OData-Version".into(), "4.0".into()),
        (
            "request-id".into(),
            "00000000-0000-4000-8000-000000000001".into(),
        ),
    ]
}

fn json_answer(status: u16, body: &Value) -> Reply {
    Reply::Answer {
        status,
        headers: json_headers(),
        body: body.to_string().into_bytes(),
    }
}

/// Answers the harness's state reads with a well-formed overview (so the run gets past its
/// preflight), and everything else with `other`.
fn state_reads_then(
    other: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |req: &Seen| {
        if req.is_state_read() {
            json_answer(200, &entity())
        } else {
            other(req)
        }
    }
}

/// Answers writes with `write`; once one has arrived, state reads show the overview changed, so
/// the restore has to write it back.
fn changed_once_written(
    write: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    let written = AtomicBool::new(false);
    move |req: &Seen| {
        if !req.is_state_read() {
            written.store(true, Ordering::SeqCst);
            return write(req);
        }
        let mut state = entity();
        if written.load(Ordering::SeqCst) {
            state["numberOfPendingUsers"] = json!(5);
        }
        json_answer(200, &state)
    }
}

// ---------------------------------------------------------------------------------------------
// Running the harness.

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    report_dir: PathBuf,
}

impl Run {
    fn text(&self) -> String {
        format!(
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }

    /// report.json, which every run that got as far as the target must write.
    fn report(&self) -> Value {
        let path = self.report_dir.join("report.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no {}: {e}\n{}", path.display(), self.text()));
        serde_json::from_str(&text).unwrap()
    }

    fn results(&self) -> Vec<Value> {
        self.report()["results"].as_array().unwrap().clone()
    }

    /// Never a panic, never 101.
    fn assert_clean(&self) {
        assert_ne!(self.code, Some(101), "{}", self.text());
        assert!(self.code.is_some(), "killed by a signal: {}", self.text());
        assert!(!self.stderr.contains("panicked"), "{}", self.text());
        assert!(!self.stdout.contains("panicked"), "{}", self.text());
    }

    fn assert_code(&self, code: i32) {
        self.assert_clean();
        assert_eq!(self.code, Some(code), "{}", self.text());
    }
}

/// A scratch folder: the harness's working directory, its ids file and its report directory.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ids = json!({"variants": {"direct": {
            "deviceConfigurationId": DIRECT_ID, "overviewOf": DIRECT_ID}}});
        std::fs::write(dir.path().join("ids.json"), ids.to_string()).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn ids(&self) -> PathBuf {
        self.path().join("ids.json")
    }

    fn report_dir(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }
}

/// The binary, with no proxy from the environment: every request here goes to loopback.
fn bin() -> Command {
    let mut cmd = Command::new(BIN);
    for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        cmd.env_remove(var).env_remove(var.to_ascii_lowercase());
    }
    cmd
}

/// The harness command against `target`, with the test's known token in its environment.
fn base(work: &Work, name: &str, target: &str) -> Command {
    let mut cmd = bin();
    cmd.current_dir(work.path())
        .env_remove("GRAPH_TOKEN_NO_SCOPE")
        .env("GRAPH_TOKEN", TOKEN)
        .arg("--target")
        .arg(target)
        .arg("--ids")
        .arg(work.ids())
        .arg("--report-dir")
        .arg(work.report_dir(name))
        .args(["--color", "never"]);
    cmd
}

/// [`base`], kept short: a 1 s timeout and 2 generated inputs per strategy.
fn harness(work: &Work, name: &str, target: &str, args: &[&str]) -> Command {
    let mut cmd = base(work, name, target);
    cmd.args(["--timeout", "1", "--cases", "2"]).args(args);
    cmd
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits until `server` has seen `n` requests that `pick` selects.
fn wait_for(server: &Server, n: usize, pick: impl Fn(&Seen) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.seen().iter().filter(|s| pick(s)).count() < n {
        assert!(Instant::now() < deadline, "only saw {:?}", server.seen());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `cmd` to its end, within [`RUN_LIMIT`].
fn run(work: &Work, name: &str, cmd: &mut Command) -> Run {
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    finish(child, started, work.report_dir(name))
}

fn finish(mut child: Child, started: Instant, report_dir: PathBuf) -> Run {
    let err = child.stderr.take().unwrap();
    finish_reading(child, started, report_dir, Vec::new(), Box::new(err))
}

/// Reads the harness's stderr up to its banner, which it prints once its signal handlers are
/// set and its preflight is done; returns what it read and the rest of the stream.
fn wait_for_banner(child: &mut Child) -> (Vec<u8>, Box<dyn Read + Send>) {
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 || line.starts_with("graph-conformance ") {
            seen.extend_from_slice(line.as_bytes());
            return (seen, Box::new(err));
        }
        seen.extend_from_slice(line.as_bytes());
    }
}

/// [`finish`] for a child whose stderr was partly read already (`err_seen`, then `err`).
fn finish_reading(
    mut child: Child,
    started: Instant,
    report_dir: PathBuf,
    err_seen: Vec<u8>,
    mut err: Box<dyn Read + Send>,
) -> Run {
    let mut out = child.stdout.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = err_seen;
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
            let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
            panic!(
                "the harness hung for {RUN_LIMIT:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        elapsed: started.elapsed(),
        report_dir,
    }
}

fn outcome_of<'a>(results: &'a [Value], name: &str) -> &'a Value {
    results
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no result {name} in {results:#?}"))
}

/// Runs [`ONE_PATCH`] against a target whose state reads are fine and whose PATCH answer is
/// `reply`: the trial must end in `error` with a message containing `expect`, and the run exit 2.
fn one_patch_errors(
    name: &str,
    reply: impl Fn() -> Reply + Send + Sync + 'static,
    expect: &[&str],
) -> Run {
    let rt = runtime();
    let server = serve(&rt, "127.0.0.1:0", state_reads_then(move |_| reply()));
    let work = Work::new();
    let r = run(
        &work,
        name,
        &mut harness(&work, name, &server.base_url(), &["--exact", ONE_PATCH]),
    );
    r.assert_code(2);
    let results = r.results();
    let result = outcome_of(&results, ONE_PATCH);
    assert_eq!(result["outcome"], "error", "{}", r.text());
    let message = result["message"].as_str().unwrap();
    for e in expect {
        assert!(
            message.contains(e),
            "{e:?} not in {message:?}\n{}",
            r.text()
        );
    }
    assert!(
        r.elapsed < Duration::from_secs(15),
        "took {:?}: {}",
        r.elapsed,
        r.text()
    );
    r
}

// ---------------------------------------------------------------------------------------------
// Silence, slowness, floods, resets, garbage.

#[test]
fn a_silent_target_ends_the_run_after_one_timeout_with_exit_2_and_a_report() {
    let rt = runtime();
    let server = serve(&rt, "127.0.0.1:0", |_| Reply::Hang);
    let work = Work::new();
    let r = run(
        &work,
        "silent",
        &mut harness(&work, "silent", &server.base_url(), &["direct::C4"]),
    );
    r.assert_code(2);
    assert!(
        r.elapsed < Duration::from_secs(10),
        "took {:?}: {}",
        r.elapsed,
        r.text()
    );
    let named = format!("the target {} is unusable", server.base_url());
    assert!(r.stderr.contains(&named), "{}", r.text());
    assert!(
        r.stderr.contains("no complete answer within 1s"),
        "{}",
        r.text()
    );
    assert!(r.stderr.contains("raise --timeout"), "{}", r.text());
    // One request, the preflight's: no trial waited out a timeout of its own.
    assert_eq!(server.seen().len(), 1, "{:?}", server.seen());
    let results = r.results();
    assert!(!results.is_empty());
    for result in &results {
        assert_eq!(result["outcome"], "skipped", "{result}");
        let message = result["message"].as_str().unwrap();
        assert!(message.contains("the target is unusable"), "{message}");
    }
}

/// Issue 14: a target that never answers one kind of request (as Prism's mock never answers a
/// body that is not JSON) is not "unusable" while it answers the read it answered before the
/// run: the silent trials are errors with their own message, and the run goes on.
#[test]
fn a_target_silent_on_writes_but_answering_reads_is_not_given_up() {
    let rt = runtime();
    let server = serve(&rt, "127.0.0.1:0", state_reads_then(|_| Reply::Hang));
    let work = Work::new();
    let r = run(
        &work,
        "hangs",
        &mut harness(
            &work,
            "hangs",
            &server.base_url(),
            &["--max-consecutive-errors", "3", "direct::C4"],
        ),
    );
    r.assert_code(2);
    assert!(!r.stderr.contains("is unusable"), "{}", r.text());
    let results = r.results();
    assert!(results.len() >= 10, "{}", r.text());
    for result in &results {
        assert_eq!(result["outcome"], "error", "{result}");
        let message = result["message"].as_str().unwrap();
        assert!(
            message.contains("no complete answer within 1s"),
            "{message}"
        );
    }
    // Writing back hung too, but no write ever reached the overview, which reads back as it
    // was: reported, and not a failed restore.
    let restored = r.report()["restored"].clone();
    let status = restored[0]["status"].as_str().unwrap();
    assert!(
        status.starts_with("unchanged: writing it back failed"),
        "{restored}"
    );
}

/// A target that answered the preflight and then stops answering altogether is given up after
/// `--max-consecutive-errors` trials and one more try of the preflight's read.
#[test]
fn a_target_that_stops_answering_is_given_up_after_a_few_consecutive_errors() {
    let rt = runtime();
    let answered = AtomicBool::new(false);
    let server = serve(&rt, "127.0.0.1:0", move |_req: &Seen| {
        if answered.swap(true, Ordering::SeqCst) {
            Reply::Hang
        } else {
            json_answer(200, &entity())
        }
    });
    let work = Work::new();
    let r = run(
        &work,
        "stops",
        &mut harness(
            &work,
            "stops",
            &server.base_url(),
            &["--max-consecutive-errors", "3", "direct::C4"],
        ),
    );
    r.assert_code(2);
    let named = format!("the target {} is unusable", server.base_url());
    assert!(r.stderr.contains(&named), "{}", r.text());
    assert!(r.stderr.contains("3 trials in a row"), "{}", r.text());
    assert!(
        r.stderr.contains("no longer answers the read"),
        "{}",
        r.text()
    );
    let results = r.results();
    let errors = results.iter().filter(|r| r["outcome"] == "error").count();
    // Exactly the limit: trials waiting for the overview's lock are skipped once it is reached.
    assert_eq!(errors, 3, "{}", r.text());
    let skipped = results.iter().filter(|r| r["outcome"] == "skipped").count();
    assert!(skipped >= 5, "{}", r.text());
    // Three trials, the probe and the restore, each one timeout: not one per trial.
    assert!(
        r.elapsed < Duration::from_secs(15),
        "took {:?}: {}",
        r.elapsed,
        r.text()
    );
}

#[test]
fn a_port_with_nothing_listening_ends_the_run_at_once() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/beta");
    let work = Work::new();
    let r = run(
        &work,
        "closed",
        &mut harness(&work, "closed", &url, &["direct::"]),
    );
    r.assert_code(2);
    assert!(
        r.elapsed < Duration::from_secs(5),
        "took {:?}: {}",
        r.elapsed,
        r.text()
    );
    assert!(
        r.stderr.contains(&format!("the target {url} is unusable")),
        "{}",
        r.text()
    );
    assert!(r.stderr.contains("cannot connect"), "{}", r.text());
    assert!(
        r.stderr.contains("check that the target is running"),
        "{}",
        r.text()
    );
    assert!(r.results().iter().all(|r| r["outcome"] == "skipped"));
}

#[test]
fn a_drip_fed_answer_hits_the_timeout_in_the_preflight_and_in_a_trial() {
    // Every answer dripped, the preflight's too.
    let rt = runtime();
    let slow = serve(&rt, "127.0.0.1:0", |_| {
        Reply::Drip(answer_bytes(
            200,
            &json_headers(),
            entity().to_string().as_bytes(),
        ))
    });
    let work = Work::new();
    let r = run(
        &work,
        "drip",
        &mut harness(&work, "drip", &slow.base_url(), &["direct::C4"]),
    );
    r.assert_code(2);
    assert!(r.elapsed < Duration::from_secs(10), "{}", r.text());
    assert!(
        r.stderr.contains("no complete answer within 1s"),
        "{}",
        r.text()
    );
    r.report();

    // Only the PATCH dripped.
    one_patch_errors(
        "drip-patch",
        || {
            Reply::Drip(answer_bytes(
                200,
                &json_headers(),
                entity().to_string().as_bytes(),
            ))
        },
        &["did not complete", "no complete answer within 1s"],
    );
}

#[test]
fn a_hundred_megabyte_answer_hits_the_size_limit() {
    const HUNDRED_MB: usize = 100 * 1024 * 1024;
    // Declared up front, in the preflight.
    let rt = runtime();
    let flood = serve(&rt, "127.0.0.1:0", |_| Reply::Flood {
        declared: true,
        total: HUNDRED_MB,
    });
    let work = Work::new();
    let r = run(
        &work,
        "flood",
        &mut harness(&work, "flood", &flood.base_url(), &["direct::C4"]),
    );
    r.assert_code(2);
    assert!(
        r.stderr.contains("exceeds the 1048576 byte limit"),
        "{}",
        r.text()
    );
    assert!(
        r.stderr.contains("Content-Length 104857600"),
        "{}",
        r.text()
    );
    assert!(r.stderr.contains("--max-body"), "{}", r.text());
    r.report();

    // Streamed without a length, on the PATCH: cut off at the limit, not read to the end.
    let r = one_patch_errors(
        "flood-patch",
        || Reply::Flood {
            declared: false,
            total: HUNDRED_MB,
        },
        &["exceeds the 1048576 byte limit", "more than 1048576 bytes"],
    );
    assert!(r.elapsed < Duration::from_secs(10), "{}", r.text());

    // The limit is settable: a well-formed overview is more than 100 bytes.
    let fine = serve(&rt, "127.0.0.1:0", |_| json_answer(200, &entity()));
    let r = run(
        &work,
        "small-limit",
        &mut harness(
            &work,
            "small-limit",
            &fine.base_url(),
            &["--max-body", "100", "direct::C4"],
        ),
    );
    r.assert_code(2);
    assert!(
        r.stderr.contains("exceeds the 100 byte limit"),
        "{}",
        r.text()
    );
}

#[test]
fn a_connection_reset_mid_body_is_an_error() {
    one_patch_errors(
        "reset",
        || Reply::ResetMidBody,
        &["did not complete", "the answer broke off"],
    );
}

#[test]
fn answers_that_are_not_http_are_errors() {
    one_patch_errors(
        "garbage",
        || Reply::Raw(b"HELLO THERE\r\n\r\n\xff\xfe".to_vec()),
        &["did not complete"],
    );
    one_patch_errors("empty", || Reply::Raw(Vec::new()), &["did not complete"]);
    one_patch_errors(
        "endless-headers",
        || Reply::EndlessHeaders,
        &["did not complete"],
    );
}

#[test]
fn invalid_utf8_or_invalid_json_with_200_fails_its_clause() {
    let cases: [(&str, &str, Vec<u8>, &str, &str); 3] = [
        (
            "invalid-utf8",
            "application/json",
            b"\xff\xfe{\"numberOfPendingUsers\": \xc3\x28}".to_vec(),
            "direct::C4.3::answer-is-the-full-entity",
            "C4.3",
        ),
        (
            "invalid-json",
            "application/json",
            b"{\"numberOfPendingUsers\": 4,".to_vec(),
            "direct::C4.3::answer-is-the-full-entity",
            "C4.3",
        ),
        (
            "not-json-media-type",
            "text/html; charset=utf-8",
            entity().to_string().into_bytes(),
            "direct::C4.2::answer-is-json",
            "C4.2",
        ),
    ];
    let rt = runtime();
    let work = Work::new();
    for (name, content_type, body, trial, clause) in cases {
        let server = serve(
            &rt,
            "127.0.0.1:0",
            state_reads_then(move |_| Reply::Answer {
                status: 200,
                headers: vec![("Content-Type".into(), content_type.into())],
                body: body.clone(),
            }),
        );
        let r = run(
            &work,
            name,
            &mut harness(&work, name, &server.base_url(), &["--exact", trial]),
        );
        r.assert_code(1);
        let results = r.results();
        let result = outcome_of(&results, trial);
        assert_eq!(result["outcome"], "failed", "{name}: {}", r.text());
        let failed: Vec<&str> = result["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == "failed")
            .map(|c| c["clause"].as_str().unwrap())
            .collect();
        assert!(failed.contains(&clause), "{name}: {failed:?}\n{}", r.text());
        assert!(r.stdout.contains(clause), "{name}: {}", r.text());
    }

    // The preflight's state read answered with bytes that are not JSON: the run cannot be made.
    let server = serve(&rt, "127.0.0.1:0", |_| Reply::Answer {
        status: 200,
        headers: json_headers(),
        body: b"\xff\xfe\xfd not json".to_vec(),
    });
    let r = run(
        &work,
        "garbage-state",
        &mut harness(&work, "garbage-state", &server.base_url(), &["direct::C4"]),
    );
    r.assert_code(2);
    assert!(r.stderr.contains("without a JSON object"), "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// Redirects.

/// The "other host": 127.0.0.2 where it can be bound (Linux routes all of 127/8 to loopback),
/// else another port on 127.0.0.1.
fn other_host(rt: &tokio::runtime::Runtime) -> Server {
    let everything = |_: &Seen| json_answer(200, &entity());
    if std::net::TcpListener::bind("127.0.0.2:0").is_ok() {
        serve(rt, "127.0.0.2:0", everything)
    } else {
        serve(rt, "127.0.0.1:0", everything)
    }
}

#[test]
fn redirects_are_not_followed_and_the_token_never_reaches_the_other_host() {
    let rt = runtime();
    let elsewhere = other_host(&rt);
    let to = format!("http://{}", elsewhere.addr);
    let statuses = [301u16, 302, 303, 307, 308];
    let n = Arc::new(AtomicUsize::new(0));
    let redirect = move |req: &Seen| {
        let status = statuses[n.fetch_add(1, Ordering::SeqCst) % statuses.len()];
        Reply::Answer {
            status,
            headers: vec![("Location".into(), format!("{to}{}", req.path))],
            body: Vec::new(),
        }
    };
    let work = Work::new();

    // The PATCHes redirect: each trial sees the 3xx as the answer and fails its clause.
    let writes = serve(&rt, "127.0.0.1:0", state_reads_then(redirect.clone()));
    let r = run(
        &work,
        "redirect-writes",
        &mut harness(
            &work,
            "redirect-writes",
            &writes.base_url(),
            &["direct::C4"],
        ),
    );
    r.assert_code(1);
    let statuses_seen: Vec<u64> = r
        .results()
        .iter()
        .flat_map(|t| t["exchanges"].as_array().unwrap().clone())
        .filter_map(|e| e["response"]["status"].as_u64())
        .filter(|s| (300..400).contains(s))
        .collect();
    assert!(statuses_seen.len() >= 5, "{}", r.text());

    // Every answer redirects, the preflight's too: the run cannot be made, and says why.
    let all = serve(&rt, "127.0.0.1:0", redirect);
    let r = run(
        &work,
        "redirect-all",
        &mut harness(&work, "redirect-all", &all.base_url(), &["direct::C4"]),
    );
    r.assert_code(2);
    assert!(r.stderr.contains("never follows"), "{}", r.text());
    assert!(
        r.stderr.contains(&elsewhere.addr.to_string()),
        "{}",
        r.text()
    );

    // The token went to the target, and nothing at all went to the other host.
    assert!(writes
        .seen()
        .iter()
        .any(|s| s.header("authorization") == Some(format!("Bearer {TOKEN}").as_str())));
    let leaked = elsewhere.seen();
    assert!(
        leaked.is_empty(),
        "the other host was contacted: {leaked:?}"
    );
}

/// A proxy from the environment is never used for a loopback target: it could not reach this
/// machine's loopback, and it would see the token. Before this, a CI runner with `HTTP_PROXY` set
/// could not even run against the embedded service.
#[test]
fn loopback_targets_are_reached_directly_whatever_the_proxy_variables_say() {
    let rt = runtime();
    let proxy = serve(&rt, "127.0.0.1:0", |_: &Seen| json_answer(502, &json!({})));
    let proxy_url = format!("http://{}", proxy.addr);
    let with_proxy = |cmd: &mut Command| {
        for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
            cmd.env(var, &proxy_url)
                .env(var.to_ascii_lowercase(), &proxy_url);
        }
    };
    let work = Work::new();

    let mut embedded = bin();
    embedded
        .current_dir(work.path())
        .args(["direct::C4.4", "--cases", "2", "--color", "never"])
        .arg("--report-dir")
        .arg(work.report_dir("embedded"));
    with_proxy(&mut embedded);
    run(&work, "embedded", &mut embedded).assert_code(0);

    let target = serve(&rt, "127.0.0.1:0", |_: &Seen| json_answer(200, &entity()));
    let mut mock = harness(&work, "mock", &target.base_url(), &["direct::C4.4"]);
    with_proxy(&mut mock);
    run(&work, "mock", &mut mock).assert_clean();
    assert!(
        !target.seen().is_empty(),
        "the loopback target was not contacted"
    );

    let through_proxy = proxy.seen();
    assert!(
        through_proxy.is_empty(),
        "requests went through the proxy: {through_proxy:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// HTTPS.

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private CA and two server certificates it signs: one for 127.0.0.1, one for another name.
fn make_certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=graph-conformance hostile test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca);
    for (name, san) in [
        ("server", "IP:127.0.0.1"),
        ("wrong-name", "DNS:elsewhere.invalid"),
    ] {
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let pem = format!("{name}.pem");
        let ext = format!("{name}.ext");
        std::fs::write(
            dir.join(&ext),
            format!(
                "subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            ),
        )
        .unwrap();
        let mut req = vec!["req"];
        req.extend(ec);
        req.extend([
            "-keyout",
            key.as_str(),
            "-out",
            csr.as_str(),
            "-subj",
            "/CN=hostile",
        ]);
        openssl(dir, &req);
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                csr.as_str(),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                pem.as_str(),
                "-days",
                "2",
                "-extfile",
                ext.as_str(),
            ],
        );
    }
}

/// `openssl s_server -WWW`: serves files under `www` over TLS (GET only), until dropped.
struct TlsServer {
    child: Child,
    port: u16,
}

impl TlsServer {
    fn start(dir: &Path, cert: &str) -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new("openssl")
            .current_dir(dir.join("www"))
            .args(["s_server", "-WWW", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(dir.join(format!("{cert}.pem")))
            .arg("-key")
            .arg(dir.join(format!("{cert}.key")))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while StdStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "openssl s_server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/beta", self.port)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn https_certificates_are_verified_and_a_private_ca_can_be_trusted() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!(
            "skipped: the openssl command-line tool is not installed (apt-get install openssl)"
        );
        return;
    }
    let work = Work::new();
    let dir = work.path().join("tls");
    std::fs::create_dir_all(&dir).unwrap();
    make_certificates(&dir);
    let state = dir.join(format!(
        "www/beta/deviceManagement/deviceConfigurations/{DIRECT_ID}"
    ));
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("userStatusOverview"), entity().to_string()).unwrap();
    let ca = dir.join("ca.pem");
    let ca = ca.to_str().unwrap();
    // s_server answers GET only: the runs stop after the preflight (no trial matches the
    // filter, nothing to restore).
    let none = ["--no-restore", "--exact", "no::such::trial"];
    let with = |extra: &[&str]| -> Vec<String> {
        none.iter().chain(extra).map(|s| (*s).to_owned()).collect()
    };
    let server = TlsServer::start(&dir, "server");

    // A certificate from a CA the harness does not know: refused, with what to do.
    let r = run(
        &work,
        "tls-unknown-ca",
        &mut harness(&work, "tls-unknown-ca", &server.url(), &none),
    );
    r.assert_code(2);
    assert!(r.stderr.contains("certificate"), "{}", r.text());
    assert!(r.stderr.contains("--ca-cert"), "{}", r.text());
    r.report();

    // --ca-cert trusts the private CA.
    let args = with(&["--ca-cert", ca]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(
        &work,
        "tls-ca",
        &mut harness(&work, "tls-ca", &server.url(), &args),
    );
    r.assert_code(0);
    assert!(!r.stderr.contains("WARNING"), "{}", r.text());
    assert_eq!(r.report().get("insecure"), None);

    // --insecure connects without verifying, loudly, and the report says so.
    let args = with(&["--insecure"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(
        &work,
        "tls-insecure",
        &mut harness(&work, "tls-insecure", &server.url(), &args),
    );
    r.assert_code(0);
    assert!(r.stderr.contains("WARNING: --insecure"), "{}", r.text());
    assert!(r.stdout.contains("WARNING: --insecure"), "{}", r.text());
    assert_eq!(r.report()["insecure"], true);
    drop(server);

    // The private CA is trusted for the names it certifies, not for any host.
    let wrong = TlsServer::start(&dir, "wrong-name");
    let args = with(&["--ca-cert", ca]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(
        &work,
        "tls-wrong-name",
        &mut harness(&work, "tls-wrong-name", &wrong.url(), &args),
    );
    r.assert_code(2);
    assert!(r.stderr.contains("certificate"), "{}", r.text());
    drop(wrong);

    // A --ca-cert that is not a PEM certificate: a usage error, before any request.
    let not_pem = dir.join("ext.txt");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let args = with(&["--ca-cert", not_pem.to_str().unwrap()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(
        &work,
        "tls-bad-ca",
        &mut harness(&work, "tls-bad-ca", "https://127.0.0.1:9/beta", &args),
    );
    r.assert_code(2);
    assert!(r.stderr.contains("--ca-cert"), "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// Interruption.

/// `graph-conformance serve --port 0` in a subprocess, stopped when dropped.
struct Embedded {
    child: Child,
    addr: String,
    ids: PathBuf,
}

impl Embedded {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let ids = dir.join("served-ids.json");
        let mut child = bin()
            .current_dir(dir)
            .args(["serve", "--port", "0", "--ids-out"])
            .arg(&ids)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        // Keep reading: the service must not find its stdout closed.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|s| s.strip_suffix("/beta"))
            .unwrap_or_else(|| panic!("serve printed {first:?}"))
            .to_owned();
        Self { child, addr, ids }
    }

    fn url(&self) -> String {
        format!("http://{}/beta", self.addr)
    }

    /// The direct overview, read with `token`.
    fn overview(&self, token: &str) -> Value {
        let path =
            format!("/beta/deviceManagement/deviceConfigurations/{DIRECT_ID}/userStatusOverview");
        let mut sock = StdStream::connect(&self.addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(
            sock,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut answer = Vec::new();
        sock.read_to_end(&mut answer).unwrap();
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{answer}");
        serde_json::from_str(body).unwrap()
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve | head -1`, or a supervisor that closes stdout: the banner cannot be written, and the
/// service must keep serving anyway.
#[test]
fn serve_keeps_serving_when_its_stdout_is_closed() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = bin()
        .args(["serve", "--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    drop(child.stdout.take());
    let service = Embedded {
        child,
        addr: format!("127.0.0.1:{port}"),
        ids: PathBuf::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while StdStream::connect(&service.addr).is_err() {
        assert!(Instant::now() < deadline, "serve never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Past the banner, with stdout gone: still answering.
    std::thread::sleep(Duration::from_millis(200));
    let overview = service.overview(&mint_token());
    assert_eq!(
        overview["id"].as_str().map(str::len),
        Some(36),
        "{overview}"
    );
}

fn mint_token() -> String {
    let out = bin().arg("token").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Interrupts a slow but correct run with `sig` once it has changed the overview.
fn interrupt_a_run(sig: &str) {
    let work = Work::new();
    let service = Embedded::start(work.path(), &[]);
    let token = mint_token();
    let before = service.overview(&token);
    let name = format!("interrupted-{sig}");
    let started = Instant::now();
    // --rate keeps it slow: a few hundred requests at 25 a second.
    let child = bin()
        .current_dir(work.path())
        .env("GRAPH_TOKEN", &token)
        .arg("--target")
        .arg(service.url())
        .arg("--ids")
        .arg(&service.ids)
        .arg("--report-dir")
        .arg(work.report_dir(&name))
        .args([
            "--rate", "25/s", "--cases", "64", "--color", "never", "direct::",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until a trial has written, so there is something to restore.
    let deadline = Instant::now() + Duration::from_secs(15);
    while service.overview(&token) == before {
        assert!(
            Instant::now() < deadline,
            "the run never changed the overview"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&child, sig);
    let r = finish(child, started, work.report_dir(&name));
    r.assert_code(2);
    assert!(r.stderr.contains("interrupted"), "{}", r.text());
    let report = r.report();
    assert_eq!(report["interrupted"], true, "{}", r.text());
    let skipped = report["summary"]["skipped"].as_u64().unwrap();
    assert!(skipped > 0, "the run was not cut short: {}", r.text());
    let restored = report["restored"].as_array().unwrap();
    assert!(!restored.is_empty(), "{}", r.text());
    for x in restored {
        assert_eq!(x["status"], "restored", "{x}");
    }
    assert_eq!(service.overview(&token), before, "{}", r.text());
}

#[test]
fn sigint_restores_the_originals_and_writes_a_partial_report() {
    interrupt_a_run("INT");
}

#[test]
fn sigterm_restores_the_originals_and_writes_a_partial_report() {
    interrupt_a_run("TERM");
}

#[test]
fn an_interrupt_ends_a_hanging_request_at_once() {
    let rt = runtime();
    let server = serve(&rt, "127.0.0.1:0", |_| Reply::Hang);
    let work = Work::new();
    let started = Instant::now();
    let child = spawn(base(&work, "hang-int", &server.base_url()).args([
        "--timeout",
        "30",
        "--cases",
        "2",
        "direct::C4",
    ]));
    wait_for(&server, 1, |_| true);
    let signalled = Instant::now();
    signal(&child, "INT");
    let r = finish(child, started, work.report_dir("hang-int"));
    r.assert_code(2);
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "the hanging request was waited out: {}",
        r.text()
    );
    assert_eq!(r.report()["interrupted"], true, "{}", r.text());
    assert!(r.results().iter().all(|t| t["outcome"] == "skipped"));
}

/// A target left holding the run's writes is worse news than any verdict: exit 2, and the
/// message says what to restore by hand.
#[test]
fn a_restore_that_fails_ends_the_run_with_exit_2() {
    let rt = runtime();
    let server = serve(
        &rt,
        "127.0.0.1:0",
        changed_once_written(|_| {
            let error = json!({"error": {"code": "InternalServerError", "message": "no"}});
            json_answer(500, &error)
        }),
    );
    let work = Work::new();
    let r = run(
        &work,
        "unrestored",
        &mut harness(
            &work,
            "unrestored",
            &server.base_url(),
            &["--exact", ONE_PATCH],
        ),
    );
    r.assert_code(2);
    assert!(
        r.stderr.contains("could not be restored") && r.stderr.contains("direct"),
        "{}",
        r.text()
    );
    let restored = r.report()["restored"].clone();
    assert!(
        restored[0]["status"]
            .as_str()
            .unwrap()
            .starts_with("failed"),
        "{restored}"
    );
    assert_eq!(r.report()["summary"]["failed"], 1, "{}", r.text());
}

#[test]
fn a_second_interrupt_stops_a_restore_that_hangs() {
    let rt = runtime();
    let server = serve(&rt, "127.0.0.1:0", changed_once_written(|_| Reply::Hang));
    let work = Work::new();
    let started = Instant::now();
    let child = spawn(base(&work, "twice", &server.base_url()).args([
        "--timeout",
        "30",
        "--exact",
        ONE_PATCH,
    ]));
    let patches = |s: &Seen| s.method == "PATCH";
    wait_for(&server, 1, patches);
    signal(&child, "INT");
    // The trial's PATCH is abandoned; the restore's PATCH hangs in turn.
    wait_for(&server, 2, patches);
    let signalled = Instant::now();
    signal(&child, "INT");
    let r = finish(child, started, work.report_dir("twice"));
    r.assert_code(2);
    assert!(signalled.elapsed() < Duration::from_secs(5), "{}", r.text());
    assert!(r.stderr.contains("interrupted again"), "{}", r.text());
    assert!(r.stderr.contains("by hand"), "{}", r.text());
    assert!(!r.report_dir.join("report.json").exists());
}

#[test]
fn an_interrupted_run_against_the_embedded_service_writes_a_partial_report() {
    let work = Work::new();
    let started = Instant::now();
    let mut child = spawn(
        bin()
            .current_dir(work.path())
            .env_remove("GRAPH_TOKEN")
            .arg("--report-dir")
            .arg(work.report_dir("embedded"))
            .args([
                "--rate", "25/s", "--cases", "64", "--color", "never", "direct::",
            ]),
    );
    let (seen, err) = wait_for_banner(&mut child);
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, "INT");
    let r = finish_reading(child, started, work.report_dir("embedded"), seen, err);
    r.assert_code(2);
    assert_eq!(r.report()["interrupted"], true, "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// Secrets.

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// How many times `needle` occurs in `haystack`.
fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| w == &needle)
        .count()
}

/// Searches every byte of stdout, stderr and every file of the report directory for each
/// secret, and for its first and last 12 characters (half a token cut at a size limit is a leak
/// too). Returns the bytes searched.
fn assert_no_secret(r: &Run, secrets: &[&str]) -> usize {
    let mut outputs: Vec<(String, Vec<u8>)> = vec![
        ("stdout".into(), r.stdout.clone().into_bytes()),
        ("stderr".into(), r.stderr.clone().into_bytes()),
    ];
    let report_files = files(&r.report_dir);
    assert!(report_files.len() >= 4, "{report_files:?}");
    for f in report_files {
        outputs.push((f.display().to_string(), std::fs::read(&f).unwrap()));
    }
    let mut searched = 0;
    for (name, bytes) in &outputs {
        searched += bytes.len();
        for secret in secrets {
            let s = secret.as_bytes();
            for needle in [s, &s[..12], &s[s.len() - 12..]] {
                let n = occurrences(bytes, needle);
                assert_eq!(
                    n,
                    0,
                    "{:?} found {n} times in {name}",
                    String::from_utf8_lossy(needle)
                );
            }
        }
    }
    searched
}

#[test]
fn a_token_echoed_back_by_the_target_appears_in_no_output() {
    let rt = runtime();
    let n = Arc::new(AtomicUsize::new(0));
    // Echoes whatever Authorization it gets, everywhere it can: headers, entity properties,
    // error messages, a Location, across the 16 KiB cut of recorded bodies, next to bytes that
    // are not UTF-8.
    let server = serve(&rt, "127.0.0.1:0", move |req: &Seen| {
        let auth = req.header("authorization").unwrap_or_default().to_owned();
        let mut headers = json_headers();
        headers.extend([
            ("X-Echo".into(), auth.clone()),
            ("Set-Cookie".into(), format!("session={auth}; HttpOnly")),
            (
                "WWW-Authenticate".into(),
                format!("Bearer error=\"{auth}\""),
            ),
        ]);
        let mut echoing = entity();
        echoing["echo"] = auth.clone().into();
        if req.is_state_read() {
            return Reply::Answer {
                status: 200,
                headers,
                body: echoing.to_string().into_bytes(),
            };
        }
        let error = json!({"error": {"code": auth, "message": format!("refused {auth}")}});
        match n.fetch_add(1, Ordering::SeqCst) % 9 {
            0 => Reply::Answer {
                status: 200,
                headers,
                body: echoing.to_string().into_bytes(),
            },
            1 => Reply::Answer {
                status: 400,
                headers,
                body: error.to_string().into_bytes(),
            },
            2 => {
                // The token starts 10 bytes before the recorded-body cut (16 KiB).
                let pad = 16 * 1024 - 10 - "{\"pad\":\"".len();
                let body = format!("{{\"pad\":\"{}{auth}\"}}", "x".repeat(pad));
                Reply::Answer {
                    status: 200,
                    headers,
                    body: body.into_bytes(),
                }
            }
            3 => {
                let mut body = b"\xff\xfe".to_vec();
                body.extend_from_slice(auth.as_bytes());
                body.extend_from_slice(b"\xc3\x28");
                Reply::Answer {
                    status: 200,
                    headers,
                    body,
                }
            }
            4 => Reply::Answer {
                status: 307,
                headers: vec![(
                    "Location".into(),
                    format!("http://127.0.0.1:9/steal?t={}", auth.replace(' ', "+")),
                )],
                body: Vec::new(),
            },
            5 => Reply::Answer {
                status: 401,
                headers,
                body: error.to_string().into_bytes(),
            },
            6 => {
                // Checks quote the values they got: every property is the token.
                let mut values = entity();
                for (k, v) in values.as_object_mut().unwrap() {
                    if !k.starts_with('@') {
                        *v = auth.clone().into();
                    }
                }
                Reply::Answer {
                    status: 200,
                    headers,
                    body: values.to_string().into_bytes(),
                }
            }
            7 => Reply::Answer {
                // A 5xx's body is quoted in the C6.2 message.
                status: 500,
                headers,
                body: format!("{auth} broke the service").into_bytes(),
            },
            _ => {
                // An innerError without request-id is quoted in the C6.1 check.
                let error =
                    json!({"error": {"code": "x", "message": "y", "innerError": {"echo": auth}}});
                Reply::Answer {
                    status: 403,
                    headers,
                    body: error.to_string().into_bytes(),
                }
            }
        }
    });
    let work = Work::new();
    let r = run(
        &work,
        "echo",
        harness(&work, "echo", &server.base_url(), &["direct::"])
            .env("GRAPH_TOKEN_NO_SCOPE", TOKEN_NO_SCOPE),
    );
    r.assert_code(1);
    // The test means something: both tokens were sent, and echoed.
    let seen = server.seen();
    for t in [TOKEN, TOKEN_NO_SCOPE] {
        let bearer = format!("Bearer {t}");
        assert!(
            seen.iter()
                .any(|s| s.header("authorization") == Some(bearer.as_str())),
            "{t} never sent"
        );
    }
    let searched = assert_no_secret(&r, &[TOKEN, TOKEN_NO_SCOPE]);
    assert!(searched > 100_000, "only {searched} bytes searched");
    // Reproduce lines read the token from the environment.
    let results = r.results();
    let from_env = results
        .iter()
        .filter_map(|t| t["reproduce"].as_str())
        .filter(|l| l.contains("-H \"Authorization: Bearer $GRAPH_TOKEN\""))
        .count();
    assert!(from_env > 0, "{}", r.text());
    eprintln!(
        "secrets: {searched} bytes of output searched, {} requests echoed the token, 0 occurrences",
        seen.len()
    );
}

#[test]
fn a_jwt_given_to_a_failing_service_appears_in_no_output() {
    let work = Work::new();
    let service = Embedded::start(
        work.path(),
        &["--fault", "plain-error-body", "--deviation", "throttle"],
    );
    let token = mint_token();
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "{token}");
    let r = run(
        &work,
        "jwt",
        harness(&work, "jwt", &service.url(), &["direct::"]).env("GRAPH_TOKEN", &token),
    );
    r.assert_code(1);
    // The whole token, and its payload and signature on their own.
    let mut secrets = vec![token.as_str(), segments[1]];
    if segments[2].len() >= 24 {
        secrets.push(segments[2]);
    }
    let searched = assert_no_secret(&r, &secrets);
    assert!(r.report()["summary"]["throttled"].as_u64().unwrap() > 0);
    eprintln!("secrets: {searched} bytes of output searched for a JWT, 0 occurrences");
}
