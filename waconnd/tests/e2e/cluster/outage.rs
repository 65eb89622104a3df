//! The database goes away: for less than the self-fence time nothing
//! changes; for longer every node stops its numbers, and they come back
//! when it returns.

use std::time::Duration;

use crate::harness::{CONNECT, until};

use super::Fleet;

/// Renewal every second, self-fence after 10 s, takeover after 17 s.
const LEASE: &[&str] = &[
    "--lease-renew",
    "1s",
    "--lease-self-fence",
    "10s",
    "--lease-takeover",
    "17s",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_short_outage_disconnects_nothing_and_a_long_one_stops_then_restores_all() {
    let mut fleet = Fleet::prepare(1, LEASE, &[]).await;
    fleet.start_all().await;
    let numbers = super::numbers("1555070", 3);
    for n in &numbers {
        fleet.nodes[0].pair(n).await;
    }
    let before = disconnects(&fleet.nodes[0]).await;

    // Restarted within 5 s: no number leaves CONNECTED.
    fleet.db.halt().expect("halt");
    let outage = tokio::time::Instant::now() + Duration::from_secs(5);
    tokio::time::sleep_until(outage).await;
    fleet.db.resume().expect("resume");
    fleet
        .wait_connected(0, &numbers, &["n0"], Duration::from_secs(5))
        .await;
    assert_eq!(
        disconnects(&fleet.nodes[0]).await,
        before,
        "nobody disconnected"
    );
    let events = fleet.nodes[0].json(&["list"]).await;
    assert!(
        events["connections"]
            .as_object()
            .is_some_and(|c| c.values().all(|s| s["state"] == "CONNECTED")),
        "{events}"
    );

    // Stopped past the self-fence time: every number stops, safety first.
    fleet.db.halt().expect("halt");
    until("every number stopped", Duration::from_secs(30), || async {
        let list = fleet.nodes[0].json(&["list"]).await;
        list["connectedClients"] == 0 && list["totalClients"] == 3
    })
    .await;
    let stopped = fleet.nodes[0].json(&["status", &numbers[0]]).await;
    assert!(
        stopped["reason"]
            .as_str()
            .is_some_and(|r| r.contains("database")),
        "says why: {stopped}"
    );
    fleet.db.resume().expect("resume");
    fleet.wait_connected(0, &numbers, &["n0"], CONNECT).await;
}

/// Connection losses of every number the node lists.
async fn disconnects(node: &crate::harness::Env) -> u64 {
    let list = node.json(&["list"]).await;
    list["connections"]
        .as_object()
        .map(|c| {
            c.values()
                .map(|s| s["disconnects"].as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}
