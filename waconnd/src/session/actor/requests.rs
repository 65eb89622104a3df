//! What the supervisor asks of a session: pair, reconnect, drop, stop.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::timeout;
use waconn_proto::{ErrorCode, ErrorReply, PairingUpdate, SessionState};

use super::{Actor, Flow, LOGIN_WAIT, STOP_TIMEOUT};
use crate::session::Command;
use crate::session::signal::Signal;
use crate::time::{after, now_ms};

use SessionState as S;

impl Actor {
    pub(super) async fn command(&mut self, command: Command) -> Flow {
        match command {
            Command::Pair {
                updates,
                accepted,
                by_code,
            } => {
                let verdict = self.pair(updates, by_code).await;
                let _ = accepted.send(verdict);
                Flow::Continue
            }
            Command::Reconnect(reply) => {
                let result = self.reconnect().await;
                let _ = reply.send(result);
                Flow::Continue
            }
            Command::Drop(reply) => {
                let result = self.drop_session().await;
                let _ = reply.send(result);
                Flow::Stop
            }
            Command::Shutdown(done) => {
                self.stop_link().await;
                let _ = done.send(());
                Flow::Stop
            }
        }
    }

    async fn pair(
        &mut self,
        updates: mpsc::UnboundedSender<PairingUpdate>,
        by_code: bool,
    ) -> Result<(), ErrorReply> {
        let number = self.number().clone();
        match self.state() {
            S::Connected => {
                let _ = updates.send(PairingUpdate::Connected(self.record.info.clone()));
                return Ok(());
            }
            S::Connecting | S::Disconnected | S::Reconnecting => {
                self.watchers.push(updates);
                return Ok(());
            }
            S::Replaced | S::Banned | S::Outdated | S::Failed => {
                return Err(ErrorReply::new(
                    ErrorCode::InvalidState,
                    format!(
                        "{number} is paired but {} ({}); try `wactl reconnect {number}`, or `wactl drop {number}` then pair again",
                        self.state(),
                        self.record.info.reason
                    ),
                ));
            }
            S::LoggedOut => {
                let now = now_ms();
                let info = &mut self.record.info;
                info.pairing_deadline = Some(after(now, self.shared.config.pairing_ttl));
                info.forget_at = None;
                info.paired_at = None;
                self.set(S::Pairing, "pairing again after a logout");
            }
            S::Pairing => {}
        }
        if let Some(qr) = &self.qr {
            let _ = updates.send(PairingUpdate::Qr(qr.clone()));
        }
        let _ = updates.send(PairingUpdate::State(self.record.info.clone()));
        self.watchers.push(updates);
        // On disk before anything slow: a crash now must not lose the number.
        if let Err(e) = self.shared.registry.flush().await {
            self.watchers.pop();
            return Err(ErrorReply::new(
                ErrorCode::Internal,
                format!("{number} is not paired: {e}, then run `wactl pair {number}` again"),
            ));
        }
        if self.link.is_none() {
            self.set(S::Pairing, "waiting for a QR scan");
            self.start_pairing_link().await;
        }
        if by_code {
            self.request_code();
        }
        Ok(())
    }

    /// Asks the client for a pair code once its socket is up; the code
    /// arrives as a signal, a failure as a pairing error.
    fn request_code(&self) {
        let Some(link) = &self.link else { return };
        let client = Arc::clone(&link.client);
        let (signals, generation) = (self.signals.clone(), self.generation);
        let options = whatsapp_rust::pair_code::PairCodeOptions {
            phone_number: self.number().to_string(),
            ..Default::default()
        };
        tokio::spawn(async move {
            let result = match client.wait_for_socket(LOGIN_WAIT).await {
                Ok(()) => client
                    .pair_with_code(options)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string()),
                Err(e) => Err(format!("no connection to WhatsApp: {e}")),
            };
            if let Err(e) = result {
                let _ = signals.send((
                    generation,
                    Signal::PairError(format!("cannot get a pair code: {e}")),
                ));
            }
        });
    }

    async fn reconnect(&mut self) -> Result<String, ErrorReply> {
        let number = self.number().clone();
        match self.state() {
            S::Pairing | S::LoggedOut => Err(ErrorReply::new(
                ErrorCode::InvalidState,
                format!(
                    "{number} is {} and has no device to reconnect; pair it with `wactl pair {number}`",
                    self.state()
                ),
            )),
            _ => {
                self.stop_link().await;
                self.record.info.retry_at = None;
                self.set(S::Connecting, "reconnect requested");
                self.backoff.reset();
                self.connect_after(std::time::Duration::ZERO);
                Ok(format!("reconnecting {number}"))
            }
        }
    }

    async fn drop_session(&mut self) -> Result<String, ErrorReply> {
        let number = self.number().clone();
        let unlinked = match &self.link {
            Some(link) if self.state() == S::Connected => {
                let client = Arc::clone(&link.client);
                timeout(STOP_TIMEOUT, client.logout()).await.is_ok()
            }
            _ => false,
        };
        if let Some(link) = self.link.take() {
            self.generation += 1;
            let _ = timeout(STOP_TIMEOUT, link.handle).await;
        }
        if let Err(e) = self.remove("dropped by request").await {
            return Err(ErrorReply::new(
                ErrorCode::Internal,
                format!("{number} is dropped, but the registry on disk still lists it: {e}"),
            ));
        }
        Ok(if unlinked {
            format!(
                "dropped {number}: the device was unlinked from the phone and its credentials deleted"
            )
        } else if self.record.info.paired_at.is_some() && self.state() != S::LoggedOut {
            format!(
                "dropped {number}: its credentials are deleted, but it was not connected, so the phone may still list it under Linked devices"
            )
        } else {
            format!("dropped {number}")
        })
    }
}
