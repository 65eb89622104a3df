//! The stanzas the server sends, built in one place.

use std::time::{SystemTime, UNIX_EPOCH};

use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node};

/// The server's own address on every stanza it sends.
pub(crate) const SERVER: &str = "s.whatsapp.net";

/// Seconds since the epoch, as the server's clock.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the epoch, as the server's clock.
pub(crate) fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A string attribute of `node`, if present.
pub(crate) fn attr(node: &Node, key: &str) -> Option<String> {
    node.attrs.get(key).map(|v| v.as_str().into_owned())
}

/// `<iq type="result" id=…/>`, the answer to any request the mock has no
/// more to say about. Carries the server time like keepalive answers do.
pub(crate) fn iq_result(id: &str) -> Node {
    NodeBuilder::new("iq")
        .attr("from", SERVER)
        .attr("type", "result")
        .attr("id", id.to_string())
        .attr("t", unix_now().to_string())
        .build()
}

/// `<iq type="result">` with children.
pub(crate) fn iq_result_with(id: &str, children: Vec<Node>) -> Node {
    NodeBuilder::new("iq")
        .attr("from", SERVER)
        .attr("type", "result")
        .attr("id", id.to_string())
        .children(children)
        .build()
}

/// `<iq type="error"><error code text/></iq>`: the request was refused.
pub(crate) fn iq_error(id: &str, code: u16, text: &'static str) -> Node {
    NodeBuilder::new("iq")
        .attr("from", SERVER)
        .attr("type", "error")
        .attr("id", id.to_string())
        .children([NodeBuilder::new("error")
            .attr("code", code.to_string())
            .attr("text", text)
            .build()])
        .build()
}

/// A server-initiated `<iq type="set" xmlns=…>`.
pub(crate) fn iq_set(id: &str, xmlns: &'static str, children: Vec<Node>) -> Node {
    NodeBuilder::new("iq")
        .attr("from", SERVER)
        .attr("type", "set")
        .attr("id", id.to_string())
        .attr("xmlns", xmlns)
        .children(children)
        .build()
}

/// `<success>`: the login was accepted.
pub(crate) fn success(lid: &Jid) -> Node {
    NodeBuilder::new("success")
        .attr("t", unix_now().to_string())
        .attr("lid", lid.clone())
        .attr("props", "1")
        .attr("location", "mock")
        .build()
}

/// The answer to an app-state sync: every collection asked for answers 409,
/// which the client counts as "nothing to sync".
pub(crate) fn app_state_conflicts(id: &str, request: &Node) -> Node {
    let collections = request
        .get_optional_child("sync")
        .map(|sync| {
            sync.get_children_by_tag("collection")
                .filter_map(|c| attr(c, "name"))
                .map(|name| collection_conflict(&name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    iq_result_with(
        id,
        vec![NodeBuilder::new("sync").children(collections).build()],
    )
}

/// `<collection name type="error"><error code="409"/></collection>`.
pub(crate) fn collection_conflict(name: &str) -> Node {
    NodeBuilder::new("collection")
        .attr("name", name.to_string())
        .attr("type", "error")
        .children([NodeBuilder::new("error").attr("code", "409").build()])
        .build()
}

/// `<notification type="account_sync" pushname=…>`: the account's push
/// name changed. whatsapp-rust reads the `pushname` attribute
/// (`handlers/notification/device.rs` `handle_account_sync_notification`)
/// and raises `SelfPushNameUpdated`. whatsmeow and Baileys take a new push
/// name from the app-state mutation `setting_pushName` instead (whatsmeow
/// `appstate.go` `PushNameSetting`, Baileys `Utils/chat-utils.ts`
/// `pushNameSetting`), which needs the app-state keys a phone shares over
/// Signal and mockwa does not have; `account_sync` is the notification the
/// server itself sends about the account (whatsmeow `notification.go`).
pub(crate) fn account_sync_push_name(phone: &str, name: &str) -> Node {
    NodeBuilder::new("notification")
        .attr("from", Jid::pn(phone.to_string()))
        .attr("type", "account_sync")
        .attr("id", random_id(8))
        .attr("t", unix_now().to_string())
        .attr("pushname", name.to_string())
        .build()
}

/// A random URL-safe identifier of `bytes` random bytes.
pub(crate) fn random_id(bytes: usize) -> String {
    use base64::Engine as _;
    let mut buf = vec![0u8; bytes];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buf)
        .expect("the system random source works");
    base64::prelude::BASE64_URL_SAFE_NO_PAD.encode(buf)
}
