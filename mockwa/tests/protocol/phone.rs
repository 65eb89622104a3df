//! What the devices tell the server about themselves (presence, logins)
//! and what the phone tells the devices (a new push name, a failed code).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mockwa::{Config, MockWa, Presence};
use serde_json::json;
use whatsapp_rust::types::events::Event;
use whatsapp_rust::wacore::pair_code::PairCodeRejection;

use crate::CONNECT;
use crate::client::{TestClient, paired};
use crate::faults::until;
use crate::http::admin;

fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    u64::try_from(since.as_millis()).expect("ms")
}

fn presence(mock: &MockWa) -> Option<Presence> {
    mock.devices()[0].presence
}

#[tokio::test(flavor = "multi_thread")]
async fn presence_logins_and_push_names_are_kept() {
    const PHONE: &str = "15550007001";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let before = now_ms();
    let client = paired(&mock, dir.path(), PHONE).await;
    let device = &mock.devices()[0];
    let first_login = device.last_login_at.expect("a login time");
    assert!((before..=now_ms()).contains(&first_login), "{device:?}");
    assert_eq!(device.max_concurrent, 1, "{device:?}");
    // A fresh pairing waits for app-state sync before it announces
    // anything (whatsapp-rust `client/node_io.rs`, the fresh pairing path).
    assert_eq!(device.presence, None, "{device:?}");

    // A login that knows its push name announces itself available (a
    // fresh pairing's first logins wait for app-state sync instead).
    let db = client.db.clone();
    client.stop().await;
    let client = TestClient::start(&mock.url(), &db).await;
    client.connected(CONNECT).await;
    until("presence available", CONNECT, || {
        presence(&mock) == Some(Presence::Available)
    })
    .await;
    let device = &mock.devices()[0];
    assert!(device.last_login_at > Some(first_login), "{device:?}");
    assert_eq!(device.max_concurrent, 1, "one socket at a time: {device:?}");

    client
        .client()
        .presence()
        .set_unavailable()
        .await
        .expect("send unavailable");
    until("presence unavailable", CONNECT, || {
        presence(&mock) == Some(Presence::Unavailable)
    })
    .await;
    let (_, devices) = admin(mock.addr(), "GET", "/admin/devices", None).await;
    assert_eq!(devices[0]["presence"], "unavailable", "{devices}");
    assert_eq!(devices[0]["max_concurrent"], 1, "{devices}");

    // The phone renames itself: the client hears it and announces itself
    // again, as whatsapp-rust does after a push name arrives.
    let (status, answer) = admin(
        mock.addr(),
        "POST",
        "/admin/push-name",
        Some(json!({"phone": PHONE, "name": "Renamed"})),
    )
    .await;
    assert_eq!((status, answer), (200, json!({"affected": 1})));
    let (from_server, old, new) = client
        .wait("SelfPushNameUpdated", CONNECT, |e| match e {
            Event::SelfPushNameUpdated(u) => {
                Some((u.from_server, u.old_name.clone(), u.new_name.clone()))
            }
            _ => None,
        })
        .await;
    assert_eq!(
        (from_server, old.as_str(), new.as_str()),
        (true, "Tester", "Renamed")
    );
    assert_eq!(mock.devices()[0].push_name, "Renamed");
    until("presence available after the rename", CONNECT, || {
        presence(&mock) == Some(Presence::Available)
    })
    .await;

    for (body, status) in [
        (json!({"phone": "15550009999", "name": "X"}), 404),
        (json!({"phone": PHONE, "name": " "}), 400),
        (json!({"phone": PHONE}), 400),
    ] {
        let (got, answer) = admin(mock.addr(), "POST", "/admin/push-name", Some(body)).await;
        assert_eq!(got, status, "{answer}");
    }
    client.stop().await;
    mock.shutdown().await;
}

/// A client on a fresh store that asked `mock` for a pair code for `phone`;
/// returns the client and the code.
pub async fn asking_for_a_code(
    mock: &MockWa,
    dir: &std::path::Path,
    phone: &str,
) -> (TestClient, String) {
    let client = TestClient::start(&mock.url(), &dir.join(format!("{phone}-code.db"))).await;
    client.qr().await; // the socket is up
    let options = whatsapp_rust::pair_code::PairCodeOptions {
        phone_number: phone.into(),
        ..Default::default()
    };
    let code = client
        .client()
        .pair_with_code(options)
        .await
        .expect("a pair code");
    assert_eq!(code.len(), 8);
    (client, code)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_code_is_met_with_silence_and_the_client_gives_the_code_up_after_a_minute() {
    const PHONE: &str = "15550007002";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let (client, code) = asking_for_a_code(&mock, dir.path(), PHONE).await;
    let wrong = if code.starts_with('A') {
        "BBBB-BBBB"
    } else {
        "AAAA-AAAA"
    };
    let (status, answer) = admin(
        mock.addr(),
        "POST",
        "/admin/pair-code",
        Some(json!({"phone": PHONE, "code": wrong})),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    let error = answer["error"].as_str().expect("error");
    assert!(error.contains("not the one the client shows"), "{error}");
    assert!(
        !error.contains(wrong) && !error.contains(&code),
        "no code in errors"
    );
    // The phone told its user; the client hears nothing and, after its
    // one-minute wait for a pair-success, writes the code off.
    let event = client
        .wait("PairingCodeRefresh", Duration::from_secs(90), |e| match e {
            Event::PairingCodeRefresh(r) => Some(Ok(r.force_manual)),
            Event::PairingCodeError(e) => Some(Err(e.error.clone())),
            _ => None,
        })
        .await;
    assert_eq!(event, Ok(false), "no error, a refresh");
    assert!(mock.devices().is_empty());
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_pair_codes_are_refused_as_bad_requests() {
    const PHONE: &str = "15550007004";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let (status, answer) = admin(
        mock.addr(),
        "POST",
        "/admin/throttle-codes",
        Some(json!({"phone": PHONE, "seconds": 60})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let client = TestClient::start(&mock.url(), &dir.path().join("throttled.db")).await;
    client.qr().await;
    let options = whatsapp_rust::pair_code::PairCodeOptions {
        phone_number: PHONE.into(),
        ..Default::default()
    };
    assert!(client.client().pair_with_code(options).await.is_err());
    let rejection = client
        .wait("PairingCodeError", CONNECT, |e| match e {
            Event::PairingCodeError(e) => Some(e.rejection),
            _ => None,
        })
        .await;
    assert_eq!(rejection, Some(PairCodeRejection::BadRequest));
    assert!(rejection.is_some_and(|r| r.is_throttled()));
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_code_asks_the_client_for_a_new_one() {
    const PHONE: &str = "15550007003";
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        pair_code_ttl: Duration::ZERO,
        ..Config::default()
    };
    let mock = MockWa::start(config).await.expect("start mock");
    let (client, code) = asking_for_a_code(&mock, dir.path(), PHONE).await;
    assert_eq!(
        mock.enter_code(PHONE, &code, None).await,
        Err(mockwa::ScanError::CodeExpired)
    );
    let force_manual = client
        .wait("PairingCodeRefresh", CONNECT, |e| match e {
            Event::PairingCodeRefresh(r) => Some(r.force_manual),
            _ => None,
        })
        .await;
    assert!(!force_manual);
    // The code is gone: typing it again reaches no one.
    assert_eq!(
        mock.enter_code(PHONE, &code, None).await,
        Err(mockwa::ScanError::UnknownRef)
    );
    assert!(mock.devices().is_empty());
    client.stop().await;
    mock.shutdown().await;
}
