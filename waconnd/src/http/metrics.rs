//! `GET /metrics`: the exposition `wactl metrics` prints, from the same
//! builder, for Prometheus to scrape.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use waconn_proto::{ListRequest, Request, Response as Answer, StatusRequest};

use super::{Face, reply};

/// The exposition of every session and the daemon.
pub async fn metrics(State(face): State<Face>) -> Response {
    let sessions = match face.ask(Request::List(ListRequest {})).await {
        Ok(Answer::Sessions(sessions)) => sessions,
        Ok(Answer::Error(e)) => return reply::refused(&e),
        Ok(_) => return reply::internal("/metrics"),
        Err(response) => return response,
    };
    let daemon = match face
        .ask(Request::Status(StatusRequest { number: None }))
        .await
    {
        Ok(Answer::Daemon(daemon)) => daemon,
        Ok(Answer::Error(e)) => return reply::refused(&e),
        Ok(_) => return reply::internal("/metrics"),
        Err(response) => return response,
    };
    let body = waconn_proto::metrics::render(&sessions, &daemon, waconn_proto::time::now_ms());
    (
        [(header::CONTENT_TYPE, waconn_proto::metrics::CONTENT_TYPE)],
        body,
    )
        .into_response()
}
