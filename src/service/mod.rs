//! The embedded reference service (axum): every path variant of a contract pack over the
//! pack's fixture graph, implementing every MUST and SHOULD of CONTRACT.md C1–C6 for the pack's
//! entity, with switchable faults (one broken clause each) and deviations (allowed behaviour).
//! The harness never imports this module; the wiring (`app`) and the tests start it.
//!
//! - `routes`: path parsing, resolution through the graph, GET and PATCH;
//! - `auth`: Bearer tokens and the pack's scopes; `body`: size limit, media type; `render`: answers;
//! - `errors`: the OData error body of every refusal; `store`: entities and locks;
//! - `fixtures`: initial values; `faults`: faults and deviations, one file per point where
//!   the service calls their hook (route, auth, body, store, render, errors) and the types'.

mod auth;
mod body;
mod errors;
mod faults;
pub(crate) mod fixtures;
mod render;
mod routes;
mod store;
mod threaded;

use std::io::Write as _;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::HeaderValue;
use axum::response::Response;
use axum::Router;
use futures_util::FutureExt as _;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use body::BODY_LIMIT;
pub use errors::ApiError;
pub use faults::{
    aliases, all_faults, deviations, Alias, AuthFault, BodyFault, Deviation, DeviationInfo,
    ErrorFault, Fault, FaultListing, Mishandling, RenderFault, RouteFault, StoreFault, TypeFault,
    UnknownSwitch,
};
pub use render::GRAPH_CONTENT_TYPE;
pub(crate) use threaded::PYTHON_BACKLOG;

use crate::ids::IdsFile;
use crate::pack::template::Spelling;
use crate::pack::Pack;
use auth::TokenCache;
use errors::ErrorStyle;
use store::Store;

/// How the service misbehaves (one fault at most) and which allowed variations it shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceOptions {
    pub fault: Option<Fault>,
    pub deviations: Vec<Deviation>,
    /// Added before every answer (`serve --latency`), to stand in for a distant service.
    pub latency: Duration,
}

/// How `serve` takes connections: tokio's (every connection on a few threads), or a thread per
/// connection behind a listen queue of `backlog`, the shape of many teams' mocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Front {
    Tokio,
    ThreadPerConnection { backlog: u32 },
}

/// Why the service could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(
        "port {port} on 127.0.0.1 is already in use; pick another with --port (0 picks a free one)"
    )]
    PortInUse { port: u16 },
    #[error("cannot listen on 127.0.0.1:{port}: {source}; pick another port with --port")]
    Bind { port: u16, source: std::io::Error },
    #[error(
        "cannot write the ids file {path}: {source}; check that its folder exists and is writable"
    )]
    WriteIds {
        path: String,
        source: std::io::Error,
    },
    #[error("the embedded service stopped: {0}; start it again")]
    Serve(std::io::Error),
}

/// The shared state of every handler: the model, the options, the store.
#[derive(Clone)]
pub struct ServiceState {
    inner: Arc<Inner>,
}

struct Inner {
    pack: Arc<Pack>,
    options: ServiceOptions,
    store: Store,
    tokens: TokenCache,
    /// Requests answered so far; with `instance`, makes each request's `request-id`.
    requests: AtomicU64,
    /// Random per service start, so request ids differ across restarts.
    instance: u64,
}

impl ServiceState {
    /// A fresh service state over the pack's fixtures.
    pub(crate) fn new(pack: Arc<Pack>, options: ServiceOptions) -> Self {
        let store = Store::with_fixtures(&pack.model, &pack.graph);
        Self {
            inner: Arc::new(Inner {
                pack,
                options,
                store,
                tokens: TokenCache::default(),
                requests: AtomicU64::new(0),
                instance: uuid::Uuid::new_v4().as_u64_pair().0,
            }),
        }
    }

    pub(crate) fn pack(&self) -> &Pack {
        &self.inner.pack
    }

    /// How many entities exist (the fixtures, plus any `unknown-id-created` made).
    pub fn entity_count(&self) -> usize {
        self.inner.store.count()
    }

    pub(crate) fn fault(&self) -> Option<Fault> {
        self.inner.options.fault
    }

    pub fn deviations(&self) -> &[Deviation] {
        &self.inner.options.deviations
    }

    pub(crate) fn has(&self, d: Deviation) -> bool {
        self.inner.options.deviations.contains(&d)
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn tokens(&self) -> &TokenCache {
        &self.inner.tokens
    }

    /// A GUID that no other request to this service gets: the instance, then the request's
    /// ordinal. A fresh random GUID per request cost a system call each.
    fn request_id(&self, ordinal: u64) -> HeaderValue {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.inner.instance.to_be_bytes());
        bytes[8..].copy_from_slice(&ordinal.to_be_bytes());
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .encode_lower(&mut text);
        HeaderValue::from_str(text).expect("a GUID is a valid header value")
    }
}

/// The service's router: one fallback handler, [`answer`], for every request.
pub(crate) fn router(state: ServiceState) -> Router {
    Router::new().fallback(answer).with_state(state)
}

/// Answers one request: throttles (deviation), catches panics, writes every error body and adds
/// `request-id`, `client-request-id` and `OData-Version` to every answer. A plain call around
/// `routes::handle` rather than a middleware layer, whose boxing cost more than the routing.
async fn answer(State(state): State<ServiceState>, request: Request) -> Response {
    let ordinal = state.inner.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let request_id = state.request_id(ordinal);
    let client_request_id = request.headers().get("client-request-id").cloned();
    if !state.inner.options.latency.is_zero() {
        tokio::time::sleep(state.inner.options.latency).await;
    }
    let throttle = if state.has(Deviation::Throttle1s) {
        Some("1")
    } else if state.has(Deviation::Throttle) {
        Some("0.05")
    } else {
        None
    };
    let outcome = match throttle {
        Some(after) if ordinal % 7 == 0 => throttled(request, after).await,
        _ => caught(routes::handle(&state, request)).await,
    };
    let mut response = outcome.unwrap_or_else(|error| {
        error.render(&ErrorStyle {
            fault: state.fault(),
            deviations: state.deviations(),
            request_id: request_id.to_str().unwrap_or_default(),
            client_request_id: client_request_id.as_ref().and_then(|v| v.to_str().ok()),
        })
    });
    let headers = response.headers_mut();
    headers.insert("request-id", request_id);
    if let Some(c) = client_request_id {
        headers.insert("client-request-id", c);
    }
    headers.insert("odata-version", HeaderValue::from_static("4.0"));
    faults::render::headers(state.fault(), headers);
    response
}

/// A 429 for the throttle deviations. The body is read (and dropped) first: answering before it
/// arrives makes hyper close the connection, and a client's next request on that pooled
/// connection then fails with a broken pipe, which Graph's own throttling never causes. A body
/// that cannot be read changes nothing: the answer is 429 either way.
async fn throttled(request: Request, after: &'static str) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let _ = body::read(&parts.headers, body).await;
    Err(ApiError::throttled(after))
}

/// `handling`'s outcome, or a 500 if it panicked. Caught in place rather than in a spawned task:
/// a task per request cost more than the request's own work.
async fn caught(
    handling: impl std::future::Future<Output = Result<Response, ApiError>>,
) -> Result<Response, ApiError> {
    AssertUnwindSafe(handling)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::internal(
                "the service failed while answering (a panic); please report it with the request-id",
            ))
        })
}

/// A service started by [`start`]; it stops on [`RunningService::shutdown`] or when dropped.
pub struct RunningService {
    /// `http://127.0.0.1:P/<version>`.
    pub base_url: String,
    pub ids: IdsFile,
    pub addr: SocketAddr,
    pub state: ServiceState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningService {
    /// Stops accepting, lets answers in flight finish (2 s at most), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn bind(port: u16) -> Result<TcpListener, ServiceError> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| bind_error(port, source))
}

fn bind_error(port: u16, source: std::io::Error) -> ServiceError {
    if source.kind() == std::io::ErrorKind::AddrInUse {
        ServiceError::PortInUse { port }
    } else {
        ServiceError::Bind { port, source }
    }
}

fn base_url(addr: SocketAddr, pack: &Pack) -> String {
    format!("http://127.0.0.1:{}{}", addr.port(), pack.version_prefix())
}

/// Binds `127.0.0.1:port` (0 picks a free port) and serves on the current tokio runtime.
pub async fn start(
    pack: Arc<Pack>,
    options: ServiceOptions,
    port: u16,
) -> Result<RunningService, ServiceError> {
    let listener = bind(port).await?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServiceError::Bind { port, source })?;
    let ids = pack.fixture_ids();
    let url = base_url(addr, &pack);
    let state = ServiceState::new(pack, options);
    let app = router(state.clone());
    let (stop, task) = spawn_serving(listener, app);
    Ok(RunningService {
        base_url: url,
        ids,
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

/// Serves `app` on `listener` in a task until the returned sender is used (or dropped); the
/// embedded service and the bench's minimal baseline are served the same way.
pub(crate) fn spawn_serving(
    listener: TcpListener,
    app: Router,
) -> (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    (stop, task)
}

/// The page's example request body (`{}` when the pack has none).
pub fn example_body(pack: &Pack) -> String {
    pack.meta
        .example
        .as_ref()
        .map_or_else(|| "{}".to_owned(), serde_json::Value::to_string)
}

/// A ready-to-paste example: a token, then a PATCH of the page's example body (or one writable
/// property at its initial value) through the canonical variant as printed.
pub fn example(base_url: &str, pack: &Pack) -> String {
    let canonical = pack.canonical();
    let keys = pack
        .fixtures
        .variants
        .get(&canonical.name)
        .map(|v| v.keys.clone())
        .unwrap_or_default();
    let path = canonical
        .template
        .fill(&keys, Spelling::Printed)
        .unwrap_or_else(|_| canonical.template.printed().to_owned());
    let body = example_body(pack);
    format!(
        "TOKEN=$(graph-conformance token --pack {})\n\
         curl -sS -X PATCH '{base_url}{path}' \\\n  \
         -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\\n  \
         -d '{}'",
        pack.meta.name,
        body.replace('\'', "'\\''")
    )
}

/// For `graph-conformance serve`: writes the ids file if asked, prints where it listens and a
/// ready-to-paste example, and serves until Ctrl-C or SIGTERM.
pub(crate) async fn serve_forever(
    pack: Arc<Pack>,
    options: ServiceOptions,
    port: u16,
    front: Front,
    ids_out: Option<&Path>,
) -> Result<(), ServiceError> {
    let (listener, addr) = match front {
        Front::Tokio => {
            let listener = bind(port).await?;
            let addr = listener
                .local_addr()
                .map_err(|source| ServiceError::Bind { port, source })?;
            (Some(listener), addr)
        }
        Front::ThreadPerConnection { backlog } => {
            let listener =
                threaded::bind(port, backlog).map_err(|source| bind_error(port, source))?;
            let addr = listener
                .local_addr()
                .map_err(|source| ServiceError::Bind { port, source })?;
            let app = router(ServiceState::new(Arc::clone(&pack), options.clone()));
            std::thread::Builder::new()
                .name("accept".into())
                .spawn(move || threaded::serve_forever(&listener, &app))
                .map_err(|source| ServiceError::Bind { port, source })?;
            (None, addr)
        }
    };
    if let Some(path) = ids_out {
        let text = serde_json::to_string_pretty(&pack.fixture_ids().written())
            .expect("the ids file serialises");
        std::fs::write(path, text + "\n").map_err(|source| ServiceError::WriteIds {
            path: path.display().to_string(),
            source,
        })?;
    }
    print_banner(&pack, &options, addr, front, ids_out);
    let Some(listener) = listener else {
        // The threads answer until the process ends.
        shutdown_signal().await;
        return Ok(());
    };
    let state = ServiceState::new(pack, options);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(ServiceError::Serve)
}

/// Where `serve` listens, what it breaks, and a ready-to-paste example. A courtesy: a closed
/// stdout (`serve | head -1`) must not stop the service, as `println!` would by panicking.
fn print_banner(
    pack: &Pack,
    options: &ServiceOptions,
    addr: SocketAddr,
    front: Front,
    ids_out: Option<&Path>,
) {
    let url = base_url(addr, pack);
    let mut banner = format!(
        "listening on {url}\npack {}: {}\n",
        pack.meta.name, pack.meta.title
    );
    if let Front::ThreadPerConnection { backlog } = front {
        banner += &format!("a thread per connection, listen queue {backlog}\n");
    }
    if let Some(fault) = options.fault {
        let info = fault.listing();
        banner += &format!(
            "fault {} (breaks {}): {}\n",
            info.name, info.clause, info.description
        );
    }
    for d in &options.deviations {
        banner += &format!("deviation {}: {}\n", d.name(), d.info().description);
    }
    if let Some(path) = ids_out {
        banner += &format!("ids written to {}\n", path.display());
    }
    banner += &format!("try:\n{}\n", example(&url, pack));
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn buggy() -> Result<Response, ApiError> {
        panic!("a bug in a handler")
    }

    #[tokio::test]
    async fn a_panic_while_answering_is_a_500() {
        let outcome = caught(buggy()).await;
        let error = outcome.expect_err("a panic is an error, not an answer");
        assert_eq!(error.status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert!(error.message.contains("panic"), "{}", error.message);
    }
}
