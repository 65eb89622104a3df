//! `wactl metrics`: Prometheus text exposition format 0.0.4, built by
//! `waconn_proto::metrics` as the daemon's `GET /metrics` is. Always a
//! valid exposition, so a textfile job replaces yesterday's file even when
//! the daemon is down: `waconn_up` says whether it answered, and
//! `waconn_metrics_generated_timestamp_seconds` when this was written (a
//! stale value means the job itself stopped).

use std::io::Write;
use std::path::Path;

use waconn_proto::metrics::{render, render_down};
use waconn_proto::time::now_ms;
use waconn_proto::{Client, DaemonInfo, SessionInfo};

use crate::exit::{self, Failure};

pub async fn run(socket: Option<&Path>) -> Result<u8, Failure> {
    let gathered = gather(socket).await;
    let now = now_ms();
    let (body, outcome) = match gathered {
        Ok((sessions, daemon)) => (render(&sessions, &daemon, now), Ok(exit::OK)),
        Err(failure) => (render_down(now), Err(failure)),
    };
    anstream::stdout().lock().write_all(body.as_bytes())?;
    outcome
}

async fn gather(socket: Option<&Path>) -> Result<(Vec<SessionInfo>, DaemonInfo), Failure> {
    let mut first = crate::client::connect(socket).await?;
    let sessions = first.sessions().await?;
    // Each connection carries one request: ask for the daemon on another.
    let daemon = Client::connect(first.socket()).await?.daemon().await?;
    Ok((sessions, daemon))
}
