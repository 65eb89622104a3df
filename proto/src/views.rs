//! The JSON that `wactl --json` prints and the daemon's HTTP face serves:
//! dedicated view types, never the daemon's internals. Field names are the original system's (`ready`, `hasQr`,
//! `state`, `connectedAt`, `disconnectedAt`, `lastSeen`, `totalClients`,
//! `connectedClients`, `connections`); new fields may be added, none renamed.
//! Times are epoch milliseconds.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::ErrorReply;
use crate::message::{DaemonInfo, SessionDetail, SessionInfo, StateEvent};
use crate::state::SessionState;

/// One number, as `status NUMBER --json` and each `list --json` entry show
/// it (the original `/api/status?numero=` object).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// State is `CONNECTED`.
    pub ready: bool,
    /// A QR code is valid right now.
    pub has_qr: bool,
    /// The state name.
    pub state: SessionState,
    /// Last time it became connected.
    pub connected_at: Option<i64>,
    /// Last time it stopped being connected.
    pub disconnected_at: Option<i64>,
    /// Last data received from WhatsApp.
    pub last_seen: Option<i64>,
    /// The phone number.
    pub number: String,
    /// Why it is in this state.
    pub reason: String,
    /// Since when it is in this state.
    pub since: i64,
    /// When the number was registered.
    pub created_at: i64,
    /// When it was paired.
    pub paired_at: Option<i64>,
    /// The linked device's JID.
    pub jid: Option<String>,
    /// The account's push name.
    pub push_name: Option<String>,
    /// For `PAIRING`: when it is removed if nobody scans.
    pub pairing_deadline: Option<i64>,
    /// When the daemon retries on its own.
    pub retry_at: Option<i64>,
    /// For `LOGGED_OUT`: when it is forgotten.
    pub forget_at: Option<i64>,
    /// Connection losses since registration.
    pub disconnects: u64,
    /// Last sign of life of the account's phone.
    pub phone_seen_at: Option<i64>,
    /// Messages received and decrypted since registration.
    pub messages_received: u64,
    /// When the last of them arrived.
    pub last_message_at: Option<i64>,
    /// The node that runs it when nodes share a database; null otherwise.
    pub node: Option<String>,
}

impl From<&SessionInfo> for SessionView {
    fn from(s: &SessionInfo) -> Self {
        Self {
            ready: s.state == SessionState::Connected,
            has_qr: s.has_qr,
            state: s.state,
            connected_at: s.connected_at,
            disconnected_at: s.disconnected_at,
            last_seen: s.last_seen,
            number: s.number.to_string(),
            reason: s.reason.clone(),
            since: s.since,
            created_at: s.created_at,
            paired_at: s.paired_at,
            jid: s.jid.clone(),
            push_name: s.push_name.clone(),
            pairing_deadline: s.pairing_deadline,
            retry_at: s.retry_at,
            forget_at: s.forget_at,
            disconnects: s.disconnects,
            phone_seen_at: s.phone_seen_at,
            messages_received: s.messages_received,
            last_message_at: s.last_message_at,
            node: s.node.clone(),
        }
    }
}

/// `list --json`: the original `/api/connections` object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionsView {
    /// Numbers known.
    pub total_clients: usize,
    /// Numbers connected.
    pub connected_clients: usize,
    /// Each number.
    pub connections: BTreeMap<String, SessionView>,
}

impl ConnectionsView {
    /// The view of `sessions`.
    pub fn new(sessions: &[SessionInfo]) -> Self {
        Self {
            total_clients: sessions.len(),
            connected_clients: sessions
                .iter()
                .filter(|s| s.state == SessionState::Connected)
                .count(),
            connections: sessions
                .iter()
                .map(|s| (s.number.to_string(), s.into()))
                .collect(),
        }
    }
}

/// `status --json` without a number: the original `/api/system-status`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemView {
    /// Daemon version.
    pub version: String,
    /// Daemon process id.
    pub pid: u32,
    /// When it started.
    pub started_at: i64,
    /// Seconds since it started.
    pub uptime_seconds: i64,
    /// Its socket.
    pub socket: String,
    /// Its data directory.
    pub data_dir: String,
    /// Numbers known.
    pub total_clients: u64,
    /// Numbers connected.
    pub connected_clients: u64,
    /// Numbers per state.
    pub states: BTreeMap<String, u64>,
    /// The WhatsApp Web version new connections announce (`X.Y.Z`).
    pub wa_version: String,
    /// Where it came from: `fetched`, `persisted`, `built-in` or `pinned`.
    pub wa_version_source: String,
    /// When it was fetched, if it was.
    pub wa_version_fetched_at: Option<i64>,
    /// Why the last fetch failed, if it did.
    pub wa_version_error: Option<String>,
    /// Connection attempts per second allowed now.
    pub connect_rate: u32,
    /// Connection attempts per second configured.
    pub connect_rate_configured: u32,
    /// Why the rate is below the configured one, if it is.
    pub connect_rate_reason: Option<String>,
    /// Where the credentials live: `files` or `postgres`.
    pub engine: String,
    /// The shared database's URL, without its password.
    pub database: Option<String>,
    /// This node's name, on a shared database.
    pub node: Option<String>,
    /// Every node sharing the database.
    pub nodes: Vec<NodeView>,
}

/// A node sharing the database, in `status --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    /// Its name.
    pub name: String,
    /// Milliseconds since its last heartbeat.
    pub heartbeat_age_ms: i64,
    /// Numbers it owns.
    pub numbers: u64,
    /// `live`, `draining`, `stopped` or `lapsed`.
    pub status: String,
}

impl SystemView {
    /// The view of `d` at `now`.
    pub fn new(d: &DaemonInfo, now: i64) -> Self {
        let count = |state| {
            d.counts
                .iter()
                .find(|(s, _)| *s == state)
                .map_or(0, |(_, n)| *n)
        };
        Self {
            version: d.version.clone(),
            pid: d.pid,
            started_at: d.started_at,
            uptime_seconds: (now - d.started_at) / 1000,
            socket: d.socket.clone(),
            data_dir: d.data_dir.clone(),
            total_clients: d.counts.iter().map(|(_, n)| n).sum(),
            connected_clients: count(SessionState::Connected),
            states: d
                .counts
                .iter()
                .map(|(s, n)| (s.as_str().to_string(), *n))
                .collect(),
            wa_version: d.wa_version.clone(),
            wa_version_source: d.wa_version_source.clone(),
            wa_version_fetched_at: d.wa_version_fetched_at,
            wa_version_error: d.wa_version_error.clone(),
            connect_rate: d.connect_rate,
            connect_rate_configured: d.connect_rate_configured,
            connect_rate_reason: d.connect_rate_reason.clone(),
            engine: d.engine.clone(),
            database: d.database.clone(),
            node: d.node.clone(),
            nodes: d
                .nodes
                .iter()
                .map(|n| NodeView {
                    name: n.name.clone(),
                    heartbeat_age_ms: n.heartbeat_age_ms,
                    numbers: n.numbers,
                    status: n.status.clone(),
                })
                .collect(),
        }
    }
}

/// A transition in `inspect --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransitionView {
    /// When.
    pub at: i64,
    /// From state.
    pub from: SessionState,
    /// To state.
    pub to: SessionState,
    /// Why.
    pub reason: String,
}

/// `inspect --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectView {
    /// The session.
    #[serde(flatten)]
    pub session: SessionView,
    /// Recent transitions, oldest first.
    pub transitions: Vec<TransitionView>,
    /// The credential store.
    pub store_path: String,
    /// Its size on disk.
    pub store_bytes: u64,
}

impl From<&SessionDetail> for InspectView {
    fn from(d: &SessionDetail) -> Self {
        Self {
            session: (&d.info).into(),
            transitions: d
                .transitions
                .iter()
                .map(|t| TransitionView {
                    at: t.at,
                    from: t.from,
                    to: t.to,
                    reason: t.reason.clone(),
                })
                .collect(),
            store_path: d.store_path.clone(),
            store_bytes: d.store_bytes,
        }
    }
}

/// One problem `check` found.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemView {
    /// The number.
    pub number: String,
    /// Its state, or `UNKNOWN` for a number the daemon does not have.
    pub state: String,
    /// Since when it is not connected.
    pub since: Option<i64>,
    /// Why.
    pub reason: String,
    /// What to do.
    pub action: String,
    /// 3 (recovering on its own) or 4 (needs a person).
    pub exit_code: u8,
}

/// `check --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    /// No problem found.
    pub ok: bool,
    /// The exit code `check` returns.
    pub exit_code: u8,
    /// How many numbers were checked.
    pub checked: usize,
    /// The problems, one per number.
    pub problems: Vec<ProblemView>,
}

/// One line of `events --json`, and the body of each webhook POST.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    /// The number.
    pub number: String,
    /// When (epoch ms).
    pub at: i64,
    /// The same instant as RFC 3339 UTC, for people reading logs.
    pub time: String,
    /// The state it left.
    pub from: SessionState,
    /// The state it entered.
    pub state: SessionState,
    /// Why.
    pub reason: String,
}

impl From<&StateEvent> for EventView {
    fn from(e: &StateEvent) -> Self {
        Self {
            number: e.number.to_string(),
            at: e.transition.at,
            time: crate::time::rfc3339(e.transition.at),
            from: e.transition.from,
            state: e.transition.to,
            reason: e.transition.reason.clone(),
        }
    }
}

/// `{"error": {"code", "message"}, "exitCode"}`: a failure under `--json`,
/// and the body of every HTTP error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureView {
    /// What went wrong.
    pub error: ErrorView,
    /// The exit code wactl returns for it.
    pub exit_code: u8,
}

/// The `error` member of [`FailureView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorView {
    /// A stable snake_case name, e.g. `unknown_number`.
    pub code: String,
    /// What went wrong and what to do, for people.
    pub message: String,
}

impl FailureView {
    /// A failure named `code` (as `wactl(1)` lists them), exiting
    /// `exit_code`.
    pub fn new(code: &str, message: impl Into<String>, exit_code: u8) -> Self {
        Self {
            error: ErrorView {
                code: code.to_string(),
                message: message.into(),
            },
            exit_code,
        }
    }

    /// A wrong command line or request (`usage`, exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new("usage", message, crate::exit::USAGE)
    }
}

impl From<&ErrorReply> for FailureView {
    fn from(e: &ErrorReply) -> Self {
        Self::new(
            e.code.as_str(),
            e.message.clone(),
            crate::exit::for_error(e.code),
        )
    }
}
