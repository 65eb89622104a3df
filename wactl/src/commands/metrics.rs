//! `wactl metrics`: Prometheus text exposition format 0.0.4.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use waconn_proto::{DaemonInfo, Request, Response, SessionInfo, SessionState, StatusRequest};

use crate::client::Client;
use crate::exit::{self, Failure};
use crate::output::now_ms;

pub async fn run(client: &mut Client, socket: &Path) -> Result<u8, Failure> {
    let sessions = super::sessions(client).await?;
    // Each connection carries one request: ask for the daemon on another.
    let mut second = Client::connect(socket).await?;
    let daemon = match second
        .ask(&Request::Status(StatusRequest { number: None }))
        .await?
    {
        Response::Daemon(d) => d,
        other => return Err(second.unexpected(other)),
    };
    anstream::stdout()
        .lock()
        .write_all(render(&sessions, &daemon, now_ms()).as_bytes())?;
    Ok(exit::OK)
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn seconds(ms: i64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

/// The exposition of `sessions` and `daemon` at `now`.
pub fn render(sessions: &[SessionInfo], daemon: &DaemonInfo, now: i64) -> String {
    let mut out = String::new();
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
    let _ = writeln!(out, "waconn_build_info{{version=\"{}\"}} 1", daemon.version);
    out
}
