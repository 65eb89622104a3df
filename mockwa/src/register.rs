//! A registration connection: hand out QR refs, or take a pair-code
//! request; the phone signs the pairing (scan or typed code), the client
//! counter-signs, and the server asks it to reconnect (515).

use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use base64::prelude::BASE64_URL_SAFE_NO_PAD;
use tokio::time::sleep_until;
use wacore::libsignal::protocol::KeyPair;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node};

use crate::conn::{End, Session, obey};
use crate::nodes::{self, attr};
use crate::pair_code;
use crate::phone::{self, SentPairing};
use crate::server::{CodeEntry, Command, ScanError, ScanRequest};
use crate::stats::bump;

/// A client gets this long to counter-sign a pairing.
const SIGN_TIMEOUT: Duration = Duration::from_secs(20);

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
/// Serves a registration until the device is linked or the client leaves.
pub(crate) async fn run(s: &mut Session<'_>) -> anyhow::Result<End> {
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
    /// What the phone did once the user typed the code.
    entry: Option<Typed>,
}

/// A code typed on the phone, with the keys the phone used.
struct Typed {
    entry: CodeEntry,
    /// The companion's ephemeral key, unwrapped with the code.
    companion: [u8; 32],
    ephemeral: KeyPair,
    identity: KeyPair,
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
    flow.entry = Some(Typed {
        entry,
        companion,
        ephemeral,
        identity,
    });
    Ok(())
}

/// Stage 2: the client's key bundle gives the ADV secret; the phone then
/// signs the pairing as for a scanned QR code.
async fn companion_finish(
    s: &mut Session<'_>,
    flow: CodeFlow,
    reg: &Node,
) -> anyhow::Result<Option<Pending>> {
    let Some(Typed {
        entry,
        companion: companion_ephemeral,
        ephemeral,
        identity,
    }) = flow.entry
    else {
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
