//! Errors as they travel on the socket: a code `wactl` maps to its exit
//! status, and a message for people.

use serde::{Deserialize, Serialize};

/// What kind of refusal an [`ErrorReply`] is. Append-only: bincode encodes
/// variants by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The daemon has no session for that number.
    UnknownNumber,
    /// The request does not make sense in the session's state.
    InvalidState,
    /// The client speaks another protocol number.
    ProtocolMismatch,
    /// The request could not be read.
    BadRequest,
    /// The daemon failed; its log says why.
    Internal,
    /// The daemon is shutting down.
    ShuttingDown,
    /// Pairing ended without a linked device (deadline, wrong phone...).
    PairingFailed,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ErrorReply {
    /// The kind of error.
    pub code: ErrorCode,
    /// What went wrong and what to do, for people.
    pub message: String,
}

impl ErrorReply {
    /// An error of kind `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
