//! Each injected fault, and how the real client reacts to it.

use std::time::Duration;

use mockwa::{Config, MockWa};
use whatsapp_rust::types::events::Event;

use crate::CONNECT;
use crate::client::{TestClient, paired};

const PHONE: &str = "15550002222";

async fn setup() -> (tempfile::TempDir, MockWa, TestClient) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let client = paired(&mock, dir.path(), PHONE).await;
    (dir, mock, client)
}

/// Polls `cond` until it holds, failing after `within`.
pub async fn until(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} not within {within:?}"
        );
        // Poll interval, not a wait: the deadline above bounds it.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reconnects_after_drop_and_after_a_refusal_ends() {
    let (_dir, mock, client) = setup().await;
    assert_eq!(mock.drop_connections(Some(PHONE)), 1);
    client
        .wait("Disconnected", CONNECT, |e| {
            matches!(e, Event::Disconnected(_)).then_some(())
        })
        .await;
    client.connected(CONNECT).await;

    mock.refuse(Duration::from_secs(3600));
    let refused_before = mock.stats().refused;
    mock.drop_connections(Some(PHONE));
    until("two refused attempts", CONNECT, || {
        mock.stats().refused >= refused_before + 2
    })
    .await;
    assert!(!client.is_ready().await);
    mock.refuse(Duration::ZERO);
    client.connected(CONNECT).await;
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_muted_server_is_detected_by_the_client_watchdog() {
    let (_dir, mock, client) = setup().await;
    let connections = mock.stats().connections;
    mock.mute(Some(PHONE), Duration::from_secs(3600));
    // Keepalive pings go unanswered; the watchdog opens a new socket.
    until(
        "a reconnect from the watchdog",
        Duration::from_secs(90),
        || mock.stats().connections > connections,
    )
    .await;
    mock.mute(Some(PHONE), Duration::ZERO);
    client.connected(CONNECT).await;
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_the_session_and_later_logins_get_401() {
    let (_dir, mock, client) = setup().await;
    assert_eq!(mock.logout(Some(PHONE)), 1);
    let on_connect = client
        .wait("LoggedOut", CONNECT, |e| match e {
            Event::LoggedOut(l) => Some(l.on_connect),
            _ => None,
        })
        .await;
    assert!(!on_connect, "expected the logout on the live socket");
    let db = client.db.clone();
    client.ended(CONNECT).await;
    assert!(mock.devices()[0].removed);

    let again = TestClient::start(&mock.url(), &db).await;
    let (on_connect, reason) = again
        .wait("LoggedOut at login", CONNECT, |e| match e {
            Event::LoggedOut(l) => Some((l.on_connect, l.reason)),
            _ => None,
        })
        .await;
    assert!(on_connect);
    assert!(reason.is_logged_out(), "{reason:?}");
    assert_eq!(mock.stats().login_failures, 1);
    again.ended(CONNECT).await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_gives_stream_replaced() {
    let (_dir, mock, client) = setup().await;
    assert_eq!(mock.replace(Some(PHONE)), 1);
    client
        .wait("StreamReplaced", CONNECT, |e| {
            matches!(e, Event::StreamReplaced(_)).then_some(())
        })
        .await;
    client.ended(CONNECT).await;
    assert!(!mock.devices()[0].removed, "a replaced device stays linked");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ban_gives_temporary_ban_with_its_expiry() {
    let (_dir, mock, client) = setup().await;
    assert_eq!(mock.ban(Some(PHONE), Duration::from_secs(3600)), 1);
    let expire = client
        .wait("TemporaryBan", CONNECT, |e| match e {
            Event::TemporaryBan(b) => Some(b.expire),
            _ => None,
        })
        .await;
    let secs = expire.num_seconds();
    assert!((3500..=3600).contains(&secs), "expire {secs}");
    client.ended(CONNECT).await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn outdated_gives_client_outdated() {
    let (_dir, mock, client) = setup().await;
    assert_eq!(mock.set_outdated(true), 1);
    client
        .wait("ClientOutdated", CONNECT, |e| {
            matches!(e, Event::ClientOutdated(_)).then_some(())
        })
        .await;
    client.ended(CONNECT).await;
    mock.shutdown().await;
}
