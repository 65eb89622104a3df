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
                reason: "waiting for a QR scan".into(),
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
                phone_seen_at: None,
            },
            transitions: VecDeque::new(),
        }
    }

    /// Moves to `to` for `reason`, keeping timestamps and history; returns
    /// whether anything changed.
    pub fn transition(&mut self, to: SessionState, reason: impl Into<String>, now: i64) -> bool {
        let reason = reason.into();
        let from = self.info.state;
        if from == to && self.info.reason == reason {
            return false;
        }
        if from == SessionState::Connected && to != SessionState::Connected {
            self.info.disconnected_at = Some(now);
            self.info.disconnects += 1;
        }
        if to == SessionState::Connected && from != SessionState::Connected {
            self.info.connected_at = Some(now);
        }
        if from != to {
            self.info.since = now;
            self.transitions.push_back(Transition {
                at: now,
                from,
                to,
                reason: reason.clone(),
            });
            while self.transitions.len() > HISTORY {
                self.transitions.pop_front();
            }
        }
        self.info.state = to;
        self.info.reason = reason;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_stamp_connected_and_disconnected() {
        let mut r = Record::new_pairing(Number::parse("15550001111").expect("n"), 1, 100);
        assert!(r.transition(SessionState::Connecting, "paired", 2));
        assert!(r.transition(SessionState::Connected, "logged in", 3));
        assert_eq!(r.info.connected_at, Some(3));
        assert_eq!(r.info.disconnected_at, None);
        assert!(r.transition(SessionState::Disconnected, "lost", 4));
        assert_eq!(r.info.disconnected_at, Some(4));
        assert_eq!(r.info.disconnects, 1);
        assert!(!r.transition(SessionState::Disconnected, "lost", 5));
        assert_eq!(r.info.since, 4);
        assert_eq!(r.info.state, SessionState::Disconnected);
        assert_eq!(r.transitions.len(), 3);
    }
}
