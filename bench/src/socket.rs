//! The daemon's socket, spoken directly through `waconn_proto::Client`:
//! many pairings at once cost no process per number.

use std::path::Path;

use anyhow::Context;
use mockwa::MockWa;
use waconn_proto::{
    Client, Number, PairRequest, PairingUpdate, Request, Response, SessionInfo, SessionState,
};

/// Every session, or an error while the daemon is not up.
pub async fn list(socket: &Path) -> anyhow::Result<Vec<SessionInfo>> {
    Ok(Client::connect(socket).await?.sessions().await?)
}

/// How many sessions are CONNECTED; `None` while the daemon does not answer.
pub async fn connected(socket: &Path) -> Option<usize> {
    let sessions = list(socket).await.ok()?;
    Some(
        sessions
            .iter()
            .filter(|s| s.state == SessionState::Connected)
            .count(),
    )
}

/// Pairs `number`: asks for it, has mockwa's phone scan the first QR code,
/// returns once the daemon says it is connected.
pub async fn pair(socket: &Path, mock: &MockWa, number: &str) -> anyhow::Result<()> {
    let mut client = Client::connect(socket).await?;
    let number_parsed = Number::parse(number).context("bad number")?;
    client
        .send(&Request::Pair(PairRequest {
            number: number_parsed,
        }))
        .await?;
    let mut scanned = false;
    loop {
        match client.next().await? {
            Response::Pairing(PairingUpdate::Qr(qr)) if !scanned => {
                mock.scan(&qr.code, number, Some("Bench"))
                    .await
                    .map_err(|e| anyhow::anyhow!("scan of {number}: {e}"))?;
                scanned = true;
            }
            Response::Pairing(PairingUpdate::Connected(_)) => return Ok(()),
            _ => {}
        }
    }
}
