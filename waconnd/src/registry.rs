//! `sessions.json`: every session's record, written atomically after every
//! change that matters, bursts coalesced.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::session::record::Record;

/// The registry format version written at the top of the file.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    sessions: Vec<Record>,
}

/// The registry file and its write scheduling.
pub struct Registry {
    path: PathBuf,
    wanted: AtomicU64,
    wake: Notify,
    written: watch::Sender<u64>,
}

impl Registry {
    /// The registry at `<data>/sessions.json`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("sessions.json"),
            wanted: AtomicU64::new(0),
            wake: Notify::new(),
            written: watch::channel(0).0,
        }
    }

    /// Reads the records; none if the file does not exist yet. A file that
    /// cannot be read as a registry is moved aside, never overwritten.
    pub fn load(&self) -> anyhow::Result<Vec<Record>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read `{}`", self.path.display()));
            }
        };
        match serde_json::from_slice::<File>(&bytes) {
            Ok(file) if file.version <= VERSION => Ok(file.sessions),
            Ok(file) => anyhow::bail!(
                "`{}` is registry version {}, newer than this waconnd understands ({VERSION}); upgrade waconnd",
                self.path.display(),
                file.version
            ),
            Err(e) => {
                let aside = self
                    .path
                    .with_extension(format!("json.corrupt-{}", crate::time::now_ms()));
                std::fs::rename(&self.path, &aside).with_context(|| {
                    format!("cannot move corrupt `{}` aside", self.path.display())
                })?;
                tracing::error!(
                    "`{}` is not a valid registry ({e}); moved it to `{}` and started empty",
                    self.path.display(),
                    aside.display()
                );
                Ok(Vec::new())
            }
        }
    }

    /// Asks for a write; returns the write generation that will include it.
    pub fn mark_dirty(&self) -> u64 {
        let generation = self.wanted.fetch_add(1, Ordering::SeqCst) + 1;
        self.wake.notify_one();
        generation
    }

    /// Asks for a write and waits until it is on disk.
    pub async fn flush(&self) {
        let generation = self.mark_dirty();
        let mut written = self.written.subscribe();
        let _ = written.wait_for(|done| *done >= generation).await;
    }

    /// Writes whenever asked, coalescing bursts, until the process ends.
    /// `snapshot` gives the records to write.
    pub async fn writer(&self, snapshot: impl Fn() -> Vec<Record>) {
        loop {
            self.wake.notified().await;
            let generation = self.wanted.load(Ordering::SeqCst);
            if generation <= *self.written.borrow() {
                continue;
            }
            self.write(snapshot());
            self.written.send_replace(generation);
        }
    }

    /// Writes `records` now.
    pub fn write(&self, mut records: Vec<Record>) {
        records.sort_by(|a, b| a.info.number.cmp(&b.info.number));
        let file = File {
            version: VERSION,
            sessions: records,
        };
        let result = serde_json::to_vec_pretty(&file)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| crate::fsutil::write_atomically(&self.path, &bytes));
        if let Err(e) = result {
            tracing::error!("cannot save the registry; the previous one stays in place: {e:#}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waconn_proto::Number;

    #[test]
    fn writes_and_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = Registry::new(dir.path());
        assert!(registry.load().expect("missing is empty").is_empty());
        let record = Record::new_pairing(Number::parse("15550001111").expect("n"), 1, 2);
        registry.write(vec![record.clone()]);
        assert_eq!(registry.load().expect("load"), vec![record]);
    }

    #[test]
    fn corrupt_file_is_moved_aside_not_lost() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("sessions.json"), b"{ truncated").expect("write");
        let registry = Registry::new(dir.path());
        assert!(registry.load().expect("recovers").is_empty());
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            std::fs::read(aside[0].path()).expect("read"),
            b"{ truncated"
        );
    }

    #[test]
    fn reads_the_version_1_fixture() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/sessions-v1.json"
            ),
            dir.path().join("sessions.json"),
        )
        .expect("copy fixture");
        let records = Registry::new(dir.path()).load().expect("load fixture");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].info.number.as_str(), "15550001111");
        assert_eq!(records[0].info.state, waconn_proto::SessionState::Connected);
        assert_eq!(records[1].info.state, waconn_proto::SessionState::Pairing);
    }
}
