//! Linking with a code typed on the phone, on the registration connection:
//! the client's `companion_hello`, the phone's `primary_hello` once the
//! user typed the code, and the client's `companion_finish`, after which the
//! phone signs as for a scanned QR code.

use std::time::Instant;

use anyhow::Context;
use wacore::libsignal::protocol::KeyPair;
use wacore_binary::Node;

use super::pairing::{self, Pending};
use super::session::Session;
use crate::phone::pair_code::{self, BundleError};
use crate::state::command::{CodeEntry, ScanError, ScanRequest};
use crate::wire::nodes::{self, attr, random_id};

/// A client asking to link by code, and what the phone did so far.
pub(crate) struct CodeFlow {
    /// The companion's ephemeral key, wrapped with the code.
    wrapped: Vec<u8>,
    reference: Vec<u8>,
    /// When the client got its code.
    issued: Instant,
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

/// What [`stanza`] made of a stanza.
pub(crate) enum Handled {
    /// Not a pair-code stanza.
    NotMine,
    /// Answered.
    Done,
    /// The phone signed: the client is to counter-sign.
    Pairing(Box<Pending>),
}

/// Serves a `link_code_companion_reg` IQ of the client; `code` is the flow
/// it belongs to.
pub(crate) async fn stanza(
    s: &mut Session<'_>,
    node: &Node,
    code: &mut Option<CodeFlow>,
) -> anyhow::Result<Handled> {
    let Some(reg) = node
        .get_optional_child("link_code_companion_reg")
        .filter(|_| node.tag == "iq")
    else {
        return Ok(Handled::NotMine);
    };
    let id = attr(node, "id").unwrap_or_default();
    match attr(reg, "stage").as_deref() {
        Some("companion_hello") => *code = hello(s, &id, reg).await?,
        Some("companion_finish") => match code.take() {
            Some(flow) => {
                if let Some(pending) = finish(s, &id, flow, reg).await? {
                    return Ok(Handled::Pairing(Box::new(pending)));
                }
            }
            None => s.io.send(&nodes::iq_result(&id)).await?,
        },
        _ => s.io.send(&nodes::iq_result(&id)).await?,
    }
    Ok(Handled::Done)
}

/// Stage 1: the client asks to link with a phone number.
async fn hello(s: &mut Session<'_>, id: &str, reg: &Node) -> anyhow::Result<Option<CodeFlow>> {
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
    // The server throttles codes per phone number and says so with
    // `bad-request` (whatsapp-rust `pair_code.rs`, `PairCodeRejection`:
    // "the server reuses `bad-request` for its per-number pair-code limit").
    if s.shared
        .faults()
        .throttle_codes
        .left(&phone, Instant::now())
        .is_some()
    {
        tracing::info!(phone, "pair code refused: throttled");
        s.io.send(&nodes::iq_error(id, 400, "bad-request")).await?;
        return Ok(None);
    }
    let reference = random_id(16).into_bytes();
    // Published before the reply: once the client has its code, the user may
    // type it at once.
    s.shared.live().offer_code(s.id, &phone);
    s.io.send(&pair_code::hello_reply(id, &reference)).await?;
    tracing::info!(phone, "companion asked for a pair code");
    Ok(Some(CodeFlow {
        wrapped: wrapped.to_vec(),
        reference,
        issued: Instant::now(),
        entry: None,
    }))
}

/// The user typed the code of `code`'s flow: the phone answers with its
/// primary hello, or, once the code's validity ran out, the server asks the
/// client for a new code.
pub(crate) async fn enter(
    s: &mut Session<'_>,
    code: &mut Option<CodeFlow>,
    entry: CodeEntry,
) -> anyhow::Result<()> {
    let Some(flow) = code.as_mut().filter(|flow| flow.entry.is_none()) else {
        let _ = entry.reply.send(Err(ScanError::UnknownRef));
        return Ok(());
    };
    if flow.issued.elapsed() >= s.shared.config.pair_code_ttl {
        tracing::info!(phone = entry.phone, "pair code typed after it expired");
        s.io.send(&pair_code::refresh_code(&flow.reference)).await?;
        *code = None;
        let _ = entry.reply.send(Err(ScanError::CodeExpired));
        return Ok(());
    }
    let keys = (|| {
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
        anyhow::Ok((companion, identity, ephemeral, hello))
    })();
    let (companion, identity, ephemeral, hello) = match keys {
        Ok(keys) => keys,
        Err(e) => {
            let _ = entry.reply.send(Err(ScanError::Rejected(format!("{e:#}"))));
            return Ok(());
        }
    };
    s.io.send(&hello).await?;
    flow.entry = Some(Typed {
        entry,
        companion,
        ephemeral,
        identity,
    });
    Ok(())
}

/// Stage 2, the IQ `id`: the client's key bundle gives the ADV secret; the
/// phone then signs the pairing as for a scanned QR code.
///
/// A bundle that does not open (the user typed another code) is what the
/// phone cannot use: it tells its own user the link failed and says nothing
/// to the companion, whose request the server acknowledges; the companion
/// gives the code up when no pair-success follows within a minute
/// (whatsapp-rust `pair_code.rs`, `start_pair_success_timeout`, after WA
/// Web's `primary_hello_expire` timer).
async fn finish(
    s: &mut Session<'_>,
    id: &str,
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
        s.io.send(&nodes::iq_result(id)).await?;
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
    let (identity_key, adv_secret) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            s.io.send(&nodes::iq_result(id)).await?;
            let error = match e.downcast_ref::<BundleError>() {
                Some(BundleError::WrongCode) => ScanError::WrongCode,
                _ => ScanError::Rejected(format!("{e:#}")),
            };
            tracing::info!(phone = entry.phone, "pair code refused: {error}");
            let _ = entry.reply.send(Err(error));
            return Ok(None);
        }
    };
    s.io.send(&nodes::iq_result(id)).await?;
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
        options: entry.options,
        reply: entry.reply,
    };
    pairing::start(s, request).await
}
