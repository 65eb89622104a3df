//! `GET /healthz` (200 while the daemon runs) and `GET /readyz` (200 once
//! the sessions are restored, 503 before and while shutting down), for
//! container platforms and load balancers.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Face, Phase};

/// The daemon runs.
pub async fn healthz() -> Response {
    text(StatusCode::OK, "ok")
}

/// The daemon serves requests.
pub async fn readyz(State(face): State<Face>) -> Response {
    match &*face.phase.borrow() {
        Phase::Ready(_) => text(StatusCode::OK, "ready"),
        Phase::Starting => text(StatusCode::SERVICE_UNAVAILABLE, "restoring sessions"),
        Phase::Stopping => text(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
    }
}

fn text(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{body}\n"),
    )
        .into_response()
}
