//! Storms: every session wanting a connection at once (start, a mass drop)
//! never pushes the server past `--connect-rate`, as the server counts.

use crate::harness::{CONNECT, Env, until};

const RATE: u64 = 3;
const NUMBERS: u64 = 12;

/// Whether every number is CONNECTED.
async fn all_connected(env: &Env) -> bool {
    let list = env.json(&["list"]).await;
    list["totalClients"] == NUMBERS && list["connectedClients"] == NUMBERS
}

#[tokio::test(flavor = "multi_thread")]
async fn start_and_mass_drop_stay_within_the_connect_rate() {
    let mut env = Env::new(&["--connect-rate", &RATE.to_string()]).await;
    let numbers: Vec<String> = (0..NUMBERS).map(|i| format!("155500090{i:02}")).collect();
    futures_util::future::join_all(numbers.iter().map(|n| env.pair(n))).await;

    // A restart: every session connects at once from its store.
    env.stop().await;
    let before = env.mock.stats().connections;
    env.start().await;
    until("all connected after the restart", CONNECT, || {
        all_connected(&env)
    })
    .await;
    let restart = env.mock.stats();
    assert!(restart.connections - before >= NUMBERS, "{restart:?}");

    // Every socket cut at once.
    let cut = env.mock.drop_connections(None) as u64;
    assert_eq!(cut, NUMBERS);
    until("reconnects under way", CONNECT, || async {
        env.mock.stats().connections >= restart.connections + NUMBERS
    })
    .await;
    until("all connected after the drop", CONNECT, || {
        all_connected(&env)
    })
    .await;

    let stats = env.mock.stats();
    assert!(
        stats.peak_connects_per_second <= RATE,
        "the server saw {} connects in one second, the limit is {RATE}: {stats:?}",
        stats.peak_connects_per_second
    );
    assert!(
        stats.peak_connects_per_second >= RATE - 1,
        "the storms did press against the limit: {stats:?}"
    );
}

/// Numbers whose reconnection at one connect per second takes longer than
/// the client's 20 s transport timeout.
const QUEUED: u64 = 22;

#[tokio::test(flavor = "multi_thread")]
async fn a_connect_queue_longer_than_the_transport_timeout_wastes_no_attempt() {
    // The client's own errors too: a timed-out attempt is one of them.
    let log = "waconnd=debug,whatsapp_rust=error";
    let mut env = Env::with_vars(&[], &[("RUST_LOG", log)]).await;
    let numbers: Vec<String> = (0..QUEUED).map(|i| format!("155500091{i:02}")).collect();
    futures_util::future::join_all(numbers.iter().map(|n| env.pair(n))).await;
    env.stop().await;
    env.args = vec!["--connect-rate".into(), "1".into()];
    let before = env.mock.stats().connections;
    env.start().await;
    let everyone = || async {
        let list = env.json(&["list"]).await;
        list["totalClients"] == QUEUED && list["connectedClients"] == QUEUED
    };
    until("all connected after the restart", CONNECT * 2, everyone).await;
    let restart = env.mock.stats().connections;
    assert_eq!(restart - before, QUEUED, "one connection per number");

    assert_eq!(env.mock.drop_connections(None) as u64, QUEUED);
    until("all connected after the drop", CONNECT * 2, everyone).await;
    assert_eq!(
        env.mock.stats().connections - restart,
        QUEUED,
        "one connection per number"
    );
    // Waiting in the queue is not a failed attempt: nobody's attempt timed
    // out while it waited, so nobody's backoff grew.
    let log = env.log();
    assert!(!log.contains("timed out after"), "{log}");
}
