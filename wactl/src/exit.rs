//! Exit codes, as documented in `wactl(1)` under EXIT STATUS, and the
//! failures that carry them.

use std::fmt;

use waconn_proto::paths::SocketNotFound;
use waconn_proto::views::FailureView;
use waconn_proto::{ClientError, ErrorReply, SessionState};

pub use waconn_proto::exit::{
    DEGRADED, INTERNAL, NEEDS_PERSON, OK, PROTOCOL, REFUSED, UNREACHABLE, USAGE,
};

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

/// The hint for a daemon that cannot be reached.
const START_HINT: &str = "hint: is waconnd running? start it with `waconnd` (or `systemctl --user start waconnd`), or point --socket / WACONN_SOCKET at its socket";

/// A command that did not succeed: what to print and how to exit.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// A stable snake_case name for scripts (`error.code` in JSON).
    pub kind: &'static str,
    /// Message for stderr (without the `wactl: ` prefix).
    pub message: String,
    /// Exit without printing (a closed stdout).
    pub quiet: bool,
}

impl Failure {
    /// A failure with exit `code`, named `kind` for scripts.
    pub fn new(code: u8, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            kind,
            message: message.into(),
            quiet: false,
        }
    }

    /// A wrong command line.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, "usage", message)
    }

    /// An internal error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(INTERNAL, "internal", message)
    }

    /// The object `--json` prints on stdout for this failure.
    pub fn json(&self) -> FailureView {
        FailureView::new(self.kind, self.message.clone(), self.code)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ErrorReply> for Failure {
    fn from(e: ErrorReply) -> Self {
        Self::new(
            waconn_proto::exit::for_error(e.code),
            e.code.as_str(),
            e.message,
        )
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Refused(reply) => reply.into(),
            ClientError::Unreachable { .. } => Self::new(
                UNREACHABLE,
                "daemon_unreachable",
                format!("{e}\n{START_HINT}"),
            ),
            ClientError::Silent { .. } => Self::new(
                UNREACHABLE,
                "daemon_unreachable",
                format!(
                    "{e}; it may be stuck or out of file descriptors: see its log (`journalctl --user -u waconnd`)"
                ),
            ),
            ClientError::Malformed(_) => Self::new(
                PROTOCOL,
                "protocol_mismatch",
                format!("{e}; are wactl and waconnd the same version?"),
            ),
            ClientError::Unexpected(_) => Self::internal(e.to_string()),
        }
    }
}

impl From<SocketNotFound> for Failure {
    fn from(e: SocketNotFound) -> Self {
        Self::new(
            UNREACHABLE,
            "daemon_unreachable",
            format!("cannot reach waconnd: {e}\n{START_HINT}"),
        )
    }
}

impl From<std::io::Error> for Failure {
    /// Output errors: a closed pipe (`wactl list | head -1`) ends quietly.
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self {
                code: OK,
                kind: "broken_pipe",
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
    use waconn_proto::ErrorCode;

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
    fn error_codes_map_to_exit_codes_and_names() {
        let f = |code| {
            let f = Failure::from(ErrorReply::new(code, "x"));
            (f.code, f.kind)
        };
        assert_eq!(f(ErrorCode::UnknownNumber), (1, "unknown_number"));
        assert_eq!(f(ErrorCode::ProtocolMismatch), (76, "protocol_mismatch"));
        assert_eq!(f(ErrorCode::Internal), (70, "internal"));
        assert_eq!(f(ErrorCode::ShuttingDown), (69, "shutting_down"));
        assert_eq!(f(ErrorCode::PairingFailed), (4, "pairing_failed"));
    }

    #[test]
    fn a_failure_is_one_json_object() {
        let f = Failure::from(SocketNotFound {
            tried: vec!["/a.sock".into(), "/b.sock".into()],
        });
        let json = serde_json::to_value(f.json()).expect("json");
        assert_eq!(json["exitCode"], 69);
        assert_eq!(json["error"]["code"], "daemon_unreachable");
        let message = json["error"]["message"].as_str().expect("message");
        assert!(message.contains("`/a.sock`, `/b.sock`"), "{message}");
    }
}
