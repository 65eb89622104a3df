//! `waconn-bench`: starts mockwa and the release `waconnd` (feature
//! `test-peer`), pairs N numbers through the real socket protocol and
//! measures what `BENCHMARKS.md` reports.

mod daemon;
mod latency;
mod proc;
mod report;
mod scenario;
mod socket;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

/// Measure waconnd against mockwa for several numbers of sessions.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Numbers of sessions to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
    numbers: Vec<usize>,
    /// Idle time over which the daemon's CPU is measured, seconds.
    #[arg(long, default_value_t = 300)]
    idle: u64,
    /// Connection attempts per second of the daemon that pairs (setup only;
    /// the measured daemon runs with defaults).
    #[arg(long, default_value_t = 500)]
    pair_rate: u32,
    /// Pairings in flight at once (setup only).
    #[arg(long, default_value_t = 250)]
    pair_parallel: usize,
    /// Directory holding `waconnd` and `wactl`; defaults to this binary's.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin_dir = match args.bin_dir {
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
    let setup = scenario::Setup {
        bin_dir,
        idle: Duration::from_secs(args.idle),
        pair_rate: args.pair_rate,
        pair_parallel: args.pair_parallel,
    };
    for n in args.numbers {
        anyhow::ensure!(n >= 2, "each N must be at least 2");
        eprintln!("waconn-bench: measuring N = {n}");
        let measured = scenario::run(&setup, n)
            .await
            .with_context(|| format!("N = {n}"))?;
        println!("{}", report::table(&measured));
    }
    Ok(())
}
