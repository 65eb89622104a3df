//! The HTTP face (`--http ADDR`, off by default): the original system's
//! `/api/connections`, `/api/status?numero=N` and `/api/system-status`,
//! `/metrics`, `/healthz` and `/readyz`. Like the socket it only decodes a
//! request, calls the per-verb handlers and encodes their answer.
//!
//! It listens before the sessions are restored: `/healthz` answers at once,
//! `/readyz` says 503 until the restore ends, and the other endpoints
//! answer once it has (as the socket does).

mod api;
mod auth;
mod metrics;
mod probes;
mod reply;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use tokio::sync::{oneshot, watch};
use waconn_proto::{ErrorCode, ErrorReply, Request, Response as Answer};

use crate::handlers::Reply;
use crate::secret::Secret;
use crate::supervisor::Supervisor;

/// How long in-flight requests may take to finish at shutdown.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP options.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The bearer token every request must carry, if any.
    pub token: Option<Secret>,
}

/// Parses `--http`: `IP:PORT` (`[IPv6]:PORT`) or `localhost:PORT`.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Some(port) = text.strip_prefix("localhost:") {
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("`{port}` is not a port number (1-65535)"))?;
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    text.parse().map_err(|_| {
        format!(
            "`{text}` is not an address to listen on: write IP:PORT, e.g. 127.0.0.1:3000 (this machine only) or 0.0.0.0:3000 (every interface, with --http-token-file)"
        )
    })
}

/// Whether `addr` is reachable from this machine only.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    match addr.ip() {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Where the daemon stands, as the endpoints see it.
#[derive(Clone)]
enum Phase {
    /// Restoring the sessions.
    Starting,
    /// Serving.
    Ready(Arc<Supervisor>),
    /// Shutting down.
    Stopping,
}

/// What every endpoint shares.
#[derive(Clone)]
struct Face {
    phase: watch::Receiver<Phase>,
    token: Option<Secret>,
}

impl Face {
    /// Asks the handlers, once the sessions are restored; a failure is the
    /// HTTP answer to give.
    async fn ask(&self, request: Request) -> Result<Answer, Response> {
        let mut phase = self.phase.clone();
        let ready = phase
            .wait_for(|p| !matches!(p, Phase::Starting))
            .await
            .map(|p| p.clone());
        let supervisor = match ready {
            Ok(Phase::Ready(supervisor)) => supervisor,
            _ => {
                return Err(reply::refused(&ErrorReply::new(
                    ErrorCode::ShuttingDown,
                    "waconnd is shutting down; ask again once it is back",
                )));
            }
        };
        match crate::handlers::handle(&supervisor, request).await {
            Reply::Once(answer) => Ok(*answer),
            _ => Err(reply::internal("a streaming answer")),
        }
    }
}

/// The bound listener, not serving yet.
pub struct Bound {
    listener: tokio::net::TcpListener,
    token: Option<Secret>,
}

/// Binds `settings.addr`.
pub async fn bind(settings: &HttpSettings) -> anyhow::Result<Bound> {
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| {
            format!(
                "cannot listen for HTTP on {} (--http); is another service (the old one?) still using it? stop it or choose another address",
                settings.addr
            )
        })?;
    Ok(Bound {
        listener,
        token: settings.token.clone(),
    })
}

/// The HTTP face while it serves.
pub struct Running {
    phase: watch::Sender<Phase>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Bound {
    /// Serves from now on; the endpoints that need the sessions wait for
    /// [`Running::ready`].
    pub fn serve(self) -> Running {
        let (phase, phase_rx) = watch::channel(Phase::Starting);
        let face = Face {
            phase: phase_rx,
            token: self.token,
        };
        let addr = self.listener.local_addr().ok();
        let (stop, stopped) = oneshot::channel::<()>();
        if let Some(addr) = addr {
            tracing::info!(
                "HTTP on http://{addr}{}",
                if face.token.is_some() {
                    " (bearer token required)"
                } else {
                    ""
                }
            );
        }
        let app = router(face);
        let task = tokio::spawn(async move {
            let served = axum::serve(self.listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!("the HTTP face stopped: {e}");
            }
        });
        Running { phase, stop, task }
    }
}

impl Running {
    /// The sessions are restored: every endpoint answers.
    pub fn ready(&self, supervisor: Arc<Supervisor>) {
        self.phase.send_replace(Phase::Ready(supervisor));
    }

    /// `/readyz` says 503, requests in flight finish (for a few seconds at
    /// most), the listener closes.
    pub async fn stop(self) {
        self.phase.send_replace(Phase::Stopping);
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(STOP_TIMEOUT, &mut task).await.is_err() {
            task.abort();
        }
    }
}

fn router(face: Face) -> Router {
    Router::new()
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/connections", get(api::connections))
        .route("/api/status", get(api::status))
        .route("/api/system-status", get(api::system_status))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            face.clone(),
            auth::require,
        ))
        .with_state(face)
}

const ENDPOINTS: &str =
    "GET /api/connections, /api/status?numero=N, /api/system-status, /metrics, /healthz or /readyz";

async fn no_such_endpoint(uri: Uri) -> Response {
    reply::failure(
        StatusCode::NOT_FOUND,
        &waconn_proto::views::FailureView::usage(format!(
            "waconnd has no endpoint `{}`: ask for {ENDPOINTS}",
            uri.path()
        )),
    )
}

async fn wrong_method(method: axum::http::Method, uri: Uri) -> Response {
    reply::failure(
        StatusCode::METHOD_NOT_ALLOWED,
        &waconn_proto::views::FailureView::usage(format!(
            "`{method} {}`: waconnd's endpoints only answer {ENDPOINTS}",
            uri.path()
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_which_are_loopback() {
        let loopback = |text: &str| is_loopback(&parse_addr(text).expect(text));
        assert!(loopback("127.0.0.1:3000"));
        assert!(loopback("localhost:3000"));
        assert!(loopback("[::1]:3000"));
        assert!(loopback("[::ffff:127.0.0.1]:3000"));
        assert!(!loopback("0.0.0.0:3000"));
        assert!(!loopback("[::]:3000"));
        assert!(!loopback("192.168.1.2:3000"));
        for bad in ["3000", "localhost", "localhost:x", "example.com:80"] {
            let e = parse_addr(bad).expect_err(bad);
            assert!(e.contains("IP:PORT") || e.contains("port"), "{e}");
        }
    }
}
