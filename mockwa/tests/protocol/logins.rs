//! Refused logins (`POST /admin/fail-logins`), the login cap and the
//! minimum client version, and what the real client makes of each.

use mockwa::{Config, MockWa};
use serde_json::json;
use whatsapp_rust::types::events::{ConnectFailureReason, Event};

use crate::CONNECT;
use crate::client::{PINNED, TestClient, paired};
use crate::faults::until;
use crate::http::admin;

/// `POST /admin/fail-logins` with `body`; returns how many sockets it cut.
async fn fail_logins(mock: &MockWa, body: serde_json::Value) -> u64 {
    let (status, answer) = admin(mock.addr(), "POST", "/admin/fail-logins", Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    answer["affected"].as_u64().expect("affected")
}

/// The first logout or connect failure the client reports, with whether
/// it was a logout.
async fn refusal(client: &TestClient) -> (bool, ConnectFailureReason, Option<String>) {
    client
        .wait("LoggedOut or ConnectFailure", CONNECT, |e| match e {
            Event::LoggedOut(l) => Some((
                true,
                l.reason,
                l.logout_message.as_ref().and_then(|m| m.header.clone()),
            )),
            Event::ConnectFailure(f) => Some((false, f.reason, f.message.clone())),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_that_end_the_client_403_406_409() {
    const PHONE: &str = "15550006001";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let mut live = Some(paired(&mock, dir.path(), PHONE).await);
    let db = dir.path().join(format!("{PHONE}.db"));
    let failures = mock.stats().login_failures;

    let cases = [
        (403, true, ConnectFailureReason::AccountLocked),
        (406, true, ConnectFailureReason::UnknownLogout),
        (409, false, ConnectFailureReason::BadUserAgent),
    ];
    for (i, (reason, logout, expected)) in cases.into_iter().enumerate() {
        let body = json!({"phone": PHONE, "reason": reason, "seconds": 3600, "message": "why"});
        let cut = fail_logins(&mock, body).await;
        assert_eq!(
            cut,
            u64::from(i == 0),
            "{reason}: only the first meets a live socket"
        );
        let client = match live.take() {
            Some(client) => client,
            None => TestClient::start(&mock.url(), &db).await,
        };
        let (was_logout, got, text) = refusal(&client).await;
        assert_eq!((was_logout, got), (logout, expected), "{reason}");
        match reason {
            403 => assert_eq!(text.as_deref(), Some("Your account has been locked")),
            409 => assert_eq!(text.as_deref(), Some("why"), "the message attribute"),
            _ => {}
        }
        assert!(!client.is_logged_in());
        client.ended(CONNECT).await;
    }
    assert!(mock.stats().login_failures >= failures + 3);
    assert!(!mock.devices()[0].removed, "a refusal removes nothing");

    // Ended: the same store logs in again.
    let body = json!({"phone": PHONE, "reason": "403", "seconds": 0});
    assert_eq!(fail_logins(&mock, body).await, 0);
    let again = TestClient::start(&mock.url(), &db).await;
    again.connected(CONNECT).await;
    again.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_keeps_retrying_through_500_and_503() {
    const PHONE: &str = "15550006002";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let mut client = paired(&mock, dir.path(), PHONE).await;

    let body = json!({"phone": PHONE, "reason": 503, "seconds": 3600});
    assert_eq!(fail_logins(&mock, body).await, 1);
    let (logout, reason, _) = refusal(&client).await;
    assert_eq!(
        (logout, reason),
        (false, ConnectFailureReason::ServiceUnavailable)
    );
    // Every phone: 500 from now on, and the client tries again by itself.
    let body = json!({"reason": 500, "seconds": 3600});
    fail_logins(&mock, body).await;
    let (logout, reason, _) = refusal(&client).await;
    assert_eq!(
        (logout, reason),
        (false, ConnectFailureReason::InternalServerError)
    );
    assert!(client.running(), "500 and 503 are retried");
    assert!(!client.is_logged_in());

    let body = json!({"reason": 500, "seconds": 0});
    assert_eq!(fail_logins(&mock, body).await, 0);
    client.connected(CONNECT).await;
    assert!(client.is_logged_in());
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_over_the_cap_are_rate_limited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let phones = ["15550006011", "15550006012", "15550006013"];
    let clients = whatsapp_rust::futures::future::join_all(
        phones.map(|phone| paired(&mock, dir.path(), phone)),
    )
    .await;

    let (status, answer) = admin(
        mock.addr(),
        "POST",
        "/admin/login-cap",
        Some(json!({"per_second": 1})),
    )
    .await;
    assert_eq!((status, answer), (200, json!({"per_second": 1})));
    // Three clients come back within the same second or two: at least one
    // of them finds the second's login taken.
    assert_eq!(mock.drop_connections(None), 3);
    until("a rate-limited login", CONNECT, || {
        mock.stats().rate_limited >= 1
    })
    .await;
    until("the client's own 429 penalty", CONNECT, || {
        clients.iter().any(|c| c.reconnect_errors() >= 5)
    })
    .await;
    let (_, stats) = admin(mock.addr(), "GET", "/admin/stats", None).await;
    assert!(stats["rate_limited"].as_u64() >= Some(1), "{stats}");

    mock.set_login_cap(0);
    for client in &clients {
        client.connected(CONNECT).await;
    }
    for client in clients {
        client.stop().await;
    }
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_below_the_minimum_version_are_outdated() {
    const PHONE: &str = "15550006021";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let client = paired(&mock, dir.path(), PHONE).await;
    let db = client.db.clone();
    let newer = (PINNED.0, PINNED.1, PINNED.2 + 1);

    let body = json!({"version": format!("{}.{}.{}", newer.0, newer.1, newer.2)});
    let (status, answer) = admin(mock.addr(), "POST", "/admin/min-version", Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["affected"], 1, "the older live socket is cut");
    client
        .wait("ClientOutdated", CONNECT, |e| {
            matches!(e, Event::ClientOutdated(_)).then_some(())
        })
        .await;
    client.ended(CONNECT).await;

    // A registration of an older client is refused too; a newer one is not.
    let older = TestClient::start(&mock.url(), &dir.path().join("older.db")).await;
    older
        .wait("ClientOutdated at registration", CONNECT, |e| match e {
            Event::ClientOutdated(_) => Some(()),
            Event::PairingQrCode(_) => panic!("an outdated client got a QR code"),
            _ => None,
        })
        .await;
    older.ended(CONNECT).await;
    let current =
        TestClient::start_with_version(&mock.url(), &dir.path().join("newer.db"), newer).await;
    current.qr().await;
    current.stop().await;

    let (status, answer) = admin(
        mock.addr(),
        "POST",
        "/admin/min-version",
        Some(json!({"version": null})),
    )
    .await;
    assert_eq!(
        (status, answer),
        (200, json!({"version": null, "affected": 0}))
    );
    let again = TestClient::start(&mock.url(), &db).await;
    again.connected(CONNECT).await;
    again.stop().await;

    for (body, needle) in [
        (json!({}), "required"),
        (json!({"version": "2.3000"}), "three numbers"),
    ] {
        let (status, answer) = admin(mock.addr(), "POST", "/admin/min-version", Some(body)).await;
        assert_eq!(status, 400, "{answer}");
        assert!(
            answer["error"].as_str().expect("error").contains(needle),
            "{answer}"
        );
    }
    mock.shutdown().await;
}
