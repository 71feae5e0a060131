//! A thread-per-connection front for the reference service (`serve --thread-per-connection`):
//! the shape of most teams' first mocks (Python's `ThreadingHTTPServer`, a Java `HttpServer`
//! with a thread pool, a blocking Rust server). One thread accepts from a short listen queue
//! (Python's default is 5), and each connection gets a thread of its own that answers its
//! requests one after another, keep-alive, HTTP/1.1 only. The answers are the service's own:
//! only the way connections are taken differs, which is what a harness meets in such a mock.

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;

/// The listen queue of Python's `socketserver` (its `request_queue_size`).
pub(crate) const PYTHON_BACKLOG: u32 = 5;

/// Binds `127.0.0.1:port` with a listen queue of `backlog`. Needs a tokio runtime (the socket
/// is made with tokio's, which is the one that lets the queue's length be set).
pub(crate) fn bind(port: u16, backlog: u32) -> std::io::Result<StdListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    let listener = socket.listen(backlog)?.into_std()?;
    listener.set_nonblocking(false)?;
    Ok(listener)
}

/// Serves `app` on `listener` until the process ends, a thread per connection.
pub(crate) fn serve_forever(listener: &StdListener, app: &Router) {
    for stream in listener.incoming() {
        // A connection reset before it was accepted is the client's affair, as in any server.
        let Ok(stream) = stream else { continue };
        let app = app.clone();
        let spawned = std::thread::Builder::new()
            .name("connection".into())
            .spawn(move || answer_connection(stream, app));
        // Out of threads: the connection is dropped, as a thread-per-connection mock would.
        drop(spawned);
    }
}

/// Answers one connection's requests in turn on this thread, until the client closes it.
fn answer_connection(stream: StdStream, app: Router) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    runtime.block_on(async move {
        let _ = stream.set_nodelay(true);
        let Ok(()) = stream.set_nonblocking(true) else {
            return;
        };
        let Ok(stream) = tokio::net::TcpStream::from_std(stream) else {
            return;
        };
        let service = TowerToHyperService::new(app);
        let _ = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service)
            .await;
    });
}
