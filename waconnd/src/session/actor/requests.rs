//! What the supervisor asks of a session: pair, reconnect, drop, stop.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::timeout;
use waconn_proto::{ErrorCode, ErrorReply, PairingUpdate, SessionState};

use super::{Actor, Flow, STOP_TIMEOUT};
use crate::session::Command;
use crate::session::policy::Input;

use SessionState as S;

fn no_answer() -> ErrorReply {
    ErrorReply::new(ErrorCode::Internal, "the session gave no answer")
}

impl Actor {
    pub(super) async fn command(&mut self, command: Command) -> Flow {
        match command {
            Command::Pair {
                updates,
                accepted,
                by_code,
            } => {
                let (flow, verdict) = self.pair(updates, by_code).await;
                let _ = accepted.send(verdict);
                flow
            }
            Command::Reconnect(reply) => {
                let (flow, answer) = self.apply(Input::Reconnect).await;
                let _ = reply.send(answer.unwrap_or_else(|| Err(no_answer())));
                flow
            }
            Command::CheckSilence => match self.liveness.last_data() {
                Some(at) => self.apply(Input::HeardLast { at }).await.0,
                None => Flow::Continue,
            },
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
            Command::Release { why, handing, done } => {
                self.release(&why, handing).await;
                let _ = done.send(());
                Flow::Stop
            }
        }
    }

    /// Follows the pairing with `updates`, starting one if it makes sense.
    async fn pair(
        &mut self,
        updates: mpsc::UnboundedSender<PairingUpdate>,
        by_code: bool,
    ) -> (Flow, Result<(), ErrorReply>) {
        if self.state() == S::Connected {
            let _ = updates.send(PairingUpdate::Connected(self.model.record.info.clone()));
            return (Flow::Continue, Ok(()));
        }
        if let Some(qr) = self.qr.as_ref().filter(|_| !by_code) {
            let _ = updates.send(PairingUpdate::Qr(qr.clone()));
        }
        let _ = updates.send(PairingUpdate::State(self.model.record.info.clone()));
        self.watchers.push(updates);
        let (flow, answer) = self.apply(Input::Pair { by_code }).await;
        match answer.unwrap_or_else(|| Err(no_answer())) {
            Ok(_) => (flow, Ok(())),
            Err(e) => {
                self.watchers.pop();
                (flow, Err(e))
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
        let info = &self.model.record.info;
        Ok(if unlinked {
            format!(
                "dropped {number}: the device was unlinked from the phone and its credentials deleted"
            )
        } else if info.paired_at.is_some() && info.state != S::LoggedOut {
            format!(
                "dropped {number}: its credentials are deleted, but it was not connected, so the phone may still list it under Linked devices"
            )
        } else {
            format!("dropped {number}")
        })
    }
}
