//! What a session learns about its connection, and the state each fact
//! leads to: a pure function, so the state machine is tested on its own.

use std::time::Duration;

use waconn_proto::SessionState;

use SessionState as S;

/// A fact about a session's connection, from the client's events, its
/// transport factory or the actor's polling. Ordered per session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A connection attempt starts.
    Attempt,
    /// The transport could not be opened.
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
        /// The account's push name.
        push_name: String,
    },
    /// The client refused a pairing.
    PairError(String),
    /// Logged in and live.
    Connected,
    /// The connection was lost; the client retries.
    Lost(String),
    /// The phone removed this device, or the server refused it (401/403/406).
    LoggedOut(String),
    /// Another client took over.
    Replaced,
    /// Temporary ban for this long.
    Banned(Duration),
    /// The server rejected the client version.
    Outdated,
    /// Stopped for another reason; the client does not retry.
    Failed(String),
    /// Traffic only the account itself produces (messages, receipts,
    /// notifications, presence): its phone is alive.
    AccountActivity,
}

/// The state `signal` moves a session in `state` to, with the reason to
/// record; `None` when it changes nothing.
pub fn next(state: SessionState, signal: &Signal) -> Option<(SessionState, String)> {
    let to = |s: SessionState, reason: &str| Some((s, reason.to_string()));
    match (state, signal) {
        // While pairing, only the outcome of pairing matters.
        (S::Pairing, Signal::Paired { jid, .. }) => to(S::Connecting, &format!("paired as {jid}")),
        (S::Pairing, _) => None,
        // Terminal until a person or a timer acts.
        (S::LoggedOut | S::Replaced | S::Banned | S::Outdated | S::Failed, _) => None,
        (_, Signal::Connected) if state != S::Connected => to(S::Connected, "logged in"),
        (S::Connected, Signal::Lost(reason)) => to(S::Disconnected, reason),
        (S::Connected, Signal::Attempt) => to(S::Reconnecting, "reconnecting"),
        (S::Disconnected, Signal::Attempt) => to(S::Reconnecting, "connection attempt"),
        (S::Connecting | S::Reconnecting, Signal::AttemptFailed(reason) | Signal::Lost(reason)) => {
            to(S::Disconnected, reason)
        }
        (_, Signal::LoggedOut(reason)) => to(S::LoggedOut, reason),
        (_, Signal::Replaced) => to(S::Replaced, "another client took over this session"),
        (_, Signal::Banned(d)) => to(
            S::Banned,
            &format!(
                "temporarily banned for {}",
                waconn_proto::duration::format(*d)
            ),
        ),
        (_, Signal::Outdated) => to(S::Outdated, "the server rejected this client version (405)"),
        (_, Signal::Failed(reason)) => to(S::Failed, reason),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_then_connected_then_lost_then_back() {
        let paired = Signal::Paired {
            jid: "1:1@s.whatsapp.net".into(),
            push_name: String::new(),
        };
        assert_eq!(next(S::Pairing, &Signal::Connected), None);
        assert_eq!(next(S::Pairing, &paired).map(|t| t.0), Some(S::Connecting));
        assert_eq!(
            next(S::Connecting, &Signal::Connected).map(|t| t.0),
            Some(S::Connected)
        );
        assert_eq!(next(S::Connected, &Signal::Connected), None);
        let lost = next(S::Connected, &Signal::Lost("socket closed".into()));
        assert_eq!(lost, Some((S::Disconnected, "socket closed".into())));
        assert_eq!(
            next(S::Disconnected, &Signal::Attempt).map(|t| t.0),
            Some(S::Reconnecting)
        );
        assert_eq!(
            next(S::Reconnecting, &Signal::AttemptFailed("refused".into())).map(|t| t.0),
            Some(S::Disconnected)
        );
        assert_eq!(
            next(S::Reconnecting, &Signal::Connected).map(|t| t.0),
            Some(S::Connected)
        );
    }

    #[test]
    fn terminal_states_hold_until_someone_acts() {
        for s in [S::LoggedOut, S::Replaced, S::Banned, S::Outdated, S::Failed] {
            for signal in [Signal::Connected, Signal::Attempt, Signal::Lost("x".into())] {
                assert_eq!(next(s, &signal), None, "{s} {signal:?}");
            }
        }
    }

    #[test]
    fn server_verdicts_from_any_live_state() {
        for s in [
            S::Connecting,
            S::Connected,
            S::Disconnected,
            S::Reconnecting,
        ] {
            assert_eq!(
                next(s, &Signal::LoggedOut("401".into())).map(|t| t.0),
                Some(S::LoggedOut)
            );
            assert_eq!(next(s, &Signal::Replaced).map(|t| t.0), Some(S::Replaced));
            assert_eq!(
                next(s, &Signal::Banned(Duration::from_secs(60))).map(|t| t.0),
                Some(S::Banned)
            );
            assert_eq!(next(s, &Signal::Outdated).map(|t| t.0), Some(S::Outdated));
        }
    }
}
