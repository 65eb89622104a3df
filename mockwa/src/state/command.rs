//! What the admin API tells a connection task to do, and why the phone's
//! part of a pairing can fail.

use std::time::Duration;

use tokio::sync::oneshot;
use wacore_binary::Node;

use crate::phone::QrCode;
use crate::wire::stream_error::StreamError;

/// Why a scan or a typed code did not link a device.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScanError {
    /// The text is not a QR payload or a pair code, or the phone is not a
    /// number.
    #[error("malformed code: {0}")]
    Malformed(String),
    /// No connection holds that ref, or its validity ran out.
    #[error("unknown or expired ref")]
    UnknownRef,
    /// The client refused or botched the pairing.
    #[error("the client rejected the pairing: {0}")]
    Rejected(String),
    /// The client did not answer the pairing in time.
    #[error("the client did not answer the pairing")]
    Timeout,
    /// The code typed on the phone is not the one the client showed; the
    /// client was told its code failed.
    #[error("the code typed is not the one the client shows; the client was told its code failed")]
    WrongCode,
    /// The code was typed after its validity ran out; the client was asked
    /// to show a new one.
    #[error("the code expired; the client was asked to show a new one")]
    CodeExpired,
}

/// What kind of account a phone links a device for, and what the phone
/// does after it linked one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// A business account: the pairing carries `<biz name>` (whatsmeow
    /// `pair.go`), the device takes its push name from it, and the phone
    /// shares no app-state key (the mock answers every app-state sync 409).
    /// A personal account (the default) gets no `<biz>`: its phone shares
    /// the app-state sync key after linking and the critical app state
    /// carries the push name.
    pub business: bool,
    /// For a personal account: the phone does not share its app-state key
    /// (it was locked right after the scan), so the device never gets it.
    pub withhold_key_share: bool,
}

/// What a connection task is told to do from outside.
pub(crate) enum Command {
    /// Cut the socket without a close frame.
    Abort,
    /// Send a stream error, then close as it says.
    StreamError(Ending),
    /// Send this stanza.
    Send(Node),
    /// The device's outbox has stanzas to deliver.
    Outbox,
    /// Something the phone did that only a registering connection can serve.
    Phone(PhoneCommand),
}

/// The phone's side of a pairing, routed to the connection it concerns.
pub(crate) enum PhoneCommand {
    /// The phone scanned a ref this connection holds.
    Scan(ScanRequest),
    /// The user typed a pair code on the phone this connection asked for.
    EnterCode(CodeEntry),
}

impl PhoneCommand {
    /// Answers the admin request behind the command with `error`.
    pub fn refuse(self, error: ScanError) {
        let reply = match self {
            Self::Scan(ScanRequest { reply, .. }) | Self::EnterCode(CodeEntry { reply, .. }) => {
                reply
            }
        };
        let _ = reply.send(Err(error));
    }
}

/// The answer the admin request waits for: the new device's JID.
pub(crate) type Reply = oneshot::Sender<Result<String, ScanError>>;

/// A pair code typed on the phone, routed to the connection that asked to
/// link with that phone number.
pub(crate) struct CodeEntry {
    /// The code, in the canonical form (8 characters, upper case).
    pub code: String,
    pub phone: String,
    pub push_name: String,
    pub options: ScanOptions,
    pub reply: Reply,
}

/// A scan routed to the registration connection that owns the ref.
pub(crate) struct ScanRequest {
    pub qr: QrCode,
    pub phone: String,
    pub push_name: String,
    pub options: ScanOptions,
    pub reply: Reply,
}

/// When the server closes a socket it sent a stream error on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Close {
    /// Right after the error.
    Now,
    /// This long after it; the session is served meanwhile.
    After(Duration),
    /// Never: the client is left on a socket the server gave up on.
    Never,
}

/// A stream error on a live socket, and how the server closes it.
pub(crate) struct Ending {
    /// The stanza sent at once.
    pub error: Node,
    /// What precedes the close frame, if anything.
    pub on_close: Option<Node>,
    pub close: Close,
}

impl Ending {
    /// `error`, with the socket closed as `close` says.
    pub fn new(error: StreamError, close: Close) -> Self {
        Self {
            error: error.node(),
            on_close: error.on_close(),
            close,
        }
    }

    /// `node`, with the socket closed right after it.
    pub fn now(node: Node) -> Self {
        Self {
            error: node,
            on_close: None,
            close: Close::Now,
        }
    }
}
