//! Nodes sharing one PostgreSQL database (a throwaway server per test) and
//! one mockwa: the real `waconnd` binaries with `--database`, each with its
//! own data directory and socket.

mod drain;
mod failover;
mod migrate;
mod one_node;
mod outage;

use std::collections::BTreeMap;
use std::time::Duration;

use mockwa::postgres::PostgresServer;
use serde_json::Value;
use waconnd::engine::postgres::PgEngine;

use crate::harness::{CONNECT, Env, bin, text, until};

/// Lease timings that make a takeover take seconds: renewal every 500 ms,
/// self-fence after 2 s, takeover after 8 s (the least the daemon accepts
/// for these: 2 s + 750 ms + the 5 s a session may take to close).
pub const FAST_LEASE: &[&str] = &[
    "--lease-renew",
    "500ms",
    "--lease-self-fence",
    "2s",
    "--lease-takeover",
    "8s",
];

/// One database, one mockwa (node 0's), and the nodes.
pub struct Fleet {
    pub db: PostgresServer,
    pub nodes: Vec<Env>,
}

/// A number as `wactl list --json` shows it on some node.
#[derive(Debug, Clone)]
pub struct Seen {
    pub state: String,
    pub node: Option<String>,
    pub connected_at: Option<i64>,
    pub disconnected_at: Option<i64>,
}

impl Fleet {
    /// A database and `count` nodes `n0`, `n1`... (not started) with
    /// `lease` timings and `extra` options, on `mock_env`'s mockwa when
    /// given (else node 0's own).
    pub async fn prepare(count: usize, lease: &[&str], extra: &[&str]) -> Self {
        let db = PostgresServer::start().expect("start PostgreSQL");
        let url = db.url();
        let mut nodes: Vec<Env> = Vec::new();
        for i in 0..count {
            let name = format!("n{i}");
            let mut args = vec!["--database", url.as_str(), "--node", name.as_str()];
            args.extend_from_slice(lease);
            args.extend_from_slice(extra);
            let mut env = Env::prepare(&args, &[]).await;
            if let Some(first) = nodes.first() {
                env.wa_url = Some(first.mock.url());
            }
            nodes.push(env);
        }
        Self { db, nodes }
    }

    /// Points every node at `url` for WhatsApp (another env's mockwa).
    pub fn use_mock(&mut self, url: &str) {
        for node in &mut self.nodes {
            node.wa_url = Some(url.to_string());
        }
    }

    /// Starts every node.
    pub async fn start_all(&mut self) {
        for node in &mut self.nodes {
            node.start().await;
        }
    }

    /// An engine on the fleet's database, for looking at its rows.
    pub async fn engine(&self) -> PgEngine {
        PgEngine::connect(&self.db.url()).await.expect("connect")
    }

    /// Every number of the fleet as node `i` lists it.
    pub async fn seen(&self, i: usize) -> BTreeMap<String, Seen> {
        let out = self.nodes[i].wactl(&["list", "--json"]).await;
        if !out.status.success() {
            return BTreeMap::new();
        }
        let list: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let Some(connections) = list["connections"].as_object() else {
            return BTreeMap::new();
        };
        connections
            .iter()
            .map(|(number, s)| {
                let seen = Seen {
                    state: s["state"].as_str().unwrap_or_default().to_string(),
                    node: s["node"].as_str().map(str::to_string),
                    connected_at: s["connectedAt"].as_i64(),
                    disconnected_at: s["disconnectedAt"].as_i64(),
                };
                (number.clone(), seen)
            })
            .collect()
    }

    /// The numbers node `i` runs itself, as its own list says.
    pub async fn running_on(&self, i: usize) -> Vec<String> {
        let name = format!("n{i}");
        self.seen(i)
            .await
            .into_iter()
            .filter(|(_, s)| s.node.as_deref() == Some(name.as_str()))
            .map(|(n, _)| n)
            .collect()
    }

    /// Waits until node `i` lists every one of `numbers` CONNECTED on one
    /// of the nodes `on`.
    pub async fn wait_connected(
        &self,
        i: usize,
        numbers: &[String],
        on: &[&str],
        within: Duration,
    ) {
        until(
            &format!("{} numbers CONNECTED on {on:?}", numbers.len()),
            within,
            || async {
                let seen = self.seen(i).await;
                numbers.iter().all(|n| {
                    seen.get(n).is_some_and(|s| {
                        s.state == "CONNECTED"
                            && s.node.as_deref().is_some_and(|node| on.contains(&node))
                    })
                })
            },
        )
        .await;
    }

    /// Runs `waconnd migrate --to` this fleet's database on `data`.
    pub async fn migrate(&self, data: &std::path::Path) -> std::process::Output {
        tokio::process::Command::new(bin("waconnd"))
            .arg("--data-dir")
            .arg(data)
            .args(["migrate", "--to", &self.db.url()])
            .output()
            .await
            .expect("run migrate")
    }

    /// Sends `signal` (`STOP`, `CONT`, `KILL`) to node `i`'s daemon.
    pub async fn signal(&self, i: usize, signal: &str) {
        let pid = self.nodes[i]
            .daemon
            .as_ref()
            .and_then(|d| d.id())
            .expect("the node runs")
            .to_string();
        let status = tokio::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .await
            .expect("kill");
        assert!(status.success(), "kill -{signal} {pid}");
    }
}

/// Pairs `count` numbers on an embedded daemon, then starts three nodes
/// (with `extra` options) on its mockwa and migrates the numbers into their
/// database: they spread over the nodes, each running some.
pub async fn spread(prefix: &str, count: usize, extra: &[&str]) -> (Env, Fleet, Vec<String>) {
    let mut embedded = Env::new(&["--connect-rate", "200"]).await;
    let numbers = numbers(prefix, count);
    for chunk in numbers.chunks(10) {
        futures_util::future::join_all(chunk.iter().map(|n| embedded.pair(n))).await;
    }
    embedded.stop().await;
    let mut args = vec!["--connect-rate", "200"];
    args.extend_from_slice(extra);
    let mut fleet = Fleet::prepare(3, FAST_LEASE, &args).await;
    fleet.use_mock(&embedded.mock.url());
    fleet.start_all().await;
    let out = fleet.migrate(&embedded.data()).await;
    assert!(out.status.success(), "{}", text(&out));
    fleet
        .wait_connected(0, &numbers, &["n0", "n1", "n2"], CONNECT * 2)
        .await;
    for i in 0..3 {
        assert!(
            !fleet.running_on(i).await.is_empty(),
            "node {i} runs some of the numbers"
        );
    }
    (embedded, fleet, numbers)
}

/// The largest number of logins any device of `mock` ever had at once.
pub fn max_concurrent(mock: &mockwa::MockWa) -> u32 {
    mock.devices()
        .iter()
        .map(|d| d.max_concurrent)
        .max()
        .unwrap_or(0)
}

/// `count` numbers for a test, distinct from other tests' numbers.
pub fn numbers(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i:03}")).collect()
}
