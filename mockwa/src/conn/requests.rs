//! The server's answers to what a logged-in client sends: its presence,
//! its acks and receipts, its own messages, and its requests (prekeys,
//! app state, unlinking itself). The offline drain it pulls is in
//! [`super::delivery`].

use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node};

use crate::phone::app_state;
use crate::state::Shared;
use crate::state::live::Account;
use crate::state::registry::Presence;
use crate::wire::nodes::{self, attr};
use crate::wire::prekeys::{self, UploadedKeys};
use crate::wire::traffic;

/// The answers to `node` from `account`.
pub(crate) fn answer(shared: &Shared, account: &Account, node: &Node) -> Vec<Node> {
    match node.tag.as_ref() {
        "presence" => presence(shared, account, node),
        "receipt" | "ack" => {
            let lost = shared
                .faults()
                .lose_acks
                .left(&account.0, std::time::Instant::now())
                .is_some();
            if lost {
                crate::state::stats::bump(&shared.stats.lost_acks);
            } else {
                shared.settle(account, &traffic::settled_ids(node));
            }
            Vec::new()
        }
        "message" => sent_message(shared, account, node),
        "iq" if matches!(attr(node, "type").as_deref(), Some("get" | "set")) => {
            vec![request(shared, account, node)]
        }
        _ => Vec::new(),
    }
}

/// A device's own presence is kept; a subscription to a contact's is
/// answered with it (whatsapp-rust `features/presence.rs` subscribes with
/// `to`).
fn presence(shared: &Shared, account: &Account, node: &Node) -> Vec<Node> {
    let to = node
        .attrs
        .get("to")
        .and_then(|v| v.as_str().parse::<Jid>().ok());
    match (attr(node, "type").as_deref(), to) {
        (Some("available"), None) => record(shared, account, Presence::Available),
        (Some("unavailable"), None) => record(shared, account, Presence::Unavailable),
        (Some("subscribe"), Some(contact)) if contact.user.as_str() != account.0 => {
            vec![traffic::presence(&Jid::pn(contact.user.to_string()))]
        }
        _ => Vec::new(),
    }
}

fn record(shared: &Shared, account: &Account, presence: Presence) -> Vec<Node> {
    shared
        .registry()
        .record_presence(&account.0, account.1, presence);
    Vec::new()
}

/// The server acks every message a device sends; a contact's phone then
/// answers with a delivery receipt.
fn sent_message(shared: &Shared, account: &Account, node: &Node) -> Vec<Node> {
    let id = attr(node, "id").unwrap_or_default();
    if let Some(to) = node
        .attrs
        .get("to")
        .and_then(|v| v.as_str().parse::<Jid>().ok())
    {
        shared.sent_by_device(account, &to, &id);
    }
    vec![traffic::server_ack("message", node)]
}

/// The answer to an `<iq type="get|set">`.
fn request(shared: &Shared, account: &Account, node: &Node) -> Node {
    let id = attr(node, "id").unwrap_or_default();
    match attr(node, "xmlns").as_deref() {
        Some("encrypt") => encrypt(shared, account, &id, node),
        Some("w:sync:app:state") => app_state_sync(shared, account, &id, node),
        Some("usync") => usync(&id, node),
        Some("md") if node.get_optional_child("remove-companion-device").is_some() => {
            if shared.registry().remove(&account.0, account.1) {
                shared.forget_device(account);
                tracing::info!(
                    phone = account.0,
                    device = account.1,
                    "device unlinked itself"
                );
            }
            nodes::iq_result(&id)
        }
        _ => nodes::iq_result(&id),
    }
}

/// A device-list query (`<usync>` with `<devices/>`): every number is a
/// phone alone, device 0 (wacore `iq/usync/query.rs` parses
/// `<user jid><devices><device-list><device id/>`).
fn usync(id: &str, node: &Node) -> Node {
    let Some(query) = node.get_optional_child("usync") else {
        return nodes::iq_result(id);
    };
    let devices = query
        .get_optional_child_by_tag(&["query", "devices"])
        .is_some();
    let users = query
        .get_optional_child("list")
        .map(|list| {
            list.get_children_by_tag("user")
                .filter_map(|user| user.attrs.get("jid"))
                .map(|jid| {
                    let mut user = NodeBuilder::new("user").attr("jid", jid.as_str().into_owned());
                    if devices {
                        user = user.children([NodeBuilder::new("devices")
                            .children([NodeBuilder::new("device-list")
                                .children([NodeBuilder::new("device").attr("id", "0").build()])
                                .build()])
                            .build()]);
                    }
                    user.build()
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    nodes::iq_result_with(
        id,
        vec![
            NodeBuilder::new("usync")
                .children([NodeBuilder::new("list").children(users).build()])
                .build(),
        ],
    )
}

/// Prekeys: an upload is kept; a count, a digest and a key query are
/// answered from what the devices uploaded.
fn encrypt(shared: &Shared, account: &Account, id: &str, node: &Node) -> Node {
    if attr(node, "type").as_deref() == Some("set") {
        if node.get_optional_child("list").is_none() {
            // A signed-prekey rotation or anything else: accepted.
            return nodes::iq_result(id);
        }
        return match UploadedKeys::parse(node) {
            Ok(keys) => {
                tracing::debug!(
                    phone = account.0,
                    device = account.1,
                    one_time = keys.one_time.len(),
                    "prekeys uploaded"
                );
                shared.keys_uploaded(account, keys);
                nodes::iq_result(id)
            }
            Err(e) => {
                tracing::info!(phone = account.0, "bad prekey upload: {e:#}");
                nodes::iq_error(id, 406, "not-acceptable")
            }
        };
    }
    if node.get_optional_child("count").is_some() {
        let count = shared.prekey_count(account);
        return nodes::iq_result_with(id, vec![prekeys::count(count)]);
    }
    if node.get_optional_child("digest").is_some() {
        return match shared.prekey_digest(account) {
            Some(digest) => nodes::iq_result_with(id, vec![digest]),
            None => nodes::iq_error(id, 404, "item-not-found"),
        };
    }
    let users = shared.bundles(&prekeys::queried(node));
    nodes::iq_result_with(id, vec![NodeBuilder::new("list").children(users).build()])
}

/// App state: a personal account's `critical_block` holds the push name,
/// as one patch the client decodes with the shared key; every other
/// collection, and every collection of a business account, answers 409,
/// which whatsapp-rust takes as "nothing to sync".
fn app_state_sync(shared: &Shared, account: &Account, id: &str, node: &Node) -> Node {
    let Some(state) = shared.registry().app_state(&account.0) else {
        return nodes::app_state_conflicts(id, node);
    };
    let collections = node
        .get_optional_child("sync")
        .map(|sync| {
            sync.get_children_by_tag("collection")
                .map(|c| {
                    let name = attr(c, "name").unwrap_or_default();
                    let version: u64 = attr(c, "version").and_then(|v| v.parse().ok()).unwrap_or(0);
                    if name != app_state::CRITICAL_BLOCK {
                        return nodes::collection_conflict(&name);
                    }
                    let mut collection = NodeBuilder::new("collection")
                        .attr("name", name)
                        .attr("version", "1");
                    if version < 1 {
                        let patch = app_state::push_name_patch(
                            &state.key_id,
                            &state.key,
                            &state.push_name,
                            i64::try_from(nodes::unix_now_ms()).unwrap_or(i64::MAX),
                        );
                        collection = collection.children([NodeBuilder::new("patches")
                            .children([NodeBuilder::new("patch").bytes(patch).build()])
                            .build()]);
                    }
                    collection.build()
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    nodes::iq_result_with(
        id,
        vec![NodeBuilder::new("sync").children(collections).build()],
    )
}
