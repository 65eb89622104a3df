//! The reopen after a pairing: once a pairing's first login has settled,
//! the session drops its client and its store and opens both again from
//! disk, as a restart of the daemon would. A pairing writes the whole store
//! (the device, 812 prekeys), and every page it wrote stays in the store's
//! cache for as long as the store is open; a store opened from disk holds
//! only the pages it reads.
//!
//! When: not in the middle of the phone's post-pairing work. The first
//! login after a pairing waits for the phone's key share and the critical
//! app state with the push name (whatsapp-rust `client/node_io.rs`, the
//! fresh pairing path, dispatches `Connected` only after it); then it
//! uploads prekeys, leaves passive mode, drains the offline queue and syncs
//! the other collections in the background. So the reopen waits
//! [`AFTER_WORK`] once the phone's work is in, or the settle time when it
//! never comes.

use std::time::Duration;

use waconn_proto::SessionState;

use super::{Effect, Settings};
use crate::session::model::{Model, Phase};
use crate::time::after;

use SessionState as S;

/// How long the first login after a pairing runs once the phone's work
/// (key share, push name) is in before the session reopens: the login's
/// own tasks (prekey upload, offline drain, background app-state sync)
/// finish in that time against a responsive server.
pub const AFTER_WORK: Duration = Duration::from_secs(5);

/// The reason the session shows while it reopens.
pub const REASON: &str = "reopening from disk after pairing";

/// Where a paired number stands with its reopen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reopen {
    /// None owed: the store was opened from disk (at start, or after a
    /// reopen), or the number is not paired on this client.
    #[default]
    Done,
    /// Paired on this client, waiting for its first login; `work` once the
    /// phone's post-pairing work (push name, its own traffic) arrived.
    Owed {
        /// The phone's work arrived.
        work: bool,
    },
    /// Logged in after the pairing: reopens at `at`.
    Settling {
        /// When it reopens.
        at: i64,
        /// The phone's work arrived.
        work: bool,
    },
}

/// A pairing completed on this client: a reopen is owed; the pairing's own
/// push name (a business account's) is the phone's work already.
pub fn paired(m: &mut Model, push_name: &str) {
    m.reopen = Reopen::Owed {
        work: !push_name.is_empty(),
    };
}

/// The phone did its post-pairing work (named the account, or sent
/// something itself): a settling reopen comes [`AFTER_WORK`] from now, if
/// that is sooner.
pub fn work_arrived(m: &mut Model, s: &Settings, now: i64) {
    m.reopen = match m.reopen {
        Reopen::Done => Reopen::Done,
        Reopen::Owed { .. } => Reopen::Owed { work: true },
        Reopen::Settling { at, .. } => Reopen::Settling {
            at: at.min(after(now, AFTER_WORK.min(s.pairing_settle))),
            work: true,
        },
    };
}

/// The first login after the pairing: the reopen settles from now.
pub fn logged_in(m: &mut Model, s: &Settings, now: i64) {
    if let Reopen::Owed { work } = m.reopen {
        let wait = if work {
            AFTER_WORK.min(s.pairing_settle)
        } else {
            s.pairing_settle
        };
        m.reopen = Reopen::Settling {
            at: after(now, wait),
            work,
        };
    }
}

/// When the settling reopen is due, while its client runs connected.
pub fn due(m: &Model) -> Option<i64> {
    match m.reopen {
        Reopen::Settling { at, .. } if m.state() == S::Connected && m.phase == Phase::Running => {
            Some(at)
        }
        _ => None,
    }
}

/// Reopens at the deadline: the client stops, the session is CONNECTING
/// with [`REASON`], and the next connect (through the connect queue like
/// any other, with no backoff) opens the store from disk.
pub fn at_deadline(m: &mut Model, now: i64, fx: &mut Vec<Effect>) {
    if due(m).is_none_or(|at| at > now) {
        return;
    }
    fx.push(Effect::StopLink);
    m.new_link();
    // No disconnection anyone should see: `disconnectedAt` keeps saying
    // when the number last lost its connection, if it ever did.
    let disconnected_at = m.record.info.disconnected_at;
    m.set(S::Connecting, REASON, now);
    m.record.info.disconnected_at = disconnected_at;
    super::schedule(m, Duration::ZERO, now, fx);
}

/// A paired number about to connect while a reopen is owed (the reopen
/// itself, or a loss, a hold or a requested reconnect before it): the
/// store is closed first, so the connect opens it from disk and the
/// reopen is done.
pub fn before_connect(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.reopen != Reopen::Done && m.state() != S::Pairing {
        m.reopen = Reopen::Done;
        fx.push(Effect::CloseStore);
    }
}
