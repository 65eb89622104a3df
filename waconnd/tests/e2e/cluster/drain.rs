//! A rolling restart of three nodes with `wactl drain` (and the last by
//! SIGTERM with `--handoff`): each number moves off the node being
//! restarted and is offline for seconds only.

use std::time::Duration;

use crate::harness::{CONNECT, text};

use super::spread;

#[tokio::test(flavor = "multi_thread")]
async fn a_rolling_restart_with_drain_keeps_every_number_offline_under_ten_seconds() {
    // Every node hands its numbers over on SIGTERM too.
    let (embedded, mut fleet, numbers) = spread("1555080", 9, &["--handoff"]).await;
    let all = ["n0", "n1", "n2"];
    fleet.wait_connected(0, &numbers, &all, CONNECT).await;

    for i in 0..3 {
        let name = format!("n{i}");
        let moving = fleet.running_on(i).await;
        let others: Vec<&str> = all.iter().copied().filter(|n| *n != name).collect();
        if i < 2 {
            let out = fleet.nodes[i].wactl(&["drain"]).await;
            assert!(out.status.success(), "drain n{i}: {}", text(&out));
            assert!(
                text(&out).contains(&format!("handed {} number(s)", moving.len())),
                "{}",
                text(&out)
            );
        } else {
            // The last one by SIGTERM alone, with --handoff.
            assert!(fleet.nodes[i].stop().await.success());
        }
        fleet
            .wait_connected((i + 1) % 3, &moving, &others, CONNECT)
            .await;
        let seen = fleet.seen((i + 1) % 3).await;
        for n in &moving {
            let s = &seen[n];
            let offline = s.connected_at.unwrap_or(0) - s.disconnected_at.unwrap_or(0);
            assert!(
                (0..10_000).contains(&offline),
                "{n} was offline {offline} ms moving off n{i}: {s:?}"
            );
        }
        // Restarted (an upgrade): it rejoins and takes numbers again.
        if i < 2 {
            fleet.nodes[i].stop().await;
        }
        fleet.nodes[i].start().await;
        assert!(fleet.running_on(i).await.is_empty());
    }
    fleet
        .wait_connected(0, &numbers, &all, Duration::from_secs(30))
        .await;
    assert_eq!(
        super::max_concurrent(&embedded.mock),
        1,
        "{:?}",
        embedded.mock.devices()
    );
}
