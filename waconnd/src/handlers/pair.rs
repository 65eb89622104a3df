//! `pair`: register a number if new and follow its pairing.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use waconn_proto::{ErrorReply, PairRequest, PairingUpdate};

use super::unknown;
use crate::session::Command;
use crate::supervisor::Supervisor;

/// Registers the number if new and follows its pairing, by QR codes or
/// (`by_code`) a code typed on the phone.
pub async fn pair(
    supervisor: &Arc<Supervisor>,
    request: PairRequest,
    by_code: bool,
) -> Result<mpsc::UnboundedReceiver<PairingUpdate>, ErrorReply> {
    let number = &request.number;
    supervisor.register(number).await?;
    let commands = supervisor.commands(number)?;
    let (updates, updates_rx) = mpsc::unbounded_channel();
    let (accepted, verdict) = oneshot::channel();
    commands
        .send(Command::Pair {
            updates,
            accepted,
            by_code,
        })
        .map_err(|_| unknown(number))?;
    verdict.await.map_err(|_| unknown(number))??;
    Ok(updates_rx)
}
