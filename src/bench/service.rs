//! Measurement 1: the embedded service's PATCH rate under concurrency, beside a minimal axum
//! handler that answers a fixed 300-byte JSON body. One reqwest client (set up as the harness's
//! client is for a loopback target) drives both, with the same requests, concurrency and
//! duration; rounds alternate. The service side alone is also the service's limit that
//! measurement 2c compares the harness with.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{Setup, Tally, ROUNDS};
use crate::pack::template::Spelling;
use crate::service::{self, ServiceOptions};

/// The minimal handler's answer is exactly this long.
pub(crate) const MINIMAL_BODY_LEN: usize = 300;

pub(crate) struct ServiceRates {
    pub service: Tally,
    /// Empty when only the service's limit was measured.
    pub minimal: Tally,
    /// Bytes in one of the service's answers (for comparison with the minimal 300).
    pub service_body_len: usize,
    /// How many variants' paths the PATCHes are spread over.
    pub paths: usize,
}

/// A reqwest client configured as `crate::client::Client::new` configures its own for a
/// loopback target.
pub(crate) fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// A JSON object of exactly [`MINIMAL_BODY_LEN`] bytes, shaped like an overview.
pub(crate) fn minimal_body() -> Bytes {
    let head = r#"{"@odata.context":"https://graph.microsoft.com/beta/$metadata#deviceManagement/deviceConfigurations('dc010000-0000-4000-8000-000000000000')/userStatusOverview/$entity","id":"0e010000-0000-4000-8000-000000000000","pendingCount":4,"errorCount":3,"pad":""#;
    let mut s = String::from(head);
    while s.len() < MINIMAL_BODY_LEN - 2 {
        s.push('x');
    }
    s.push_str("\"}");
    debug_assert_eq!(s.len(), MINIMAL_BODY_LEN);
    Bytes::from(s)
}

/// The minimal baseline: reads the request body, answers 200 with the fixed JSON.
struct Minimal {
    base_url: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start_minimal(version_prefix: &str) -> Result<Minimal, String> {
    let body = minimal_body();
    let app = Router::new().fallback(move |_request: Bytes| {
        let body = body.clone();
        async move {
            (
                [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                body,
            )
                .into_response()
        }
    });
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:0 for the minimal handler: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("the minimal handler's address: {e}"))?;
    let (stop, task) = service::spawn_serving(listener, app);
    Ok(Minimal {
        base_url: format!("http://127.0.0.1:{}{version_prefix}", addr.port()),
        stop,
        task,
    })
}

/// What every worker sends: one printed path per variant, the bodies, the token; and the
/// status a valid PATCH answers there.
struct Load {
    http: reqwest::Client,
    urls: Vec<reqwest::Url>,
    bodies: Vec<Bytes>,
    auth: HeaderValue,
    expected: u16,
    body_len: AtomicUsize,
}

/// Builds the loads for one base URL each.
struct Loads {
    http: reqwest::Client,
    paths: Vec<String>,
    bodies: Vec<Bytes>,
    auth: HeaderValue,
}

impl Loads {
    fn to(&self, base: &str, expected: u16) -> Result<Arc<Load>, String> {
        Ok(Arc::new(Load {
            http: self.http.clone(),
            urls: self
                .paths
                .iter()
                .map(|p| reqwest::Url::parse(&format!("{base}{p}")).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?,
            bodies: self.bodies.clone(),
            auth: self.auth.clone(),
            expected,
            body_len: AtomicUsize::new(0),
        }))
    }
}

/// Measures the service, beside the minimal handler when `with_minimal` (else the service
/// alone, for its limit).
pub(crate) async fn measure(setup: &Setup<'_>, with_minimal: bool) -> Result<ServiceRates, String> {
    let pack = &setup.pack;
    let running = service::start(Arc::clone(pack), ServiceOptions::default(), 0)
        .await
        .map_err(|e| e.to_string())?;
    let paths: Vec<String> = pack
        .variants
        .iter()
        .filter_map(|v| {
            let ids = running.ids.variants.get(&v.name)?;
            v.template.fill(&ids.keys, Spelling::Printed).ok()
        })
        .collect();
    if paths.is_empty() {
        return Err("no path variant has ids on the embedded service".into());
    }
    let token = crate::app::minted_token(pack, 3600);
    let loads = Loads {
        http: http_client()?,
        paths,
        bodies: setup.raw_bodies(),
        auth: super::bearer(&token)?,
    };
    let to_service = loads.to(&running.base_url, pack.meta.success.status)?;
    let minimal = if with_minimal {
        Some(start_minimal(&pack.version_prefix()).await?)
    } else {
        None
    };
    let to_minimal = match &minimal {
        Some(m) => Some(loads.to(&m.base_url, 200)?),
        None => None,
    };
    let mut rates = alternate(
        &to_service,
        to_minimal.as_ref(),
        setup.seconds,
        setup.args.concurrency,
    )
    .await;
    rates.paths = loads.paths.len();
    if let Some(m) = minimal {
        let _ = m.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(2), m.task).await;
    }
    running.shutdown().await;
    Ok(rates)
}

/// A warm-up, then [`ROUNDS`] rounds of each side in turn.
async fn alternate(
    to_service: &Arc<Load>,
    to_minimal: Option<&Arc<Load>>,
    seconds: Duration,
    concurrency: usize,
) -> ServiceRates {
    // Warm-up: connections opened, caches filled; not counted.
    let warm = (seconds / 10).min(Duration::from_millis(300));
    if let Some(m) = to_minimal {
        round(m, concurrency, warm).await;
    }
    round(to_service, concurrency, warm).await;

    let per_round = seconds / ROUNDS;
    let mut rates = ServiceRates {
        service: Tally::default(),
        minimal: Tally::default(),
        service_body_len: 0,
        paths: 0,
    };
    for _ in 0..ROUNDS {
        if let Some(m) = to_minimal {
            rates.minimal.add(round(m, concurrency, per_round).await);
        }
        rates
            .service
            .add(round(to_service, concurrency, per_round).await);
    }
    rates.service_body_len = to_service.body_len.load(Ordering::Relaxed);
    rates
}

/// `concurrency` closed-loop workers send PATCHes until `duration` has passed; worker `w` keeps
/// to the path `w % paths` and walks the bodies. Every answer is read to its end.
async fn round(load: &Arc<Load>, concurrency: usize, duration: Duration) -> Tally {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let load = Arc::clone(load);
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let url = &load.urls[w % load.urls.len()];
                let mut i = w;
                while Instant::now() < deadline {
                    let body = load.bodies[i % load.bodies.len()].clone();
                    i += concurrency;
                    let sent = load
                        .http
                        .patch(url.clone())
                        .header(AUTHORIZATION, load.auth.clone())
                        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                        .header(ACCEPT, HeaderValue::from_static("application/json"))
                        .body(body)
                        .send()
                        .await;
                    let ok = match sent {
                        Ok(resp) => {
                            let status = resp.status().as_u16();
                            match resp.bytes().await {
                                Ok(b) => {
                                    load.body_len.store(b.len(), Ordering::Relaxed);
                                    status == load.expected
                                }
                                Err(_) => false,
                            }
                        }
                        Err(_) => false,
                    };
                    tally.count(ok);
                }
                tally
            })
        })
        .collect();
    Tally::joined(workers, started).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimal_body_is_300_bytes_of_json() {
        let b = minimal_body();
        assert_eq!(b.len(), MINIMAL_BODY_LEN);
        assert!(serde_json::from_slice::<serde_json::Value>(&b).is_ok());
    }
}
