//! The original system's endpoints, answering with exactly the JSON of
//! `wactl list --json` (`GET /api/connections`), `wactl status N --json`
//! (`GET /api/status?numero=N`) and `wactl status --json`
//! (`GET /api/system-status`), through the same request handlers as the
//! socket.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use waconn_proto::views::{ConnectionsView, SessionView, SystemView};
use waconn_proto::{ListRequest, Number, Request, Response as Answer, StatusRequest};

use super::{Face, reply};

/// `GET /api/connections`.
pub async fn connections(State(face): State<Face>) -> Response {
    match face.ask(Request::List(ListRequest {})).await {
        Ok(Answer::Sessions(sessions)) => reply::json(&ConnectionsView::new(&sessions)),
        Ok(other) => unexpected("/api/connections", other),
        Err(response) => response,
    }
}

/// The query of `/api/status`.
#[derive(Deserialize)]
pub struct StatusQuery {
    numero: Option<String>,
}

/// `GET /api/status?numero=N`.
pub async fn status(
    State(face): State<Face>,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Response {
    let numero = match query {
        Ok(Query(query)) => query.numero,
        Err(e) => return reply::usage(format!("cannot read the query of /api/status: {e}")),
    };
    let Some(numero) = numero.filter(|n| !n.trim().is_empty()) else {
        return reply::usage(
            "/api/status needs the number: ask for /api/status?numero=15551234567 (/api/connections lists every number)",
        );
    };
    let number = match Number::parse(&numero) {
        Ok(number) => number,
        Err(e) => return reply::usage(format!("numero: {e}")),
    };
    let request = Request::Status(StatusRequest {
        number: Some(number),
    });
    match face.ask(request).await {
        Ok(Answer::Session(info)) => reply::json(&SessionView::from(&info)),
        Ok(other) => unexpected("/api/status", other),
        Err(response) => response,
    }
}

/// `GET /api/system-status`.
pub async fn system_status(State(face): State<Face>) -> Response {
    match face
        .ask(Request::Status(StatusRequest { number: None }))
        .await
    {
        Ok(Answer::Daemon(daemon)) => {
            reply::json(&SystemView::new(&daemon, waconn_proto::time::now_ms()))
        }
        Ok(other) => unexpected("/api/system-status", other),
        Err(response) => response,
    }
}

fn unexpected(what: &str, answer: Answer) -> Response {
    match answer {
        Answer::Error(e) => reply::refused(&e),
        _ => reply::internal(what),
    }
}
