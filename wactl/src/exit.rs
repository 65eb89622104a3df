//! Exit codes, as documented in `wactl(1)` under EXIT STATUS.

use std::fmt;

use waconn_proto::{ErrorCode, ErrorReply, SessionState};

/// All is well.
pub const OK: u8 = 0;
/// The daemon refused the request (unknown number, wrong state...).
pub const REFUSED: u8 = 1;
/// The command line is wrong.
pub const USAGE: u8 = 2;
/// Some number is not connected but the daemon is recovering it.
pub const DEGRADED: u8 = 3;
/// Some number needs a person: pairing pending, logged out, replaced,
/// banned, outdated or failed.
pub const NEEDS_PERSON: u8 = 4;
/// The daemon is not reachable (EX_UNAVAILABLE).
pub const UNREACHABLE: u8 = 69;
/// Something went wrong inside wactl or the daemon (EX_SOFTWARE).
pub const INTERNAL: u8 = 70;
/// wactl and waconnd speak different protocols (EX_PROTOCOL).
pub const PROTOCOL: u8 = 76;

/// The exit code a session state calls for.
pub fn for_state(state: SessionState) -> u8 {
    if state == SessionState::Connected {
        OK
    } else if state.is_recovering() {
        DEGRADED
    } else {
        NEEDS_PERSON
    }
}

/// A command that did not succeed: what to print and how to exit.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// Message for stderr (without the `wactl: ` prefix).
    pub message: String,
    /// Exit without printing (a closed stdout).
    pub quiet: bool,
}

impl Failure {
    /// A failure with `code`.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            quiet: false,
        }
    }

    /// An internal error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(INTERNAL, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ErrorReply> for Failure {
    fn from(e: ErrorReply) -> Self {
        let code = match e.code {
            ErrorCode::ProtocolMismatch => PROTOCOL,
            ErrorCode::Internal => INTERNAL,
            ErrorCode::ShuttingDown => UNREACHABLE,
            ErrorCode::PairingFailed => NEEDS_PERSON,
            _ => REFUSED,
        };
        Self::new(code, e.message)
    }
}

impl From<std::io::Error> for Failure {
    /// Output errors: a closed pipe (`wactl list | head -1`) ends quietly.
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self {
                code: OK,
                message: String::new(),
                quiet: true,
            }
        } else {
            Self::internal(format!("cannot write output: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_documented_codes() {
        assert_eq!(for_state(SessionState::Connected), 0);
        for s in [
            SessionState::Connecting,
            SessionState::Disconnected,
            SessionState::Reconnecting,
        ] {
            assert_eq!(for_state(s), 3, "{s}");
        }
        for s in [
            SessionState::Pairing,
            SessionState::LoggedOut,
            SessionState::Replaced,
            SessionState::Banned,
            SessionState::Outdated,
            SessionState::Failed,
        ] {
            assert_eq!(for_state(s), 4, "{s}");
        }
    }

    #[test]
    fn error_codes_map_to_exit_codes() {
        let f = |code| Failure::from(ErrorReply::new(code, "x")).code;
        assert_eq!(f(ErrorCode::UnknownNumber), 1);
        assert_eq!(f(ErrorCode::ProtocolMismatch), 76);
        assert_eq!(f(ErrorCode::Internal), 70);
        assert_eq!(f(ErrorCode::PairingFailed), 4);
    }
}
