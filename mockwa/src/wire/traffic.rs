//! The stanzas that carry traffic to a device: messages, receipts and
//! presence from its contacts and its own phone, the prekey-low
//! notification, and the `<ib>` frames of an offline drain. Each carries
//! the attributes whatsapp-rust's parsers read (`wacore` `messages.rs`
//! `parse_message_info`, `receipt.rs`, `handlers/ib.rs`).

use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node};

use super::nodes::{SERVER, random_id, unix_now};

/// One `<enc v="2" type=…>` payload.
pub(crate) fn enc(kind: &'static str, bytes: Vec<u8>) -> Node {
    NodeBuilder::new("enc")
        .attr("v", "2")
        .attr("type", kind)
        .bytes(bytes)
        .build()
}

/// Who a message is from, as its stanza says it.
pub(crate) enum Origin<'a> {
    /// A contact writing to the account: `from` the contact, `notify` its
    /// push name.
    Contact { from: &'a Jid, notify: &'a str },
    /// A contact writing in a group: `from` the group, `participant` the
    /// contact (whatsapp-rust reads `participant` for `from` in `@g.us`).
    Group {
        group: &'a Jid,
        participant: &'a Jid,
        notify: &'a str,
    },
    /// The account's own phone, sending to `recipient`: the companions get
    /// a copy `from` the account with `recipient` set (whatsapp-rust reads
    /// it as `is_from_me` and the chat from `recipient`).
    OwnPhone {
        account: &'a Jid,
        recipient: &'a Jid,
    },
    /// The account's own phone writing to its companion only (a protocol
    /// message): `category="peer"`, which the companion answers with a
    /// `peer_msg` receipt.
    Peer { account: &'a Jid },
}

/// A message stanza with id `id`.
pub(crate) fn message(id: &str, origin: &Origin<'_>, encs: Vec<Node>) -> Node {
    let builder = NodeBuilder::new("message")
        .attr("id", id.to_string())
        .attr("type", "text")
        .attr("t", unix_now().to_string());
    let builder = match origin {
        Origin::Contact { from, notify } => builder
            .attr("from", (*from).clone())
            .attr("notify", notify.to_string()),
        Origin::Group {
            group,
            participant,
            notify,
        } => builder
            .attr("from", (*group).clone())
            .attr("participant", (*participant).clone())
            .attr("addressing_mode", "pn")
            .attr("notify", notify.to_string()),
        Origin::OwnPhone { account, recipient } => builder
            .attr("from", (*account).clone())
            .attr("recipient", (*recipient).clone()),
        Origin::Peer { account } => builder
            .attr("from", (*account).clone())
            .attr("category", "peer"),
    };
    builder.children(encs).build()
}

/// A delivery receipt from `contact` for the message `id` the device sent.
pub(crate) fn delivery_receipt(contact: &Jid, id: &str) -> Node {
    NodeBuilder::new("receipt")
        .attr("from", contact.clone())
        .attr("id", id.to_string())
        .attr("t", unix_now().to_string())
        .build()
}

/// `<presence from type="available"/>`: a contact is online.
pub(crate) fn presence(contact: &Jid) -> Node {
    NodeBuilder::new("presence")
        .attr("from", contact.clone())
        .attr("type", "available")
        .build()
}

/// `<notification type="encrypt"><count value=N/></notification>`: the
/// server is running out of the device's one-time prekeys, which
/// whatsapp-rust answers with an upload (`handlers/notification/device.rs`
/// `handle_prekey_low`; only from the server's own JID).
pub(crate) fn prekeys_low(left: usize) -> Node {
    NodeBuilder::new("notification")
        .attr("from", SERVER)
        .attr("type", "encrypt")
        .attr("id", random_id(8))
        .attr("t", unix_now().to_string())
        .children([super::prekeys::count(left)])
        .build()
}

/// The server's `<ack>` for a stanza the client sent (whatsmeow
/// `message.go` waits for it on sends; whatsapp-rust `client/node_io.rs`
/// `handle_ack_response`).
pub(crate) fn server_ack(class: &str, node: &Node) -> Node {
    let mut builder = NodeBuilder::new("ack")
        .attr("class", class.to_string())
        .attr("id", attr(node, "id"))
        .attr("t", unix_now().to_string());
    if let Some(to) = node.attrs.get("to") {
        builder = builder.attr("from", to.as_str().into_owned());
    }
    builder.build()
}

/// `<ib><offline_preview count message notification receipt .../></ib>`:
/// what an offline drain holds (whatsapp-rust `handlers/ib.rs`; Baileys
/// `Socket/socket.ts` `offline_preview`).
pub(crate) fn offline_preview(messages: usize, notifications: usize, receipts: usize) -> Node {
    let total = messages + notifications + receipts;
    NodeBuilder::new("ib")
        .attr("from", SERVER)
        .children([NodeBuilder::new("offline_preview")
            .attr("count", total.to_string())
            .attr("message", messages.to_string())
            .attr("notification", notifications.to_string())
            .attr("receipt", receipts.to_string())
            .attr("call", "0")
            .attr("appdata", "0")
            .attr("status", "0")
            .build()])
        .build()
}

/// `<ib><offline count=N/></ib>`: the drain is over, `count` stanzas long.
pub(crate) fn offline_done(count: usize) -> Node {
    NodeBuilder::new("ib")
        .attr("from", SERVER)
        .children([NodeBuilder::new("offline")
            .attr("count", count.to_string())
            .build()])
        .build()
}

/// How many stanzas `<ib><offline_batch count=N/>` pulls, if it is one
/// (whatsapp-rust `client/offline_resume.rs` `build_offline_batch_request`).
pub(crate) fn offline_batch(node: &Node) -> Option<usize> {
    if node.tag != "ib" {
        return None;
    }
    let batch = node.get_optional_child("offline_batch")?;
    Some(attr(batch, "count").parse().unwrap_or(0))
}

/// `node` marked as coming from the offline queue (`offline` attribute,
/// which whatsapp-rust counts towards the drain: `client/node_io.rs`).
pub(crate) fn offline(node: &Node) -> Node {
    let mut node = node.clone();
    node.attrs.insert("offline", "1");
    node
}

/// `<stream:error><ack class type id/></stream:error>`: the server is owed
/// the ack of `node` and recycles the stream (whatsapp-rust
/// `client/node_io.rs` `handle_stream_error`).
pub(crate) fn owed_ack(node: &Node) -> Node {
    let mut ack = NodeBuilder::new("ack")
        .attr("class", node.tag.to_string())
        .attr("id", attr(node, "id"));
    if let Some(kind) = node.attrs.get("type") {
        ack = ack.attr("type", kind.as_str().into_owned());
    }
    NodeBuilder::new("stream:error")
        .children([ack.build()])
        .build()
}

/// The ids a client's `<receipt>` or `<ack>` settles: its `id`, and for an
/// aggregate receipt every `<list><item id/>` (whatsapp-rust `receipt.rs`
/// `build_aggregate_delivery_receipt_nodes`).
pub(crate) fn settled_ids(node: &Node) -> Vec<String> {
    let mut ids: Vec<String> = node
        .attrs
        .get("id")
        .map(|v| v.as_str().into_owned())
        .into_iter()
        .collect();
    if node.tag == "receipt"
        && let Some(list) = node.get_optional_child("list")
    {
        ids.extend(
            list.get_children_by_tag("item")
                .filter_map(|item| item.attrs.get("id"))
                .map(|id| id.as_str().into_owned()),
        );
    }
    ids
}

/// A message id as WhatsApp writes them: 20 upper-case hex digits.
pub(crate) fn message_id() -> String {
    let bytes: [u8; 10] = rand::random();
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn attr(node: &Node, key: &str) -> String {
    node.attrs
        .get(key)
        .map(|v| v.as_str().into_owned())
        .unwrap_or_default()
}
