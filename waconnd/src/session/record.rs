//! What the daemon knows and keeps about one number.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use waconn_proto::{Number, SessionInfo, SessionState, Transition};

/// How many transitions a record keeps.
const HISTORY: usize = 50;

/// A session's facts: what `wactl` shows and `sessions.json` keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The public view.
    #[serde(flatten)]
    pub info: SessionInfo,
    /// Recent transitions, oldest first.
    #[serde(default)]
    pub transitions: VecDeque<Transition>,
}

impl Record {
    /// A new number waiting for its first scan until `deadline`.
    pub fn new_pairing(number: Number, now: i64, deadline: i64) -> Self {
        Self {
            info: SessionInfo {
                number,
                state: SessionState::Pairing,
                reason: "registered; waiting for a QR code from WhatsApp".into(),
                since: now,
                has_qr: false,
                created_at: now,
                paired_at: None,
                connected_at: None,
                disconnected_at: None,
                last_seen: None,
                jid: None,
                push_name: None,
                pairing_deadline: Some(deadline),
                retry_at: None,
                forget_at: None,
                disconnects: 0,
                node: None,
                phone_seen_at: None,
                messages_received: 0,
                last_message_at: None,
            },
            transitions: VecDeque::new(),
        }
    }

    /// Moves to `to` for `reason`, keeping timestamps and history; returns
    /// the transition when the state changed. Leaving `CONNECTED` counts as
    /// a loss of the connection unless it is for `CONNECTING`, which only a
    /// restart of the daemon or a requested reconnect leads to.
    pub fn transition(
        &mut self,
        to: SessionState,
        reason: impl Into<String>,
        now: i64,
    ) -> Option<Transition> {
        let reason = reason.into();
        let from = self.info.state;
        if from == SessionState::Connected && to != SessionState::Connected {
            self.info.disconnected_at = Some(now);
            if to != SessionState::Connecting {
                self.info.disconnects += 1;
            }
        }
        if to == SessionState::Connected && from != SessionState::Connected {
            self.info.connected_at = Some(now);
        }
        self.info.state = to;
        self.info.reason = reason;
        if from == to {
            return None;
        }
        self.info.since = now;
        let transition = Transition {
            at: now,
            from,
            to,
            reason: self.info.reason.clone(),
        };
        self.transitions.push_back(transition.clone());
        while self.transitions.len() > HISTORY {
            self.transitions.pop_front();
        }
        Some(transition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_stamp_connected_and_disconnected() {
        let mut r = Record::new_pairing(Number::parse("15550001111").expect("n"), 1, 100);
        assert!(
            r.transition(SessionState::Connecting, "paired", 2)
                .is_some()
        );
        assert!(
            r.transition(SessionState::Connected, "logged in", 3)
                .is_some()
        );
        assert_eq!(r.info.connected_at, Some(3));
        assert_eq!(r.info.disconnected_at, None);
        assert!(
            r.transition(SessionState::Disconnected, "lost", 4)
                .is_some()
        );
        assert_eq!(r.info.disconnected_at, Some(4));
        assert_eq!(r.info.disconnects, 1);
        assert!(
            r.transition(SessionState::Disconnected, "lost again", 5)
                .is_none()
        );
        assert_eq!(r.info.reason, "lost again");
        assert_eq!(r.info.since, 4);
        assert_eq!(r.info.state, SessionState::Disconnected);
        assert_eq!(r.transitions.len(), 3);
    }

    #[test]
    fn a_restart_or_a_requested_reconnect_is_not_a_loss() {
        let mut r = Record::new_pairing(Number::parse("15550001111").expect("n"), 1, 100);
        r.transition(SessionState::Connected, "logged in", 2);
        r.transition(SessionState::Connecting, "daemon started", 3);
        assert_eq!(r.info.disconnects, 0);
        assert_eq!(r.info.disconnected_at, Some(3));
        r.transition(SessionState::Connected, "logged in", 4);
        r.transition(SessionState::LoggedOut, "the phone removed this device", 5);
        assert_eq!(r.info.disconnects, 1);
    }
}
