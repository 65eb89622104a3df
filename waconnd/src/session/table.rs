//! The table of running sessions, by number: what the supervisor serves
//! requests from, and what a session leaves when it ends.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use waconn_proto::{Number, SessionInfo};

use super::SessionHandle;
use super::record::Record;

/// Every running session's handle.
#[derive(Default)]
pub struct SessionTable {
    sessions: Mutex<BTreeMap<Number, SessionHandle>>,
}

impl SessionTable {
    /// The table, locked.
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<Number, SessionHandle>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops `number` (its session ended).
    pub fn forget(&self, number: &Number) {
        self.lock().remove(number);
    }

    /// Every session's record.
    pub fn records(&self) -> Vec<Record> {
        self.lock()
            .values()
            .map(|h| h.record.borrow().clone())
            .collect()
    }

    /// Every session's public view (without histories: at ten thousand
    /// numbers, copying those is most of a `list`).
    pub fn infos(&self) -> Vec<SessionInfo> {
        self.lock()
            .values()
            .map(|h| h.record.borrow().info.clone())
            .collect()
    }
}
