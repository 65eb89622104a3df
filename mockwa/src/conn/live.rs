//! The logged-in session: answer what the client asks until it ends.

use std::time::Instant;

use wacore_binary::Node;

use super::session::{End, Session, Step};
use crate::state::Shared;
use crate::state::command::ScanError;
use crate::state::registry::Presence;
use crate::wire::nodes::{self, attr};

/// Serves the logged-in device `phone:device` until the connection ends.
pub(crate) async fn run(s: &mut Session<'_>, phone: &str, device: u16) -> anyhow::Result<End> {
    loop {
        match s.next(None).await? {
            Step::Node(node) => {
                if s.shared.faults().mute.left(phone, Instant::now()).is_some() {
                    continue;
                }
                for reply in answer(s.shared, phone, device, &node) {
                    s.io.send(&reply).await?;
                }
            }
            // Scans reach only registration connections: here they find no ref.
            Step::Phone(action) => action.refuse(ScanError::UnknownRef),
            Step::Wake => {}
            Step::End(end) => return Ok(end),
        }
    }
}

/// The server's answers to one stanza of a logged-in client.
fn answer(shared: &Shared, phone: &str, device: u16, node: &Node) -> Vec<Node> {
    if let Some(presence) = own_presence(node) {
        shared.registry().record_presence(phone, device, presence);
        return Vec::new();
    }
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

/// The presence a device announces for itself: `<presence type=…>` with no
/// `to` (whatsapp-rust `features/presence.rs`; a `to` subscribes to a
/// contact's presence instead).
fn own_presence(node: &Node) -> Option<Presence> {
    if node.tag != "presence" || node.attrs.contains_key("to") {
        return None;
    }
    match attr(node, "type").as_deref() {
        Some("available") => Some(Presence::Available),
        Some("unavailable") => Some(Presence::Unavailable),
        _ => None,
    }
}
