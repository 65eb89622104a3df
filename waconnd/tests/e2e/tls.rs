//! The daemon over TLS: mockwa serves `wss://` with a self-signed
//! certificate, `--wa-ca` makes the daemon's socket trust it, and a number
//! pairs and reconnects over it.

use mockwa::Config;

use crate::harness::{CONNECT, Env};

#[tokio::test(flavor = "multi_thread")]
async fn a_number_pairs_and_reconnects_over_tls() {
    const N: &str = "15550009301";
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = dir.path().join("mockwa.pem");
    let config = Config {
        tls: true,
        cert_file: Some(cert.clone()),
        ..Config::default()
    };
    let cert = cert.to_str().expect("utf-8 path").to_string();
    let mut env = Env::prepare_with(dir, config, &["--wa-ca", &cert], &[]).await;
    assert!(env.mock.url().starts_with("wss://"), "{}", env.mock.url());
    env.start().await;
    env.pair(N).await;
    env.wait_state(N, "CONNECTED", CONNECT).await;
    env.drop_and_reconnect(N).await;
    let stats = env.mock.stats();
    assert!(stats.logins >= 2, "{stats:?}");
    assert_eq!(stats.handshake_failures, 0, "{stats:?}");
    assert_eq!(env.stop().await.code(), Some(0));
}
