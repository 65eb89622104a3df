//! `waconn-bench failover`: nodes on one PostgreSQL database share the
//! numbers, one node is killed (SIGKILL), and the bench times until every
//! number it ran is logged in again from another node, as mockwa sees it
//! and as `wactl list` on a surviving node says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use futures_util::StreamExt as _;
use waconn_proto::SessionState;

use crate::daemon::{Daemon, Place, wait_for};
use crate::database::Database;
use crate::mock::Mock;
use crate::scenario::numbers;
use crate::socket;

/// Options of the failover run.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Numbers shared by the nodes.
    #[arg(long, default_value_t = 1000)]
    numbers: usize,
    /// Nodes; the last one is killed.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Plain ws:// instead of wss://.
    #[arg(long)]
    no_tls: bool,
    /// `--lease-renew` of every node (default: waconnd's).
    #[arg(long, value_name = "DURATION")]
    lease_renew: Option<String>,
    /// `--lease-self-fence` (T1) of every node (default: waconnd's).
    #[arg(long, value_name = "DURATION")]
    lease_self_fence: Option<String>,
    /// `--lease-takeover` (T2) of every node (default: waconnd's).
    #[arg(long, value_name = "DURATION")]
    lease_takeover: Option<String>,
    /// Pairings in flight at once (setup only).
    #[arg(long, default_value_t = 100)]
    pair_parallel: usize,
    /// Directory holding `waconnd` and `wactl`; defaults to this binary's.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
}

/// How long any step may take before the run fails.
const LIMIT: Duration = Duration::from_secs(900);

/// Runs the failover scenario and prints its table.
pub async fn run(options: Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.nodes >= 2,
        "--nodes: at least 2, one to kill and one to take over"
    );
    anyhow::ensure!(
        options.numbers >= options.nodes,
        "--numbers: at least one a node"
    );
    let bin_dir = crate::bin_dir(options.bin_dir.clone())?;
    let dir = tempfile::tempdir()?;
    match run_in(&options, &bin_dir, dir.path()).await {
        Ok(table) => {
            println!("{table}");
            Ok(())
        }
        Err(e) => {
            let kept = dir.keep();
            Err(e.context(format!("files and logs kept in `{}`", kept.display())))
        }
    }
}

/// The node names, `n0`, `n1`...
fn name(i: usize) -> String {
    format!("n{i}")
}

async fn run_in(options: &Options, bin_dir: &Path, dir: &Path) -> anyhow::Result<String> {
    let n = options.numbers;
    let mock = Mock::start(!options.no_tls, dir).await?;
    let db = tokio::task::spawn_blocking(Database::start)
        .await
        .context("PostgreSQL did not start")??;
    let places: Vec<Place> = (0..options.nodes)
        .map(|i| Place {
            binary: bin_dir.join("waconnd"),
            data: dir.join(name(i)).join("data"),
            socket: dir.join(name(i)).join("run").join("waconnd.sock"),
            log: dir.join(format!("{}.log", name(i))),
            url: mock.server.url(),
            ca: mock.ca.clone(),
            database: Some(db.url()),
        })
        .collect();
    let mut lease: Vec<&str> = Vec::new();
    for (flag, value) in [
        ("--lease-renew", &options.lease_renew),
        ("--lease-self-fence", &options.lease_self_fence),
        ("--lease-takeover", &options.lease_takeover),
    ] {
        if let Some(value) = value {
            lease.extend([flag, value.as_str()]);
        }
    }
    let mut daemons = Vec::new();
    for (i, place) in places.iter().enumerate() {
        let node = name(i);
        let mut args = vec!["--node", node.as_str()];
        args.extend_from_slice(&lease);
        let mut d = Daemon::spawn(place, &args)?;
        d.answering(place).await?;
        daemons.push(d);
    }

    eprintln!(
        "waconn-bench failover: pairing {n} numbers over {} nodes",
        options.nodes
    );
    let all = numbers(n);
    let paired: Vec<anyhow::Result<()>> = futures_util::stream::iter(all.iter().enumerate())
        .map(|(k, number)| {
            let place = &places[k % options.nodes];
            socket::pair(&place.socket, &mock.server, number)
        })
        .buffer_unordered(options.pair_parallel)
        .collect()
        .await;
    paired.into_iter().collect::<anyhow::Result<()>>()?;
    let watcher = &places[0].socket;
    let victim = options.nodes - 1;
    let victim_name = name(victim);
    wait_for("every number CONNECTED in the fleet", LIMIT, || async {
        fleet(watcher).await.is_some_and(|f| {
            f.len() == n
                && f.values()
                    .all(|(state, _)| *state == SessionState::Connected)
        })
    })
    .await?;
    let before = fleet(watcher).await.context("the fleet list")?;
    let lost: Vec<String> = before
        .iter()
        .filter(|(_, (_, node))| node.as_deref() == Some(victim_name.as_str()))
        .map(|(number, _)| number.clone())
        .collect();
    anyhow::ensure!(!lost.is_empty(), "node {victim_name} runs no number");
    let logins: BTreeMap<String, u64> = mock
        .server
        .devices()
        .into_iter()
        .map(|d| (d.phone, d.logins))
        .collect();

    eprintln!(
        "waconn-bench failover: killing {victim_name}, which runs {} numbers",
        lost.len()
    );
    mock.server.reset_peak();
    let killed_ms = epoch_ms();
    let killed = Instant::now();
    let mut dead = daemons.remove(victim);
    dead.kill();
    let back = |lost: &[String]| {
        let devices = mock.server.devices();
        lost.iter()
            .filter(|number| {
                devices.iter().any(|d| {
                    &d.phone == *number
                        && d.connected
                        && d.logins > logins.get(*number).copied().unwrap_or(0)
                })
            })
            .count()
    };
    wait_for("a first number back", LIMIT, || {
        std::future::ready(back(&lost) > 0)
    })
    .await?;
    let first_secs = killed.elapsed().as_secs_f64();
    wait_for("every number of the killed node back", LIMIT, || {
        std::future::ready(back(&lost) == lost.len())
    })
    .await?;
    let all_secs = killed.elapsed().as_secs_f64();
    let survivors: Vec<String> = (0..victim).map(name).collect();
    wait_for(
        "every number CONNECTED on a survivor in `wactl list`",
        LIMIT,
        || async {
            fleet(watcher).await.is_some_and(|f| {
                lost.iter().all(|number| {
                    f.get(number).is_some_and(|(state, node)| {
                        *state == SessionState::Connected
                            && node.as_ref().is_some_and(|node| survivors.contains(node))
                    })
                })
            })
        },
    )
    .await?;
    let listed_secs = killed.elapsed().as_secs_f64();
    let stats = mock.server.stats();
    let devices = mock.server.devices();
    let mut offline_ms: Vec<u64> = devices
        .iter()
        .filter(|d| lost.contains(&d.phone))
        .filter_map(|d| d.last_login_at)
        .map(|at| at.saturating_sub(killed_ms))
        .collect();
    offline_ms.sort_unstable();
    let max_concurrent = devices.iter().map(|d| d.max_concurrent).max().unwrap_or(0);
    let after = fleet(watcher).await.context("the fleet list")?;
    let per_node: Vec<String> = survivors
        .iter()
        .map(|node| {
            let count = after
                .values()
                .filter(|(_, at)| at.as_deref() == Some(node.as_str()))
                .count();
            format!("{node}: {count}")
        })
        .collect();
    dead.reap().await;
    for d in daemons {
        if let Err(e) = d.stop(Duration::from_secs(60)).await {
            eprintln!("waconn-bench failover: {e:#}");
        }
    }
    mock.shutdown().await;

    let timings = |value: &Option<String>, default: &str| {
        value
            .clone()
            .unwrap_or_else(|| format!("{default} (default)"))
    };
    let pct = |p: f64| {
        let i = ((offline_ms.len() as f64 * p).ceil() as usize).clamp(1, offline_ms.len()) - 1;
        offline_ms[i] as f64 / 1000.0
    };
    let rows = [
        ("nodes, numbers", format!("{}, {n}", options.nodes)),
        (
            "lease: renew / self-fence (T1) / takeover (T2)",
            format!(
                "{} / {} / {}",
                timings(&options.lease_renew, "5s"),
                timings(&options.lease_self_fence, "30s"),
                timings(&options.lease_takeover, "45s")
            ),
        ),
        ("numbers on the killed node", lost.len().to_string()),
        (
            "SIGKILL to the first number logged in elsewhere",
            format!("{first_secs:.1} s"),
        ),
        (
            "SIGKILL to all of them logged in elsewhere (mockwa)",
            format!("{all_secs:.1} s"),
        ),
        (
            "SIGKILL to all CONNECTED on a survivor in `wactl list`",
            format!("{listed_secs:.1} s"),
        ),
        (
            "offline per number, p50 / p99 / max",
            format!("{:.1} / {:.1} / {:.1} s", pct(0.5), pct(0.99), pct(1.0)),
        ),
        (
            "peak connects/s seen by mockwa during the takeover",
            stats.peak_connects_per_second.to_string(),
        ),
        (
            "most logins any device had at once, whole run (1: never two)",
            max_concurrent.to_string(),
        ),
        ("numbers per survivor after", per_node.join(", ")),
    ];
    let mut table = format!(
        "### Failover: {} nodes, {n} numbers, one killed\n\n{}\n\n| measure | value |\n|---|---|\n",
        options.nodes,
        if options.no_tls {
            "plain ws://"
        } else {
            "wss:// (TLS)"
        }
    );
    for (what, value) in rows {
        table.push_str(&format!("| {what} | {value} |\n"));
    }
    Ok(table)
}

/// Every number of the fleet as a node lists it: state and node.
async fn fleet(socket: &Path) -> Option<BTreeMap<String, (SessionState, Option<String>)>> {
    let sessions = socket::list(socket).await.ok()?;
    Some(
        sessions
            .into_iter()
            .map(|s| (s.number.to_string(), (s.state, s.node)))
            .collect(),
    )
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
