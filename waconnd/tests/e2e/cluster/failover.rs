//! Three nodes: one killed, one frozen past the takeover time. Every number
//! comes back on the others; no device ever runs on two nodes at once; the
//! frozen one, resumed, writes and reconnects none of what it lost.

use std::time::Duration;

use crate::harness::{CONNECT, until};

use super::spread;

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_node_s_numbers_connect_on_the_others_within_a_minute() {
    let (embedded, mut fleet, numbers) = spread("1555050", 60, &[]).await;
    let lost = fleet.running_on(1).await;
    fleet.nodes[1].kill().await;
    let killed = std::time::Instant::now();
    fleet
        .wait_connected(0, &numbers, &["n0", "n2"], Duration::from_secs(60))
        .await;
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(60), "{took:?}");
    assert_eq!(
        super::max_concurrent(&embedded.mock),
        1,
        "no device ever had two logins at once: {:?}",
        embedded.mock.devices()
    );
    let seen = fleet.seen(0).await;
    assert!(seen.values().all(|s| s.state != "REPLACED"), "{seen:?}");
    assert!(!lost.is_empty());
    eprintln!("{} numbers of a killed node back in {took:?}", lost.len());
    // Any node sees the whole fleet: `check` covers all 60, `status` the
    // nodes, the killed one owning nothing now.
    let check = fleet.nodes[2].json(&["check"]).await;
    assert_eq!(check["checked"], 60, "{check}");
    assert_eq!(check["ok"], true, "{check}");
    let status = fleet.nodes[2].json(&["status"]).await;
    let nodes = status["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3, "{status}");
    let count: u64 = nodes
        .iter()
        .map(|n| n["numbers"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(count, 60, "{status}");
    assert!(
        nodes.iter().any(|n| n["name"] == "n1" && n["numbers"] == 0),
        "the killed node owns nothing now: {status}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frozen_node_resumed_past_the_takeover_touches_nothing_it_lost() {
    let (embedded, fleet, numbers) = spread("1555060", 12, &[]).await;
    let lost = fleet.running_on(2).await;
    let device_logins = |number: &str| {
        embedded
            .mock
            .devices()
            .iter()
            .filter(|d| d.phone == number)
            .map(|d| d.logins)
            .sum::<u64>()
    };
    let frozen_at: Vec<u64> = lost.iter().map(|n| device_logins(n)).collect();
    fleet.signal(2, "STOP").await;
    fleet
        .wait_connected(0, &numbers, &["n0", "n1"], CONNECT)
        .await;
    // A fleet row can say CONNECTED before its new owner's first login is
    // counted: wait for that login of every lost number.
    until("the new owners logged in", CONNECT, || async {
        lost.iter()
            .zip(&frozen_at)
            .all(|(n, at)| device_logins(n) > *at)
    })
    .await;
    let logins = || {
        embedded
            .mock
            .devices()
            .iter()
            .map(|d| d.logins)
            .sum::<u64>()
    };
    let before = logins();
    assert!(!lost.is_empty());
    let mark = fleet.nodes[2].log().len();
    fleet.signal(2, "CONT").await;
    until("the resumed node runs nothing", CONNECT, || async {
        fleet.running_on(2).await.is_empty()
            && fleet.nodes[2].json(&["status"]).await["totalClients"] == 0
    })
    .await;
    // Still connected where they went, nothing written by the old owner
    // after the takeover, no login of its own.
    fleet
        .wait_connected(0, &numbers, &["n0", "n1"], CONNECT)
        .await;
    let seen = fleet.seen(0).await;
    assert!(seen.values().all(|s| s.state != "REPLACED"), "{seen:?}");
    assert_eq!(before, logins(), "the resumed node logged nothing in");
    let resumed = fleet.nodes[2].log()[mark..].to_string();
    assert!(
        !resumed.contains("-> CONNECTED"),
        "the resumed node connected nothing: {resumed}"
    );
    // What it would have written of the numbers it lost was refused.
    let engine = fleet.engine().await;
    let written: Vec<String> = sqlx::query_scalar(
        "SELECT entry::text FROM registry WHERE entry::text LIKE '%left this node%'",
    )
    .fetch_all(engine.pool())
    .await
    .expect("registry rows");
    assert!(written.is_empty(), "the old owner wrote: {written:?}");
    let log = fleet.nodes[2].log();
    assert!(
        log.contains("could not renew its lease"),
        "it fenced itself: {log}"
    );
}
