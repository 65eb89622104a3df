//! End-to-end latency of a `wactl` command: process start to exit.

use std::path::Path;
use std::time::Instant;

use anyhow::ensure;

/// Median and 99th percentile, milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub median_ms: f64,
    pub p99_ms: f64,
}

/// Runs `wactl ARGS` `runs` times one after the other.
pub async fn time_runs(
    wactl: &Path,
    socket: &Path,
    args: &[&str],
    runs: usize,
) -> anyhow::Result<Latency> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let out = tokio::process::Command::new(wactl)
            .args(args)
            .env("WACONN_SOCKET", socket)
            .output()
            .await?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        ensure!(
            out.status.success(),
            "wactl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok(Latency {
        median_ms: at(0.5),
        p99_ms: at(0.99),
    })
}
