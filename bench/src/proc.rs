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
    let fields = stat_fields(pid)?;
    Ok(Reading {
        rss_kib,
        fds,
        cpu_secs: ticks_secs(&fields, 11, 12)?,
    })
}

/// The fields of `/proc/PID/stat` after the command name (which sits in
/// parentheses and may hold spaces): index 0 is the state, 1 the parent.
fn stat_fields(pid: u32) -> anyhow::Result<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("process {pid} is gone"))?;
    let rest = stat.rsplit_once(") ").context("bad stat")?.1;
    Ok(rest.split_whitespace().map(str::to_string).collect())
}

/// Seconds of two clock-tick fields of a stat.
fn ticks_secs(fields: &[String], a: usize, b: usize) -> anyhow::Result<f64> {
    let field = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .context("short stat")?
            .parse()
            .context("bad stat")
    };
    let ticks = field(a)? + field(b)?;
    Ok(ticks as f64 / rustix::param::clock_ticks_per_second() as f64)
}

/// CPU seconds of `pid`'s children that exited and were waited for.
pub fn children_cpu_secs(pid: u32) -> anyhow::Result<f64> {
    ticks_secs(&stat_fields(pid)?, 13, 14)
}

/// The processes whose parent is `pid`.
pub fn children(pid: u32) -> anyhow::Result<Vec<u32>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc")?.filter_map(Result::ok) {
        let Some(child) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if stat_fields(child).is_ok_and(|f| f.get(1).is_some_and(|p| *p == pid.to_string())) {
            found.push(child);
        }
    }
    Ok(found)
}

/// Proportional set size, KiB: resident pages, each shared one divided
/// among the processes sharing it (`/proc/PID/smaps_rollup`).
pub fn pss_kib(pid: u32) -> anyhow::Result<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .with_context(|| format!("cannot read the memory map of process {pid}"))?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no Pss")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spawned_child_is_found_and_its_memory_read() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let me = std::process::id();
        let found = children(me).expect("children");
        assert!(
            found.contains(&child.id()),
            "{found:?} lacks {}",
            child.id()
        );
        let pss = pss_kib(child.id()).expect("pss");
        let rss = read(child.id()).expect("read").rss_kib;
        assert!(pss > 0 && pss <= rss, "pss {pss} KiB against rss {rss} KiB");
        assert!(children_cpu_secs(me).expect("children's cpu") >= 0.0);
        child.kill().expect("kill");
        child.wait().expect("wait");
    }
}
