//! What a session does on its own clock: checking its client, and the
//! deadlines it acts on by itself (pairing, retention, retries).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use waconn_proto::SessionState;

use super::{Actor, Flow, POLL, POLL_CONNECTED};
use crate::time::{after, now_ms, until};

use SessionState as S;

impl Actor {
    /// A healthy session is checked less often: at ten thousand sessions the
    /// checks are most of an idle daemon's work.
    pub(super) fn poll_every(&self) -> Duration {
        if self.state() == S::Connected {
            POLL_CONNECTED
        } else {
            POLL
        }
    }

    /// Checks the client: readiness and silence, which events alone miss.
    pub(super) async fn poll(&mut self) {
        let Some(link) = &self.link else { return };
        let client = Arc::clone(&link.client);
        let last = i64::try_from(client.stats().last_data_received_ms).unwrap_or(0);
        if last > 0 && self.record.info.last_seen != Some(last) {
            self.record.info.last_seen = Some(last);
            self.changed(false);
        }
        let ready = client.wait_for_connected(Duration::ZERO).await.is_ok();
        let window = self.shared.config.keepalive_window;
        match self.state() {
            S::Connected if !ready => self.set(S::Reconnecting, "connection lost; reconnecting"),
            S::Connected if last > 0 && until(after(last, window)).is_zero() => {
                let silent = (now_ms() - last) / 1000;
                self.set(
                    S::Reconnecting,
                    format!("nothing received from the server for {silent}s; reconnecting"),
                );
                tokio::spawn(async move { client.reconnect_immediately().await });
            }
            S::Connecting | S::Reconnecting | S::Disconnected if ready => {
                self.set(S::Connected, "logged in")
            }
            _ => {}
        }
    }

    /// The next deadline the actor acts on by itself.
    pub(super) fn next_timer(&self) -> Option<Instant> {
        let info = &self.record.info;
        let at = match info.state {
            S::Pairing => info.pairing_deadline,
            S::LoggedOut => info.forget_at,
            S::Banned | S::Outdated => info.retry_at,
            // A pairing client's own backoff grows to 15 minutes;
            // --max-backoff caps it by starting a fresh client.
            S::Disconnected if self.link.is_some() => {
                Some(after(info.since, self.shared.config.max_backoff))
            }
            _ => None,
        }?;
        Some(Instant::now() + until(at))
    }

    pub(super) async fn timer(&mut self) -> Flow {
        match self.state() {
            S::Pairing => {
                let ttl = waconn_proto::duration::format(self.shared.config.pairing_ttl);
                let _ = self.remove(&format!("never paired within {ttl}")).await;
                Flow::Stop
            }
            S::LoggedOut => {
                let _ = self.remove("logged out, and its retention ended").await;
                Flow::Stop
            }
            S::Banned | S::Outdated => {
                self.record.info.retry_at = None;
                self.set(S::Connecting, "retrying after the server's wait");
                self.connect_after(Duration::ZERO);
                Flow::Continue
            }
            S::Disconnected => {
                let max = waconn_proto::duration::format(self.shared.config.max_backoff);
                tracing::debug!(
                    "{}: no attempt for {max}: starting a fresh client",
                    self.number()
                );
                self.stop_link().await;
                self.start_pairing_link().await;
                Flow::Continue
            }
            _ => Flow::Continue,
        }
    }
}
