//! A personal account: no `<biz name>` at pairing, so the client learns
//! its push name from the critical app state, decrypted with the key the
//! phone shares after linking; and what happens when the phone never
//! shares it.

use std::time::Duration;

use mockwa::{Config, MockWa, ScanOptions};
use whatsapp_rust::types::events::Event;

use crate::CONNECT;
use crate::client::TestClient;
use crate::faults::until;

#[tokio::test(flavor = "multi_thread")]
async fn a_personal_pairing_learns_its_push_name_from_the_app_state() {
    const PHONE: &str = "15550008201";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let client = TestClient::start(&mock.url(), &dir.path().join("personal.db")).await;
    let qr = client.qr().await;
    mock.scan(&qr, PHONE, Some("Alice Personal"))
        .await
        .expect("scan");
    assert!(!mock.devices()[0].business, "personal is the default");

    let (mut name, mut connected) = (None, false);
    client
        .wait("SelfPushNameUpdated and Connected", CONNECT, |e| {
            match e {
                Event::SelfPushNameUpdated(u) => name = Some(u.new_name.clone()),
                Event::Connected(_) => connected = true,
                _ => {}
            }
            (connected && name.is_some()).then_some(())
        })
        .await;
    assert_eq!(name.as_deref(), Some("Alice Personal"));
    assert_eq!(client.whatsapp().push_name(), "Alice Personal");
    // The key share was the device's first stanza, and it acked it.
    until("the key share acked", CONNECT, || {
        let d = &mock.devices()[0];
        d.acked >= 1 && d.unacked == 0
    })
    .await;

    // The name is kept: the next login is the ordinary one.
    let db = client.db.clone();
    client.stop().await;
    let client = TestClient::start(&mock.url(), &db).await;
    client.connected(CONNECT).await;
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_key_share_the_client_never_announces_itself_connected() {
    const PHONE: &str = "15550008202";
    // Twice: past the client's 10 s grace for the key share, then past its
    // explicit request for it, both well short of its 180 s critical-sync
    // deadline.
    const WATCH: Duration = Duration::from_secs(12);
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let client = TestClient::start(&mock.url(), &dir.path().join("locked.db")).await;
    let qr = client.qr().await;
    let locked = ScanOptions {
        withhold_key_share: true,
        ..ScanOptions::default()
    };
    mock.scan_with(&qr, PHONE, None, locked)
        .await
        .expect("scan");
    until("the device logged in", CONNECT, || {
        mock.devices()[0].logins >= 1
    })
    .await;

    let never = || tokio::time::timeout(WATCH, client.connected(WATCH + WATCH));
    assert!(
        never().await.is_err(),
        "Connected without the app-state key"
    );
    let logins = mock.devices()[0].logins;
    assert!(
        never().await.is_err(),
        "Connected without the app-state key"
    );
    // It sits logged in on its socket, waiting for the key: no relogin, no
    // push name.
    assert!(client.is_logged_in());
    assert!(!client.is_ready().await);
    let device = &mock.devices()[0];
    assert!(device.connected, "{device:?}");
    assert_eq!(device.logins, logins, "{device:?}");
    assert_eq!(client.whatsapp().push_name(), "");
    client.stop().await;
    mock.shutdown().await;
}
