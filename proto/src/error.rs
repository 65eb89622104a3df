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
    /// The daemon carries no more numbers under its limits (open files).
    LimitReached,
}

impl ErrorCode {
    /// A stable snake_case name for scripts (`wactl --json` prints it as
    /// `error.code`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownNumber => "unknown_number",
            Self::InvalidState => "invalid_state",
            Self::ProtocolMismatch => "protocol_mismatch",
            Self::BadRequest => "bad_request",
            Self::Internal => "internal",
            Self::ShuttingDown => "shutting_down",
            Self::PairingFailed => "pairing_failed",
            Self::LimitReached => "limit_reached",
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_distinct_snake_case_names() {
        let all = [
            ErrorCode::UnknownNumber,
            ErrorCode::InvalidState,
            ErrorCode::ProtocolMismatch,
            ErrorCode::BadRequest,
            ErrorCode::Internal,
            ErrorCode::ShuttingDown,
            ErrorCode::PairingFailed,
            ErrorCode::LimitReached,
        ];
        let names: std::collections::BTreeSet<_> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), all.len());
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
    }
}
