//! One measured run for N numbers, from an empty data directory to SIGTERM.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt as _;
use mockwa::MockWa;

use crate::daemon::{Daemon, Place, disk_bytes, wait_for};
use crate::latency::{Latency, time_runs};
use crate::{proc, socket};

/// What the bench needs besides N.
pub struct Setup {
    /// Directory holding `waconnd` and `wactl`.
    pub bin_dir: std::path::PathBuf,
    /// Idle time over which CPU is measured.
    pub idle: Duration,
    /// Connect rate of the daemon that pairs (not the measured one).
    pub pair_rate: u32,
    /// Pairings in flight at once.
    pub pair_parallel: usize,
}

/// Everything measured for one N.
#[derive(Debug)]
pub struct Measured {
    pub n: usize,
    pub rss_one_kib: u64,
    pub rss_all_kib: u64,
    pub fds_one: u64,
    pub fds_all: u64,
    pub pair_secs: f64,
    pub start_secs: f64,
    pub start_peak: u64,
    pub drop_secs: f64,
    pub drop_peak: u64,
    pub idle_secs: f64,
    pub idle_cpu_percent: f64,
    pub list: Latency,
    pub status: Latency,
    pub disk_per_number: u64,
    pub stop_secs: f64,
}

impl Measured {
    /// RSS growth per session after the first, KiB.
    pub fn marginal_kib(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        (self.rss_all_kib as f64 - self.rss_one_kib as f64) / (self.n - 1) as f64
    }

    /// Descriptors per session after the first.
    pub fn fds_per_session(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        (self.fds_all as f64 - self.fds_one as f64) / (self.n - 1) as f64
    }
}

/// Generous ceilings so a broken run ends instead of hanging.
const LIMIT: Duration = Duration::from_secs(1800);

/// The numbers of a run.
fn numbers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("1999{i:07}")).collect()
}

/// Waits until all `n` sessions are connected; returns the time since
/// `since`.
async fn all_connected(socket: &Path, n: usize, since: Instant) -> anyhow::Result<f64> {
    wait_for("all sessions connected", LIMIT, || async {
        socket::connected(socket).await == Some(n)
    })
    .await?;
    Ok(since.elapsed().as_secs_f64())
}

/// Pairs `numbers` through the socket, `parallel` at a time.
async fn pair_all(
    socket: &Path,
    mock: &Arc<MockWa>,
    numbers: &[String],
    parallel: usize,
) -> anyhow::Result<()> {
    let results: Vec<anyhow::Result<()>> = futures_util::stream::iter(numbers)
        .map(|n| socket::pair(socket, mock, n))
        .buffer_unordered(parallel)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Settles after a burst so the reading is of an idle daemon.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(5)).await;
}

/// Runs the whole scenario for `n` numbers; on failure the files stay for
/// a look.
pub async fn run(setup: &Setup, n: usize) -> anyhow::Result<Measured> {
    let dir = tempfile::tempdir()?;
    match run_in(setup, n, dir.path()).await {
        Ok(measured) => Ok(measured),
        Err(e) => {
            let kept = dir.keep();
            Err(e.context(format!(
                "files and the daemon's log kept in `{}`",
                kept.display()
            )))
        }
    }
}

async fn run_in(setup: &Setup, n: usize, dir: &Path) -> anyhow::Result<Measured> {
    let mock = Arc::new(MockWa::start(mockwa::Config::default()).await?);
    let place = Place {
        binary: setup.bin_dir.join("waconnd"),
        data: dir.join("data"),
        socket: dir.join("run").join("waconnd.sock"),
        log: dir.join("waconnd.log"),
        url: mock.url(),
    };
    let numbers = numbers(n);
    let pair_rate = setup.pair_rate.to_string();
    let pairing_args = ["--connect-rate", pair_rate.as_str()];

    eprintln!("  pairing the first number");
    // The first number, then a daemon with only it, as restored from disk.
    let mut d = Daemon::spawn(&place, &pairing_args)?;
    d.answering(&place).await?;
    pair_all(&place.socket, &mock, &numbers[..1], 1).await?;
    d.stop(LIMIT).await?;
    let mut d = Daemon::spawn(&place, &[])?;
    d.answering(&place).await?;
    all_connected(&place.socket, 1, d.started).await?;
    settle().await;
    let one = proc::read(d.pid())?;
    d.stop(LIMIT).await?;

    eprintln!("  pairing the rest");
    // The rest, paired by a daemon allowed to connect faster.
    let mut d = Daemon::spawn(&place, &pairing_args)?;
    d.answering(&place).await?;
    all_connected(&place.socket, 1, d.started).await?;
    let pairing = Instant::now();
    pair_all(&place.socket, &mock, &numbers[1..], setup.pair_parallel).await?;
    let pair_secs = pairing.elapsed().as_secs_f64();
    d.stop(LIMIT).await?;

    eprintln!("  restart with defaults");
    // The measured daemon: default settings, every number from its store.
    mock.reset_peak();
    let mut d = Daemon::spawn(&place, &[])?;
    d.answering(&place).await?;
    let start_secs = all_connected(&place.socket, n, d.started).await?;
    let start_peak = mock.stats().peak_connects_per_second;
    settle().await;
    let all = proc::read(d.pid())?;

    eprintln!("  latency");
    let wactl = setup.bin_dir.join("wactl");
    let list = time_runs(&wactl, &place.socket, &["list", "--json"], 100).await?;
    let status = time_runs(&wactl, &place.socket, &["status", &numbers[n / 2]], 100).await?;

    eprintln!("  idle");
    let before = proc::read(d.pid())?;
    tokio::time::sleep(setup.idle).await;
    let after = proc::read(d.pid())?;
    let idle_secs = setup.idle.as_secs_f64();
    let idle_cpu_percent = (after.cpu_secs - before.cpu_secs) / idle_secs * 100.0;
    anyhow::ensure!(
        socket::connected(&place.socket).await == Some(n),
        "sessions dropped while idle"
    );

    eprintln!("  mass drop");
    mock.reset_peak();
    let cut = mock.drop_connections(None);
    anyhow::ensure!(cut == n, "mockwa cut {cut} sockets, not {n}");
    let dropped = Instant::now();
    // The daemon needs a moment to notice; wait for that first.
    wait_for("the drop is noticed", LIMIT, || async {
        socket::connected(&place.socket).await.unwrap_or(n) < n
    })
    .await
    .context("no session noticed the drop")?;
    let drop_secs = all_connected(&place.socket, n, dropped).await?;
    let drop_peak = mock.stats().peak_connects_per_second;

    let disk = disk_bytes(&place.data.join("sessions")) + disk_bytes(&place.data);
    let stop_secs = d.stop(LIMIT).await?.as_secs_f64();
    if let Ok(mock) = Arc::try_unwrap(mock) {
        mock.shutdown().await;
    }
    Ok(Measured {
        n,
        rss_one_kib: one.rss_kib,
        rss_all_kib: all.rss_kib,
        fds_one: one.fds,
        fds_all: all.fds,
        pair_secs,
        start_secs,
        start_peak,
        drop_secs,
        drop_peak,
        idle_secs,
        idle_cpu_percent,
        list,
        status,
        disk_per_number: disk / n as u64,
        stop_secs,
    })
}
