//! Many sessions against one mock at once.

use mockwa::{Config, MockWa};

use crate::CONNECT;
use crate::client::paired;
use crate::faults::until;

#[tokio::test(flavor = "multi_thread")]
async fn twenty_clients_pair_and_reconnect_together() {
    const N: u64 = 20;
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let clients = whatsapp_rust::futures::future::join_all((0..N).map(|i| {
        let phone = (15_550_100_000 + i).to_string();
        let (mock, dir) = (&mock, dir.path());
        async move { paired(mock, dir, &phone).await }
    }))
    .await;
    assert_eq!(
        mock.devices().iter().filter(|d| d.connected).count(),
        N as usize
    );

    let logins = mock.stats().logins;
    assert_eq!(mock.drop_connections(None), N as usize);
    until("every client logged in again", CONNECT, || {
        mock.stats().logins >= logins + N
    })
    .await;
    whatsapp_rust::futures::future::join_all(clients.iter().map(|c| c.connected(CONNECT))).await;
    for c in clients {
        c.stop().await;
    }
    mock.shutdown().await;
}
