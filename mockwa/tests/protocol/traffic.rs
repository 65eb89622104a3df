//! Traffic a real whatsapp-rust client decrypts: contacts' direct and
//! group messages, the phone's own sent messages, and every stanza acked.

use mockwa::{Config, MockWa};
use serde_json::json;
use whatsapp_rust::types::events::Event;

use crate::CONNECT;
use crate::client::{paired, received};
use crate::faults::until;
use crate::http::admin;

/// The device's counters in `/admin/devices`: (delivered, acked, unacked).
pub fn tally(mock: &MockWa, phone: &str) -> (u64, u64, u64) {
    let d = mock
        .devices()
        .into_iter()
        .find(|d| d.phone == phone && !d.removed)
        .expect("a linked device");
    (d.delivered, d.acked, d.unacked)
}

/// Waits until every stanza sent to `phone`'s device was acked.
pub async fn all_acked(mock: &MockWa, phone: &str) {
    until("every stanza acked", CONNECT, || {
        let (delivered, acked, unacked) = tally(mock, phone);
        delivered > 0 && unacked == 0 && acked > 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contacts_messages_are_decrypted_and_acked_pkmsg_then_msg() {
    const PHONE: &str = "15550008001";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let client = paired(&mock, dir.path(), PHONE).await;

    let (status, answer) = admin(
        mock.addr(),
        "POST",
        "/admin/message",
        Some(json!({"to": PHONE, "from": "15557770001", "text": "first"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["devices"], 1, "{answer}");
    let id = answer["ids"][0].as_str().expect("an id").to_string();
    let info = received(&client, "first").await;
    assert_eq!(info.id, id);
    assert_eq!(info.source.sender.user.as_str(), "15557770001");
    assert!(!info.source.is_from_me && !info.source.is_group);
    assert_eq!(info.push_name, "Contact 15557770001");

    // The second one rides the session the first opened (a `msg`).
    let second = mock
        .message(PHONE, Some("15557770001"), Some("second"), None)
        .expect("post");
    assert_eq!(received(&client, "second").await.id, second.id);
    all_acked(&mock, PHONE).await;
    let (delivered, acked, _) = tally(&mock, PHONE);
    assert!(delivered >= 2 && acked == delivered, "{delivered} {acked}");
    let stats = mock.stats();
    assert!(stats.ack_latency.count >= 2, "{stats:?}");
    assert!(stats.ack_latency.p99_ms < 10_000, "{stats:?}");
    mock.reset_latency();
    assert_eq!(mock.stats().ack_latency.count, 0);

    for (body, status) in [
        (json!({"to": "15550009999"}), 404),
        (json!({"to": PHONE, "from": "abc"}), 400),
        (json!({"to": PHONE, "from": PHONE}), 400),
        (
            json!({"to": PHONE, "from": "self", "group": "120363001"}),
            400,
        ),
        (
            json!({"to": PHONE, "group": "not a group@s.whatsapp.net"}),
            400,
        ),
        (json!({"text": "no to"}), 400),
    ] {
        let (got, answer) = admin(mock.addr(), "POST", "/admin/message", Some(body)).await;
        assert_eq!(got, status, "{answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_message_follows_the_sender_key_and_the_phones_own_arrive_as_sent() {
    const PHONE: &str = "15550008002";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let client = paired(&mock, dir.path(), PHONE).await;

    let posted = mock
        .message(
            PHONE,
            Some("15557770002"),
            Some("hello group"),
            Some("120363555"),
        )
        .expect("post");
    let info = received(&client, "hello group").await;
    assert_eq!(info.id, posted.id);
    assert!(info.source.is_group, "{info:?}");
    assert_eq!(info.source.chat.to_string(), "120363555@g.us");
    assert_eq!(info.source.sender.user.as_str(), "15557770002");
    // The sender key is distributed once: the next one is a bare skmsg.
    mock.message(PHONE, Some("15557770002"), Some("again"), Some("120363555"))
        .expect("post");
    received(&client, "again").await;

    let mine = mock
        .message(PHONE, Some("self"), Some("sent from the phone"), None)
        .expect("post");
    let info = received(&client, "sent from the phone").await;
    assert_eq!(info.id, mine.id);
    assert!(info.source.is_from_me, "{info:?}");
    assert_eq!(info.source.sender.user.as_str(), PHONE);
    all_acked(&mock, PHONE).await;

    // A contact's presence, once the device subscribes to it.
    let contact: whatsapp_rust::Jid = "15557770002@s.whatsapp.net".parse().expect("jid");
    client
        .client()
        .presence()
        .subscribe(contact.clone())
        .await
        .expect("subscribe");
    let (from, unavailable) = client
        .wait("the contact's presence", CONNECT, |e| match e {
            Event::Presence(p) => Some((p.from.clone(), p.unavailable)),
            _ => None,
        })
        .await;
    assert_eq!((from.user.as_str(), unavailable), ("15557770002", false));

    // What the device sends is acked by the server, and the contact's
    // phone answers with a delivery receipt, which the device acks in turn.
    let acked_before = tally(&mock, PHONE).1;
    let message = whatsapp_rust::waproto::whatsapp::Message {
        conversation: Some("to a contact".into()),
        ..Default::default()
    };
    let sent = client
        .client()
        .send_message(contact.clone(), message)
        .await
        .expect("send");
    let receipt = client
        .wait("the contact's delivery receipt", CONNECT, |e| match e {
            Event::Receipt(r) => Some(r.message_ids.clone()),
            _ => None,
        })
        .await;
    assert!(receipt.contains(&sent.message_id), "{receipt:?}");
    until("the receipt acked", CONNECT, || {
        let (_, acked, unacked) = tally(&mock, PHONE);
        acked > acked_before && unacked == 0
    })
    .await;
    client.stop().await;
    mock.shutdown().await;
}
