//! `sessions.json`, the registry of durable facts: one writer owns the
//! file, fed by a channel. A durable change (a number registered, paired,
//! logged out, replaced, banned, dropped...) is written at once, and whoever
//! waits for it hears when it is on disk; what changes on its own all the
//! time (transient states, counters, last data) is kept in memory and
//! checkpointed at most once a minute, and at shutdown. A burst of changes
//! (ten thousand numbers logged out at once) is one write.

pub mod entry;
mod file;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use waconn_proto::Number;

pub use entry::Entry;

/// How often changes that are not durable reach the disk.
pub const CHECKPOINT: Duration = Duration::from_secs(60);

/// How soon a failed write is tried again (a full disk may get space back).
const RETRY: Duration = Duration::from_secs(2);

/// Why the registry on disk could not be brought up to date.
pub type WriteError = Arc<str>;

/// What the writer is asked.
enum Message {
    /// Keep `entry`; `durable` writes it at once, and `done` hears when.
    Put {
        entry: Box<Entry>,
        durable: bool,
        done: Option<oneshot::Sender<Result<(), WriteError>>>,
    },
    /// Forget `number`, at once.
    Remove {
        number: Number,
        done: oneshot::Sender<Result<(), WriteError>>,
    },
    /// Forget `number` here without writing: another node runs it now.
    Release { number: Number },
    /// Write now (`entries` replaces every entry when given).
    Checkpoint {
        entries: Option<Vec<Entry>>,
        done: oneshot::Sender<Result<(), WriteError>>,
    },
}

/// A registry kept as one row a number (the shared database).
#[async_trait::async_trait]
pub trait Rows: Send + Sync {
    /// Writes the `changed` entries and deletes the `removed` numbers.
    async fn write(
        &self,
        entries: &std::collections::BTreeMap<Number, Entry>,
        changed: &std::collections::BTreeSet<Number>,
        removed: &std::collections::BTreeSet<Number>,
    ) -> anyhow::Result<()>;
}

/// Where the registry is written.
pub enum Sink {
    /// `sessions.json` in the data directory, rewritten whole.
    File(PathBuf),
    /// Rows, the changed ones only.
    Rows(Box<dyn Rows>),
}

/// The handle of the registry's writer.
pub struct Registry {
    messages: mpsc::UnboundedSender<Message>,
}

/// The registry at `<data>/sessions.json`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("sessions.json")
}

/// Reads the registry of `data_dir`; none if it does not exist yet.
pub fn load(data_dir: &Path) -> anyhow::Result<Vec<Entry>> {
    file::load(&path(data_dir))
}

fn gone() -> WriteError {
    "the registry's writer stopped".into()
}

impl Registry {
    /// Starts the writer of `data_dir`'s registry, holding `entries`.
    pub fn start(data_dir: &Path, entries: Vec<Entry>) -> Self {
        Self::start_with(Sink::File(path(data_dir)), entries, CHECKPOINT)
    }

    /// The writer of `sink`, holding `entries`, checkpointing every
    /// `checkpoint`.
    pub fn start_with(sink: Sink, entries: Vec<Entry>, checkpoint: Duration) -> Self {
        let (messages, inbox) = mpsc::unbounded_channel();
        tokio::spawn(writer::run(sink, entries, inbox, checkpoint));
        Self { messages }
    }

    /// Forgets `number` here without writing anything: another node runs
    /// it now.
    pub fn release(&self, number: &Number) {
        let _ = self.messages.send(Message::Release {
            number: number.clone(),
        });
    }

    /// Keeps `entry` in memory, for the next checkpoint.
    pub fn put(&self, entry: Entry) {
        let _ = self.messages.send(Message::Put {
            entry: Box::new(entry),
            durable: false,
            done: None,
        });
    }

    /// Writes `entry` at once; returns once it is on disk.
    pub async fn put_durably(&self, entry: Entry) -> Result<(), WriteError> {
        let (done, written) = oneshot::channel();
        self.messages
            .send(Message::Put {
                entry: Box::new(entry),
                durable: true,
                done: Some(done),
            })
            .map_err(|_| gone())?;
        written.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Forgets `number`; returns once that is on disk.
    pub async fn remove(&self, number: &Number) -> Result<(), WriteError> {
        let (done, written) = oneshot::channel();
        self.messages
            .send(Message::Remove {
                number: number.clone(),
                done,
            })
            .map_err(|_| gone())?;
        written.await.unwrap_or_else(|_| Err(gone()))
    }

    /// Writes every entry now, `entries` replacing them when given.
    pub async fn checkpoint(&self, entries: Option<Vec<Entry>>) -> Result<(), WriteError> {
        let (done, written) = oneshot::channel();
        self.messages
            .send(Message::Checkpoint { entries, done })
            .map_err(|_| gone())?;
        written.await.unwrap_or_else(|_| Err(gone()))
    }
}

#[cfg(test)]
mod tests;
