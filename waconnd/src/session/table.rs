//! The table of running sessions, by number: what the supervisor serves
//! requests from, and what a session leaves when it ends.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use waconn_proto::{Number, SessionInfo, SessionState};

use super::SessionHandle;
use super::record::Record;

/// Every running session's handle, and how many are in each state, kept
/// as they change (a mass drop of ten thousand numbers is twenty thousand
/// changes: none of them copies the table).
#[derive(Default)]
pub struct SessionTable {
    sessions: Mutex<BTreeMap<Number, SessionHandle>>,
    counts: Mutex<BTreeMap<SessionState, u64>>,
}

impl SessionTable {
    /// The table, locked.
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<Number, SessionHandle>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds the session of `number`, in `state`.
    pub fn insert(&self, number: Number, handle: SessionHandle) -> usize {
        let state = handle.record.borrow().info.state;
        let mut sessions = self.lock();
        if let Some(old) = sessions.insert(number, handle) {
            self.moved(Some(old.record.borrow().info.state), None);
        }
        self.moved(None, Some(state));
        sessions.len()
    }

    /// Drops `number` (its session ended).
    pub fn forget(&self, number: &Number) {
        if let Some(handle) = self.lock().remove(number) {
            self.moved(Some(handle.record.borrow().info.state), None);
        }
    }

    /// A session moved from one state to another (`None`: it came or went).
    pub fn moved(&self, from: Option<SessionState>, to: Option<SessionState>) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(from) = from
            && let Some(n) = counts.get_mut(&from)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&from);
            }
        }
        if let Some(to) = to {
            *counts.entry(to).or_default() += 1;
        }
    }

    /// How many sessions are in each state (states with none left out).
    pub fn counts(&self) -> Vec<(SessionState, u64)> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.iter().map(|(s, n)| (*s, *n)).collect()
    }

    /// Every session's record.
    pub fn records(&self) -> Vec<Record> {
        self.lock().values().map(SessionHandle::record).collect()
    }

    /// Every session's public view (without histories: at ten thousand
    /// numbers, copying those is most of a `list`).
    pub fn infos(&self) -> Vec<SessionInfo> {
        self.lock().values().map(SessionHandle::info).collect()
    }
}
