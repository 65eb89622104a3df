//! The Prometheus text exposition (format 0.0.4) of `wactl metrics` and
//! of the daemon's `GET /metrics`: one builder, so both say the same.
//!
//! Small at any size: totals per state, and series per number only for the
//! numbers that are not connected (a connected number is counted in
//! `waconn_sessions` and says nothing more), so ten thousand healthy numbers
//! are a few dozen lines. A number's label is its digits, the same value
//! `wactl` and the JSON use.

use std::fmt::Write as _;

use crate::message::{DaemonInfo, SessionInfo, SinkStats};
use crate::state::SessionState;

/// The exposition's content type, for an HTTP answer.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

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
        "1 when waconnd answered, 0 when it did not (then no other series).",
    );
    let _ = writeln!(out, "waconn_up {}", u8::from(up));
    family(
        out,
        "waconn_metrics_generated_timestamp_seconds",
        "gauge",
        "When this exposition was made (Unix time); alert when it goes stale.",
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
    let mut counts = [0usize; SessionState::ALL.len()];
    for s in sessions {
        if let Some(i) = SessionState::ALL.iter().position(|state| *state == s.state) {
            counts[i] += 1;
        }
    }
    for (state, n) in SessionState::ALL.iter().zip(counts) {
        let _ = writeln!(out, "waconn_sessions{{state=\"{state}\"}} {n}");
    }
    family(
        &mut out,
        "waconn_messages_received_total",
        "counter",
        "Messages the linked devices received and decrypted, over every number, since each was registered.",
    );
    let received: u64 = sessions.iter().map(|s| s.messages_received).sum();
    let _ = writeln!(out, "waconn_messages_received_total {received}");
    let down: Vec<&SessionInfo> = sessions
        .iter()
        .filter(|s| s.state != SessionState::Connected)
        .collect();
    per_number(&mut out, &down);
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
    connect_rate(&mut out, daemon);
    wa_version(&mut out, daemon);
    notifications(&mut out, &daemon.notifications);
    out
}

/// The connect rate in force and the configured one: a lower one means
/// WhatsApp pushed back on many numbers at once.
fn connect_rate(out: &mut String, daemon: &DaemonInfo) {
    family(
        out,
        "waconn_connect_rate",
        "gauge",
        "Connection attempts per second allowed now; below waconn_connect_rate_configured while WhatsApp pushes back (429, 503) on many numbers.",
    );
    let _ = writeln!(out, "waconn_connect_rate {}", daemon.connect_rate);
    family(
        out,
        "waconn_connect_rate_configured",
        "gauge",
        "Connection attempts per second configured (--connect-rate).",
    );
    let _ = writeln!(
        out,
        "waconn_connect_rate_configured {}",
        daemon.connect_rate_configured
    );
}

/// The WhatsApp Web version new connections announce, and where it came
/// from.
fn wa_version(out: &mut String, daemon: &DaemonInfo) {
    family(
        out,
        "waconn_wa_version_info",
        "gauge",
        "The WhatsApp Web version new connections announce, and its source (fetched, persisted, built-in, pinned).",
    );
    let _ = writeln!(
        out,
        "waconn_wa_version_info{{version=\"{}\",source=\"{}\"}} 1",
        label(&daemon.wa_version),
        label(&daemon.wa_version_source)
    );
    family(
        out,
        "waconn_wa_version_fetch_failing",
        "gauge",
        "1 while the last fetch of the WhatsApp Web version failed (the kept one serves meanwhile).",
    );
    let _ = writeln!(
        out,
        "waconn_wa_version_fetch_failing {}",
        u8::from(daemon.wa_version_error.is_some())
    );
}

/// The series of the numbers that are not connected.
fn per_number(out: &mut String, down: &[&SessionInfo]) {
    family(
        out,
        "waconn_session_up",
        "gauge",
        "0 for each number that is not CONNECTED, labelled with its state; connected numbers are counted in waconn_sessions only.",
    );
    for s in down {
        let _ = writeln!(
            out,
            "waconn_session_up{{number=\"{}\",state=\"{}\"}} 0",
            s.number, s.state
        );
    }
    family(
        out,
        "waconn_session_state_since_timestamp_seconds",
        "gauge",
        "When each number that is not CONNECTED entered its state (Unix time).",
    );
    for s in down {
        let _ = writeln!(
            out,
            "waconn_session_state_since_timestamp_seconds{{number=\"{}\"}} {}",
            s.number,
            seconds(s.since)
        );
    }
    family(
        out,
        "waconn_session_last_connected_timestamp_seconds",
        "gauge",
        "Last time each number that is not CONNECTED was (Unix time); absent if it never was.",
    );
    for s in down {
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
        out,
        "waconn_session_last_seen_timestamp_seconds",
        "gauge",
        "Last data received from WhatsApp for each number that is not CONNECTED (Unix time).",
    );
    for s in down {
        if let Some(at) = s.last_seen {
            let _ = writeln!(
                out,
                "waconn_session_last_seen_timestamp_seconds{{number=\"{}\"}} {}",
                s.number,
                seconds(at)
            );
        }
    }
}

/// The push-alert families, when the daemon has sinks.
fn notifications(out: &mut String, sinks: &[SinkStats]) {
    if sinks.is_empty() {
        return;
    }
    let labels = |s: &SinkStats| format!("sink=\"{}\",index=\"{}\"", s.kind.as_str(), s.index);
    family(
        out,
        "waconn_notifications_delivered_total",
        "counter",
        "State changes a push-alert sink delivered (webhook: a 2xx answer; command: exit 0); sinks are numbered per kind in the order given.",
    );
    for s in sinks {
        let _ = writeln!(
            out,
            "waconn_notifications_delivered_total{{{}}} {}",
            labels(s),
            s.delivered
        );
    }
    family(
        out,
        "waconn_notifications_failures_total",
        "counter",
        "Delivery attempts that failed (a webhook's are retried with growing backoff, a command's are not).",
    );
    for s in sinks {
        let _ = writeln!(
            out,
            "waconn_notifications_failures_total{{{}}} {}",
            labels(s),
            s.failures
        );
    }
    family(
        out,
        "waconn_notifications_dropped_total",
        "counter",
        "State changes a sink will never deliver: its queue was full (full), it fell behind the event stream (missed), or retrying ran out of time (expired).",
    );
    for s in sinks {
        for (reason, n) in [
            ("full", s.dropped_full),
            ("missed", s.dropped_missed),
            ("expired", s.dropped_expired),
        ] {
            let _ = writeln!(
                out,
                "waconn_notifications_dropped_total{{{},reason=\"{reason}\"}} {n}",
                labels(s)
            );
        }
    }
    family(
        out,
        "waconn_notifications_queued",
        "gauge",
        "State changes waiting for a sink now.",
    );
    for s in sinks {
        let _ = writeln!(
            out,
            "waconn_notifications_queued{{{}}} {}",
            labels(s),
            s.queued
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::SinkKind;
    use crate::number::Number;

    fn session(number: &str, state: SessionState) -> SessionInfo {
        SessionInfo {
            number: Number::from_digits(number).expect("number"),
            state,
            reason: "test".into(),
            since: 1_700_000_000_000,
            has_qr: false,
            created_at: 1_700_000_000_000,
            paired_at: None,
            connected_at: Some(1_700_000_000_500),
            disconnected_at: None,
            last_seen: Some(1_700_000_001_000),
            jid: None,
            push_name: None,
            pairing_deadline: None,
            retry_at: None,
            forget_at: None,
            disconnects: 0,
            phone_seen_at: None,
            messages_received: 0,
            last_message_at: None,
            node: None,
        }
    }

    fn daemon(notifications: Vec<SinkStats>) -> DaemonInfo {
        DaemonInfo {
            version: "0.1.0\"x".into(),
            pid: 1,
            started_at: 1_700_000_000_000,
            socket: String::new(),
            data_dir: String::new(),
            counts: Vec::new(),
            wa_version: "2.3000.1".into(),
            wa_version_source: "pinned".into(),
            wa_version_fetched_at: None,
            wa_version_error: None,
            wa_version_error_at: None,
            connect_rate: 50,
            connect_rate_configured: 50,
            connect_rate_reason: None,
            notifications,
            engine: "files".into(),
            database: None,
            node: None,
            nodes: Vec::new(),
        }
    }

    #[test]
    fn ten_thousand_connected_numbers_are_a_few_lines() {
        let sessions: Vec<SessionInfo> = (0..10_000)
            .map(|i| session(&format!("1555{i:07}"), SessionState::Connected))
            .collect();
        let body = render(&sessions, &daemon(Vec::new()), 1_700_000_100_000);
        assert!(body.lines().count() < 50, "{body}");
        assert!(body.contains("waconn_sessions{state=\"CONNECTED\"} 10000\n"));
        assert!(!body.contains("15550000001"), "{body}");
    }

    #[test]
    fn numbers_that_are_not_connected_get_their_series() {
        let sessions = [
            session("15550000001", SessionState::Connected),
            session("15550000002", SessionState::Disconnected),
        ];
        let body = render(&sessions, &daemon(Vec::new()), 1_700_000_100_000);
        assert!(
            body.contains("waconn_session_up{number=\"15550000002\",state=\"DISCONNECTED\"} 0\n")
        );
        assert!(body.contains(
            "waconn_session_state_since_timestamp_seconds{number=\"15550000002\"} 1700000000.000\n"
        ));
        assert!(!body.contains("15550000001"), "{body}");
        assert!(body.contains("waconn_build_info{version=\"0.1.0\\\"x\"} 1\n"));
        assert!(
            !body.contains("waconn_notifications"),
            "no sinks, no families"
        );
    }

    #[test]
    fn sinks_are_named_by_kind_and_position() {
        let stats = SinkStats {
            kind: SinkKind::Webhook,
            index: 1,
            delivered: 3,
            failures: 2,
            queued: 1,
            dropped_full: 4,
            dropped_missed: 5,
            dropped_expired: 6,
        };
        let body = render(&[], &daemon(vec![stats]), 1_700_000_100_000);
        for line in [
            "waconn_notifications_delivered_total{sink=\"webhook\",index=\"1\"} 3",
            "waconn_notifications_failures_total{sink=\"webhook\",index=\"1\"} 2",
            "waconn_notifications_dropped_total{sink=\"webhook\",index=\"1\",reason=\"full\"} 4",
            "waconn_notifications_dropped_total{sink=\"webhook\",index=\"1\",reason=\"missed\"} 5",
            "waconn_notifications_dropped_total{sink=\"webhook\",index=\"1\",reason=\"expired\"} 6",
            "waconn_notifications_queued{sink=\"webhook\",index=\"1\"} 1",
        ] {
            assert!(body.contains(&format!("{line}\n")), "{line} in\n{body}");
        }
    }
}
