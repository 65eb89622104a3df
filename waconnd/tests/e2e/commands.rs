//! `wactl drop`, independence of numbers, and wactl's errors.

use std::time::Duration;

use crate::harness::{CONNECT, Env, text, until};

#[tokio::test(flavor = "multi_thread")]
async fn drop_unlinks_the_device_and_forgets_the_number() {
    const N: &str = "15550003333";
    let env = Env::new(&[]).await;
    env.pair(N).await;
    let out = env.wactl(&["drop", N]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unlinked"),
        "{}",
        text(&out)
    );
    until(
        "mockwa sees the device removed",
        Duration::from_secs(10),
        || async { env.mock.devices().iter().all(|d| d.removed) },
    )
    .await;
    assert!(!env.store(N).exists());
    assert_eq!(env.wactl(&["status", N]).await.status.code(), Some(1));
    let registry = std::fs::read_to_string(env.data().join("sessions.json")).expect("registry");
    assert!(!registry.contains(N), "{registry}");
}

#[tokio::test(flavor = "multi_thread")]
async fn three_numbers_stay_independent() {
    let numbers = ["15550004441", "15550004442", "15550004443"];
    let env = Env::new(&[]).await;
    let env = &env;
    futures_util::future::join_all(numbers.map(|n| async move { env.pair(n).await })).await;
    env.mock.logout(Some(numbers[1]));
    env.wait_state(numbers[1], "LOGGED_OUT", CONNECT).await;
    for n in [numbers[0], numbers[2]] {
        assert_eq!(env.state(n).await, "CONNECTED", "{n}");
    }
    let list = env.json(&["list"]).await;
    assert_eq!(list["totalClients"], 3);
    assert_eq!(list["connectedClients"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_numbers_are_refused_with_exit_1() {
    let env = Env::new(&[]).await;
    for verb in ["status", "inspect", "reconnect", "drop"] {
        let out = env.wactl(&[verb, "15559999999"]).await;
        assert_eq!(out.status.code(), Some(1), "{verb}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not registered"),
            "{}",
            text(&out)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_wactl_processes_at_once_are_all_answered() {
    const N: &str = "15550002020";
    let env = Env::new(&[]).await;
    env.pair(N).await;
    let runs = (0..100).map(|i| {
        let env = &env;
        async move {
            let args: &[&str] = match i % 4 {
                0 => &["list", "--json"],
                1 => &["status", N, "--json"],
                2 => &["status", "--json"],
                _ => &["inspect", N, "--json"],
            };
            let out = env.wactl(args).await;
            assert!(out.status.success(), "{args:?}: {}", text(&out));
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            assert!(json.is_object(), "{args:?}");
        }
    });
    futures_util::future::join_all(runs).await;
}
