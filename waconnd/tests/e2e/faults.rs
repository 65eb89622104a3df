//! What the network and the phone do to a paired number.

use std::time::Duration;

use crate::harness::{CONNECT, Env, text, until};

const N: &str = "15550002222";

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_socket_is_recovered_without_anyone_acting() {
    let env = Env::new(&[]).await;
    env.pair(N).await;
    env.drop_and_reconnect(N).await;
    let status = env.json(&["status", N]).await;
    assert!(status["disconnectedAt"].as_i64().is_some(), "{status}");
    assert!(status["connectedAt"].as_i64() > status["disconnectedAt"].as_i64());
    let inspect = env.json(&["inspect", N]).await;
    let left = inspect["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .any(|t| t["from"] == "CONNECTED" && t["to"] != "CONNECTED");
    assert!(left, "passed through a not-connected state: {inspect}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_connections_are_retried_with_growing_backoff() {
    let env = Env::new(&[]).await;
    env.pair(N).await;
    env.mock.refuse(Duration::from_secs(3600));
    env.mock.drop_connections(Some(N));
    let attempts = || env.attempt_times(N);
    until("four refused attempts", Duration::from_secs(60), || async {
        attempts().await.len() >= 4
    })
    .await;
    let at = attempts().await;
    let gaps: Vec<i64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[2] > gaps[0] + 500, "backoff grows: gaps {gaps:?} ms");
    assert_ne!(env.state(N).await, "CONNECTED");
    env.mock.refuse(Duration::ZERO);
    env.wait_state(N, "CONNECTED", CONNECT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_server_is_not_called_connected_and_is_left_for_a_new_socket() {
    let env = Env::new(&[]).await;
    env.pair(N).await;
    env.mock.mute(Some(N), Duration::from_secs(3600));
    // Default settings: whatsapp-rust's keepalive notices silence within
    // about a minute, unless the server fell silent while the login's
    // requests awaited answers (the keepalive skips its ping then); the
    // daemon's 75 s window, looked at every 10 s, bounds that case. The
    // slack is for a loaded machine.
    until(
        "the daemon notices the silence",
        Duration::from_secs(120),
        || async { env.state(N).await != "CONNECTED" },
    )
    .await;
    env.mock.mute(Some(N), Duration::ZERO);
    env.wait_state(N, "CONNECTED", CONNECT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_silent_for_the_silence_window_is_left_before_the_keepalive_could() {
    let env = Env::new(&["--silence-window", "5s"]).await;
    env.pair(N).await;
    env.mock.mute(Some(N), Duration::from_secs(3600));
    let muted = std::time::Instant::now();
    until(
        "the daemon leaves the silent connection",
        Duration::from_secs(60),
        || async { env.state(N).await != "CONNECTED" },
    )
    .await;
    // whatsapp-rust's keepalive cannot call it before 20 s (a ping given
    // up 20 s after it went): this is the daemon's window.
    let noticed = muted.elapsed();
    assert!(
        noticed < Duration::from_secs(20),
        "noticed after {noticed:?}"
    );
    let inspect = env.json(&["inspect", N]).await;
    let left = inspect["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .find(|t| t["from"] == "CONNECTED" && t["to"] == "DISCONNECTED")
        .cloned()
        .unwrap_or_default();
    let reason = left["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("nothing received from WhatsApp for ")
            && reason.contains("s; leaving the silent connection"),
        "{inspect}"
    );
    env.mock.mute(Some(N), Duration::ZERO);
    env.wait_state(N, "CONNECTED", CONNECT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_logout_from_the_phone_deletes_credentials_and_pairing_again_works() {
    let mut env = Env::new(&[]).await;
    env.pair(N).await;
    assert!(env.store(N).exists());
    assert_eq!(env.mock.logout(Some(N)), 1);
    env.wait_state(N, "LOGGED_OUT", CONNECT).await;
    let status = env.json(&["status", N]).await;
    assert!(
        !status["reason"].as_str().unwrap_or_default().is_empty(),
        "{status}"
    );
    until(
        "its store files are gone",
        Duration::from_secs(10),
        || async { !env.store(N).exists() },
    )
    .await;
    let out = env.wactl(&["status", N]).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));

    let connections = env.mock.stats().connections;
    env.stop().await;
    env.start().await;
    assert_eq!(env.state(N).await, "LOGGED_OUT");
    assert_eq!(
        env.mock.stats().connections,
        connections,
        "no login attempt for a logged-out number"
    );

    env.pair(N).await;
    assert_eq!(env.state(N).await, "CONNECTED");
}

#[tokio::test(flavor = "multi_thread")]
async fn max_backoff_caps_the_wait_between_attempts() {
    let env = Env::new(&["--max-backoff", "3s"]).await;
    env.pair(N).await;
    env.mock.refuse(Duration::from_secs(3600));
    env.mock.drop_connections(Some(N));
    let attempts = || env.attempt_times(N);
    until(
        "eight refused attempts",
        Duration::from_secs(90),
        || async { attempts().await.len() >= 8 },
    )
    .await;
    let at = attempts().await;
    let gaps: Vec<i64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    // Fibonacci would reach 5, 8, 13 s by now; the cap keeps every gap near 3 s.
    assert!(gaps.iter().all(|g| *g < 4_500), "gaps {gaps:?} ms");
    env.mock.refuse(Duration::ZERO);
    env.wait_state(N, "CONNECTED", CONNECT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replaced_banned_and_outdated_wait_for_the_right_moment() {
    let env = Env::new(&[]).await;
    env.pair(N).await;

    // Replaced: parked (no ping-pong with the other client) until asked.
    env.mock.replace(Some(N));
    env.wait_state(N, "REPLACED", CONNECT).await;
    assert_eq!(env.wactl(&["status", N]).await.status.code(), Some(4));
    let out = env.wactl(&["reconnect", N]).await;
    assert!(out.status.success(), "{}", text(&out));
    env.wait_state(N, "CONNECTED", CONNECT).await;

    // Banned: waits out the expiry the server gave, then retries itself.
    env.mock.ban(Some(N), Duration::from_secs(4));
    env.wait_state(N, "BANNED", CONNECT).await;
    let status = env.json(&["status", N]).await;
    assert!(status["retryAt"].as_i64().is_some(), "{status}");
    env.wait_state(N, "CONNECTED", CONNECT).await;

    // Outdated: retried slowly; a person upgrades, then reconnects.
    env.mock.set_outdated(true);
    env.wait_state(N, "OUTDATED", CONNECT).await;
    env.mock.set_outdated(false);
    assert!(env.wactl(&["reconnect", N]).await.status.success());
    env.wait_state(N, "CONNECTED", CONNECT).await;
}
