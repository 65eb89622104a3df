//! What the kernel says about a process: memory, descriptors, CPU time.

use anyhow::Context;

/// A reading of one process.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// Resident set size, KiB.
    pub rss_kib: u64,
    /// Open file descriptors.
    pub fds: u64,
    /// User plus system CPU time, seconds.
    pub cpu_secs: f64,
}

/// Reads `pid` now.
pub fn read(pid: u32) -> anyhow::Result<Reading> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("process {pid} is gone"))?;
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which sits in parentheses.
    let rest = stat.rsplit_once(") ").context("bad stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    let per_second = rustix::param::clock_ticks_per_second() as f64;
    Ok(Reading {
        rss_kib,
        fds,
        cpu_secs: ticks as f64 / per_second,
    })
}

/// Bytes the process caused to be written to storage so far
/// (`write_bytes` of `/proc/<pid>/io`).
pub fn write_bytes(pid: u32) -> anyhow::Result<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io"))
        .with_context(|| format!("cannot read the I/O counters of process {pid}"))?;
    io.lines()
        .find_map(|l| l.strip_prefix("write_bytes:"))
        .and_then(|v| v.trim().parse().ok())
        .context("no write_bytes")
}
