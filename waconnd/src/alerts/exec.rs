//! `--notify-exec CMD`: the command, run by `/bin/sh -c`, once per change
//! and one at a time, in order, with the change's JSON (one line, as `wactl
//! events --json` prints it) on its standard input and in `WACONN_NUMBER`,
//! `WACONN_FROM`, `WACONN_STATE` and `WACONN_AT`. A command that fails or
//! outlives `--notify-timeout` is counted and logged, not run again: it may
//! have done half its work.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::queue::{Change, Counters, Queue};

/// One command's worker: runs it for each change until the daemon stops.
pub async fn run(index: u32, command: String, queue: Arc<Queue>, timeout: Duration) {
    loop {
        let change = queue.next().await;
        match run_once(&command, &change, timeout).await {
            Ok(()) => Counters::add(&queue.counters.delivered, 1),
            Err(why) => {
                Counters::add(&queue.counters.failures, 1);
                tracing::warn!(
                    "--notify-exec command {index} for {}: {why}",
                    change.describe()
                );
            }
        }
        queue.done();
    }
}

async fn run_once(command: &str, change: &Change, timeout: Duration) -> Result<(), String> {
    let t = &change.event.transition;
    let mut child = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .env("WACONN_NUMBER", change.event.number.as_str())
        .env("WACONN_FROM", t.from.as_str())
        .env("WACONN_STATE", t.to.as_str())
        .env("WACONN_AT", t.at.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start /bin/sh: {e}"))?;
    let stdin = child.stdin.take();
    let finished = tokio::time::timeout(timeout, async {
        if let Some(mut stdin) = stdin {
            // A command that does not read its input is no failure.
            let _ = stdin.write_all(&change.body).await;
            let _ = stdin.write_all(b"\n").await;
        }
        child.wait().await
    })
    .await;
    match finished {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("it exited with {status}")),
        Ok(Err(e)) => Err(format!("cannot wait for it: {e}")),
        Err(_) => {
            let _ = child.start_kill();
            Err(format!(
                "it ran longer than {} (--notify-timeout) and was killed",
                waconn_proto::duration::format(timeout)
            ))
        }
    }
}
