//! The mock over TLS: a client that trusts its self-signed certificate
//! pairs and logs in again over `wss://`, and the admin API answers over
//! `https://` on the same port, beside plain `ws://`.

use mockwa::{Config, MockWa, ScanOptions};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::CONNECT;
use crate::client::{TestClient, trusting};

#[tokio::test(flavor = "multi_thread")]
async fn a_client_trusting_the_certificate_pairs_and_reconnects_over_wss() {
    const PHONE: &str = "15550008301";
    let dir = tempfile::tempdir().expect("tempdir");
    let cert_file = dir.path().join("mockwa.pem");
    let config = Config {
        tls: true,
        cert_file: Some(cert_file.clone()),
        ..Config::default()
    };
    let mock = MockWa::start(config).await.expect("start mock");
    let pem = mock.certificate_pem().expect("a certificate").to_string();
    assert_eq!(std::fs::read_to_string(&cert_file).expect("PEM file"), pem);
    assert!(mock.url().starts_with("wss://"), "{}", mock.url());

    let db = dir.path().join("tls.db");
    let client = TestClient::start_over_tls(&mock.url(), &db, &pem).await;
    let qr = client.qr().await;
    let business = ScanOptions {
        business: true,
        ..ScanOptions::default()
    };
    mock.scan_with(&qr, PHONE, None, business)
        .await
        .expect("scan");
    client.connected(CONNECT).await;
    client.stop().await;
    let client = TestClient::start_over_tls(&mock.url(), &db, &pem).await;
    client.connected(CONNECT).await;
    assert!(mock.stats().logins >= 2);

    // The admin API over https, on the same port.
    let stats = https_get(&mock, &pem, "/admin/stats").await;
    assert!(stats.starts_with("HTTP/1.1 200"), "{stats}");
    assert!(stats.contains("\"logins\""), "{stats}");
    // Plain ws:// still works beside it.
    assert!(mock.plain_url().starts_with("ws://"));
    client.stop().await;
    mock.shutdown().await;
}

async fn https_get(mock: &MockWa, pem: &str, path: &str) -> String {
    let tcp = tokio::net::TcpStream::connect(mock.addr())
        .await
        .expect("connect");
    let name = ServerName::try_from("127.0.0.1").expect("name");
    let mut tls = tokio_rustls::TlsConnector::from(trusting(pem))
        .connect(name, tcp)
        .await
        .expect("TLS handshake");
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}
