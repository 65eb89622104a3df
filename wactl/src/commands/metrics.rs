//! `wactl metrics`: Prometheus text exposition format 0.0.4. Always a
//! valid exposition, so a textfile job replaces yesterday's file even when
//! the daemon is down: `waconn_up` says whether it answered, and
//! `waconn_metrics_generated_timestamp_seconds` when this was written (a
//! stale value means the job itself stopped).

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use waconn_proto::time::now_ms;
use waconn_proto::{Client, DaemonInfo, SessionInfo, SessionState};

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

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn seconds(ms: i64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

/// The two families every exposition starts with.
fn header(out: &mut String, up: bool, now: i64) {
    family(
        out,
        "waconn_up",
        "gauge",
        "1 when wactl reached waconnd, 0 when it did not (then no other series).",
    );
    let _ = writeln!(out, "waconn_up {}", u8::from(up));
    family(
        out,
        "waconn_metrics_generated_timestamp_seconds",
        "gauge",
        "When wactl wrote this exposition (Unix time); alert when it goes stale.",
    );
    let _ = writeln!(
        out,
        "waconn_metrics_generated_timestamp_seconds {}",
        seconds(now)
    );
}

/// The exposition when the daemon could not be asked, at `now`.
pub fn render_down(now: i64) -> String {
    let mut out = String::new();
    header(&mut out, false, now);
    out
}

/// A label value, escaped as the exposition format requires.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition of `sessions` and `daemon` at `now`.
pub fn render(sessions: &[SessionInfo], daemon: &DaemonInfo, now: i64) -> String {
    let mut out = String::new();
    header(&mut out, true, now);
    family(&mut out, "waconn_sessions", "gauge", "Sessions by state.");
    for state in SessionState::ALL {
        let n = sessions.iter().filter(|s| s.state == state).count();
        let _ = writeln!(out, "waconn_sessions{{state=\"{state}\"}} {n}");
    }
    family(
        &mut out,
        "waconn_session_up",
        "gauge",
        "1 while the number is CONNECTED.",
    );
    for s in sessions {
        let up = u8::from(s.state == SessionState::Connected);
        let _ = writeln!(
            out,
            "waconn_session_up{{number=\"{}\",state=\"{}\"}} {up}",
            s.number, s.state
        );
    }
    family(
        &mut out,
        "waconn_session_disconnects_total",
        "counter",
        "Times the number left CONNECTED since it was registered.",
    );
    for s in sessions {
        let _ = writeln!(
            out,
            "waconn_session_disconnects_total{{number=\"{}\"}} {}",
            s.number, s.disconnects
        );
    }
    family(
        &mut out,
        "waconn_session_last_connected_timestamp_seconds",
        "gauge",
        "Last time the number became CONNECTED (Unix time).",
    );
    for s in sessions {
        if let Some(at) = s.connected_at {
            let _ = writeln!(
                out,
                "waconn_session_last_connected_timestamp_seconds{{number=\"{}\"}} {}",
                s.number,
                seconds(at)
            );
        }
    }
    family(
        &mut out,
        "waconn_session_last_seen_timestamp_seconds",
        "gauge",
        "Last data received from WhatsApp for the number (Unix time).",
    );
    for s in sessions {
        if let Some(at) = s.last_seen {
            let _ = writeln!(
                out,
                "waconn_session_last_seen_timestamp_seconds{{number=\"{}\"}} {}",
                s.number,
                seconds(at)
            );
        }
    }
    family(
        &mut out,
        "waconn_daemon_uptime_seconds",
        "gauge",
        "Seconds since waconnd started.",
    );
    let _ = writeln!(
        out,
        "waconn_daemon_uptime_seconds {}",
        seconds(now - daemon.started_at)
    );
    family(
        &mut out,
        "waconn_build_info",
        "gauge",
        "The running waconnd's version.",
    );
    let _ = writeln!(
        out,
        "waconn_build_info{{version=\"{}\"}} 1",
        label(&daemon.version)
    );
    out
}
