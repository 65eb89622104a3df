//! One client connection: handshake, then either registration (see
//! [`crate::register`]) or a login followed by the answers a live session
//! needs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::mpsc;
use tokio::time::timeout;
use wacore_binary::Node;
use waproto::whatsapp as wa;

use crate::handshake;
use crate::nodes::{self, attr};
use crate::registry::LoginCheck;
use crate::server::{CodeEntry, Command, ScanError, ScanRequest, Shared};
use crate::stats::bump;
use crate::transport::{FrameIo, NoiseIo, Ws};

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

/// One connection after its handshake.
pub(crate) struct Session<'a> {
    pub shared: &'a Shared,
    pub id: u64,
    pub io: NoiseIo,
    pub rx: mpsc::UnboundedReceiver<Command>,
    /// The client's static Noise key.
    pub client_static: [u8; 32],
}

/// What ends a session loop.
pub(crate) enum End {
    Closed,
    Abort,
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
    let mut session = Session {
        shared,
        id,
        io: NoiseIo::new(io, outcome.read, outcome.write),
        rx,
        client_static: outcome.client_static,
    };
    let end = if outcome.payload.device_pairing_data.as_option().is_some() {
        crate::register::run(&mut session).await?
    } else {
        login(&mut session, &outcome.payload).await?
    };
    if let End::Abort = end {
        session.io.abort();
    }
    Ok(())
}

/// A login: `<success>` or `<failure>`, then the live session.
async fn login(s: &mut Session<'_>, payload: &wa::ClientPayload) -> anyhow::Result<End> {
    let phone = payload
        .username
        .context("login payload without username")?
        .to_string();
    let device = u16::try_from(payload.device.unwrap_or(0)).context("device number")?;
    // A muted server sits on the login until the mute ends.
    if let Some(end) = wait_unmuted(s, &phone).await? {
        return Ok(end);
    }
    let now = Instant::now();
    let verdict = {
        let faults = s.shared.faults();
        if faults.outdated {
            Err(nodes::failure(405))
        } else if let Some(left) = faults.ban.left(&phone, now) {
            Err(nodes::ban_failure(left.as_secs().max(1)))
        } else {
            match s
                .shared
                .registry()
                .check_login(&phone, device, &s.client_static)
            {
                LoginCheck::Valid { lid } => Ok(lid),
                LoginCheck::NotLinked => Err(nodes::failure(401)),
            }
        }
    };
    let lid = match verdict {
        Err(failure) => {
            bump(&s.shared.stats.login_failures);
            tracing::info!(
                phone,
                device,
                reason = attr(&failure, "reason"),
                "login refused"
            );
            s.io.send_and_close(&failure).await;
            return Ok(End::Closed);
        }
        Ok(lid) => lid,
    };
    s.shared.registry().record_login(&phone, device);
    s.shared.logged_in(s.id, &phone, device);
    bump(&s.shared.stats.logins);
    tracing::info!(phone, device, "logged in");
    s.io.send(&nodes::success(&lid)).await?;
    live(s, &phone, device).await
}

/// Carries out a command from outside; `Some` when it ends the connection.
/// Scans reach only registration connections, so here they find no ref.
pub(crate) async fn obey(io: &mut NoiseIo, command: Option<Command>) -> Option<End> {
    match command {
        None | Some(Command::Abort) => Some(End::Abort),
        Some(Command::StreamError(node)) => {
            io.send_and_close(&node).await;
            Some(End::Closed)
        }
        Some(
            Command::Scan(ScanRequest { reply, .. }) | Command::EnterCode(CodeEntry { reply, .. }),
        ) => {
            let _ = reply.send(Err(ScanError::UnknownRef));
            None
        }
    }
}

/// Discards what the client sends while `phone` is muted; `Some` if the
/// connection ended meanwhile.
async fn wait_unmuted(s: &mut Session<'_>, phone: &str) -> anyhow::Result<Option<End>> {
    let mut shutdown = s.shared.shutdown.clone();
    // Polled, so that lifting a mute early releases waiting logins too.
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    while s.shared.faults().mute.left(phone, Instant::now()).is_some() {
        tokio::select! {
            node = s.io.recv() => if node?.is_none() { return Ok(Some(End::Closed)) },
            command = s.rx.recv() => if let Some(end) = obey(&mut s.io, command).await {
                return Ok(Some(end));
            },
            _ = tick.tick() => {}
            _ = shutdown.changed() => return Ok(Some(End::Abort)),
        }
    }
    Ok(None)
}

/// The logged-in session: answer what the client asks until it ends.
async fn live(s: &mut Session<'_>, phone: &str, device: u16) -> anyhow::Result<End> {
    let mut shutdown = s.shared.shutdown.clone();
    loop {
        tokio::select! {
            node = s.io.recv() => {
                let Some(node) = node? else { return Ok(End::Closed) };
                if s.shared.faults().mute.left(phone, Instant::now()).is_some() {
                    continue;
                }
                for reply in answer(s.shared, phone, device, &node) {
                    s.io.send(&reply).await?;
                }
            }
            command = s.rx.recv() => if let Some(end) = obey(&mut s.io, command).await {
                return Ok(end);
            },
            _ = shutdown.changed() => return Ok(End::Abort),
        }
    }
}

/// The server's answers to one stanza of a logged-in client.
fn answer(shared: &Shared, phone: &str, device: u16, node: &Node) -> Vec<Node> {
    if node.tag != "iq" || !matches!(attr(node, "type").as_deref(), Some("get" | "set")) {
        return Vec::new();
    }
    let id = attr(node, "id").unwrap_or_default();
    match attr(node, "xmlns").as_deref() {
        // Gates `Connected`: the result, then "offline queue drained".
        Some("passive") => vec![nodes::iq_result(&id), nodes::offline_done()],
        Some("w:sync:app:state") => vec![nodes::app_state_conflicts(&id, node)],
        Some("md") if node.get_optional_child("remove-companion-device").is_some() => {
            if shared.registry().remove(phone, device) {
                tracing::info!(phone, device, "device unlinked itself");
            }
            vec![nodes::iq_result(&id)]
        }
        _ => vec![nodes::iq_result(&id)],
    }
}
