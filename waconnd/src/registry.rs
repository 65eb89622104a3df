//! `sessions.json`: every session's record, written atomically after every
//! change that matters, bursts coalesced.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

/// How soon a failed write is tried again (a full disk may get space back).
const RETRY: Duration = Duration::from_secs(2);

/// The least time between two writes. At ten thousand numbers the registry
/// is 15 MB: rewritten (and synced) after every one of a storm's state
/// changes, it kept the disk saturated and throttled reconnection to a
/// third of the connect rate. Changes in between go into the next write.
const SPACING: Duration = Duration::from_secs(1);

/// The last write attempt: the generation it covered and, if it failed, why.
type Attempt = (u64, Option<Arc<str>>);

/// The registry file and its write scheduling.
pub struct Registry {
    path: PathBuf,
    /// Held for a whole write: two writers on one temp file would rename
    /// each other's half-written copy into place.
    writing: std::sync::Mutex<()>,
    wanted: AtomicU64,
    /// Someone waits for the next write (pair, drop, shutdown): it goes
    /// without waiting out [`SPACING`].
    urgent: std::sync::atomic::AtomicBool,
    wake: Notify,
    written: watch::Sender<Attempt>,
}

impl Registry {
    /// The registry at `<data>/sessions.json`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("sessions.json"),
            writing: std::sync::Mutex::new(()),
            wanted: AtomicU64::new(0),
            urgent: std::sync::atomic::AtomicBool::new(false),
            wake: Notify::new(),
            written: watch::channel((0, None)).0,
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

    /// Asks for a write and waits until it has been tried; the error says
    /// why the registry on disk could not be brought up to date.
    pub async fn flush(&self) -> Result<(), Arc<str>> {
        self.urgent.store(true, Ordering::SeqCst);
        let generation = self.mark_dirty();
        let mut written = self.written.subscribe();
        let attempt = written
            .wait_for(|(done, _)| *done >= generation)
            .await
            .map(|attempt| attempt.1.clone());
        match attempt {
            Ok(Some(error)) => Err(error),
            Ok(None) | Err(_) => Ok(()),
        }
    }

    /// Writes whenever asked, coalescing bursts (at most one write per
    /// [`SPACING`]), until the process ends; a failed write is tried again
    /// until one succeeds. `snapshot` gives the records to write. The write
    /// runs off the async workers, which go on serving sessions meanwhile.
    pub async fn writer(&self, snapshot: impl Fn() -> Vec<Record>) {
        let mut saved = 0;
        let mut last = tokio::time::Instant::now() - SPACING;
        loop {
            let failing = self.written.borrow().1.is_some();
            if failing {
                let _ = tokio::time::timeout(RETRY, self.wake.notified()).await;
            } else {
                self.wake.notified().await;
            }
            if self.wanted.load(Ordering::SeqCst) <= saved {
                continue;
            }
            let next = last + SPACING;
            while !self.urgent.load(Ordering::SeqCst) && tokio::time::Instant::now() < next {
                let _ = tokio::time::timeout_at(next, self.wake.notified()).await;
            }
            self.urgent.store(false, Ordering::SeqCst);
            last = tokio::time::Instant::now();
            let generation = self.wanted.load(Ordering::SeqCst);
            let records = snapshot();
            let error = tokio::task::block_in_place(|| self.write(records)).err();
            if error.is_none() {
                saved = generation;
            }
            self.written.send_replace((generation, error));
        }
    }

    /// Writes `records` now. A failure is logged and leaves the previous
    /// registry in place.
    pub fn write(&self, mut records: Vec<Record>) -> Result<(), Arc<str>> {
        records.sort_by(|a, b| a.info.number.cmp(&b.info.number));
        let file = File {
            version: VERSION,
            sessions: records,
        };
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let result = serde_json::to_vec_pretty(&file)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| crate::fsutil::write_atomically(&self.path, &bytes));
        if result.is_ok() && self.written.borrow().1.is_some() {
            tracing::info!("saved the registry again");
            self.written.send_modify(|attempt| attempt.1 = None);
        }
        result.map_err(|e| {
            let message = format!(
                "cannot save the registry: {e:#}; the previous one stays in place. Free space on the data directory's file system or make it writable; waconnd keeps trying"
            );
            if self.written.borrow().1.is_none() {
                tracing::error!("{message}");
            }
            let message: Arc<str> = message.into();
            // The writer sees it failing and keeps trying.
            self.written
                .send_modify(|attempt| attempt.1 = Some(Arc::clone(&message)));
            self.wake.notify_one();
            message
        })
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
        registry.write(vec![record.clone()]).expect("write");
        assert_eq!(registry.load().expect("load"), vec![record]);
    }

    #[test]
    fn concurrent_writes_never_trip_over_each_other() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = Registry::new(dir.path());
        let record = Record::new_pairing(Number::parse("15550001111").expect("n"), 1, 2);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        registry.write(vec![record.clone()]).expect("write");
                    }
                });
            }
        });
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
