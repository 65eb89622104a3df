//! What the server says, and what each of its codes leads to: the state,
//! a reason that names the code, and what the daemon does next on its own.

use std::time::Duration;

use serde_json::json;

use crate::harness::{CONNECT, Env, until};

/// Whether the daemon said `number` moved to `to` (or gave a new reason in
/// it) with a reason containing every one of `words`: the log has a line
/// per change, reasons included.
async fn went(env: &Env, number: &str, to: &str, words: &[&str]) -> bool {
    let (moved, stayed) = (format!("-> {to}: "), format!("{number}: {to}: "));
    env.log().lines().any(|line| {
        line.contains(&format!("{number}: "))
            && (line.contains(&moved) || line.contains(&stayed))
            && words.iter().all(|w| line.contains(w))
    })
}

/// Waits for [`went`].
async fn wait_went(env: &Env, number: &str, to: &str, words: &[&str]) {
    until(
        &format!("{number} moves to {to} saying {words:?}"),
        CONNECT,
        || went(env, number, to, words),
    )
    .await;
}

/// `connectedAt` of `number`.
async fn connected_at(env: &Env, number: &str) -> Option<i64> {
    env.json(&["status", number]).await["connectedAt"].as_i64()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_stream_error_on_a_live_socket_ends_in_its_state_with_its_code() {
    // (number, code, state it passes through, words its reason carries,
    // back on its own)
    let cases = [
        (
            "15550031001",
            "429",
            "DISCONNECTED",
            &["429", "retrying in 8s"][..],
            true,
        ),
        ("15550031002", "503", "DISCONNECTED", &["503"][..], true),
        (
            "15550031003",
            "515",
            "DISCONNECTED",
            &["515", "reconnecting now"][..],
            true,
        ),
        (
            "15550031004",
            "xmlstreamend",
            "DISCONNECTED",
            &["xmlstreamend"][..],
            true,
        ),
        (
            "15550031005",
            "xml-not-well-formed",
            "DISCONNECTED",
            &["xml-not-well-formed"][..],
            true,
        ),
        ("15550031006", "ack", "DISCONNECTED", &["ack"][..], true),
        ("15550031007", "516", "LOGGED_OUT", &["516"][..], false),
        (
            "15550031008",
            "401",
            "LOGGED_OUT",
            &["phone removed this device", "401"][..],
            false,
        ),
    ];
    let env = Env::new(&[]).await;
    futures_util::future::join_all(cases.iter().map(|(n, ..)| env.pair(n))).await;
    let before: Vec<Option<i64>> =
        futures_util::future::join_all(cases.iter().map(|(n, ..)| connected_at(&env, n))).await;
    for (number, code, ..) in &cases {
        let sent = env
            .mock
            .stream_error(Some(number), code, Some(Duration::ZERO))
            .expect("a code mockwa knows");
        assert_eq!(sent, 1, "{number} had a live socket");
    }
    for ((number, code, state, words, back), before) in cases.iter().zip(before) {
        wait_went(&env, number, state, words).await;
        if *back {
            until(&format!("{number} back after {code}"), CONNECT, || async {
                env.state(number).await == "CONNECTED" && connected_at(&env, number).await > before
            })
            .await;
        } else {
            assert_eq!(env.state(number).await, *state, "{number} stays {state}");
            assert!(
                !env.store(number).exists(),
                "{number}'s credentials are deleted"
            );
        }
    }
    // No reason says only that the connection ended when the server said why.
    for (number, ..) in &cases {
        assert!(
            !went(&env, number, "DISCONNECTED", &["the connection ended"]).await,
            "{number}: {}",
            env.json(&["inspect", number]).await
        );
    }
    // A 515 is no failure: the reconnect went at once.
    let inspect = env.json(&["inspect", "15550031003"]).await;
    let at = |to: &str| {
        inspect["transitions"]
            .as_array()
            .expect("transitions")
            .iter()
            .rev()
            .find(|t| t["to"] == to)
            .and_then(|t| t["at"].as_i64())
            .expect("transition")
    };
    assert!(at("CONNECTED") - at("DISCONNECTED") < 5_000, "{inspect}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_refused_login_ends_in_its_state_with_its_code() {
    let cases = [
        (
            "15550032001",
            403,
            "LOGGED_OUT",
            &["403", "locked or banned", "Appeal in the app"][..],
        ),
        ("15550032002", 406, "LOGGED_OUT", &["406"][..]),
        ("15550032003", 409, "FAILED", &["409 bad user agent"][..]),
        (
            "15550032004",
            500,
            "DISCONNECTED",
            &["500 internal server error", "retrying in"][..],
        ),
        (
            "15550032005",
            503,
            "DISCONNECTED",
            &["503 service unavailable", "retrying in"][..],
        ),
    ];
    let env = Env::new(&[]).await;
    futures_util::future::join_all(cases.iter().map(|(n, ..)| env.pair(n))).await;
    for (number, reason, ..) in &cases {
        let message = (*reason == 403).then_some("Appeal in the app");
        env.mock
            .fail_logins(Some(number), *reason, Duration::from_secs(3600), message)
            .expect("a reason mockwa knows");
    }
    for (number, _, state, words) in &cases {
        wait_went(&env, number, state, words).await;
    }
    // The refusals for now end; those numbers come back with nobody acting.
    for (number, reason, ..) in &cases[3..] {
        env.mock
            .fail_logins(Some(number), *reason, Duration::ZERO, None)
            .expect("end it");
        env.wait_state(number, "CONNECTED", CONNECT).await;
    }
    assert_eq!(env.state(cases[0].0).await, "LOGGED_OUT");
    assert_eq!(env.state(cases[2].0).await, "FAILED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_that_never_logs_in_is_given_up_and_tried_again() {
    const N: &str = "15550033001";
    let env = Env::new(&["--login-timeout", "3s"]).await;
    env.pair(N).await;
    // The server takes the connection and then sits on the login.
    env.mock.mute(Some(N), Duration::from_secs(3600));
    env.mock.drop_connections(Some(N));
    wait_went(
        &env,
        N,
        "DISCONNECTED",
        &["not logged in within 3s", "retrying in"],
    )
    .await;
    env.mock.mute(Some(N), Duration::ZERO);
    env.wait_state(N, "CONNECTED", CONNECT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_socket_the_server_keeps_open_is_closed_and_retried() {
    const N: &str = "15550033002";
    let env = Env::new(&[]).await;
    env.pair(N).await;
    let before = connected_at(&env, N).await;
    let sent = env.mock.stream_error(Some(N), "429", None).expect("429");
    assert_eq!(sent, 1);
    wait_went(&env, N, "DISCONNECTED", &["429"]).await;
    until("a new connection after the wait", CONNECT, || async {
        env.state(N).await == "CONNECTED" && connected_at(&env, N).await > before
    })
    .await;
}

/// Numbers rate-limited at once.
const MANY: usize = 100;

#[tokio::test(flavor = "multi_thread")]
async fn many_numbers_rate_limited_at_once_lower_the_connect_rate_and_all_come_back() {
    let env = Env::new(&[]).await;
    let numbers: Vec<String> = (0..MANY).map(|i| format!("1555003{i:04}")).collect();
    futures_util::future::join_all(numbers.iter().map(|n| env.pair(n))).await;
    until("all connected", CONNECT, || async {
        env.json(&["list"]).await["connectedClients"] == MANY
    })
    .await;
    let logins_before: Vec<Option<u64>> = numbers
        .iter()
        .map(|n| env.device(n).last_login_at)
        .collect();
    env.mock.reset_peak();
    let limited_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64;
    let sent = env
        .mock
        .stream_error(None, "429", Some(Duration::ZERO))
        .expect("429");
    assert_eq!(sent, MANY);
    until("the daemon lowers its connect rate", CONNECT, || async {
        let status = env.json(&["status"]).await;
        status["connectRate"].as_u64() < status["connectRateConfigured"].as_u64()
    })
    .await;
    let status = env.json(&["status"]).await;
    let lowered = status["connectRate"].as_u64().expect("rate");
    assert!(
        status["connectRateReason"]
            .as_str()
            .is_some_and(|r| r.contains("rate-limited or refused")),
        "{status}"
    );
    assert!(
        env.log().contains("lowering the connect rate"),
        "{}",
        env.log()
    );
    let metrics = env.wactl(&["metrics"]).await;
    let metrics = String::from_utf8_lossy(&metrics.stdout);
    let gauge = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    assert!(
        gauge("waconn_connect_rate") < gauge("waconn_connect_rate_configured"),
        "{metrics}"
    );
    until(
        "all connected again with nobody acting",
        CONNECT,
        || async { env.json(&["list"]).await["connectedClients"] == MANY },
    )
    .await;
    for (number, before) in numbers.iter().zip(logins_before) {
        let again = env.device(number).last_login_at.expect("logged in again");
        assert!(Some(again) > before, "{number} logged in again");
        assert!(
            again >= limited_at + 8_000,
            "{number} came back {} ms after the 429, within the penalty",
            again - limited_at
        );
    }
    let stats = env.mock.stats();
    assert!(
        stats.peak_connects_per_second <= lowered,
        "mockwa saw {} connects in a second, the lowered rate is {lowered}: {stats:?}",
        stats.peak_connects_per_second
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_pair_code_is_replaced_and_the_next_one_links() {
    use tokio::io::AsyncBufReadExt;
    const N: &str = "15550034001";
    let env = Env::new(&[]).await;
    let mut pair = env.spawn_wactl(&["pair", N, "--code"]);
    let mut lines = tokio::io::BufReader::new(pair.stdout.take().expect("stdout")).lines();
    let mut next_code = async || {
        tokio::time::timeout(Duration::from_secs(90), lines.next_line())
            .await
            .expect("a code")
            .expect("read")
            .expect("a line")
    };
    let first = next_code().await;
    // The user mistypes it: the phone refuses it, and says nothing to the
    // companion, which gives the code up after a minute.
    let (status, text) = env
        .admin_answer("/admin/pair-code", json!({"phone": N, "code": "ZZZZ-ZZZZ"}))
        .await;
    assert_eq!(status, 409, "{text}");
    let second = next_code().await;
    assert_ne!(first, second, "a fresh code");
    assert!(
        went(&env, N, "PAIRING", &["did not take the code"]).await
            || env
                .json(&["inspect", N])
                .await
                .to_string()
                .contains("did not take the code"),
        "{}",
        env.json(&["inspect", N]).await
    );
    env.mock
        .enter_code(N, &second, None)
        .await
        .expect("the phone takes the new code");
    let status = tokio::time::timeout(CONNECT, pair.wait())
        .await
        .expect("pair ends")
        .expect("wait");
    assert!(status.success(), "{status}");
    for code in [&first, &second] {
        assert!(
            !env.log().contains(&code.replace('-', "")),
            "a code reached the log"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_pair_codes_end_the_pairing_with_what_to_do_and_exit_4() {
    const N: &str = "15550034002";
    let env = Env::new(&[]).await;
    env.admin("/admin/throttle-codes", json!({"phone": N, "seconds": 600}))
        .await;
    let out = env.wactl(&["pair", N, "--code"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", crate::harness::text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refuses more pair codes"), "{err}");
    assert!(err.contains(&format!("wactl pair {N}")), "{err}");
}
