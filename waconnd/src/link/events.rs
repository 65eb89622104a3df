//! The client's events as the actor's signals, in plain words that name the
//! code the server sent. Handled inline, in order, on the client's dispatch
//! path.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use whatsapp_rust::wacore::net::DisconnectReason;
use whatsapp_rust::wacore::types::events::{
    ConnectFailure, Event, EventHandler, LoggedOut, TemporaryBan,
};
use whatsapp_rust::wacore_binary::OwnedNodeRef;

use super::SignalSender;
use crate::session::liveness::Liveness;
use crate::session::signal::{ServerWord, Signal};
use crate::version::WaVersion;

/// Turns the client's events into signals.
pub struct Forwarder {
    signals: SignalSender,
    generation: u64,
    version: WaVersion,
    /// The client's own reconnecting: on only while pairing, from the first
    /// code shown until logged in, since the reconnect the server asks for
    /// right after a pairing must run on the client that paired (it keeps in
    /// memory that a first sync is due).
    auto_reconnect: Arc<AtomicBool>,
    /// Where received messages are counted.
    liveness: Arc<Liveness>,
}

impl Forwarder {
    /// A forwarder for the client of link `generation`, speaking `version`.
    pub fn new(
        signals: SignalSender,
        generation: u64,
        version: WaVersion,
        auto_reconnect: Arc<AtomicBool>,
        liveness: Arc<Liveness>,
    ) -> Self {
        Self {
            signals,
            generation,
            version,
            auto_reconnect,
            liveness,
        }
    }
}

impl EventHandler for Forwarder {
    fn handle_event(&self, event: Arc<Event>) {
        match &*event {
            // A pairing that reached WhatsApp keeps its client, which must
            // log in again itself after the server's 515: the event that
            // says the pairing succeeded can come after the 515 is read.
            Event::PairingQrCode(_) | Event::PairingCode(_) | Event::PairSuccess(_) => {
                self.auto_reconnect.store(true, Ordering::Relaxed)
            }
            Event::Connected(_) => self.auto_reconnect.store(false, Ordering::Relaxed),
            Event::Messages(batch) => {
                let count = u64::try_from(batch.len()).unwrap_or(u64::MAX);
                self.liveness.received(count, crate::time::now_ms());
            }
            _ => {}
        }
        if let Some(signal) = signal_of(&event, &self.version) {
            let _ = self.signals.send((self.generation, signal));
        }
    }
}

fn signal_of(event: &Event, version: &WaVersion) -> Option<Signal> {
    Some(match event {
        Event::Connected(_) => Signal::Connected,
        Event::Disconnected(d) => Signal::Lost(lost(&d.reason)),
        Event::RawNode(node) => Signal::ServerSaid(server_word(node)?),
        Event::PairingQrCode(qr) => Signal::Qr(qr.code.clone(), qr.timeout),
        Event::PairingQrCodesExhausted(_) => Signal::QrExhausted,
        Event::PairingCode(c) => Signal::Code(c.code.clone(), c.timeout),
        Event::PairingCodeError(e) => Signal::CodeRefused {
            error: match e.rejection {
                Some(rejection) => format!(
                    "{} {}",
                    rejection.code(),
                    rejection.text().unwrap_or("refused")
                ),
                None => e.error.clone(),
            },
            throttled: e.rejection.is_some_and(|r| r.is_throttled()),
        },
        Event::PairingCodeRefresh(_) => Signal::CodeExpired,
        Event::PairSuccess(p) => Signal::Paired {
            jid: p.id.to_string(),
            push_name: p.business_name.clone(),
        },
        Event::PairError(p) => Signal::PairError(format!("pairing failed: {}", p.error)),
        Event::LoggedOut(l) => Signal::LoggedOut(logged_out(l)),
        Event::StreamReplaced(_) => Signal::Replaced(
            "another client took over this session (stream error: conflict replaced)".into(),
        ),
        Event::TemporaryBan(b) => {
            let seconds = u64::try_from(b.expire.num_seconds()).unwrap_or(0);
            Signal::Banned(Duration::from_secs(seconds), banned(b, seconds))
        }
        Event::ClientOutdated(_) => Signal::Outdated(version.to_string()),
        Event::ConnectFailure(f) if f.reason.should_reconnect() => Signal::RetryLater(format!(
            "WhatsApp refused the login for now ({})",
            failure(f)
        )),
        Event::ConnectFailure(f) => {
            Signal::Failed(format!("WhatsApp refused the login ({})", failure(f)))
        }
        Event::SelfPushNameUpdated(p) => Signal::PushName(p.new_name.clone()),
        // Only what the account's own phone does shows it alive: what it
        // sent (its copies reach every linked device). Contacts' messages,
        // receipts and presence come whether the phone is on or off.
        Event::Messages(batch) if batch.iter().any(|m| m.info.source.is_from_me) => {
            Signal::AccountActivity
        }
        _ => return None,
    })
}

/// A lost connection in plain words.
fn lost(reason: &DisconnectReason) -> String {
    match reason {
        DisconnectReason::ServerClose { code, reason } => {
            let code = code.map_or("no code".to_string(), |c| format!("close code {c}"));
            if reason.is_empty() {
                format!("WhatsApp closed the connection ({code})")
            } else {
                format!("WhatsApp closed the connection ({code}: {reason})")
            }
        }
        DisconnectReason::StreamEnded => "WhatsApp ended the connection".into(),
        DisconnectReason::ReadError(e) => format!("the connection broke: {e}"),
        DisconnectReason::Unknown => "the connection was lost".into(),
    }
}

/// The stream errors and stream end the client handles without an event of
/// its own (whatsapp-rust `client/node_io.rs`: `handle_stream_error`, and
/// the `xmlstreamend` branch of the node dispatch). Those it does raise an
/// event for (conflicts, 401, 409, 516) come through that event instead.
fn server_word(node: &OwnedNodeRef) -> Option<ServerWord> {
    match node.tag() {
        "xmlstreamend" => Some(ServerWord::StreamEnd),
        "stream:error" => {
            if node.get_optional_child("conflict").is_some() {
                return None;
            }
            let code = node.attrs().optional_string("code").map(|c| c.into_owned());
            match code.as_deref() {
                Some("429") => Some(ServerWord::RateLimited),
                Some("503") => Some(ServerWord::Unavailable),
                Some("515") => Some(ServerWord::RestartRequired),
                Some("401" | "409" | "516") => None,
                Some(other) if !other.is_empty() => Some(ServerWord::Other(other.to_string())),
                _ if node.get_optional_child("ack").is_some() => Some(ServerWord::AckOwed),
                _ if node.get_optional_child("xml-not-well-formed").is_some() => {
                    Some(ServerWord::BadXml)
                }
                _ => Some(ServerWord::Other(
                    node.children()
                        .and_then(|c| c.first())
                        .map_or("without a code".to_string(), |c| c.tag.to_string()),
                )),
            }
        }
        _ => None,
    }
}

fn logged_out(l: &LoggedOut) -> String {
    let code = l.reason.code();
    if l.on_connect {
        // What the server wrote: its logout message, and the `message` of
        // the `<failure>` itself.
        let message = l.raw.as_ref().and_then(|raw| {
            let mut attrs = raw.attrs();
            attrs.optional_string("message").map(|m| m.into_owned())
        });
        let header = l.logout_message.as_ref().and_then(|m| m.header.clone());
        let subtext = l.logout_message.as_ref().and_then(|m| m.subtext.clone());
        let text = [header, subtext, message]
            .into_iter()
            .flatten()
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let told = if text.is_empty() {
            String::new()
        } else {
            format!(": \"{text}\"")
        };
        return match code {
            403 => format!(
                "WhatsApp locked or banned this account (login refused, 403){told}; its owner must resolve it in WhatsApp on the phone"
            ),
            401 => {
                format!("WhatsApp refused the login (401): this device is no longer linked{told}")
            }
            _ => format!("WhatsApp logged this device out (login refused, {code}){told}"),
        };
    }
    let Some(raw) = &l.raw else {
        return "logged out".into();
    };
    let mut attrs = raw.attrs();
    let stream_code = attrs.optional_string("code").map(|c| c.into_owned());
    let conflict = raw.get_optional_child("conflict").and_then(|c| {
        let mut attrs = c.attrs();
        attrs.optional_string("type").map(|t| t.into_owned())
    });
    match (stream_code.as_deref(), conflict.as_deref()) {
        (code, Some("device_removed")) => format!(
            "the phone removed this device (stream error {}conflict device_removed)",
            code.map(|c| format!("{c}, ")).unwrap_or_default()
        ),
        (Some(code), Some(kind)) => {
            format!("WhatsApp logged this device out (stream error {code}, conflict {kind})")
        }
        (None, Some(kind)) => {
            format!("WhatsApp logged this device out (stream error: conflict {kind})")
        }
        (Some(code), None) => format!("WhatsApp logged this device out (stream error {code})"),
        (None, None) => "WhatsApp logged this device out".into(),
    }
}

fn banned(b: &TemporaryBan, seconds: u64) -> String {
    let mut why = format!(
        "temporarily banned by WhatsApp (402, code {}: {}) for {}",
        b.code.code(),
        b.code,
        waconn_proto::duration::format(Duration::from_secs(seconds))
    );
    if let Some(message) = b.message.as_deref().filter(|m| !m.is_empty()) {
        why.push_str(&format!(": \"{message}\""));
    }
    why.push_str("; the daemon tries again when it ends");
    why
}

/// A refused login's code, its name and the server's message.
fn failure(f: &ConnectFailure) -> String {
    let code = f.reason.code();
    let name = match code {
        400 => "bad request",
        409 => "bad user agent",
        413 => "credentials expired",
        414 => "credentials invalid",
        415 => "not found",
        418 => "unknown client",
        500 => "internal server error",
        501 => "experimental",
        503 => "service unavailable",
        _ => "unknown",
    };
    match f.message.as_deref().filter(|m| !m.is_empty()) {
        Some(message) => format!("{code} {name}: \"{message}\""),
        None => format!("{code} {name}"),
    }
}
