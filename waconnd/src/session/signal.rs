//! What a session learns about its connection: facts from the client's
//! events, its transport factory and the stanzas the server ends a stream
//! with. Ordered per session; [`super::policy`] decides what each leads to.

use std::time::Duration;

/// A fact about a session's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A connection attempt starts.
    Attempt,
    /// The attempt could not reach WhatsApp (why, in plain words).
    AttemptFailed(String),
    /// A QR code to show (payload, validity).
    Qr(String, Duration),
    /// A pair code to type on the phone (code, validity).
    Code(String, Duration),
    /// The server's QR refs ran out; the client stops.
    QrExhausted,
    /// A phone linked the device (its JID and push name).
    Paired {
        /// The device's JID (`number:device@s.whatsapp.net`).
        jid: String,
        /// The account's push name (empty for a personal account).
        push_name: String,
    },
    /// The client refused a pairing.
    PairError(String),
    /// The server or the phone refused a pair code.
    CodeRefused {
        /// What was refused, in plain words.
        error: String,
        /// The server throttles codes for this number: asking again now is
        /// futile.
        throttled: bool,
    },
    /// The pair code ran out before it was typed.
    CodeExpired,
    /// Logged in and live.
    Connected,
    /// The connection was lost (why, in plain words).
    Lost(String),
    /// The server ended or flagged the stream with a stanza the client
    /// raises no event of its own for.
    ServerSaid(ServerWord),
    /// The device is logged out (why, naming the server's code).
    LoggedOut(String),
    /// Another client took over (the server's words).
    Replaced(String),
    /// Temporarily banned for this long (the server's words).
    Banned(Duration, String),
    /// The server rejected the client version this link was built with.
    Outdated(String),
    /// The server refused the login for now (500, 503): retry later.
    RetryLater(String),
    /// Stopped for another reason; retrying will not help.
    Failed(String),
    /// The account's push name changed.
    PushName(String),
    /// Traffic only the account itself produces: its phone is alive.
    AccountActivity,
}

/// A `<stream:error>` or `<xmlstreamend/>` the client handles without an
/// event (whatsapp-rust `client/node_io.rs`, `handle_stream_error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerWord {
    /// `code="429"`: rate limited; the client wants a long backoff.
    RateLimited,
    /// `code="503"`: the server is going away.
    Unavailable,
    /// `code="515"`: reconnect now (not a failure).
    RestartRequired,
    /// `<xmlstreamend/>`: the server ended the stream.
    StreamEnd,
    /// `<xml-not-well-formed/>`: the server could not read what it got.
    BadXml,
    /// `<ack/>`: the server is owed an acknowledgement and recycles the stream.
    AckOwed,
    /// Any other stream error, with its code or child.
    Other(String),
}

impl ServerWord {
    /// What the server said, in plain words with its code.
    pub fn describe(&self) -> String {
        match self {
            Self::RateLimited => "rate limited by WhatsApp (stream error 429)".into(),
            Self::Unavailable => "WhatsApp is restarting (stream error 503)".into(),
            Self::RestartRequired => "WhatsApp asked for a reconnect (stream error 515)".into(),
            Self::StreamEnd => "WhatsApp ended the stream (xmlstreamend)".into(),
            Self::BadXml => {
                "WhatsApp could not read what it was sent (stream error xml-not-well-formed)".into()
            }
            Self::AckOwed => {
                "WhatsApp is owed an acknowledgement and recycled the stream (stream error ack)"
                    .into()
            }
            Self::Other(code) => format!("WhatsApp ended the stream (stream error {code})"),
        }
    }

    /// Whether the server is pushing back on how much it is asked (counts
    /// toward lowering the daemon's connect rate).
    pub fn is_pushback(&self) -> bool {
        matches!(self, Self::RateLimited | Self::Unavailable)
    }
}
