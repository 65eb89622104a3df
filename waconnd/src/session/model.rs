//! Everything the session policy reasons about: the record scripts see, and
//! what the policy remembers of the current link and its attempts.

use waconn_proto::{SessionState, Transition};

use SessionState as S;

use super::backoff::Backoff;
use super::policy::reopen::Reopen;
use super::record::Record;
use super::signal::ServerWord;

/// Where the session's client stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No client, nothing scheduled.
    Idle,
    /// Waiting out the backoff, then its turn, to start a client.
    Waiting,
    /// A client runs.
    Running,
}

/// How much of the record changed since the actor last looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Dirty {
    /// Nothing.
    #[default]
    Clean,
    /// Something readers see, not worth a write to disk.
    Live,
    /// Something the registry keeps.
    Durable,
}

/// The session as the policy sees it.
#[derive(Debug)]
pub struct Model {
    /// What scripts see and the registry keeps.
    pub record: Record,
    /// The wait before the next attempt of a paired number.
    pub backoff: Backoff,
    /// The client's phase.
    pub phase: Phase,
    /// When the current link logged in, if it did.
    pub logged_in_at: Option<i64>,
    /// What the server last said on the current link.
    pub said: Option<ServerWord>,
    /// Why the current attempt failed or its connection was lost.
    pub failure: Option<String>,
    /// A rate limit on the current link: no stability forgives it.
    pub penalty: bool,
    /// The store holds another number's credentials: delete it when the
    /// client stops.
    pub wipe_store: bool,
    /// A pairing by code was asked for: request one whenever a client runs.
    pub want_code: bool,
    /// Codes refused in this pairing.
    pub codes_refused: u32,
    /// A link that has not logged in by then is given up and tried again.
    pub login_deadline: Option<i64>,
    /// An OUTDATED number learned of this newer version: it retries with it
    /// once its client is gone.
    pub newer_version: Option<String>,
    /// The reopen from disk a pairing on this client owes.
    pub reopen: Reopen,
    dirty: Dirty,
    transitions: Vec<Transition>,
}

impl Model {
    /// A model of `record` with nothing running.
    pub fn new(record: Record) -> Self {
        Self {
            record,
            backoff: Backoff::default(),
            phase: Phase::Idle,
            logged_in_at: None,
            said: None,
            failure: None,
            penalty: false,
            wipe_store: false,
            want_code: false,
            codes_refused: 0,
            login_deadline: None,
            newer_version: None,
            reopen: Reopen::Done,
            dirty: Dirty::Clean,
            transitions: Vec::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        self.record.info.state
    }

    /// Whether the number has a linked device.
    pub fn paired(&self) -> bool {
        self.record.info.jid.is_some()
    }

    /// Moves to `to` for `reason` at `now`. Entering or leaving a state
    /// only a person or a deadline ends (pairing, logged out, replaced,
    /// banned, outdated, failed) is durable; the states the daemon moves
    /// through on its own, and new reasons, are not.
    pub fn set(&mut self, to: SessionState, reason: impl Into<String>, now: i64) {
        let reason = reason.into();
        if self.state() == to && self.record.info.reason == reason {
            return;
        }
        let from = self.state();
        let lasting = |s: SessionState| {
            !matches!(
                s,
                S::Connecting | S::Connected | S::Disconnected | S::Reconnecting
            )
        };
        self.touch(if from != to && (lasting(from) || lasting(to)) {
            Dirty::Durable
        } else {
            Dirty::Live
        });
        // A new reason in the same state is no transition of the record's
        // history, but the actor logs it and tells who follows a pairing.
        let transition = self
            .record
            .transition(to, reason, now)
            .unwrap_or_else(|| Transition {
                at: now,
                from,
                to,
                reason: self.record.info.reason.clone(),
            });
        self.transitions.push(transition);
    }

    /// How much changed since the changes were last taken.
    pub fn dirty(&self) -> Dirty {
        self.dirty
    }

    /// Notes a change of the record of weight `dirty`.
    pub fn touch(&mut self, dirty: Dirty) {
        self.dirty = self.dirty.max(dirty);
    }

    /// What changed since the last call, and the transitions made (a
    /// transition to the same state is a new reason).
    pub fn take_changes(&mut self) -> (Dirty, Vec<Transition>) {
        (
            std::mem::take(&mut self.dirty),
            std::mem::take(&mut self.transitions),
        )
    }

    /// Forgets what the last link said and did: a new one starts.
    pub fn new_link(&mut self) {
        self.logged_in_at = None;
        self.said = None;
        self.failure = None;
        self.penalty = false;
        self.login_deadline = None;
    }
}
