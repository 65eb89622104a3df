//! Pairing, restarts of the client and of the mock.

use mockwa::{Config, MockWa};

use crate::CONNECT;
use crate::client::{TestClient, paired};
use crate::phone::asking_for_a_code;

const PHONE: &str = "15550001111";

#[tokio::test(flavor = "multi_thread")]
async fn pairs_by_qr_then_logs_in_again_from_its_store_with_ik() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let client = paired(&mock, dir.path(), PHONE).await;
    assert!(client.is_ready().await);
    let devices = mock.devices();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].phone, PHONE);
    assert!(devices[0].connected);
    assert_eq!(devices[0].push_name, "Tester");
    let stats = mock.stats();
    assert_eq!(stats.pairings, 1);
    assert!(
        stats.handshakes_xx >= 2,
        "registration, then the login after 515: {stats:?}"
    );
    // A busy machine may make the client reconnect (with IK) before it
    // announces itself connected: count the restart's IK from here.
    let ik_before = stats.handshakes_ik;

    let db = client.db.clone();
    client.stop().await;
    let again = TestClient::start(&mock.url(), &db).await;
    again
        .wait("Connected without a QR", CONNECT, |e| match e {
            whatsapp_rust::types::events::Event::PairingQrCode(_) => panic!("asked for a QR again"),
            whatsapp_rust::types::events::Event::Connected(_) => Some(()),
            _ => None,
        })
        .await;
    let stats = mock.stats();
    assert!(
        stats.handshakes_ik > ik_before,
        "the restart logged in with IK: {stats:?}"
    );
    assert_eq!(stats.registrations, 1);
    assert!(mock.devices()[0].logins >= 2, "{:?}", mock.devices());
    again.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn survives_mock_restarts_with_the_same_key_and_with_a_new_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        key_file: Some(dir.path().join("server.key")),
        state_file: Some(dir.path().join("state.json")),
        ..Config::default()
    };
    let mock = MockWa::start(config.clone()).await.expect("start mock");
    let addr = mock.addr();
    let client = paired(&mock, dir.path(), PHONE).await;

    // Same key, same port: the client logs in again with IK.
    mock.shutdown().await;
    let mock = MockWa::start(Config {
        listen: addr,
        ..config.clone()
    })
    .await
    .expect("restart mock");
    client.connected(CONNECT).await;
    assert!(mock.stats().handshakes_ik >= 1, "{:?}", mock.stats());
    assert_eq!(mock.stats().handshakes_xxfallback, 0);

    // A new key: the client's cached one is stale, so XXfallback.
    mock.shutdown().await;
    std::fs::remove_file(dir.path().join("server.key")).expect("remove key");
    let mock = MockWa::start(Config {
        listen: addr,
        ..config
    })
    .await
    .expect("restart mock with a new key");
    client.connected(CONNECT).await;
    assert!(
        mock.stats().handshakes_xxfallback >= 1,
        "{:?}",
        mock.stats()
    );
    client.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pairs_with_a_code_typed_on_the_phone() {
    const CODE_PHONE: &str = "15550004444";
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let (client, code) = asking_for_a_code(&mock, dir.path(), CODE_PHONE).await;
    assert_eq!(
        mock.enter_code("15550009999", &code, None).await,
        Err(mockwa::ScanError::UnknownRef),
        "another phone has no pending request"
    );
    // Typed as wactl shows it, in lower case: the phone ignores both.
    let typed = format!("{}-{}", &code[..4], &code[4..]).to_lowercase();
    let jid = mock
        .enter_code(CODE_PHONE, &typed, Some("Coded"))
        .await
        .expect("enter the code");
    assert!(jid.starts_with(CODE_PHONE), "{jid}");
    client.connected(CONNECT).await;
    assert_eq!(mock.devices()[0].push_name, "Coded");
    client.stop().await;
    mock.shutdown().await;
}
