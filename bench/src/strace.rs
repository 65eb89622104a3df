//! A process's fsyncs counted with `strace -c`: attached for a window
//! only, since stopping at every system call slows what it traces (the
//! CPU and latency figures are taken without it).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;

/// Calls of `fsync` and `fdatasync` by every thread of `pid` over
/// `window`; the summary is written to `summary`.
pub async fn count_syncs(pid: u32, window: Duration, summary: &Path) -> anyhow::Result<u64> {
    let mut strace = tokio::process::Command::new("strace")
        .args(["-c", "-f", "-e", "trace=fsync,fdatasync", "-o"])
        .arg(summary)
        .arg("-p")
        .arg(pid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot run strace (install it: `apt-get install strace`)")?;
    tokio::time::sleep(window).await;
    let id = strace.id().context("strace ended early")?;
    let id = rustix::process::Pid::from_raw(id as i32).context("no pid")?;
    // strace writes its summary when interrupted.
    rustix::process::kill_process(id, rustix::process::Signal::INT)?;
    let status = tokio::time::timeout(Duration::from_secs(60), strace.wait())
        .await
        .context("strace did not detach within a minute")??;
    let text = std::fs::read_to_string(summary)
        .with_context(|| format!("strace ({status}) wrote no summary"))?;
    Ok(calls(&text))
}

/// The calls of the summary's `fsync` and `fdatasync` rows.
fn calls(summary: &str) -> u64 {
    summary
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.last() {
                Some(&"fsync" | &"fdatasync") if words.len() >= 5 => words[3].parse::<u64>().ok(),
                _ => None,
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_gives_the_calls_of_both_syscalls() {
        let summary = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 90.00    0.001234          12       100           fsync
 10.00    0.000100           3        30         2 fdatasync
------ ----------- ----------- --------- --------- ----------------
100.00    0.001334          10       130         2 total
";
        assert_eq!(calls(summary), 130);
        assert_eq!(calls(""), 0);
    }
}
