//! One client connection: handshake, then either registration (QR refs and
//! the phone's pairing) or a login followed by the answers a live session
//! needs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine as _;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, timeout};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node};
use waproto::whatsapp as wa;

use crate::handshake;
use crate::nodes::{self, attr};
use crate::pair_code;
use crate::phone::{self, SentPairing};
use crate::registry::LoginCheck;
use crate::server::{CodeEntry, Command, ScanError, ScanRequest, Shared};
use crate::stats::bump;
use crate::transport::{FrameIo, NoiseIo, Ws};

/// A client gets this long to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// A client gets this long to counter-sign a pairing.
const SIGN_TIMEOUT: Duration = Duration::from_secs(20);

/// Serves one upgraded WebSocket until either side ends it.
pub(crate) async fn serve(shared: Arc<Shared>, ws: Ws) {
    let (id, rx) = shared.open();
    if let Err(e) = run(&shared, id, ws, rx).await {
        tracing::debug!(conn = id, "connection ended: {e:#}");
    }
    shared.close(id);
}

struct Session<'a> {
    shared: &'a Shared,
    id: u64,
    io: NoiseIo,
    rx: mpsc::UnboundedReceiver<Command>,
    client_static: [u8; 32],
}

/// What ends a session loop.
enum End {
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
        register(&mut session).await?
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
async fn obey(io: &mut NoiseIo, command: Option<Command>) -> Option<End> {
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

/// A pairing the phone started and the client has yet to counter-sign.
struct Pending {
    iq_id: String,
    request: ScanRequest,
    jid: Jid,
    sent: SentPairing,
    deadline: tokio::time::Instant,
}

/// A registration: hand out QR refs, wait for the phone to scan one, have
/// the client counter-sign, then ask it to reconnect (515).
async fn register(s: &mut Session<'_>) -> anyhow::Result<End> {
    bump(&s.shared.stats.registrations);
    let refs: Vec<String> = (0..s.shared.config.refs).map(|_| random_id(24)).collect();
    s.shared.offer_refs(s.id, &refs);
    let ref_nodes: Vec<Node> = refs
        .iter()
        .map(|r| NodeBuilder::new("ref").bytes(r.as_bytes().to_vec()).build())
        .collect();
    let pair_device = NodeBuilder::new("pair-device").children(ref_nodes).build();
    s.io.send(&nodes::iq_set(&random_id(8), "md", vec![pair_device]))
        .await?;

    let mut pending: Option<Pending> = None;
    let mut code: Option<CodeFlow> = None;
    let mut shutdown = s.shared.shutdown.clone();
    loop {
        let deadline = pending.as_ref().map(|p| p.deadline);
        tokio::select! {
            node = s.io.recv() => {
                let Some(node) = node? else { return Ok(End::Closed) };
                let is_answer = node.tag == "iq"
                    && pending.as_ref().is_some_and(|p| attr(&node, "id").as_deref() == Some(p.iq_id.as_str()));
                if let Some(p) = pending.take_if(|_| is_answer) {
                    if finish_pairing(s, p, &node).await? {
                        return Ok(End::Closed);
                    }
                } else if let Some(reg) = node.get_optional_child("link_code_companion_reg").filter(|_| node.tag == "iq") {
                    let id = attr(&node, "id").unwrap_or_default();
                    match attr(reg, "stage").as_deref() {
                        Some("companion_hello") => code = companion_hello(s, &id, reg).await?,
                        Some("companion_finish") => {
                            s.io.send(&nodes::iq_result(&id)).await?;
                            if let Some(flow) = code.take() {
                                pending = companion_finish(s, flow, reg).await?;
                            }
                        }
                        _ => s.io.send(&nodes::iq_result(&id)).await?,
                    }
                } else if node.tag == "iq" && matches!(attr(&node, "type").as_deref(), Some("get" | "set")) {
                    s.io.send(&nodes::iq_result(&attr(&node, "id").unwrap_or_default())).await?;
                }
            }
            command = s.rx.recv() => match command {
                Some(Command::Scan(request)) => {
                    if pending.is_some() {
                        let _ = request.reply.send(Err(ScanError::Rejected("a pairing is already in progress".into())));
                    } else {
                        pending = start_pairing(s, request).await?;
                    }
                }
                Some(Command::EnterCode(entry)) => match code.as_mut() {
                    Some(flow) if flow.entry.is_none() => {
                        if let Err(e) = enter_code(s, flow, entry).await {
                            tracing::debug!(conn = s.id, "pair code entry failed: {e:#}");
                        }
                    }
                    _ => {
                        let _ = entry.reply.send(Err(ScanError::UnknownRef));
                    }
                },
                other => if let Some(end) = obey(&mut s.io, other).await {
                    return Ok(end);
                },
            },
            () = async { sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)).await }, if deadline.is_some() => {
                if let Some(p) = pending.take() {
                    let _ = p.request.reply.send(Err(ScanError::Timeout));
                }
            }
            _ = shutdown.changed() => return Ok(End::Abort),
        }
    }
}

/// A client asking to link by code, and what the phone did so far.
struct CodeFlow {
    /// The companion's ephemeral key, wrapped with the code.
    wrapped: Vec<u8>,
    reference: Vec<u8>,
    /// The user's entry and the phone's keys, once the code was typed.
    entry: Option<(
        CodeEntry,
        [u8; 32],
        wacore::libsignal::protocol::KeyPair,
        wacore::libsignal::protocol::KeyPair,
    )>,
}

/// Stage 1: the client asks to link with a phone number.
async fn companion_hello(
    s: &mut Session<'_>,
    id: &str,
    reg: &Node,
) -> anyhow::Result<Option<CodeFlow>> {
    let phone = attr(reg, "jid").unwrap_or_default();
    let phone = phone
        .split(['@', ':'])
        .next()
        .unwrap_or_default()
        .to_string();
    let Some(wrapped) =
        pair_code::child_bytes(reg, "link_code_pairing_wrapped_companion_ephemeral_pub")
    else {
        s.io.send(&nodes::iq_result(id)).await?;
        return Ok(None);
    };
    let reference = random_id(16).into_bytes();
    s.io.send(&pair_code::hello_reply(id, &reference)).await?;
    s.shared.offer_code(s.id, &phone);
    tracing::info!(phone, "companion asked for a pair code");
    Ok(Some(CodeFlow {
        wrapped: wrapped.to_vec(),
        reference,
        entry: None,
    }))
}

/// The user typed the code: the phone answers with its primary hello.
async fn enter_code(
    s: &mut Session<'_>,
    flow: &mut CodeFlow,
    entry: CodeEntry,
) -> anyhow::Result<()> {
    let companion = pair_code::unwrap_companion(&flow.wrapped, &entry.code)?;
    let (identity, _) = s.shared.registry().account(&entry.phone)?;
    let ephemeral = wacore::crypto::generate_curve_key_pair();
    let hello = pair_code::primary_hello(
        &random_id(8),
        &entry.code,
        &flow.reference,
        &ephemeral,
        &identity,
    )?;
    s.io.send(&hello).await?;
    flow.entry = Some((entry, companion, ephemeral, identity));
    Ok(())
}

/// Stage 2: the client's key bundle gives the ADV secret; the phone then
/// signs the pairing as for a scanned QR code.
async fn companion_finish(
    s: &mut Session<'_>,
    flow: CodeFlow,
    reg: &Node,
) -> anyhow::Result<Option<Pending>> {
    let Some((entry, companion_ephemeral, ephemeral, identity)) = flow.entry else {
        return Ok(None);
    };
    let opened = (|| {
        let bundle = pair_code::child_bytes(reg, "link_code_pairing_wrapped_key_bundle")
            .context("no key bundle")?;
        let companion_identity: [u8; 32] = pair_code::child_bytes(reg, "companion_identity_public")
            .context("no companion identity")?
            .try_into()
            .context("companion identity is not 32 bytes")?;
        let adv_secret = pair_code::open_bundle(
            bundle,
            &companion_ephemeral,
            &companion_identity,
            &ephemeral,
            &identity,
        )?;
        anyhow::Ok((companion_identity, adv_secret))
    })();
    match opened {
        Ok((identity_key, adv_secret)) => {
            let qr = crate::phone::QrCode {
                reference: String::from_utf8_lossy(&flow.reference).into_owned(),
                noise_key: s.client_static,
                identity_key,
                adv_secret,
            };
            let request = ScanRequest {
                qr,
                phone: entry.phone,
                push_name: entry.push_name,
                reply: entry.reply,
            };
            start_pairing(s, request).await
        }
        Err(e) => {
            let _ = entry.reply.send(Err(ScanError::Rejected(format!("{e:#}"))));
            Ok(None)
        }
    }
}

/// The phone signs the scanned code and sends `<pair-success>`.
async fn start_pairing(
    s: &mut Session<'_>,
    request: ScanRequest,
) -> anyhow::Result<Option<Pending>> {
    if request.qr.noise_key != s.client_static {
        let _ = request.reply.send(Err(ScanError::Malformed(
            "the code's noise key is not the one its connection uses".into(),
        )));
        return Ok(None);
    }
    let built = {
        let mut registry = s.shared.registry();
        registry.account(&request.phone).map(|(account, lid)| {
            let device = registry.next_device(&request.phone);
            (account, lid, device)
        })
    };
    let (account, lid, device) = match built {
        Ok(built) => built,
        Err(e) => {
            let _ = request
                .reply
                .send(Err(ScanError::Rejected(format!("{e:#}"))));
            return Ok(None);
        }
    };
    let jid = Jid::pn(request.phone.clone()).with_device(device);
    let lid = Jid::lid(lid.to_string()).with_device(device);
    let iq_id = random_id(8);
    let (node, sent) = phone::pair_success(
        &iq_id,
        &request.qr,
        &account,
        &jid,
        &lid,
        &request.push_name,
    )?;
    s.io.send(&node).await?;
    Ok(Some(Pending {
        iq_id,
        request,
        jid,
        sent,
        deadline: tokio::time::Instant::now() + SIGN_TIMEOUT,
    }))
}

/// Checks the client's answer to `<pair-success>`; on success links the
/// device and sends 515. Returns whether the connection is done.
async fn finish_pairing(s: &mut Session<'_>, p: Pending, reply: &Node) -> anyhow::Result<bool> {
    let verdict = if attr(reply, "type").as_deref() == Some("result") {
        phone::verify_sign(&p.sent, reply).map_err(|e| format!("{e:#}"))
    } else {
        let text = reply
            .get_optional_child("error")
            .and_then(|e| attr(e, "text"))
            .unwrap_or_else(|| "error".into());
        Err(text)
    };
    match verdict {
        Ok(()) => {
            s.shared.registry().link(
                &p.request.phone,
                p.jid.device,
                &s.client_static,
                &p.request.push_name,
            );
            bump(&s.shared.stats.pairings);
            tracing::info!(jid = %p.jid, "paired");
            let _ = p.request.reply.send(Ok(p.jid.to_string()));
            s.io.send_and_close(&nodes::stream_error_code("515")).await;
            Ok(true)
        }
        Err(reason) => {
            tracing::info!(jid = %p.jid, reason, "pairing rejected");
            let _ = p.request.reply.send(Err(ScanError::Rejected(reason)));
            Ok(false)
        }
    }
}

/// A random URL-safe identifier of `bytes` random bytes.
fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buf)
        .expect("the system random source works");
    BASE64_URL_SAFE_NO_PAD.encode(buf)
}
