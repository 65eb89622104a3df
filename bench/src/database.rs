//! The PostgreSQL server a daemon on that engine runs against, and what the
//! bench reads of it: the memory, CPU and disk of all its processes.

use std::path::Path;

use anyhow::Context;
use mockwa::postgres::{PostgresServer, Profile};

use crate::proc::{self, Reading};

/// A throwaway server with PostgreSQL's own durability and buffer pool.
pub struct Database {
    server: PostgresServer,
    /// Bytes of its databases right after `initdb`.
    empty_bytes: u64,
}

impl Database {
    /// Starts a server (blocking: it runs `initdb` and `pg_ctl`).
    pub fn start() -> anyhow::Result<Self> {
        let server = PostgresServer::start_with(Profile::Durable)
            .context("cannot start PostgreSQL for the run")?;
        let empty_bytes = tree_bytes(&server.data_dir().join("base"));
        Ok(Self {
            server,
            empty_bytes,
        })
    }

    /// The URL (with the password) the daemon is given.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The server's processes now: RSS is their proportional set size
    /// summed (the buffer pool they share counted once), CPU includes the
    /// children that exited.
    pub fn read(&self) -> anyhow::Result<Reading> {
        let postmaster = self.server.pid()?;
        let mut reading = proc::read(postmaster)?;
        reading.rss_kib = proc::pss_kib(postmaster)?;
        reading.cpu_secs += proc::children_cpu_secs(postmaster)?;
        for child in proc::children(postmaster)? {
            // A backend may exit between the listing and the read.
            if let (Ok(r), Ok(pss)) = (proc::read(child), proc::pss_kib(child)) {
                reading.rss_kib += pss;
                reading.fds += r.fds;
                reading.cpu_secs += r.cpu_secs;
            }
        }
        Ok(reading)
    }

    /// Bytes its processes caused to be written to storage so far.
    pub fn write_bytes(&self) -> anyhow::Result<u64> {
        let postmaster = self.server.pid()?;
        let children = proc::children(postmaster)?;
        let written = std::iter::once(postmaster)
            .chain(children)
            .filter_map(|pid| proc::write_bytes(pid).ok())
            .sum();
        Ok(written)
    }

    /// Bytes its databases grew by since `initdb` (tables, indexes, their
    /// free space; not the write-ahead log).
    pub fn grown_bytes(&self) -> u64 {
        tree_bytes(&self.server.data_dir().join("base")).saturating_sub(self.empty_bytes)
    }
}

/// Bytes of every file under `dir`, recursively.
fn tree_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => tree_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}
