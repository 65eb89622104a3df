//! When a session's connection last received data, and the messages it
//! received, read when someone asks (a `list`, a `status`) rather than
//! published: an idle session costs no wake-up of its own, and a message
//! costs two atomic writes on the client's dispatch path. whatsapp-rust's
//! keepalive finds most silent sockets (no answer 20 s after a ping, which
//! goes out every 15-30 s); the daemon's pass over the table finds the rest
//! from the same reading ([`crate::session::policy::silence`]).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use whatsapp_rust::Client;

/// A read-only view of the current client's last received data, and the
/// session's count of messages received.
#[derive(Default)]
pub struct Liveness {
    client: Mutex<Weak<Client>>,
    messages: AtomicU64,
    /// Epoch ms of the last message; 0 for none.
    last_message_at: AtomicI64,
}

impl Liveness {
    /// Counting on from `messages`, the last at `last` (epoch ms).
    pub fn new(messages: u64, last: Option<i64>) -> Self {
        Self {
            client: Mutex::new(Weak::new()),
            messages: AtomicU64::new(messages),
            last_message_at: AtomicI64::new(last.unwrap_or(0)),
        }
    }

    /// `count` messages arrived at `at`.
    pub fn received(&self, count: u64, at: i64) {
        self.messages.fetch_add(count, Ordering::Relaxed);
        self.last_message_at.fetch_max(at, Ordering::Relaxed);
    }

    /// Messages received so far, and when the last arrived.
    pub fn messages(&self) -> (u64, Option<i64>) {
        let last = self.last_message_at.load(Ordering::Relaxed);
        (
            self.messages.load(Ordering::Relaxed),
            (last > 0).then_some(last),
        )
    }

    /// `info` with what this view knows now.
    pub fn fill(&self, info: &mut waconn_proto::SessionInfo) {
        if let Some(at) = self.last_data() {
            info.last_seen = Some(at);
        }
        (info.messages_received, info.last_message_at) = self.messages();
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, Weak<Client>> {
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session's client is now `client`.
    pub fn watch(&self, client: &Arc<Client>) {
        *self.lock() = Arc::downgrade(client);
    }

    /// The session has no client any more.
    pub fn clear(&self) {
        *self.lock() = Weak::new();
    }

    /// When the current client last received data (epoch ms), if it runs
    /// and did.
    pub fn last_data(&self) -> Option<i64> {
        let client = self.lock().upgrade()?;
        let at = i64::try_from(client.stats().last_data_received_ms).ok()?;
        (at > 0).then_some(at)
    }
}
