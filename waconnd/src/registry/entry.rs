//! What the registry keeps of a number: its durable facts (identity,
//! pairing, deadlines, terminal state and reason, counters), owned by the
//! daemon and separate from the wire's `SessionInfo`.

use serde::{Deserialize, Serialize};
use waconn_proto::{Number, SessionState};

use crate::session::record::Record;

/// A number as `sessions.json` keeps it. Unknown fields are tolerated, so
/// the entries of version 1 (which also held the wire view's `has_qr` and
/// a history of transitions) read as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The phone number.
    pub number: Number,
    /// Its state when last written: a state the daemon moves through on its
    /// own (connecting, connected...) is only a checkpoint.
    pub state: SessionState,
    /// Why it is in that state.
    pub reason: String,
    /// When it entered that state.
    pub since: i64,
    /// When it was registered.
    pub created_at: i64,
    /// When it was paired, if it is.
    #[serde(default)]
    pub paired_at: Option<i64>,
    /// Last time it became connected.
    #[serde(default)]
    pub connected_at: Option<i64>,
    /// Last time it left connected.
    #[serde(default)]
    pub disconnected_at: Option<i64>,
    /// Last data received from the server, as of the last checkpoint.
    #[serde(default)]
    pub last_seen: Option<i64>,
    /// The linked device's JID once paired.
    #[serde(default)]
    pub jid: Option<String>,
    /// The account's push name once known.
    #[serde(default)]
    pub push_name: Option<String>,
    /// For `PAIRING`: when the number is removed if nobody scans.
    #[serde(default)]
    pub pairing_deadline: Option<i64>,
    /// For `BANNED` and `OUTDATED`: when the daemon retries on its own.
    #[serde(default)]
    pub retry_at: Option<i64>,
    /// For `LOGGED_OUT`: when the entry is forgotten.
    #[serde(default)]
    pub forget_at: Option<i64>,
    /// Connection losses since registration.
    #[serde(default)]
    pub disconnects: u64,
    /// Last sign of life of the account's phone.
    #[serde(default)]
    pub phone_seen_at: Option<i64>,
    /// Messages received since registration.
    #[serde(default)]
    pub messages_received: u64,
    /// When the last one arrived.
    #[serde(default)]
    pub last_message_at: Option<i64>,
}

impl From<&Record> for Entry {
    fn from(record: &Record) -> Self {
        let i = &record.info;
        Self {
            number: i.number.clone(),
            state: i.state,
            reason: i.reason.clone(),
            since: i.since,
            created_at: i.created_at,
            paired_at: i.paired_at,
            connected_at: i.connected_at,
            disconnected_at: i.disconnected_at,
            last_seen: i.last_seen,
            jid: i.jid.clone(),
            push_name: i.push_name.clone(),
            pairing_deadline: i.pairing_deadline,
            retry_at: i.retry_at,
            forget_at: i.forget_at,
            disconnects: i.disconnects,
            phone_seen_at: i.phone_seen_at,
            messages_received: i.messages_received,
            last_message_at: i.last_message_at,
        }
    }
}

impl From<Entry> for Record {
    fn from(e: Entry) -> Self {
        let mut record = Record::new_pairing(e.number, e.created_at, 0);
        let i = &mut record.info;
        i.state = e.state;
        i.reason = e.reason;
        i.since = e.since;
        i.paired_at = e.paired_at;
        i.connected_at = e.connected_at;
        i.disconnected_at = e.disconnected_at;
        i.last_seen = e.last_seen;
        i.jid = e.jid;
        i.push_name = e.push_name;
        i.pairing_deadline = e.pairing_deadline;
        i.retry_at = e.retry_at;
        i.forget_at = e.forget_at;
        i.disconnects = e.disconnects;
        i.phone_seen_at = e.phone_seen_at;
        i.messages_received = e.messages_received;
        i.last_message_at = e.last_message_at;
        record
    }
}
