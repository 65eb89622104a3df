//! When a session's connection last received data, read when someone asks
//! (a `list`, a `status`) rather than polled: an idle session costs no
//! wake-up of its own. whatsapp-rust's keepalive already finds a silent
//! socket (no answer 20 s after a ping, which goes out every 15-30 s) and
//! ends the connection.

use std::sync::{Arc, Mutex, Weak};

use whatsapp_rust::Client;

/// A read-only view of the current client's last received data.
#[derive(Default)]
pub struct Liveness {
    client: Mutex<Weak<Client>>,
}

impl Liveness {
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
