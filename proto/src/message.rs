//! The messages on the socket. The client opens with [`Hello`], the daemon
//! answers with [`Response::Hello`] (or an error), then the client sends one
//! [`Request`]. Most requests get one [`Response`]; streaming ones (pair,
//! events) get a sequence of frames ending with a final one.
//!
//! Every enum here is append-only: bincode encodes variants by position.

use serde::{Deserialize, Serialize};

use crate::error::ErrorReply;
use crate::number::Number;
use crate::state::SessionState;

/// The first frame from the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`crate::PROTOCOL`] of the sender.
    pub protocol: u32,
    /// Version of the sender's build.
    pub version: String,
}

/// What a client asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Register a number (if new) and follow its pairing.
    Pair(PairRequest),
    /// Every session.
    List(ListRequest),
    /// One session, or the daemon itself.
    Status(StatusRequest),
    /// Everything known about one session.
    Inspect(InspectRequest),
    /// Reconnect a session now, resetting its backoff.
    Reconnect(ReconnectRequest),
    /// Unlink a device and forget the number.
    Drop(DropRequest),
    /// Follow state changes live.
    Events(EventsRequest),
    /// Like [`Request::Pair`], linking with an 8-character code typed on
    /// the phone instead of a QR scan.
    PairCode(PairRequest),
    /// Hand every number of this node to the other nodes sharing its
    /// database, one at a time.
    Drain(DrainRequest),
}

/// Hand this node's numbers over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrainRequest {}

/// Register `number` if new and stream its pairing until it is connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairRequest {
    /// The number to pair.
    pub number: Number,
}

/// List every session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRequest {}

/// Status of one session, or of the daemon when `number` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRequest {
    /// The session asked about.
    pub number: Option<Number>,
}

/// Details of one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectRequest {
    /// The session asked about.
    pub number: Number,
}

/// Reconnect one session now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconnectRequest {
    /// The session to reconnect.
    pub number: Number,
}

/// Unlink the device (when connected), delete credentials and entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropRequest {
    /// The session to drop.
    pub number: Number,
}

/// Follow state changes of `numbers` (every number when empty) until the
/// client leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsRequest {
    /// The numbers to follow; all when empty.
    pub numbers: Vec<Number>,
}

/// What the daemon answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The daemon accepts the client's [`Hello`].
    Hello(Hello),
    /// The request was carried out.
    Done(Done),
    /// Every session.
    Sessions(Vec<SessionInfo>),
    /// One session.
    Session(SessionInfo),
    /// The daemon itself.
    Daemon(DaemonInfo),
    /// One session in depth.
    Inspect(SessionDetail),
    /// A step of a pairing (streamed).
    Pairing(PairingUpdate),
    /// The request failed.
    Error(ErrorReply),
    /// A state change (streamed for [`Request::Events`]).
    Event(StateEvent),
}

/// A session changed state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateEvent {
    /// The number.
    pub number: Number,
    /// The change.
    pub transition: Transition,
}

/// A request carried out; `message` says what happened, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    /// What was done.
    pub message: String,
}

/// One step of a pairing stream; [`PairingUpdate::Connected`] ends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PairingUpdate {
    /// A QR code to show until `expires_at` (epoch ms).
    Qr(QrCode),
    /// The session changed state.
    State(SessionInfo),
    /// The number is paired and connected: the stream ends.
    Connected(SessionInfo),
    /// A code to type on the phone (for [`Request::PairCode`]).
    Code(PairCode),
    /// The pairing ended without a linked device: why, and what to do.
    Ended(String),
}

/// An 8-character pair code to type on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairCode {
    /// The code; a secret for as long as it is valid.
    pub code: String,
    /// When it stops being valid (epoch ms).
    pub expires_at: i64,
}

/// A QR code payload to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrCode {
    /// The payload to encode; a secret for as long as it is valid.
    pub code: String,
    /// When it stops being valid (epoch ms).
    pub expires_at: i64,
}

/// One session as the daemon sees it. Times are epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The phone number.
    pub number: Number,
    /// Current state.
    pub state: SessionState,
    /// Why it is in that state.
    pub reason: String,
    /// When it entered that state.
    pub since: i64,
    /// Whether a QR code is valid right now.
    pub has_qr: bool,
    /// When it was registered.
    pub created_at: i64,
    /// When it was paired, if it is.
    pub paired_at: Option<i64>,
    /// Last time it became `CONNECTED`.
    pub connected_at: Option<i64>,
    /// Last time it left `CONNECTED`.
    pub disconnected_at: Option<i64>,
    /// Last data received from the server.
    pub last_seen: Option<i64>,
    /// The linked device's JID once paired.
    pub jid: Option<String>,
    /// The account's push name once known.
    pub push_name: Option<String>,
    /// For `PAIRING`: when the number is removed if nobody scans.
    pub pairing_deadline: Option<i64>,
    /// When the daemon retries on its own (ban expiry, next attempt).
    pub retry_at: Option<i64>,
    /// For `LOGGED_OUT`: when the entry is forgotten.
    pub forget_at: Option<i64>,
    /// Connection losses since registration.
    pub disconnects: u64,
    /// Last sign of life of the account's phone (pairing, or traffic that
    /// only the account produces). WhatsApp unlinks a companion whose phone
    /// stays offline 14 days.
    #[serde(default)]
    pub phone_seen_at: Option<i64>,
    /// Messages the linked device received and decrypted since registration.
    #[serde(default)]
    pub messages_received: u64,
    /// When the last of them arrived (epoch ms).
    #[serde(default)]
    pub last_message_at: Option<i64>,
    /// The node that runs it, when nodes share a database.
    #[serde(default)]
    pub node: Option<String>,
}

/// A state change with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// When (epoch ms).
    pub at: i64,
    /// Previous state.
    pub from: SessionState,
    /// New state.
    pub to: SessionState,
    /// Why.
    pub reason: String,
}

/// A session with its recent history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDetail {
    /// The session.
    pub info: SessionInfo,
    /// Recent transitions, oldest first.
    pub transitions: Vec<Transition>,
    /// Path of the credential store.
    pub store_path: String,
    /// Bytes of the credential store on disk.
    pub store_bytes: u64,
}

/// The daemon itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonInfo {
    /// Its version.
    pub version: String,
    /// Its process id.
    pub pid: u32,
    /// When it started (epoch ms).
    pub started_at: i64,
    /// Its socket.
    pub socket: String,
    /// Its data directory.
    pub data_dir: String,
    /// How many sessions are in each state (states with none omitted).
    pub counts: Vec<(SessionState, u64)>,
    /// The WhatsApp Web version new connections announce (`X.Y.Z`).
    pub wa_version: String,
    /// Where it came from: `fetched`, `persisted`, `built-in` or `pinned`.
    pub wa_version_source: String,
    /// When it was fetched (epoch ms), if it was.
    pub wa_version_fetched_at: Option<i64>,
    /// Why the last fetch of the version failed, if it did.
    pub wa_version_error: Option<String>,
    /// When the last fetch failed (epoch ms), if it did.
    pub wa_version_error_at: Option<i64>,
    /// Connection attempts per second allowed now.
    pub connect_rate: u32,
    /// Connection attempts per second configured (`--connect-rate`).
    pub connect_rate_configured: u32,
    /// Why the rate is below the configured one, if it is.
    pub connect_rate_reason: Option<String>,
    /// How the push alerts fare, one entry per `--notify` URL and
    /// `--notify-exec` command, in the order given.
    pub notifications: Vec<SinkStats>,
    /// Where the credentials live: `files` (the data directory) or
    /// `postgres`.
    pub engine: String,
    /// The shared database's URL, without its password, if any.
    pub database: Option<String>,
    /// This node's name, on a shared database.
    pub node: Option<String>,
    /// Every node sharing the database, this one included.
    pub nodes: Vec<NodeInfo>,
}

/// A node sharing the database, as the database sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Its name.
    pub name: String,
    /// Milliseconds since its last heartbeat, on the database's clock.
    pub heartbeat_age_ms: i64,
    /// How many numbers it owns.
    pub numbers: u64,
    /// `live`, `draining`, `stopped` (cleanly) or `lapsed` (no heartbeat
    /// for the takeover time: its numbers go to the others).
    pub status: String,
}

/// Where push alerts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SinkKind {
    /// A URL every change is POSTed to (`--notify`).
    Webhook,
    /// A command run once per change (`--notify-exec`).
    Exec,
}

impl SinkKind {
    /// `webhook` or `exec`, as metrics label it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Exec => "exec",
        }
    }
}

/// What one push-alert sink did since the daemon started. The sink is
/// named by kind and position only: a URL or a command line may hold a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkStats {
    /// Webhook or command.
    pub kind: SinkKind,
    /// Its position among the sinks of its kind, from 1, as given on the
    /// command line.
    pub index: u32,
    /// Changes delivered (a 2xx answer, a command that exited 0).
    pub delivered: u64,
    /// Attempts that failed (a webhook's are retried, a command's not).
    pub failures: u64,
    /// Changes waiting to be delivered now.
    pub queued: u64,
    /// Changes dropped because its queue was full (the oldest go first).
    pub dropped_full: u64,
    /// Changes it missed because it fell behind the daemon's event stream.
    pub dropped_missed: u64,
    /// Changes given up after retrying for `--notify-retry-for`.
    pub dropped_expired: u64,
}
