//! The one writer of `sessions.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};
use waconn_proto::Number;

use super::{Entry, Message, RETRY, Sink, WriteError, file};

/// What the writer holds between writes.
struct Writer {
    sink: Sink,
    entries: BTreeMap<Number, Entry>,
    /// Entries changed, and numbers removed, since the last write.
    changed: BTreeSet<Number>,
    removed: BTreeSet<Number>,
    /// Something durable waits for the next write.
    urgent: bool,
    /// Something changed since the last write.
    dirty: bool,
    waiting: Vec<oneshot::Sender<Result<(), WriteError>>>,
    /// Why the last write failed, while it fails.
    failing: Option<WriteError>,
}

/// Serves `inbox` until every handle is gone, then writes what is left.
pub(super) async fn run(
    sink: Sink,
    entries: Vec<Entry>,
    mut inbox: mpsc::UnboundedReceiver<Message>,
    checkpoint: Duration,
) {
    let mut w = Writer {
        sink,
        entries: entries.into_iter().map(|e| (e.number.clone(), e)).collect(),
        changed: BTreeSet::new(),
        removed: BTreeSet::new(),
        urgent: false,
        dirty: false,
        waiting: Vec::new(),
        failing: None,
    };
    let mut next_checkpoint = Instant::now() + checkpoint;
    loop {
        let retry = w.failing.is_some().then(|| Instant::now() + RETRY);
        tokio::select! {
            message = inbox.recv() => match message {
                Some(message) => {
                    w.take(message);
                    // A burst is one write.
                    while let Ok(message) = inbox.try_recv() {
                        w.take(message);
                    }
                }
                None => {
                    if w.dirty {
                        w.write().await;
                    }
                    return;
                }
            },
            () = sleep_until(next_checkpoint) => {
                next_checkpoint = Instant::now() + checkpoint;
                if w.dirty {
                    w.urgent = true;
                }
            }
            () = async { sleep_until(retry.unwrap_or_else(Instant::now)).await }, if retry.is_some() => {
                w.urgent = true;
            }
        }
        if w.urgent {
            w.write().await;
        }
    }
}

impl Writer {
    fn take(&mut self, message: Message) {
        self.dirty = true;
        match message {
            Message::Put {
                entry,
                durable,
                done,
            } => {
                self.urgent |= durable;
                self.waiting.extend(done);
                self.removed.remove(&entry.number);
                self.changed.insert(entry.number.clone());
                self.entries.insert(entry.number.clone(), *entry);
            }
            Message::Remove { number, done } => {
                self.urgent = true;
                self.waiting.push(done);
                self.entries.remove(&number);
                self.changed.remove(&number);
                self.removed.insert(number);
            }
            Message::Release { number } => {
                self.entries.remove(&number);
                self.changed.remove(&number);
            }
            Message::Checkpoint { entries, done } => {
                self.urgent = true;
                self.waiting.push(done);
                if let Some(entries) = entries {
                    self.entries = entries.into_iter().map(|e| (e.number.clone(), e)).collect();
                    self.changed = self.entries.keys().cloned().collect();
                }
            }
        }
    }

    /// Writes every entry, tells who waits, and remembers a failure to try
    /// again.
    async fn write(&mut self) {
        self.urgent = false;
        let result = match &self.sink {
            Sink::File(path) => match file::encode(self.entries.values()) {
                Ok(bytes) => {
                    let path = path.clone();
                    tokio::task::spawn_blocking(move || file::write(&path, &bytes))
                        .await
                        .unwrap_or_else(|e| Err(anyhow::anyhow!("the write stopped: {e}")))
                }
                Err(e) => Err(e.into()),
            },
            Sink::Rows(rows) => {
                rows.write(&self.entries, &self.changed, &self.removed)
                    .await
            }
        };
        let result = match result {
            Ok(()) => {
                if self.failing.take().is_some() {
                    tracing::info!("saved the registry again");
                }
                self.dirty = false;
                self.changed.clear();
                self.removed.clear();
                Ok(())
            }
            Err(e) => {
                let message: WriteError = format!(
                    "cannot save the registry: {e:#}; the previous one stays in place. Free space on the data directory's file system or make it writable; waconnd keeps trying"
                )
                .into();
                if self.failing.is_none() {
                    tracing::error!("{message}");
                }
                self.failing = Some(message.clone());
                Err(message)
            }
        };
        for done in self.waiting.drain(..) {
            let _ = done.send(result.clone());
        }
    }
}
