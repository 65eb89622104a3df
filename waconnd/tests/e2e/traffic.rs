//! Real traffic: a phone and contacts that speak Signal, messages queued
//! while the daemon is away, personal accounts, and what counts as the
//! phone being alive.

use std::time::Duration;

use mockwa::ScanOptions;

use crate::harness::{CONNECT, Env, text, until};

/// Pairs `number` as a personal account called `name` (the phone shares
/// its keys; the name comes from the app state).
async fn pair_personal(env: &Env, number: &str, name: &str) {
    let (_, _, mut pair) = env
        .scan_as(&[number], number, name, ScanOptions::default())
        .await;
    let status = tokio::time::timeout(CONNECT, pair.wait())
        .await
        .expect("wactl pair exits once connected")
        .expect("wait");
    assert!(status.success(), "wactl pair exited {status}");
    env.wait_reopened(number).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_personal_account_pairs_and_shows_its_own_name() {
    const N: &str = "15550061001";
    let env = Env::new(&[]).await;
    pair_personal(&env, N, "Ana Lima").await;
    until("the name the phone shared", CONNECT, || async {
        env.json(&["status", N]).await["pushName"] == "Ana Lima"
    })
    .await;
    assert!(!env.device(N).business);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sent_while_the_daemon_was_stopped_arrives_once_and_is_acked() {
    const N: &str = "15550061002";
    const SECRET: &str = "the parcel is behind the blue door";
    let mut env = Env::new(&[]).await;
    pair_personal(&env, N, "Bo").await;
    // What the phone sent while linking (its key share) counts too.
    let before = env.json(&["status", N]).await["messagesReceived"]
        .as_u64()
        .expect("count");
    env.stop().await;
    env.mock
        .message(N, Some("15557770001"), Some(SECRET), None)
        .expect("queued for the device");
    assert_eq!(env.device(N).unacked, 1, "waiting for the device");
    env.start().await;
    env.wait_state(N, "CONNECTED", CONNECT).await;
    until("received and acked", CONNECT, || async {
        let d = env.device(N);
        d.delivered >= 1 && d.unacked == 0
    })
    .await;
    let status = env.json(&["status", N]).await;
    assert_eq!(
        status["messagesReceived"].as_u64(),
        Some(before + 1),
        "{status}"
    );
    assert!(status["lastMessageAt"].as_i64().is_some(), "{status}");
    let delivered = env.device(N).delivered;

    // Acked once, never again: a restart gets nothing redelivered.
    env.stop().await;
    env.start().await;
    env.wait_state(N, "CONNECTED", CONNECT).await;
    env.drop_and_reconnect(N).await;
    assert_eq!(env.device(N).delivered, delivered, "nothing redelivered");
    assert_eq!(
        env.json(&["status", N]).await["messagesReceived"].as_u64(),
        Some(before + 1)
    );

    let inspect = env.wactl(&["inspect", N]).await;
    for shown in [
        env.log(),
        text(&inspect),
        env.json(&["inspect", N]).await.to_string(),
    ] {
        assert!(!shown.contains(SECRET), "message content shown: {shown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn steady_traffic_is_counted_and_its_content_shown_nowhere() {
    let numbers = ["15550061003", "15550061004"];
    let env = Env::new(&[]).await;
    for n in numbers {
        pair_personal(&env, n, "Cy").await;
    }
    env.mock.traffic(None, 120.0, 0.5);
    until("messages flow to both", CONNECT, || async {
        let mut all = true;
        for n in numbers {
            all &= env.json(&["status", n]).await["messagesReceived"].as_u64() >= Some(5);
        }
        all
    })
    .await;
    env.mock.traffic(None, 0.0, 0.0);
    let metrics = env.wactl(&["metrics"]).await;
    let metrics = String::from_utf8_lossy(&metrics.stdout);
    let total = metrics
        .lines()
        .find_map(|l| l.strip_prefix("waconn_messages_received_total "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .expect("the counter");
    assert!(total >= 10, "{metrics}");
    until("every message acked", CONNECT, || async {
        numbers.iter().all(|n| env.device(n).unacked == 0)
    })
    .await;
    for n in numbers {
        assert_eq!(
            env.state(n).await,
            "CONNECTED",
            "no reconnect under traffic"
        );
        assert_eq!(env.device(n).max_concurrent, 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_do_not_keep_a_silent_phone_alive() {
    const N: &str = "15550061005";
    let mut env = Env::new(&[]).await;
    pair_personal(&env, N, "Di").await;
    env.stop().await;
    // The phone was last seen 13 days ago.
    let path = env.data().join("sessions.json");
    let mut registry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    registry["sessions"][0]["phone_seen_at"] = (now - 13 * 86_400_000).into();
    std::fs::write(&path, serde_json::to_vec(&registry).expect("json")).expect("write");
    env.start().await;
    env.wait_state(N, "CONNECTED", CONNECT).await;

    // Contacts write, the phone stays off: still a warning.
    for i in 0..3 {
        let contact = format!("155577700{i:02}");
        env.mock
            .message(N, Some(&contact), Some("hi"), None)
            .expect("sent");
    }
    until(
        "the contacts' messages arrive and are acked",
        CONNECT,
        || async { env.device(N).acked >= 3 && env.device(N).unacked == 0 },
    )
    .await;
    let out = env.wactl(&["check"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("13 days"),
        "{}",
        text(&out)
    );

    // The phone itself sends something: it is alive.
    env.mock
        .message(N, Some("self"), Some("sent from the phone"), None)
        .expect("sent");
    until("the phone counts as seen", CONNECT, || async {
        env.wactl(&["check"]).await.status.code() == Some(0)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_that_never_sends_its_keys_is_said_so_and_nothing_waits_forever() {
    use tokio::io::AsyncBufReadExt;
    const N: &str = "15550061006";
    let env = Env::new(&["--login-timeout", "5s"]).await;
    let locked = ScanOptions {
        withhold_key_share: true,
        ..ScanOptions::default()
    };
    let (_, _, mut pair) = env.scan_as(&[N], N, "Ed", locked).await;
    let said = "has not sent its encryption keys";
    until("status says so", CONNECT, || async {
        env.json(&["status", N]).await["reason"]
            .as_str()
            .is_some_and(|r| r.contains(said) && r.contains("open WhatsApp on the phone"))
    })
    .await;
    // `wactl pair` said it too, and is still following.
    let stderr = pair.stderr.take().expect("stderr");
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    let told = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains(said) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(told, Ok(true), "wactl pair prints why");
    assert!(pair.try_wait().expect("wait").is_none(), "still following");
}
