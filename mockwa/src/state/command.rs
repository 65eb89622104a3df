//! What the admin API tells a connection task to do, and why the phone's
//! part of a pairing can fail.

use tokio::sync::oneshot;
use wacore_binary::Node;

use crate::phone::QrCode;

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
}

/// What a connection task is told to do from outside.
pub(crate) enum Command {
    /// Cut the socket without a close frame.
    Abort,
    /// Send this stream error, then close.
    StreamError(Node),
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
    pub reply: Reply,
}

/// A scan routed to the registration connection that owns the ref.
pub(crate) struct ScanRequest {
    pub qr: QrCode,
    pub phone: String,
    pub push_name: String,
    pub reply: Reply,
}
