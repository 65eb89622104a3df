//! What waits for a device that is away: the offline drain at its next
//! login, redelivery of what it never acked, the stream recycled when an
//! ack is overdue, and the prekey top-up the server asks for.

use std::collections::HashSet;
use std::time::Duration;

use mockwa::{Config, MockWa};
use serde_json::json;
use whatsapp_rust::types::events::Event;

use crate::CONNECT;
use crate::client::{TestClient, paired, received, text_of};
use crate::faults::until;
use crate::http::admin;
use crate::traffic::{all_acked, tally};

#[tokio::test(flavor = "multi_thread")]
async fn a_backlog_arrives_at_the_next_login_in_batches_all_acked_none_twice() {
    const PHONE: &str = "15550008101";
    const BACKLOG: usize = 230;
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let client = paired(&mock, dir.path(), PHONE).await;
    let db = client.db.clone();
    client.stop().await;
    until("the device is away", CONNECT, || {
        !mock.devices()[0].connected
    })
    .await;

    let (status, answer) = admin(
        mock.addr(),
        "POST",
        "/admin/backlog",
        Some(json!({"phone": PHONE, "count": BACKLOG})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"queued": BACKLOG, "cut": 0}));
    assert_eq!(tally(&mock, PHONE), (0, 0, BACKLOG as u64));

    let client = TestClient::start(&mock.url(), &db).await;
    let preview = client
        .wait("the offline preview", CONNECT, |e| match e {
            Event::OfflineSyncPreview(p) => Some((p.total, p.messages)),
            _ => None,
        })
        .await;
    assert_eq!(preview, (BACKLOG as i32, BACKLOG as i32));
    // Past the primer, the rest comes as the client pulls it (batches of
    // 200): every message arrives, from the offline queue.
    let mut seen = HashSet::new();
    client
        .wait("the whole backlog", CONNECT, |e| {
            if let Event::Messages(batch) = e {
                for m in batch.messages.iter() {
                    assert!(m.info.is_offline, "{:?}", m.info);
                    seen.insert(text_of(&m.message).expect("a text"));
                }
            }
            (seen.len() == BACKLOG).then_some(())
        })
        .await;
    all_acked(&mock, PHONE).await;
    assert_eq!(tally(&mock, PHONE), (BACKLOG as u64, BACKLOG as u64, 0));

    // Nothing acked comes back at the next login.
    client.stop().await;
    let client = TestClient::start(&mock.url(), &db).await;
    client.connected(CONNECT).await;
    let live = mock
        .message(PHONE, None, Some("after"), None)
        .expect("post");
    assert_eq!(received(&client, "after").await.id, live.id);
    all_acked(&mock, PHONE).await;
    assert_eq!(
        tally(&mock, PHONE),
        (BACKLOG as u64 + 1, BACKLOG as u64 + 1, 0)
    );
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_ack_recycles_the_stream_and_the_stanza_comes_again() {
    const PHONE: &str = "15550008102";
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        ack_timeout: Duration::from_secs(3),
        ..Config::default()
    };

    let mock = MockWa::start(config).await.expect("start mock");
    let client = paired(&mock, dir.path(), PHONE).await;
    let logins = mock.devices()[0].logins;

    // The receipt is lost on the way: the stanza stays owed.
    mock.lose_acks(Some(PHONE), Duration::from_secs(600));
    let posted = mock.message(PHONE, None, Some("once"), None).expect("post");
    assert_eq!(received(&client, "once").await.id, posted.id);
    until("the receipt lost", CONNECT, || mock.stats().lost_acks > 0).await;
    assert_eq!(tally(&mock, PHONE), (1, 0, 1));
    mock.lose_acks(Some(PHONE), Duration::ZERO);

    // Past the deadline the server complains and recycles the stream; the
    // client logs in again and gets the stanza from the offline queue, and
    // this time its ack arrives.
    until("a login after the recycled stream", CONNECT, || {
        mock.devices()[0].logins > logins
    })
    .await;
    all_acked(&mock, PHONE).await;
    assert_eq!(tally(&mock, PHONE), (2, 1, 0));
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_low_on_prekeys_is_told_and_uploads_more() {
    const PHONE: &str = "15550008103";
    let dir = tempfile::tempdir().expect("tempdir");
    // Above what a client uploads at once (812): the first bundle handed
    // out leaves it low.
    let config = Config {
        prekey_low: 1000,
        ..Config::default()
    };
    let mock = MockWa::start(config).await.expect("start mock");
    let client = paired(&mock, dir.path(), PHONE).await;
    let uploaded = mock.devices()[0].prekeys;
    assert!(uploaded >= 5, "the client uploads its prekeys: {uploaded}");

    mock.message(PHONE, None, Some("takes a prekey"), None)
        .expect("post");
    received(&client, "takes a prekey").await;
    until("a second upload", CONNECT, || {
        mock.devices()[0].prekeys > uploaded
    })
    .await;
    all_acked(&mock, PHONE).await;
    client.stop().await;
    mock.shutdown().await;
}
