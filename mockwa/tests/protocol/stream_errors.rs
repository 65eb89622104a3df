//! Stream errors on live sockets (`POST /admin/stream-error`), and what the
//! real client makes of each.

use std::time::{Duration, Instant};

use mockwa::{Config, MockWa};
use serde_json::json;
use whatsapp_rust::types::events::Event;

use crate::CONNECT;
use crate::client::{TestClient, paired};
use crate::faults::until;
use crate::http::admin;

/// Sends stream error `code` to the live sockets of `phone` over the admin
/// API, with `extra` fields; returns how many sockets got it.
async fn stream_error(mock: &MockWa, phone: &str, code: &str, extra: serde_json::Value) -> u64 {
    let mut body = json!({"phone": phone, "code": code});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let (status, answer) = admin(mock.addr(), "POST", "/admin/stream-error", Some(body)).await;
    assert_eq!(status, 200, "{code}: {answer}");
    answer["affected"].as_u64().expect("affected")
}

/// Waits until the mock saw a login after `logins` and the client is
/// `Connected` again.
async fn logs_in_again(mock: &MockWa, client: &TestClient, logins: u64, what: &str) {
    until(&format!("a login after {what}"), CONNECT, || {
        mock.stats().logins > logins
    })
    .await;
    client.connected(CONNECT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_logs_in_again_after_each_recoverable_stream_error() {
    const PHONE: &str = "15550005001";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let mut client = paired(&mock, dir.path(), PHONE).await;

    for code in ["503", "xml-not-well-formed", "ack", "xmlstreamend", "515"] {
        let logins = mock.stats().logins;
        assert_eq!(
            stream_error(&mock, PHONE, code, json!({})).await,
            1,
            "{code}"
        );
        match code {
            // Both reach the client as a StreamError event without a code.
            "xml-not-well-formed" | "ack" => {
                let raw = client
                    .wait("StreamError", CONNECT, |e| match e {
                        Event::StreamError(s) => Some((s.code.clone(), s.raw.clone())),
                        _ => None,
                    })
                    .await;
                assert_eq!(raw.0, "", "{code}");
                let raw = raw.1.expect("the stanza");
                assert!(raw.get_optional_child(code).is_some(), "{code}: {raw:?}");
            }
            _ => {}
        }
        logs_in_again(&mock, &client, logins, code).await;
        assert!(client.running(), "{code}: the run loop ended");
        assert!(client.is_logged_in(), "{code}");
    }
    // 515 is an expected disconnect: the client starts its backoff afresh.
    assert_eq!(client.reconnect_errors(), 0);
    assert!(!mock.devices()[0].removed);
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_left_on_a_socket_after_503_or_429_waits_for_the_server() {
    const PHONE: &str = "15550005002";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let mut client = paired(&mock, dir.path(), PHONE).await;
    let errors = client.reconnect_errors();

    // 503, socket kept: the client stops counting itself logged in, keeps
    // the socket and adds nothing to its backoff.
    let connections = mock.stats().connections;
    let body = json!({"keep_open": true});
    assert_eq!(stream_error(&mock, PHONE, "503", body).await, 1);
    until("is_logged_in() false after 503", CONNECT, || {
        !client.is_logged_in()
    })
    .await;
    assert!(mock.devices()[0].connected, "the socket stays open");
    assert_eq!(mock.stats().connections, connections, "no new socket");
    assert_eq!(client.reconnect_errors(), errors);
    assert!(client.running());
    let logins = mock.stats().logins;
    assert_eq!(mock.drop_connections(Some(PHONE)), 1);
    logs_in_again(&mock, &client, logins, "the 503 socket was cut").await;

    // 503 closed 2 s later: open meanwhile, then the client comes back.
    let logins = mock.stats().logins;
    let sent = Instant::now();
    let body = json!({"close_after_ms": 2000});
    assert_eq!(stream_error(&mock, PHONE, "503", body).await, 1);
    until("is_logged_in() false", CONNECT, || !client.is_logged_in()).await;
    logs_in_again(&mock, &client, logins, "the delayed close").await;
    assert!(
        sent.elapsed() >= Duration::from_secs(2),
        "closed after {:?}",
        sent.elapsed()
    );

    // 429, socket kept: the client adds 5 to its backoff and waits.
    let body = json!({"keep_open": true});
    assert_eq!(stream_error(&mock, PHONE, "429", body).await, 1);
    until("is_logged_in() false after 429", CONNECT, || {
        !client.is_logged_in()
    })
    .await;
    assert!(
        client.reconnect_errors() >= 5,
        "backoff step {}",
        client.reconnect_errors()
    );
    assert!(mock.devices()[0].connected, "the socket stays open");
    assert!(client.running());
    let logins = mock.stats().logins;
    mock.drop_connections(Some(PHONE));
    logs_in_again(&mock, &client, logins, "the 429 socket was cut").await;
    assert!(
        client.reconnect_errors() >= 5,
        "the rate-limit penalty stays"
    );
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_errors_516_and_401_log_the_device_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let phones = ["15550005003", "15550005004"];
    let clients = whatsapp_rust::futures::future::join_all(
        phones.map(|phone| paired(&mock, dir.path(), phone)),
    )
    .await;

    for ((phone, code), client) in phones.into_iter().zip(["516", "401"]).zip(clients) {
        assert_eq!(stream_error(&mock, phone, code, json!({})).await, 1);
        let (on_connect, raw) = client
            .wait("LoggedOut", CONNECT, |e| match e {
                Event::LoggedOut(l) => Some((l.on_connect, l.raw.clone())),
                _ => None,
            })
            .await;
        assert!(!on_connect, "{code}: on the live socket");
        let raw = raw.expect("the stanza");
        assert_eq!(
            raw.attrs.get("code").map(|c| c.as_str().into_owned()),
            Some(code.to_string())
        );
        if code == "401" {
            let conflict = raw.get_optional_child("conflict").expect("conflict");
            let kind = conflict.attrs.get("type").map(|t| t.as_str().into_owned());
            assert_eq!(kind.as_deref(), Some("device_removed"));
        }
        // The event goes out before the client clears its login
        // (`handle_stream_error`), so look once its run loop is over.
        let db = client.db.clone();
        let logged_in = client.whatsapp();
        client.ended(CONNECT).await;
        assert!(!logged_in.is_logged_in());
        let device = mock.devices().into_iter().find(|d| d.phone == phone);
        assert!(device.expect("linked").removed, "{code} removes the device");

        // Its next login is refused like any removed device's.
        let again = TestClient::start(&mock.url(), &db).await;
        let on_connect = again
            .wait("LoggedOut at login", CONNECT, |e| match e {
                Event::LoggedOut(l) => Some(l.on_connect),
                _ => None,
            })
            .await;
        assert!(on_connect, "{code}");
        again.ended(CONNECT).await;
    }
    mock.shutdown().await;
}
