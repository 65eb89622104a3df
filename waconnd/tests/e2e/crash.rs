//! SIGKILL at arbitrary moments: the registry always parses, no paired
//! number is lost or needs a new QR, and no store is left unaccounted.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::harness::{CONNECT, Env, until};

const PAIRED: [&str; 2] = ["15550003031", "15550003032"];

/// A small deterministic generator: the kill moments differ from one
/// iteration to the next but every run is the same.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_kills_lose_nothing() {
    let mut env = Env::new(&[]).await;
    futures_util::future::join_all(PAIRED.map(|n| {
        let env = &env;
        async move { env.pair(n).await }
    }))
    .await;
    let mut jids = Vec::new();
    for n in PAIRED {
        jids.push(env.json(&["status", n]).await["jid"].clone());
    }
    let mut rng = Lcg(7);
    for round in 0..50 {
        // Kill while something is in flight: a reconnect storm after every
        // socket dropped, a new number registering, or nothing at all. The
        // moment is a condition, chosen per round.
        let mut pairing = None;
        let connections = env.mock.stats().connections;
        match rng.below(3) {
            0 => {
                // Only sockets that were cut come back: wait for some of them.
                let cut = env.mock.drop_connections(None) as u64;
                let after = connections + rng.below(cut + 1);
                until("reconnects under way", CONNECT, || async {
                    env.mock.stats().connections >= after
                })
                .await;
            }
            1 => {
                let number = format!("1555000{:04}", 4000 + round);
                pairing = Some(env.spawn_wactl(&["pair", &number, "--qr", "text"]));
                let registrations = env.mock.stats().registrations;
                if rng.below(2) == 0 {
                    until("the new number connects for its codes", CONNECT, || async {
                        env.mock.stats().registrations > registrations
                    })
                    .await;
                }
            }
            _ => {}
        }
        env.kill().await;
        drop(pairing);

        let registry: serde_json::Value = serde_json::from_slice(
            &std::fs::read(env.data().join("sessions.json")).expect("registry exists"),
        )
        .unwrap_or_else(|e| panic!("round {round}: the registry does not parse: {e}"));
        let listed: BTreeSet<String> = registry["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .map(|s| s["number"].as_str().expect("number").to_string())
            .collect();
        for n in PAIRED {
            assert!(
                listed.contains(n),
                "round {round}: {n} lost from the registry"
            );
        }
        env.start().await;
    }
    // Nobody scanned during the loop: connected on the same device means
    // no number needed a new QR.
    for (n, jid) in PAIRED.iter().zip(&jids) {
        env.wait_state(n, "CONNECTED", CONNECT).await;
        assert_eq!(
            &env.json(&["status", n]).await["jid"],
            jid,
            "{n} kept its device"
        );
    }
    until(
        "every store has an entry",
        Duration::from_secs(10),
        || async {
            let stores: BTreeSet<String> = std::fs::read_dir(env.data().join("sessions"))
                .expect("ls")
                .flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .strip_suffix(".db")
                        .map(str::to_string)
                })
                .collect();
            let listed: BTreeSet<String> = env.json(&["list"]).await["connections"]
                .as_object()
                .expect("connections")
                .keys()
                .cloned()
                .collect();
            stores.is_subset(&listed)
        },
    )
    .await;
}
