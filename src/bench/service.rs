//! Measurement 1: the embedded service's PATCH rate under concurrency, beside a minimal axum
//! handler that answers a fixed 300-byte JSON body. One reqwest client (set up as the harness's
//! client is) drives both, with the same requests, concurrency and duration; rounds alternate.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{Tally, ROUNDS};
use crate::app::Contract;
use crate::case::Spelling;
use crate::plan::variants::fill;
use crate::service::{self, ServiceOptions};

const READ_WRITE: &str = "DeviceManagementConfiguration.ReadWrite.All";
/// The minimal handler's answer is exactly this long.
pub const MINIMAL_BODY_LEN: usize = 300;

pub struct ServiceRates {
    pub service: Tally,
    pub minimal: Tally,
    /// Bytes in one of the service's answers (for comparison with the minimal 300).
    pub service_body_len: usize,
}

/// A reqwest client configured as `crate::client::Client::new` configures its own.
pub fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// A JSON object of exactly [`MINIMAL_BODY_LEN`] bytes, shaped like an overview.
pub fn minimal_body() -> Bytes {
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

async fn start_minimal() -> Result<Minimal, String> {
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
        base_url: format!("http://127.0.0.1:{}/beta", addr.port()),
        stop,
        task,
    })
}

/// What every worker sends: one printed path per variant, the bodies, the token.
struct Load {
    http: reqwest::Client,
    urls: Vec<reqwest::Url>,
    bodies: Vec<Bytes>,
    auth: HeaderValue,
    body_len: AtomicUsize,
}

pub async fn measure(
    contract: &Contract,
    bodies: &[String],
    seconds: Duration,
    concurrency: usize,
) -> Result<ServiceRates, String> {
    let running = service::start(Arc::clone(&contract.model), ServiceOptions::default(), 0)
        .await
        .map_err(|e| e.to_string())?;
    let minimal = start_minimal().await?;
    let http = http_client()?;
    let paths: Vec<String> = contract
        .suite
        .variants
        .iter()
        .filter_map(|v| {
            let ids = running.ids.variants.get(&v.name)?;
            Some(fill(
                &v.template,
                &ids.device_configuration_id,
                Spelling::Printed,
            ))
        })
        .collect();
    if paths.is_empty() {
        return Err("no path variant has ids on the embedded service".into());
    }
    let auth = HeaderValue::from_str(&format!("Bearer {}", crate::jwt::mint(&[READ_WRITE], 3600)))
        .map_err(|e| e.to_string())?;
    let load = |base: &str| -> Result<Arc<Load>, String> {
        Ok(Arc::new(Load {
            http: http.clone(),
            urls: paths
                .iter()
                .map(|p| reqwest::Url::parse(&format!("{base}{p}")).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?,
            bodies: bodies.iter().map(|b| Bytes::from(b.clone())).collect(),
            auth: auth.clone(),
            body_len: AtomicUsize::new(0),
        }))
    };
    let to_service = load(&running.base_url)?;
    let to_minimal = load(&minimal.base_url)?;

    // Warm-up: connections opened, caches filled; not counted.
    let warm = (seconds / 10).min(Duration::from_millis(300));
    round(&to_minimal, concurrency, warm).await;
    round(&to_service, concurrency, warm).await;

    let per_round = seconds / ROUNDS;
    let mut rates = ServiceRates {
        service: Tally::default(),
        minimal: Tally::default(),
        service_body_len: 0,
    };
    for _ in 0..ROUNDS {
        rates
            .minimal
            .add(round(&to_minimal, concurrency, per_round).await);
        rates
            .service
            .add(round(&to_service, concurrency, per_round).await);
    }
    rates.service_body_len = to_service.body_len.load(Ordering::Relaxed);

    let _ = minimal.stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(2), minimal.task).await;
    running.shutdown().await;
    Ok(rates)
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
                                    status == 200
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
    let mut total = Tally::default();
    for w in workers {
        if let Ok(t) = w.await {
            total.absorb(&t);
        }
    }
    total.elapsed = started.elapsed();
    total
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
