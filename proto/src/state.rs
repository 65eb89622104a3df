//! The states a session can be in (DESIGN §3).

use serde::{Deserialize, Serialize};

/// Where a session stands. Append-only (bincode encodes by position); the
/// names are the ones scripts see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SessionState {
    /// Waiting for a QR scan or pair code.
    Pairing,
    /// Paired, connecting (at start, after pairing).
    Connecting,
    /// Logged in and live.
    Connected,
    /// Lost; waiting out the backoff before the next attempt.
    Disconnected,
    /// A connection attempt is in progress.
    Reconnecting,
    /// The phone removed this device; credentials are deleted.
    LoggedOut,
    /// Another client took over the session.
    Replaced,
    /// Temporarily banned until an expiry.
    Banned,
    /// The server rejected the client version.
    Outdated,
    /// Stopped for another reason.
    Failed,
}

impl SessionState {
    /// Every state, in display order.
    pub const ALL: [SessionState; 10] = [
        Self::Pairing,
        Self::Connecting,
        Self::Connected,
        Self::Disconnected,
        Self::Reconnecting,
        Self::LoggedOut,
        Self::Replaced,
        Self::Banned,
        Self::Outdated,
        Self::Failed,
    ];

    /// The name scripts see, e.g. `CONNECTED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pairing => "PAIRING",
            Self::Connecting => "CONNECTING",
            Self::Connected => "CONNECTED",
            Self::Disconnected => "DISCONNECTED",
            Self::Reconnecting => "RECONNECTING",
            Self::LoggedOut => "LOGGED_OUT",
            Self::Replaced => "REPLACED",
            Self::Banned => "BANNED",
            Self::Outdated => "OUTDATED",
            Self::Failed => "FAILED",
        }
    }

    /// Not connected, but the daemon is getting it back on its own.
    pub fn is_recovering(self) -> bool {
        matches!(
            self,
            Self::Connecting | Self::Disconnected | Self::Reconnecting
        )
    }

    /// Nothing will improve until a person acts.
    pub fn needs_person(self) -> bool {
        matches!(
            self,
            Self::Pairing
                | Self::LoggedOut
                | Self::Replaced
                | Self::Banned
                | Self::Outdated
                | Self::Failed
        )
    }

    /// Whether the session holds credentials (was paired and not logged out).
    pub fn is_paired(self) -> bool {
        !matches!(self, Self::Pairing | Self::LoggedOut)
    }
}

impl std::fmt::Display for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_exactly_one_of_connected_recovering_or_needs_person() {
        for s in SessionState::ALL {
            let classes = [
                s == SessionState::Connected,
                s.is_recovering(),
                s.needs_person(),
            ];
            assert_eq!(classes.iter().filter(|c| **c).count(), 1, "{s}");
        }
    }
}
