//! Never online on the user's behalf: a linked device that is `available`
//! makes the phone stop notifying its owner, so after every login and every
//! change of name the last presence a number announced is `unavailable`.

use mockwa::Presence;

use crate::harness::{CONNECT, Env, until};

const N: &str = "15550051001";

/// Waits until `N` announced `available` more than `before` times (the
/// client's own announcement) and its last word is `unavailable`.
async fn unavailable_after_the_clients_own(env: &Env, before: u64, what: &str) -> u64 {
    until(
        &format!("{what}: unavailable after the client's own available"),
        CONNECT,
        || async {
            let device = env.device(N);
            device.times_available > before && device.presence == Some(Presence::Unavailable)
        },
    )
    .await;
    env.device(N).times_available
}

#[tokio::test(flavor = "multi_thread")]
async fn every_login_and_name_change_ends_unavailable() {
    let mut env = Env::new(&[]).await;
    env.pair(N).await;
    until("unavailable after pairing", CONNECT, || async {
        env.device(N).presence == Some(Presence::Unavailable)
    })
    .await;
    let seen = env.device(N).times_available;

    // A restart: the client announces itself available as it logs in.
    env.stop().await;
    env.start().await;
    env.wait_state(N, "CONNECTED", CONNECT).await;
    let seen = unavailable_after_the_clients_own(&env, seen, "after a restart").await;

    // A reconnect after a drop.
    env.drop_and_reconnect(N).await;
    let seen = unavailable_after_the_clients_own(&env, seen, "after a drop").await;

    // The phone's owner renames the account.
    assert_eq!(env.mock.set_push_name(N, "Ana's shop"), Some(1));
    until("the new name is shown", CONNECT, || async {
        env.json(&["status", N]).await["pushName"] == "Ana's shop"
    })
    .await;
    unavailable_after_the_clients_own(&env, seen, "after a new name").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_may_ask_for_available() {
    let env = Env::new(&["--presence", "available"]).await;
    env.pair(N).await;
    until("available as asked", CONNECT, || async {
        env.device(N).presence == Some(Presence::Available)
    })
    .await;
}
