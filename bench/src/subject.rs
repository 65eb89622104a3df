//! What a run measures: the `waconnd` daemon, or bare whatsapp-rust
//! clients in one process. The scenario drives both through this one
//! face, so that every figure of one has its counterpart in the other.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use mockwa::MockWa;

use crate::daemon::{Daemon, Place};
use crate::socket;

/// Which kind of thing is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `waconnd` on an engine, driven through its socket.
    Daemon(Engine),
    /// Bare whatsapp-rust clients, one `Bot` per number in one process.
    Bare,
}

/// Where the daemon keeps credentials and its registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// Its data directory: a SQLite store a number (the default).
    Embedded,
    /// A PostgreSQL server the bench starts for the run (`--database`).
    Postgres,
}

impl Kind {
    /// Its name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Daemon(Engine::Embedded) => "waconnd",
            Kind::Daemon(Engine::Postgres) => "waconnd on PostgreSQL",
            Kind::Bare => "bare whatsapp-rust",
        }
    }

    /// Its short name in a ratio's heading.
    pub fn short(self) -> &'static str {
        match self {
            Kind::Daemon(Engine::Embedded) => "waconnd",
            Kind::Daemon(Engine::Postgres) => "on PostgreSQL",
            Kind::Bare => "bare",
        }
    }
}

/// Where one side of a run keeps its files and whom it talks to.
pub struct Site {
    /// What is measured.
    pub kind: Kind,
    /// The daemon's place (its data directory holds the bare stores too).
    pub place: Place,
    /// The bench's own binary (it runs the bare clients).
    pub bench: PathBuf,
    /// Connect rate of a daemon that pairs.
    pub pair_rate: u32,
}

impl Site {
    /// The directory every number's store is in.
    pub fn stores(&self) -> PathBuf {
        match self.kind {
            Kind::Daemon(_) => self.place.data.join("sessions"),
            Kind::Bare => self.place.data.clone(),
        }
    }
}

/// A running daemon or bare clients' process.
pub enum Subject {
    /// The daemon.
    Daemon(Daemon),
    /// The bare clients.
    #[cfg(feature = "test-peer")]
    Bare(crate::bare::parent::BareClients),
}

/// How a subject is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// To be measured: default settings.
    Measured,
    /// To pair numbers quickly (a daemon allowed more connects a second).
    Pairing,
}

impl Subject {
    /// Starts `site`'s subject on the stores it has; returns once it
    /// answers (the daemon) or its restored clients run (bare).
    pub async fn start(site: &Site, mode: Mode) -> anyhow::Result<Self> {
        match site.kind {
            Kind::Daemon(_) => {
                let rate = site.pair_rate.to_string();
                let args: &[&str] = match mode {
                    Mode::Pairing => &["--connect-rate", &rate],
                    Mode::Measured => &[],
                };
                let mut d = Daemon::spawn(&site.place, args)?;
                d.answering(&site.place).await?;
                Ok(Self::Daemon(d))
            }
            #[cfg(feature = "test-peer")]
            Kind::Bare => {
                let place = crate::bare::parent::BarePlace {
                    bench: &site.bench,
                    dir: &site.place.data,
                    log: &site.place.log,
                    url: &site.place.url,
                    ca: site.place.ca.as_deref(),
                };
                Ok(Self::Bare(
                    crate::bare::parent::BareClients::spawn(&place).await?,
                ))
            }
            #[cfg(not(feature = "test-peer"))]
            Kind::Bare => anyhow::bail!("`{}`: {}", site.bench.display(), crate::NO_BARE),
        }
    }

    /// When it was spawned.
    pub fn started(&self) -> Instant {
        match self {
            Self::Daemon(d) => d.started,
            #[cfg(feature = "test-peer")]
            Self::Bare(b) => b.started,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        match self {
            Self::Daemon(d) => d.pid(),
            #[cfg(feature = "test-peer")]
            Self::Bare(b) => b.pid(),
        }
    }

    /// How many numbers are connected; `None` while it does not answer.
    pub async fn connected(&self, socket_path: &Path) -> Option<usize> {
        match self {
            Self::Daemon(_) => socket::connected(socket_path).await,
            #[cfg(feature = "test-peer")]
            Self::Bare(b) => b.connected(),
        }
    }

    /// What it says of numbers that stopped for good (bare clients only;
    /// the daemon's states are in its list).
    pub fn ended(&self) -> Vec<String> {
        match self {
            Self::Daemon(_) => Vec::new(),
            #[cfg(feature = "test-peer")]
            Self::Bare(b) => b.ended(),
        }
    }

    /// Pairs `numbers`, `parallel` at a time, mockwa's phone scanning.
    pub async fn pair_all(
        &self,
        socket_path: &Path,
        mock: &Arc<MockWa>,
        numbers: &[String],
        parallel: usize,
    ) -> anyhow::Result<()> {
        let results: Vec<anyhow::Result<()>> = futures_util::stream::iter(numbers)
            .map(|n| self.pair(socket_path, mock, n))
            .buffer_unordered(parallel)
            .collect()
            .await;
        results.into_iter().collect()
    }

    async fn pair(&self, socket_path: &Path, mock: &MockWa, number: &str) -> anyhow::Result<()> {
        match self {
            Self::Daemon(_) => socket::pair(socket_path, mock, number).await,
            #[cfg(feature = "test-peer")]
            Self::Bare(b) => b.pair(mock, number).await,
        }
    }

    /// Stops it gracefully (SIGTERM for the daemon, `stop` for the bare
    /// clients); returns how long it took to exit.
    pub async fn stop(self, limit: Duration) -> anyhow::Result<Duration> {
        match self {
            Self::Daemon(d) => d.stop(limit).await,
            #[cfg(feature = "test-peer")]
            Self::Bare(b) => b.stop(limit).await,
        }
    }
}
