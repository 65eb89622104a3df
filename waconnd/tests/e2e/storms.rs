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
