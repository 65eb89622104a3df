//! A `waconnd` process under measurement.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// A running daemon.
pub struct Daemon {
    child: Child,
    /// When it was spawned.
    pub started: Instant,
}

/// Where the daemon keeps its files in one run.
pub struct Place {
    /// `waconnd`'s path.
    pub binary: PathBuf,
    /// Its data directory.
    pub data: PathBuf,
    /// Its socket.
    pub socket: PathBuf,
    /// Its log (appended to).
    pub log: PathBuf,
    /// mockwa's URL.
    pub url: String,
    /// The certificate to trust for a `wss://` URL.
    pub ca: Option<PathBuf>,
    /// The PostgreSQL URL of a daemon on that engine (given in the
    /// environment, as a password belongs, never on the command line).
    pub database: Option<String>,
}

impl Daemon {
    /// Starts `waconnd` with `extra` arguments on top of the place's.
    pub fn spawn(place: &Place, extra: &[&str]) -> anyhow::Result<Self> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&place.log)?;
        let started = Instant::now();
        let mut command = Command::new(&place.binary);
        if let Some(ca) = &place.ca {
            command.arg("--wa-ca").arg(ca);
        }
        if let Some(url) = &place.database {
            command.env("WACONN_DATABASE", url);
        }
        let child = command
            .arg("--data-dir")
            .arg(&place.data)
            .arg("--socket")
            .arg(&place.socket)
            .arg("--wa-url")
            .arg(&place.url)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start `{}`", place.binary.display()))?;
        Ok(Self { child, started })
    }

    /// Waits until the daemon answers on its socket; an error with its log
    /// if it exits first.
    pub async fn answering(&mut self, place: &Place) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while crate::socket::connected(&place.socket).await.is_none() {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(&place.log).unwrap_or_default();
                bail!("waconnd exited with {status}:\n{log}");
            }
            if Instant::now() > deadline {
                bail!("waconnd does not answer on `{}`", place.socket.display());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// SIGKILL, as a machine that dies: nothing of it runs after.
    pub fn kill(&mut self) {
        if let Err(e) = self.child.start_kill() {
            eprintln!("waconn-bench: cannot kill waconnd: {e}");
        }
    }

    /// Waits for a killed daemon's exit.
    pub async fn reap(mut self) {
        let _ = self.child.wait().await;
    }

    /// SIGTERM; returns how long it took to exit (an error past `limit`
    /// or on a failed exit).
    pub async fn stop(mut self, limit: Duration) -> anyhow::Result<Duration> {
        let pid = rustix::process::Pid::from_raw(self.pid() as i32).context("no pid")?;
        let asked = Instant::now();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM)?;
        let status = tokio::time::timeout(limit, self.child.wait())
            .await
            .with_context(|| format!("waconnd did not stop within {limit:?}"))??;
        if !status.success() {
            bail!("waconnd exited with {status}");
        }
        Ok(asked.elapsed())
    }
}

/// Waits until `cond` holds, polling every 100 ms, for at most `limit`.
pub async fn wait_for<F, Fut>(what: &str, limit: Duration, mut cond: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !cond().await {
        if Instant::now() > deadline {
            bail!("{what}: not within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Bytes of every file under `dir`.
pub fn disk_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| if m.is_dir() { 0 } else { m.len() })
        .sum()
}
