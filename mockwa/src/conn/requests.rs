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
        Some("abt") => ab_props(&id, node),
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

/// The hash of the A/B props the mock serves: none, the same for every
/// device and every login.
const AB_PROPS_HASH: &str = "mockwa-ab-props-1";

/// The A/B props (`<iq xmlns="abt"><props protocol="1" hash?/>`), as
/// wacore `iq/props.rs` documents the server's answer (WA Web's
/// `WASmaxInAbPropsConfigs`): `<props protocol ab_key hash refresh>` with
/// its `<prop>`s. The mock runs no experiments, so it sends none; a client
/// that already holds the current hash gets an empty delta
/// (`delta_update="true"`), as an unchanged config is.
fn ab_props(id: &str, node: &Node) -> Node {
    let known = node
        .get_optional_child("props")
        .and_then(|props| attr(props, "hash"))
        .is_some_and(|hash| hash == AB_PROPS_HASH);
    let mut props = NodeBuilder::new("props")
        .attr("protocol", "1")
        .attr("ab_key", "mockwa")
        .attr("hash", AB_PROPS_HASH)
        .attr("refresh", "86400");
    if known {
        props = props.attr("delta_update", "true");
    }
    nodes::iq_result_with(id, vec![props.build()])
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

#[cfg(test)]
mod tests {
    use wacore::iq::props::PropsSpec;
    use wacore::iq::spec::IqSpec;

    use super::*;

    fn request(hash: Option<&str>) -> Node {
        let mut props = NodeBuilder::new("props").attr("protocol", "1");
        if let Some(hash) = hash {
            props = props.attr("hash", hash);
        }
        NodeBuilder::new("iq")
            .attr("xmlns", "abt")
            .attr("type", "get")
            .children([props.build()])
            .build()
    }

    #[test]
    fn the_ab_props_parse_as_the_client_reads_them_and_a_known_hash_gets_a_delta() {
        let full = ab_props("1", &request(None));
        let parsed = PropsSpec::new()
            .parse_response(&full.as_node_ref())
            .expect("the client parses the answer");
        assert_eq!(parsed.hash.as_deref(), Some(AB_PROPS_HASH));
        assert!(!parsed.delta_update);
        assert!(parsed.experiment_props.is_empty());

        let again = ab_props("2", &request(Some(AB_PROPS_HASH)));
        let parsed = PropsSpec::with_hash(AB_PROPS_HASH)
            .parse_response(&again.as_node_ref())
            .expect("the client parses the delta");
        assert!(parsed.delta_update);

        let stale = ab_props("3", &request(Some("older")));
        let parsed = PropsSpec::with_hash("older")
            .parse_response(&stale.as_node_ref())
            .expect("the client parses the full answer");
        assert!(!parsed.delta_update, "a stale hash gets the whole config");
    }
}
