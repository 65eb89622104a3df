//! `waconn-bench`: starts mockwa and the release `waconnd` (feature
//! `test-peer`), pairs N numbers through the real socket protocol and
//! measures what `BENCHMARKS.md` reports; with `--bare`, the same figures
//! of bare whatsapp-rust clients in one process, side by side.

mod backlog;
#[cfg(feature = "test-peer")]
mod bare;
mod daemon;
mod database;
mod failover;
mod latency;
mod measured;
mod mock;
mod proc;
mod report;
mod scenario;
mod socket;
mod strace;
mod subject;
mod traffic;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::subject::{Engine, Kind};

/// What `--bare` says in a build without the bare clients.
pub const NO_BARE: &str = "this waconn-bench has no bare clients: build it with `cargo build --release --workspace --all-features` (feature `test-peer`)";

/// Measure waconnd against mockwa for several numbers of sessions, each
/// figure next to its target and, with --bare, next to the same figure of
/// bare whatsapp-rust clients.
///
/// For each N, in a fresh temporary directory and against a fresh mockwa:
/// pair one number, restart, read the memory; pair the rest, wait for the
/// daemon's reopen of each from disk, read the memory right after
/// pairing; restart with default settings and time the
/// start; time `wactl` (daemon only); idle; steady traffic (--traffic);
/// mass drop; mass drop with a backlog (--backlog); graceful stop. Tables
/// go to stdout as Markdown, progress to stderr.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Args {
    /// Numbers of sessions to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
    numbers: Vec<usize>,
    /// mockwa serves wss:// (its self-signed certificate given to the
    /// daemon with --wa-ca and trusted by the bare clients). On by
    /// default; see --no-tls.
    #[arg(long, overrides_with = "no_tls")]
    tls: bool,
    /// Plain ws://, as the tables before TLS were measured.
    #[arg(long, overrides_with = "tls")]
    no_tls: bool,
    /// Idle time over which CPU is measured, seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    idle: u64,
    /// After the idle phase, steady traffic of PER_MIN messages per number
    /// per minute through mockwa's generator (0: no traffic phase).
    #[arg(long, default_value_t = 0.0, value_name = "PER_MIN")]
    traffic: f64,
    /// Length of the traffic phase, seconds.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    traffic_for: u64,
    /// The share of the traffic sent in groups, 0 to 1.
    #[arg(long, default_value_t = 0.0, value_name = "SHARE")]
    group_share: f64,
    /// After the traffic phase, fsyncs are counted with strace for this
    /// many seconds, traffic still on (0: not counted). Apart from the
    /// phase because strace slows what it traces.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    syncs_window: u64,
    /// After the plain mass drop, a second one with N stanzas queued for
    /// every number (0: none): timed until every number is back and every
    /// stanza acked.
    #[arg(long, default_value_t = 0, value_name = "N")]
    backlog: usize,
    /// Also measure bare whatsapp-rust clients (a stock Bot per number on
    /// its own SqliteStore, in one process) in the same run, and give each
    /// figure as a ratio to theirs.
    #[arg(long)]
    bare: bool,
    /// The daemon's engines to measure, each a side of its own, in this
    /// order: `embedded` (a SQLite store a number in its data directory)
    /// and `postgres` (a PostgreSQL server the bench starts for each run,
    /// with PostgreSQL's default durability; its binaries come from the
    /// Debian package `postgresql`).
    #[arg(long, value_delimiter = ',', default_value = "embedded")]
    engines: Vec<Engine>,
    /// Measure the bare clients only (with --bare): for trying the bench.
    #[arg(long, requires = "bare")]
    skip_daemon: bool,
    /// Connection attempts per second of the daemon that pairs (setup only;
    /// the measured daemon runs with defaults).
    #[arg(long, default_value_t = 500)]
    pair_rate: u32,
    /// Pairings in flight at once (setup only).
    #[arg(long, default_value_t = 250)]
    pair_parallel: usize,
    /// Once the memory right after pairing is read, wait this long with
    /// the subject still running (its pid on stderr), for a heap profiler
    /// or a debugger to look.
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    hold_after_pairing: u64,
    /// Directory holding `waconnd` and `wactl`; defaults to this binary's.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Inner>,
}

/// The bench's own helpers.
#[derive(Subcommand)]
enum Inner {
    /// Failover: nodes on one PostgreSQL database share the numbers; one
    /// is killed (SIGKILL) and the others' takeover is timed.
    Failover(failover::Options),
    /// Run bare whatsapp-rust clients, driven over stdin and stdout by the
    /// bench (not for people).
    #[command(hide = true)]
    #[cfg(feature = "test-peer")]
    BareClients(bare::child::Options),
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    match args.command {
        #[cfg(feature = "test-peer")]
        Some(Inner::BareClients(options)) => runtime.block_on(bare::child::run(options)),
        Some(Inner::Failover(options)) => runtime.block_on(until_stopped(failover::run(options))),
        None => runtime.block_on(until_stopped(measure(args))),
    }
}

/// Runs `work` until it ends or the bench is asked to stop (SIGINT,
/// SIGTERM): then `work` is dropped, which stops what it started (its
/// daemons, bare clients and PostgreSQL servers stop when dropped) and
/// removes its files.
async fn until_stopped(work: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        result = work => result,
        _ = interrupt.recv() => anyhow::bail!("interrupted (SIGINT): what the run started is stopped"),
        _ = terminate.recv() => anyhow::bail!("stopped (SIGTERM): what the run started is stopped"),
    }
}

/// The directory holding `waconnd` and `wactl`: `given`, else this
/// binary's; an error if they are not there.
pub fn bin_dir(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let bin_dir = match given {
        Some(dir) => dir,
        None => std::env::current_exe()?
            .parent()
            .context("no directory")?
            .to_owned(),
    };
    for binary in ["waconnd", "wactl"] {
        anyhow::ensure!(
            bin_dir.join(binary).exists(),
            "no `{binary}` in `{}`: build with `cargo build --release --workspace --all-features` first",
            bin_dir.display()
        );
    }
    Ok(bin_dir)
}

async fn measure(args: Args) -> anyhow::Result<()> {
    let bench = std::env::current_exe()?;
    let bin_dir = bin_dir(args.bin_dir)?;
    anyhow::ensure!(cfg!(feature = "test-peer") || !args.bare, "{NO_BARE}");
    anyhow::ensure!(
        args.traffic.is_finite() && args.traffic >= 0.0,
        "--traffic is messages per number per minute, 0 or more"
    );
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.group_share),
        "--group-share is a fraction from 0 to 1"
    );
    let traffic = (args.traffic > 0.0).then(|| traffic::Plan {
        per_minute: args.traffic,
        group_share: args.group_share,
        length: Duration::from_secs(args.traffic_for),
        syncs_window: Duration::from_secs(args.syncs_window),
    });
    let setup = scenario::Setup {
        bin_dir,
        bench,
        tls: !args.no_tls,
        idle: Duration::from_secs(args.idle),
        pair_rate: args.pair_rate,
        pair_parallel: args.pair_parallel,
        traffic,
        backlog: (args.backlog > 0).then_some(args.backlog),
        hold_after_pairing: Duration::from_secs(args.hold_after_pairing),
    };
    let mut kinds = Vec::new();
    if !args.skip_daemon {
        let mut engines = args.engines.clone();
        engines.dedup();
        kinds.extend(engines.into_iter().map(Kind::Daemon));
    }
    if args.bare {
        kinds.push(Kind::Bare);
    }
    for n in args.numbers {
        anyhow::ensure!(n >= 2, "each N must be at least 2");
        let mut sides = Vec::new();
        for &kind in &kinds {
            eprintln!("waconn-bench: measuring {} for N = {n}", kind.name());
            let measured = scenario::run(&setup, kind, n)
                .await
                .with_context(|| format!("{} for N = {n}", kind.name()))?;
            sides.push(measured);
        }
        println!("{}", report::table(&setup, &sides));
    }
    Ok(())
}
