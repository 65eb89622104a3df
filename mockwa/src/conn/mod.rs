//! One client connection: handshake, then either a registration (see
//! [`register`]) or a login followed by the live session (see [`login`]).

mod delivery;
mod link_code;
mod live;
mod login;
mod pairing;
mod register;
mod requests;
mod session;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::timeout;

use crate::state::Shared;
use crate::state::command::Command;
use crate::state::stats::bump;
use crate::version::AppVersion;
use crate::wire::handshake;
use crate::wire::transport::{FrameIo, NoiseIo, Ws};
use session::{End, Session};

/// A client gets this long to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// Serves one upgraded WebSocket until either side ends it.
pub(crate) async fn serve(shared: Arc<Shared>, ws: Ws) {
    let (id, rx) = shared.open();
    if let Err(e) = run(&shared, id, ws, rx).await {
        tracing::debug!(conn = id, "connection ended: {e:#}");
    }
    shared.close(id);
}

async fn run(
    shared: &Shared,
    id: u64,
    ws: Ws,
    rx: mpsc::UnboundedReceiver<Command>,
) -> anyhow::Result<()> {
    let mut io = FrameIo::new(ws);
    let outcome = match timeout(HANDSHAKE_TIMEOUT, handshake::respond(&shared.keys, &mut io)).await
    {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => {
            bump(&shared.stats.handshake_failures);
            return Err(e.context("handshake failed"));
        }
        Err(_) => {
            bump(&shared.stats.handshake_failures);
            anyhow::bail!("handshake timed out");
        }
    };
    shared.stats.handshake(outcome.pattern);
    tracing::debug!(conn = id, pattern = ?outcome.pattern, "handshake complete");
    let version = AppVersion::of_payload(&outcome.payload);
    shared.live().handshaken(id, version);
    let io = NoiseIo::new(io, outcome.read, outcome.write);
    let mut session = Session::new(shared, id, io, outcome.client_static, rx);
    let end = if outcome.payload.device_pairing_data.as_option().is_some() {
        register::run(&mut session, version).await?
    } else {
        login::run(&mut session, &outcome.payload, version).await?
    };
    if let End::Abort = end {
        session.io.abort();
    }
    Ok(())
}
