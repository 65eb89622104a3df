//! How the HTTP face answers: JSON views with 200, and every failure as
//! the object `wactl --json` prints (`{"error": {"code", "message"},
//! "exitCode"}`) with the HTTP status that fits it.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use waconn_proto::views::FailureView;
use waconn_proto::{ErrorCode, ErrorReply};

/// `view` as JSON (one line, as wactl prints it), 200.
pub fn json(view: &impl Serialize) -> Response {
    match serde_json::to_vec(view) {
        Ok(mut body) => {
            body.push(b'\n');
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Err(e) => failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            &FailureView::from(&ErrorReply::new(
                ErrorCode::Internal,
                format!("cannot write the answer as JSON: {e}"),
            )),
        ),
    }
}

/// `view` with `status`.
pub fn failure(status: StatusCode, view: &FailureView) -> Response {
    let mut response = json(view);
    *response.status_mut() = status;
    response
}

/// A request the daemon refused, with the status its code calls for.
pub fn refused(e: &ErrorReply) -> Response {
    let status = match e.code {
        ErrorCode::UnknownNumber => StatusCode::NOT_FOUND,
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::InvalidState | ErrorCode::PairingFailed => StatusCode::CONFLICT,
        ErrorCode::ShuttingDown | ErrorCode::LimitReached => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal | ErrorCode::ProtocolMismatch => StatusCode::INTERNAL_SERVER_ERROR,
    };
    failure(status, &FailureView::from(e))
}

/// A request written wrong (`usage`, 400).
pub fn usage(message: impl Into<String>) -> Response {
    failure(StatusCode::BAD_REQUEST, &FailureView::usage(message))
}

/// An answer the handler did not expect: the daemon's fault, 500.
pub fn internal(what: &str) -> Response {
    refused(&ErrorReply::new(
        ErrorCode::Internal,
        format!("{what}: the daemon gave an unexpected answer; its log may say why"),
    ))
}
