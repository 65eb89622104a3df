//! Pairing, restarts of the daemon, and the pairing deadline.

use std::time::Duration;

use crate::harness::{CONNECT, Env, text, until};

const N: &str = "15550001111";

#[tokio::test(flavor = "multi_thread")]
async fn pair_then_list_and_status_show_connected_with_the_original_field_names() {
    let env = Env::new(&[]).await;
    let jid = env.pair(N).await;
    assert!(jid.starts_with(&format!("{N}:")));

    let list = env.json(&["list"]).await;
    assert_eq!(list["totalClients"], 1);
    assert_eq!(list["connectedClients"], 1);
    let entry = &list["connections"][N];
    assert_eq!(entry["state"], "CONNECTED");
    assert_eq!(entry["ready"], true);
    assert_eq!(entry["hasQr"], false);
    assert!(entry["connectedAt"].as_i64().is_some(), "{entry}");
    assert!(entry["disconnectedAt"].is_null());
    assert!(entry["lastSeen"].as_i64().is_some());

    let out = env.wactl(&["status", N, "--json"]).await;
    assert!(out.status.success(), "{}", text(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["state"], "CONNECTED");
    assert_eq!(status["ready"], true);
    assert_eq!(status["jid"], jid.as_str());
    assert_eq!(status["connectedAt"], entry["connectedAt"]);

    let out = env.wactl(&["list"]).await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(N) && l.contains("CONNECTED")),
        "{table}"
    );
    assert!(
        env.log().contains("logged in"),
        "a log line per state change"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_daemon_comes_back_connected_without_a_qr() {
    let mut env = Env::new(&[]).await;
    env.pair(N).await;
    let registrations = env.mock.stats().registrations;
    env.kill().await;
    let registry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.data().join("sessions.json")).expect("registry"))
            .expect("parses");
    assert_eq!(registry["version"], 2);
    assert_eq!(registry["sessions"][0]["number"], N);
    assert!(registry["sessions"][0]["jid"].is_string());

    env.start().await;
    env.wait_state(N, "CONNECTED", CONNECT).await;
    assert_eq!(
        env.mock.stats().registrations,
        registrations,
        "no new QR was needed"
    );
    assert!(
        env.mock.stats().handshakes_ik >= 1,
        "logged in with the cached server key"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_never_scanned_is_removed_at_its_deadline_across_a_restart() {
    let mut env = Env::new(&["--pairing-ttl", "12s"]).await;
    let mut pair = env.spawn_wactl(&["pair", N, "--qr", "text"]);
    until(
        "the number is registered",
        Duration::from_secs(20),
        || async { env.wactl(&["status", N]).await.status.code() == Some(4) },
    )
    .await;
    let deadline = env.json(&["status", N]).await["pairingDeadline"].as_i64();
    pair.kill().await.expect("stop watching");
    env.kill().await;
    env.start().await;
    let after_restart = env.json(&["status", N]).await;
    assert_eq!(after_restart["state"], "PAIRING");
    assert_eq!(
        after_restart["pairingDeadline"].as_i64(),
        deadline,
        "a restart keeps the deadline"
    );
    until("the number is removed", Duration::from_secs(40), || async {
        env.wactl(&["status", N]).await.status.code() == Some(1)
    })
    .await;
    assert!(!env.store(N).exists(), "its store is deleted");
    assert!(env.log().contains("never paired"), "{}", env.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_of_another_number_is_refused_and_unlinked() {
    use tokio::io::AsyncBufReadExt;
    const OTHER: &str = "15557778888";
    let env = Env::new(&[]).await;
    let mut pair = env.spawn_wactl(&["pair", N, "--qr", "text"]);
    let mut codes = tokio::io::BufReader::new(pair.stdout.take().expect("stdout")).lines();
    let first = codes.next_line().await.expect("read").expect("a code");
    env.mock
        .scan(&first, OTHER, None)
        .await
        .expect("the other phone scans");
    until("the other phone's device is unlinked", CONNECT, || async {
        env.mock
            .devices()
            .iter()
            .any(|d| d.phone == OTHER && d.removed)
    })
    .await;
    assert_eq!(env.state(N).await, "PAIRING");
    // Fresh codes follow; the right phone links.
    let next = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let code = codes
                .next_line()
                .await
                .expect("read")
                .expect("another code");
            if code != first {
                return code;
            }
        }
    })
    .await
    .expect("a fresh code");
    env.mock
        .scan(&next, N, None)
        .await
        .expect("the right phone scans");
    let status = tokio::time::timeout(CONNECT, pair.wait())
        .await
        .expect("pair ends")
        .expect("wait");
    assert!(status.success(), "{status}");
    let info = env.json(&["status", N]).await;
    assert!(
        info["jid"].as_str().is_some_and(|j| j.starts_with(N)),
        "{info}"
    );
    assert!(env.log().contains(&format!("not +{N}")), "{}", env.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn pair_with_a_code_typed_on_the_phone() {
    use tokio::io::AsyncBufReadExt;
    const C: &str = "15550001414";
    let env = Env::new(&[]).await;
    let mut pair = env.spawn_wactl(&["pair", C, "--code"]);
    let mut lines = tokio::io::BufReader::new(pair.stdout.take().expect("stdout")).lines();
    let shown = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("a code within 30 s")
        .expect("read")
        .expect("a line");
    assert!(
        shown.len() == 9 && shown.as_bytes()[4] == b'-',
        "XXXX-XXXX: {shown}"
    );
    let jid = env
        .mock
        .enter_code(C, &shown.replace('-', ""), None)
        .await
        .expect("the phone takes the code");
    assert!(jid.starts_with(C));
    let status = tokio::time::timeout(CONNECT, pair.wait())
        .await
        .expect("pair ends")
        .expect("wait");
    assert!(status.success(), "{status}");
    env.wait_reopened(C).await;
    assert!(
        !env.log().contains(&shown.replace('-', "")),
        "the code never reaches the log"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_registry_is_moved_aside_and_rebuilt_from_the_stores() {
    use tokio::io::AsyncBufReadExt;
    const UNPAIRED: &str = "15550001515";
    let mut env = Env::new(&[]).await;
    env.pair(N).await;
    let mut pairing = env.spawn_wactl(&["pair", UNPAIRED, "--qr", "text"]);
    let mut lines = tokio::io::BufReader::new(pairing.stdout.take().expect("stdout")).lines();
    lines.next_line().await.expect("read").expect("a code");
    assert!(env.store(UNPAIRED).exists());
    env.stop().await;

    let registry = env.data().join("sessions.json");
    std::fs::write(&registry, b"{\"version\": 1, \"sessions\": [{\"numb").expect("truncate");
    env.start().await;
    env.wait_state(N, "CONNECTED", CONNECT).await;
    assert_eq!(
        env.mock.stats().registrations,
        2,
        "no new QR for the paired number"
    );
    assert_eq!(
        env.wactl(&["status", UNPAIRED]).await.status.code(),
        Some(1)
    );
    assert!(
        !env.store(UNPAIRED).exists(),
        "an unpaired orphan store is removed"
    );
    let aside = std::fs::read_dir(env.data())
        .expect("ls")
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("sessions.json.corrupt-")
        });
    assert!(aside, "the corrupt registry is kept aside");
    let log = env.log();
    assert!(
        log.contains("not a valid registry") && log.contains("adopted"),
        "{log}"
    );
}
