//! The HTTP client: timeouts, a response size limit, no redirects, Retry-After (C7.1), a rate
//! cap (C7.2), and a record of every attempt with secrets redacted. It judges nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue};
use tokio::sync::watch;

use crate::transcript::{
    Authorization, Exchange, Headers, Incoming, Outgoing, RecordedRequest, RecordedResponse,
};

/// How much of a body a report keeps.
pub(crate) const RECORDED_BODY_LIMIT: usize = 16 * 1024;
const REDACTED: &str = "[REDACTED]";

/// The outcome of one logical request: the record (all attempts) and what came back.
pub(crate) struct Sent {
    pub exchange: Exchange,
    pub result: Result<Incoming, String>,
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub(crate) timeout: Duration,
    pub(crate) body_limit: usize,
    pub(crate) max_retries: u32,
    pub(crate) max_wait: Duration,
    /// At most `n` requests of any kind per `per`.
    pub(crate) rate: Option<(u32, Duration)>,
    /// At most `n` writes (PATCH, POST, PUT, DELETE) per `per`, on top of `rate`.
    pub(crate) write_rate: Option<(u32, Duration)>,
    pub(crate) ca_cert: Option<Vec<u8>>,
    pub(crate) insecure: bool,
    /// Connect directly, whatever `HTTP_PROXY` / `HTTPS_PROXY` / `ALL_PROXY` say. For loopback
    /// targets: a proxy cannot reach this machine's loopback, and would see the token.
    pub(crate) no_proxy: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            body_limit: 1024 * 1024,
            max_retries: 10,
            max_wait: Duration::from_secs(60),
            rate: None,
            write_rate: None,
            ca_cert: None,
            insecure: false,
            no_proxy: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("--ca-cert: {0}; give a PEM file with the CA certificate")]
    CaCert(String),
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

pub struct Client {
    http: reqwest::Client,
    options: ClientOptions,
    secrets: Vec<Arc<str>>,
    next_slot: Mutex<Instant>,
    next_write_slot: Mutex<Instant>,
    cancel: watch::Receiver<bool>,
    stats: Stats,
    /// Holds requests back beyond [`MAX_IN_FLIGHT`].
    in_flight: tokio::sync::Semaphore,
}

/// The most requests in flight to the target at once, and the idle connections kept for it.
/// Equal, so that every request finds a connection the pool kept: with more requests in
/// flight than the pool keeps, each burst opens connections that are closed after it, and a
/// thread-per-connection mock behind a short listen queue drops the new connections' SYNs
/// (a retransmit waits 1 s, then 2, 4 …).
const MAX_IN_FLIGHT: usize = 128;

/// What the client has cost the target so far (for the report and the progress line).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub requests: AtomicU64,
    pub writes: AtomicU64,
    pub throttled: AtomicU64,
    /// Milliseconds spent waiting (Retry-After and the rate budgets), summed over requests.
    pub waited_ms: AtomicU64,
    /// Connections opened to the target (shared with the connector layer that counts them).
    pub connections: Arc<AtomicU64>,
    in_flight: AtomicU64,
    /// The most requests that were waiting for an answer at once.
    pub most_in_flight: AtomicU64,
}

/// A request in flight, counted while it lives.
struct Flying<'s>(&'s Stats);

impl<'s> Flying<'s> {
    fn new(stats: &'s Stats) -> Self {
        let now = stats.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        stats.most_in_flight.fetch_max(now, Ordering::Relaxed);
        Self(stats)
    }
}

impl Drop for Flying<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Stats {
    fn add_wait(&self, since: Instant) {
        let ms = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.waited_ms.fetch_add(ms, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> (u64, u64, u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
            self.throttled.load(Ordering::Relaxed),
            self.waited_ms.load(Ordering::Relaxed),
        )
    }

    /// Connections opened, and the most requests in flight at once.
    pub(crate) fn traffic(&self) -> (u64, u64) {
        (
            self.connections.load(Ordering::Relaxed),
            self.most_in_flight.load(Ordering::Relaxed),
        )
    }
}

impl Client {
    pub fn new(
        options: ClientOptions,
        secrets: Vec<Arc<str>>,
        cancel: watch::Receiver<bool>,
    ) -> Result<Self, ClientError> {
        let stats = Stats::default();
        let opened = Arc::clone(&stats.connections);
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            // A redirect could carry the token to another host: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .tcp_nodelay(true)
            .connector_layer(tower::util::MapRequestLayer::new(move |target| {
                opened.fetch_add(1, Ordering::Relaxed);
                target
            }));
        if let Some(pem) = &options.ca_cert {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::CaCert(e.to_string()))?;
            if certs.is_empty() {
                return Err(ClientError::CaCert(
                    "the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if options.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        if options.no_proxy {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(Self {
            http,
            options,
            secrets: secrets.into_iter().filter(|s| s.len() >= 4).collect(),
            next_slot: Mutex::new(Instant::now()),
            next_write_slot: Mutex::new(Instant::now()),
            cancel,
            stats,
            in_flight: tokio::sync::Semaphore::new(MAX_IN_FLIGHT),
        })
    }

    /// Replaces every secret in `text`: a hostile target may echo a token back in a body.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(&**s) {
                out = out.replace(&**s, REDACTED);
            }
        }
        out
    }

    /// [`Client::redact`] over raw bytes, which need not be UTF-8: a hostile target's body is
    /// cleaned before anything (checks, messages, records) can read it.
    fn redact_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        let mut out = bytes;
        for s in &self.secrets {
            out = replace_bytes(&out, s.as_bytes(), REDACTED.as_bytes());
        }
        out
    }

    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Sends `req`, waiting out throttling (429/503 with Retry-After) up to the retry bound.
    pub(crate) async fn send(&self, req: &Outgoing) -> Sent {
        let mut throttled = 0;
        let write = req.method != reqwest::Method::GET && req.method != reqwest::Method::HEAD;
        loop {
            let waiting = Instant::now();
            if write {
                self.wait_for_slot(&self.next_write_slot, self.options.write_rate)
                    .await;
            }
            self.wait_for_slot(&self.next_slot, self.options.rate).await;
            self.stats.add_wait(waiting);
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            if write {
                self.stats.writes.fetch_add(1, Ordering::Relaxed);
            }
            let result = {
                // Closed only when the client is dropped, which no request outlives.
                let _permit = self.in_flight.acquire().await;
                let _flying = Flying::new(&self.stats);
                self.attempt(req).await
            };
            let record = self.record_request(req);
            let wait = match &result {
                Ok(resp)
                    if matches!(resp.status, 429 | 503) && throttled < self.options.max_retries =>
                {
                    resp.header("retry-after").and_then(parse_retry_after)
                }
                _ => None,
            };
            match (wait, result) {
                (Some(wait), Ok(_)) => {
                    throttled += 1;
                    self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                    let waiting = Instant::now();
                    let slept = self
                        .sleep_unless_cancelled(wait.min(self.options.max_wait))
                        .await;
                    self.stats.add_wait(waiting);
                    if slept {
                        continue;
                    }
                    return Sent {
                        exchange: Exchange {
                            request: record,
                            response: None,
                            error: Some("interrupted".into()),
                            throttled,
                        },
                        result: Err("the run was interrupted".into()),
                    };
                }
                (_, Ok(resp)) => {
                    return Sent {
                        exchange: Exchange {
                            request: record,
                            response: Some(self.record_response(&resp)),
                            error: None,
                            throttled,
                        },
                        result: Ok(resp),
                    };
                }
                (_, Err(e)) => {
                    let e = self.redact(&e);
                    return Sent {
                        exchange: Exchange {
                            request: record,
                            response: None,
                            error: Some(e.clone()),
                            throttled,
                        },
                        result: Err(e),
                    };
                }
            }
        }
    }

    async fn sleep_unless_cancelled(&self, wait: Duration) -> bool {
        let mut cancel = self.cancel.clone();
        if *cancel.borrow() {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => true,
            _ = cancelled(&mut cancel) => false,
        }
    }

    /// Waits for the next slot of a rate budget (`--rate`, `--write-rate`); an interruption
    /// ends the wait (the attempt that follows then sees it and sends nothing).
    async fn wait_for_slot(&self, next_slot: &Mutex<Instant>, rate: Option<(u32, Duration)>) {
        let Some((n, per)) = rate else {
            return;
        };
        let gap = per / n.max(1);
        let slot = {
            let mut next = next_slot.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + gap;
            slot
        };
        let mut cancel = self.cancel.clone();
        tokio::select! {
            _ = tokio::time::sleep_until(slot.into()) => {}
            _ = cancelled(&mut cancel) => {}
        }
    }

    async fn attempt(&self, req: &Outgoing) -> Result<Incoming, String> {
        let mut builder = self.http.request(req.method.clone(), &req.url);
        for (name, value) in self.wire_headers(req) {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("bad header name {name:?}: {e}"))?;
            let value =
                HeaderValue::from_str(&value).map_err(|e| format!("bad header value: {e}"))?;
            builder = builder.header(name, value);
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let mut cancel = self.cancel.clone();
        if *cancel.borrow() {
            return Err("the run was interrupted".into());
        }
        let exchange = async {
            let mut resp = builder
                .send()
                .await
                .map_err(|e| describe(&e, &self.options))?;
            let status = resp.status().as_u16();
            // Secrets are removed here, before any check, message or record can see them: a
            // hostile target may echo the token in a header or a body.
            let headers = resp
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        self.redact(&String::from_utf8_lossy(v.as_bytes())),
                    )
                })
                .collect();
            let limit = self.options.body_limit;
            let too_big = |got: String| {
                format!(
                    "the response body ({got}) exceeds the {limit} byte limit (answer {status}); an overview is a few hundred bytes, so the target is misbehaving — raise --max-body only if a large answer is expected"
                )
            };
            if let Some(len) = resp.content_length().filter(|&len| len > limit as u64) {
                return Err(too_big(format!("Content-Length {len}")));
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| describe(&e, &self.options))?
            {
                if body.len() + chunk.len() > limit {
                    return Err(too_big(format!("more than {limit} bytes")));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Incoming {
                status,
                headers,
                body: self.redact_bytes(body),
            })
        };
        tokio::select! {
            r = exchange => r,
            _ = cancelled(&mut cancel) => Err("the run was interrupted".into()),
        }
    }

    fn wire_headers(&self, req: &Outgoing) -> Vec<(String, String)> {
        let mut headers = req.headers.clone();
        match &req.auth {
            Authorization::None => {}
            Authorization::Secret { token, .. } => {
                headers.push(("Authorization".into(), format!("Bearer {token}")))
            }
            Authorization::Literal(v) => headers.push(("Authorization".into(), v.clone())),
        }
        headers
    }

    fn record_request(&self, req: &Outgoing) -> RecordedRequest {
        let mut headers: Headers = req
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), self.redact(v)))
            .collect();
        match &req.auth {
            Authorization::None => {}
            Authorization::Secret { env, .. } => headers.push((
                "Authorization".into(),
                format!("Bearer {REDACTED} (${env})"),
            )),
            Authorization::Literal(v) => headers.push(("Authorization".into(), self.redact(v))),
        }
        // Redacted before it is cut, so a secret across the cut cannot leave half of itself.
        let body = self.redact(req.body.as_deref().unwrap_or_default());
        let (body, body_truncated) = cut(body.as_bytes());
        RecordedRequest {
            method: req.method.to_string(),
            url: self.redact(&req.url),
            headers,
            body: req.body.as_ref().map(|_| body),
            body_truncated,
        }
    }

    /// `resp` was redacted when it was read (`attempt`); it is redacted again here so a record
    /// never depends on that.
    fn record_response(&self, resp: &Incoming) -> RecordedResponse {
        let (body, body_truncated) = cut(&self.redact_bytes(resp.body.clone()));
        RecordedResponse {
            status: resp.status,
            headers: resp
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), self.redact(v)))
                .collect(),
            body: (!resp.body.is_empty()).then_some(body),
            body_truncated,
        }
    }
}

/// Resolves once the run is cancelled; never, if nobody can cancel it any more.
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// `haystack` with every occurrence of `needle` replaced by `with`.
fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

fn cut(bytes: &[u8]) -> (String, bool) {
    let end = bytes.len().min(RECORDED_BODY_LIMIT);
    (
        String::from_utf8_lossy(&bytes[..end]).into_owned(),
        end < bytes.len(),
    )
}

/// What went wrong with an exchange, then what to do about it.
fn describe(e: &reqwest::Error, options: &ClientOptions) -> String {
    let cause = root_cause(e);
    if e.is_timeout() {
        format!(
            "no complete answer within {:?} (--timeout): the target is not answering, or answering too slowly; check that it is up and reachable, or raise --timeout",
            options.timeout
        )
    } else if cause.contains("certificate") || cause.contains("Certificate") {
        format!(
            "the TLS handshake failed: {cause}; the target's certificate is not trusted for this host name. If it is issued by a private CA, pass that CA with --ca-cert FILE (PEM); check that the certificate names the host in --target"
        )
    } else if e.is_connect() {
        format!(
            "cannot connect: {cause}; check that the target is running and that --target (scheme, host, port) is right"
        )
    } else if e.is_body() || e.is_decode() {
        format!(
            "the answer broke off: {cause}; the target closed or reset the connection before its answer was complete"
        )
    } else {
        format!("the exchange failed: {cause}; the target did not answer with well-formed HTTP")
    }
}

/// `e` and its sources, without reqwest's repetition of the URL (the messages already name it).
fn root_cause(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut msg = e.to_string();
    if let Some(url) = e.url() {
        msg = msg.replace(&format!(" for url ({url})"), "");
    }
    let mut source = e.source();
    while let Some(s) = source {
        msg = format!("{msg}: {s}");
        source = s.source();
    }
    msg
}

/// `Retry-After` as whole seconds, fractional seconds (Graph's `2.128`) or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The curl line that replays `req`; a secret is read from its environment variable.
pub(crate) fn curl_line(req: &Outgoing) -> String {
    let mut parts = vec![format!(
        "curl -sS -i -X {} {}",
        req.method,
        shell_quote(&req.url)
    )];
    match &req.auth {
        Authorization::None => {}
        Authorization::Secret { env, .. } => {
            parts.push(format!("-H \"Authorization: Bearer ${env}\""))
        }
        Authorization::Literal(v) => parts.push(format!(
            "-H {}",
            shell_quote(&format!("Authorization: {v}"))
        )),
    }
    for (n, v) in &req.headers {
        parts.push(format!("-H {}", shell_quote(&format!("{n}: {v}"))));
    }
    if let Some(body) = &req.body {
        parts.push(format!("--data-raw {}", shell_quote(body)));
    }
    parts.join(" ")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_fractions_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("2.128"),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn secrets_are_redacted_in_bytes_that_are_not_utf8() {
        let client = Client::new(
            ClientOptions::default(),
            vec![Arc::from("s3cr3t-token"), Arc::from("abc")],
            watch::channel(false).1,
        )
        .expect("a client");
        let body = b"\xff\xfes3cr3t-tokens3cr3t-token\xc3(abc".to_vec();
        let clean = client.redact_bytes(body);
        assert_eq!(clean, b"\xff\xfe[REDACTED][REDACTED]\xc3(abc".to_vec());
        assert_eq!(client.redact("Bearer s3cr3t-token."), "Bearer [REDACTED].");
        assert_eq!(replace_bytes(b"ab", b"abc", b"x"), b"ab".to_vec());
    }

    #[test]
    fn curl_reads_the_token_from_the_environment() {
        let req = Outgoing {
            method: reqwest::Method::PATCH,
            url: "http://h/beta/x'y".into(),
            auth: Authorization::Secret {
                env: "GRAPH_TOKEN",
                token: "s3cr3t-token".into(),
            },
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some("{\"a\":1}".into()),
        };
        let line = curl_line(&req);
        assert!(!line.contains("s3cr3t"));
        assert!(line.contains("$GRAPH_TOKEN"));
        assert!(line.contains(r"'http://h/beta/x'\''y'"));
    }
}
