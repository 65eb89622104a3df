//! The bench's side of the bare clients' process: starts it, pairs
//! numbers through it, follows which clients are connected, stops it.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mockwa::MockWa;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
use tokio::process::{Child, ChildStdin, Command};

use crate::daemon::wait_for;

/// What the process has said so far.
#[derive(Default)]
struct Heard {
    /// Clients restored at its start, once they run.
    ready: Option<usize>,
    /// Numbers whose client is connected now.
    up: HashSet<String>,
    /// The QR code each pairing number showed last.
    qr: HashMap<String, String>,
    /// Clients that stopped for good, and why.
    ended: Vec<String>,
    /// It said it stopped.
    stopped: bool,
    /// Its output ended.
    gone: bool,
}

/// A running `bare-clients` process.
pub struct BareClients {
    child: Child,
    stdin: tokio::sync::Mutex<ChildStdin>,
    heard: Arc<Mutex<Heard>>,
    /// When it was spawned.
    pub started: Instant,
}

/// Where a bare clients' process keeps its files and whom it talks to.
pub struct BarePlace<'a> {
    /// The bench's own binary, which runs the clients.
    pub bench: &'a Path,
    /// The stores' directory.
    pub dir: &'a Path,
    /// Its standard error, appended to.
    pub log: &'a Path,
    /// mockwa's socket URL.
    pub url: &'a str,
    /// The certificate to trust for `wss://`.
    pub ca: Option<&'a Path>,
}

impl BareClients {
    /// Starts the process on the stores in `place.dir`; returns once every
    /// restored client runs.
    pub async fn spawn(place: &BarePlace<'_>) -> anyhow::Result<Self> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(place.log)?;
        let started = Instant::now();
        let mut command = Command::new(place.bench);
        command
            .arg("bare-clients")
            .arg("--dir")
            .arg(place.dir)
            .arg("--url")
            .arg(place.url);
        if let Some(ca) = place.ca {
            command.arg("--ca").arg(ca);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start `{} bare-clients`", place.bench.display()))?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let heard = Arc::new(Mutex::new(Heard::default()));
        tokio::spawn(listen(stdout, Arc::clone(&heard)));
        let mut clients = Self {
            child,
            stdin: tokio::sync::Mutex::new(stdin),
            heard,
            started,
        };
        clients.ready(place.log).await?;
        Ok(clients)
    }

    fn heard(&self) -> std::sync::MutexGuard<'_, Heard> {
        self.heard.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for `ready`; an error with the log if the process ends first.
    async fn ready(&mut self, log: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(600);
        while self.heard().ready.is_none() {
            if self.heard().gone || self.child.try_wait()?.is_some() {
                let log = std::fs::read_to_string(log).unwrap_or_default();
                bail!("the bare clients' process ended before it was ready:\n{log}");
            }
            if Instant::now() > deadline {
                bail!("the bare clients' process is not ready after 10 minutes");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// How many clients are connected; `None` once the process is gone.
    pub fn connected(&self) -> Option<usize> {
        let heard = self.heard();
        (!heard.gone).then_some(heard.up.len())
    }

    /// Clients that stopped for good, with why.
    pub fn ended(&self) -> Vec<String> {
        self.heard().ended.clone()
    }

    async fn send(&self, line: &str) -> anyhow::Result<()> {
        let mut stdin = self.stdin.lock().await;
        stdin.write_all(format!("{line}\n").as_bytes()).await?;
        stdin.flush().await?;
        Ok(())
    }

    /// Pairs `number` on a new client: mockwa's phone scans its first QR
    /// code; returns once the client is connected.
    pub async fn pair(&self, mock: &MockWa, number: &str) -> anyhow::Result<()> {
        self.send(&format!("pair {number}")).await?;
        let limit = Duration::from_secs(120);
        let mut code = None;
        wait_for(&format!("a QR code for {number}"), limit, || {
            code = self.heard().qr.get(number).cloned();
            std::future::ready(code.is_some() || self.heard().gone)
        })
        .await?;
        let code = code.context("the bare clients' process ended")?;
        mock.scan(&code, number, Some("Bench"))
            .await
            .map_err(|e| anyhow::anyhow!("scan of {number}: {e}"))?;
        wait_for(&format!("{number} connected after pairing"), limit, || {
            std::future::ready(self.heard().up.contains(number))
        })
        .await
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// Asks every client to shut down gracefully; returns how long the
    /// process took to exit (an error past `limit` or on a failed exit).
    pub async fn stop(mut self, limit: Duration) -> anyhow::Result<Duration> {
        let asked = Instant::now();
        self.send("stop").await?;
        let status = tokio::time::timeout(limit, self.child.wait())
            .await
            .with_context(|| format!("the bare clients did not stop within {limit:?}"))??;
        if !status.success() {
            bail!("the bare clients' process exited with {status}");
        }
        anyhow::ensure!(self.heard().stopped, "the bare clients exited unasked");
        Ok(asked.elapsed())
    }
}

/// Follows the process's output until it ends.
async fn listen(stdout: tokio::process::ChildStdout, heard: Arc<Mutex<Heard>>) {
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut heard = heard.lock().unwrap_or_else(|e| e.into_inner());
        let mut words = line.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some("ready"), Some(count), None) => heard.ready = count.parse().ok(),
            (Some("qr"), Some(number), Some(code)) => {
                heard.qr.insert(number.to_string(), code.to_string());
            }
            (Some("connected"), Some(number), None) => {
                heard.qr.remove(number);
                heard.up.insert(number.to_string());
            }
            (Some("disconnected"), Some(number), None) => {
                heard.up.remove(number);
            }
            (Some("ended"), Some(number), why) => {
                heard.up.remove(number);
                heard
                    .ended
                    .push(format!("{number}: {}", why.unwrap_or("ended")));
            }
            (Some("stopped"), None, None) => heard.stopped = true,
            _ => eprintln!("waconn-bench: the bare clients said `{line}`"),
        }
    }
    heard.lock().unwrap_or_else(|e| e.into_inner()).gone = true;
}
