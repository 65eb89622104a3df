//! The reopen from disk after a pairing: once the pairing's first login has
//! settled, the number drops its client and its store and opens both again,
//! as a restart would; one more login, nothing lost, nothing counted twice,
//! on both engines.

use std::time::Duration;

use mockwa::ScanOptions;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::ChildStdout;

use crate::harness::{CONNECT, Env, text, until};

/// The reason a number shows while it reopens from disk after a pairing.
const REOPENING: &str = "reopening from disk after pairing";

/// Long enough that the test reads what the pairing alone did before the
/// reopen comes.
const SETTLE: &[&str] = &["--pairing-settle", "4s"];

/// Waits for `wactl pair` to exit 0 once connected.
async fn paired(mut pair: tokio::process::Child) {
    let status = tokio::time::timeout(CONNECT, pair.wait())
        .await
        .expect("wactl pair exits once connected")
        .expect("wait");
    assert!(status.success(), "wactl pair exited {status}");
}

/// How many times the daemon's log says `number` reopened.
fn reopens_logged(env: &Env, number: &str) -> usize {
    env.log()
        .lines()
        .filter(|l| {
            l.contains(number) && l.contains(&format!("CONNECTED -> CONNECTING: {REOPENING}"))
        })
        .count()
}

/// How many descriptors of the daemon hold `number`'s store file open.
fn store_opened(env: &Env, number: &str) -> usize {
    let pid = env
        .daemon
        .as_ref()
        .and_then(|d| d.id())
        .expect("the daemon runs");
    let store = env.store(number);
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("the daemon's descriptors")
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| *target == store)
        .count()
}

/// Checks what a pairing that just reached CONNECTED leads to: exactly one
/// reopen (one login more at mockwa, said in the log and the transitions),
/// the pairing's records kept, still connected with its name, and no QR
/// again after a restart of the daemon.
async fn reopens_once(env: &mut Env, number: &str, name: &str) {
    let logins = env.device(number).logins;
    let before = env.json(&["status", number]).await;
    assert_eq!(before["state"], "CONNECTED", "{before}");
    assert_eq!(reopens_logged(env, number), 0, "{}", env.log());
    env.wait_reopened(number).await;
    until("the reopened client's login", CONNECT, || async {
        let d = env.device(number);
        d.connected && d.logins == logins + 1
    })
    .await;
    assert_eq!(reopens_logged(env, number), 1, "{}", env.log());
    if env.store(number).exists() {
        // The pairing's store is closed, not kept beside the reopened one.
        until("one store open", CONNECT, || async {
            store_opened(env, number) == 1
        })
        .await;
    }

    let after = env.json(&["inspect", number]).await;
    for kept in ["pairedAt", "jid", "createdAt", "disconnectedAt"] {
        assert_eq!(after[kept], before[kept], "{kept}: {after}");
    }
    assert_eq!(after["pushName"], name, "{after}");
    assert_eq!(after["disconnects"], before["disconnects"], "no failure");
    assert_eq!(after["retryAt"], Value::Null, "no backoff: {after}");
    let states: Vec<&str> = after["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .filter_map(|t| t["to"].as_str())
        .collect();
    assert!(
        states.ends_with(&["CONNECTED", "CONNECTING", "CONNECTED"]),
        "one short CONNECTING, then CONNECTED: {states:?}"
    );
    assert_eq!(env.wactl(&["check"]).await.status.code(), Some(0));

    // It stays: a message round trip later, the same login, still
    // connected, no second reopen.
    let count = after["messagesReceived"].as_u64().expect("count");
    env.mock
        .message(number, Some("15557770009"), Some("after the reopen"), None)
        .expect("sent");
    until("the message after the reopen", CONNECT, || async {
        env.json(&["status", number]).await["messagesReceived"].as_u64() == Some(count + 1)
            && env.device(number).unacked == 0
    })
    .await;
    assert_eq!(env.state(number).await, "CONNECTED");
    assert_eq!(env.device(number).logins, logins + 1, "no further login");
    assert_eq!(reopens_logged(env, number), 1, "{}", env.log());

    // A restart: back with no QR, and no reopen (the store came from disk).
    let registrations = env.mock.stats().registrations;
    env.stop().await;
    env.start().await;
    env.wait_state(number, "CONNECTED", CONNECT).await;
    until("the restarted daemon's login", CONNECT, || async {
        env.device(number).logins == logins + 2
    })
    .await;
    assert_eq!(env.mock.stats().registrations, registrations, "no new QR");
    let status = env.json(&["status", number]).await;
    assert_eq!(status["pushName"], name, "{status}");
    assert_eq!(reopens_logged(env, number), 1, "{}", env.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_qr_pairing_reopens_once_from_disk_and_stays_connected() {
    const N: &str = "15550091001";
    let mut env = Env::new(SETTLE).await;
    let (_, _, pair) = env.scan_as(&[N], N, "Ana", ScanOptions::default()).await;
    paired(pair).await;
    reopens_once(&mut env, N, "Ana").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pair_code_pairing_of_a_business_reopens_once_from_disk() {
    const N: &str = "15550091002";
    let mut env = Env::new(SETTLE).await;
    let mut pair = env.spawn_wactl(&["pair", N, "--code"]);
    let mut lines = BufReader::new(pair.stdout.take().expect("stdout")).lines();
    let code = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("a code within 30 s")
        .expect("read")
        .expect("a line");
    let business = ScanOptions {
        business: true,
        ..ScanOptions::default()
    };
    env.mock
        .enter_code_with(N, &code.replace('-', ""), Some("Shop"), business)
        .await
        .expect("the phone takes the code");
    paired(pair).await;
    reopens_once(&mut env, N, "Shop").await;
}

/// The next event of `number` on `wactl events --json`.
async fn next_event(lines: &mut Lines<BufReader<ChildStdout>>, number: &str) -> Value {
    loop {
        let line = tokio::time::timeout(CONNECT, lines.next_line())
            .await
            .expect("an event")
            .expect("read")
            .expect("a line");
        let event: Value = serde_json::from_str(&line).expect("one JSON object per line");
        if event["number"] == number {
            return event;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_sent_around_the_reopen_arrive_once_and_are_acked() {
    const N: &str = "15550091003";
    const WORDS: [&str; 3] = ["before the reopen", "during the reopen", "as it logs in"];
    let env = Env::new(SETTLE).await;
    let mut events = env.spawn_wactl(&["events", "--json"]);
    let mut lines = BufReader::new(events.stdout.take().expect("stdout")).lines();
    let (_, _, pair) = env.scan_as(&[N], N, "Bo", ScanOptions::default()).await;
    paired(pair).await;
    let before = env.json(&["status", N]).await["messagesReceived"]
        .as_u64()
        .expect("count");

    // One while the pairing's client settles, one as the reopen closes it,
    // one as the reopened client logs in: each is delivered live or queued
    // for the next login, and redelivered until acked.
    env.mock
        .message(N, Some("15557770001"), Some(WORDS[0]), None)
        .expect("sent");
    while next_event(&mut lines, N).await["reason"] != REOPENING {}
    env.mock
        .message(N, Some("15557770002"), Some(WORDS[1]), None)
        .expect("sent");
    let event = next_event(&mut lines, N).await;
    assert_eq!(event["state"], "CONNECTED", "{event}");
    env.mock
        .message(N, Some("15557770003"), Some(WORDS[2]), None)
        .expect("sent");

    until("all three received and acked", CONNECT, || async {
        env.json(&["status", N]).await["messagesReceived"].as_u64() >= Some(before + 3)
            && env.device(N).unacked == 0
    })
    .await;
    // Counted once each: a fourth round trip later, the count is exactly
    // one more.
    env.mock
        .message(N, Some("15557770004"), Some("a last one"), None)
        .expect("sent");
    until("the last one received and acked", CONNECT, || async {
        env.json(&["status", N]).await["messagesReceived"].as_u64() >= Some(before + 4)
            && env.device(N).unacked == 0
    })
    .await;
    let status = env.json(&["status", N]).await;
    assert_eq!(
        status["messagesReceived"].as_u64(),
        Some(before + 4),
        "none counted twice: {status}"
    );
    assert_eq!(status["state"], "CONNECTED", "{status}");
    let inspect = env.wactl(&["inspect", N]).await;
    for shown in [env.log(), text(&inspect)] {
        for words in WORDS {
            assert!(!shown.contains(words), "message content shown: {shown}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pairing_on_postgres_reopens_once_through_the_owner_check() {
    const N: &str = "15550091004";
    let mut fleet = crate::cluster::Fleet::prepare(1, crate::cluster::FAST_LEASE, SETTLE).await;
    fleet.start_all().await;
    let node = &mut fleet.nodes[0];
    let (_, _, pair) = node.scan_as(&[N], N, "Cy", ScanOptions::default()).await;
    paired(pair).await;
    reopens_once(node, N, "Cy").await;
    assert!(!node.store(N).exists(), "no credential file on PostgreSQL");
}
