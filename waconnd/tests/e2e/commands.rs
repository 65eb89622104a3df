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

#[tokio::test(flavor = "multi_thread")]
async fn a_number_in_several_words_is_one_number_and_daemon_text_stays_on_its_line() {
    const N: &str = "15550005151";
    const NAME: &str = "Shop\nEvil\u{1b}[2J\u{202e}";
    let env = Env::new(&[]).await;
    // As the README and wactl(1) write it: words, options after.
    env.pair_as(&["+1", "555", "000", "5151"], N, NAME).await;

    let out = env
        .wactl(&["status", "+1", "(555)", "000-5151", "--json"])
        .await;
    assert!(out.status.success(), "{}", text(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["number"], N);
    assert_eq!(status["pushName"], NAME, "JSON keeps the text as it is");
    let out = env.wactl(&["inspect", "1.555.000.5151"]).await;
    assert!(out.status.success(), "{}", text(&out));
    let out = env
        .wactl(&["reconnect", "00", "1", "555", "000", "5151"])
        .await;
    assert!(out.status.success(), "{}", text(&out));
    env.wait_state(N, "CONNECTED", CONNECT).await;

    let out = env.wactl(&["list"]).await;
    let list = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        list.lines().count(),
        2,
        "a header and one line per number:\n{list}"
    );
    assert!(
        list.contains("Shop\\nEvil\\u{1b}[2J\\u{202e}"),
        "control characters escaped:\n{list}"
    );
    assert!(!list.contains('\u{1b}'), "nothing steers the terminal");
    let out = env.wactl(&["status", N]).await;
    let status = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        status
            .lines()
            .any(|l| l.trim_start().starts_with("name")
                && l.ends_with("Shop\\nEvil\\u{1b}[2J\\u{202e}")),
        "{status}"
    );

    let out = env.wactl(&["check", "+1", "555", "000", "5151"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "check takes one word per number: {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("quote a number written with spaces"),
        "{}",
        text(&out)
    );
    let out = env
        .wactl(&["check", "+1 555 000 5151", "1.555.000.5151"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
