//! The end of every pairing, scanned or typed: the phone signs
//! `<pair-success>`, the client counter-signs, the device is linked and the
//! server asks the client to reconnect (515).

use std::time::Duration;

use wacore_binary::{Jid, Node};

use super::session::Session;
use crate::phone::{self, SentPairing};
use crate::state::command::{ScanError, ScanRequest};
use crate::state::stats::bump;
use crate::wire::nodes::{attr, random_id};
use crate::wire::stream_error::StreamError;

/// A client gets this long to counter-sign a pairing.
const SIGN_TIMEOUT: Duration = Duration::from_secs(20);

/// A pairing the phone started and the client has yet to counter-sign.
pub(crate) struct Pending {
    /// The id of the `<pair-success>` IQ the client answers.
    pub iq_id: String,
    pub request: ScanRequest,
    jid: Jid,
    sent: SentPairing,
    pub deadline: tokio::time::Instant,
}

/// The phone signs the scanned code and sends `<pair-success>`.
pub(crate) async fn start(
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
        request
            .options
            .business
            .then_some(request.push_name.as_str()),
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
pub(crate) async fn finish(s: &mut Session<'_>, p: Pending, reply: &Node) -> anyhow::Result<bool> {
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
                p.request.options.business,
            );
            if !p.request.options.business && !p.request.options.withhold_key_share {
                s.shared
                    .share_app_state_key(&(p.request.phone.clone(), p.jid.device));
            }
            bump(&s.shared.stats.pairings);
            tracing::info!(jid = %p.jid, "paired");
            let _ = p.request.reply.send(Ok(p.jid.to_string()));
            s.io.send_and_close(&StreamError::Restart.node()).await;
            Ok(true)
        }
        Err(reason) => {
            tracing::info!(jid = %p.jid, reason, "pairing rejected");
            let _ = p.request.reply.send(Err(ScanError::Rejected(reason)));
            Ok(false)
        }
    }
}
