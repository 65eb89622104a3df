//! The one writer of `sessions.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};
use waconn_proto::Number;

use super::{Entry, Message, RETRY, WriteError, file};

/// What the writer holds between writes.
struct Writer {
    path: PathBuf,
    entries: BTreeMap<Number, Entry>,
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
    path: PathBuf,
    entries: Vec<Entry>,
    mut inbox: mpsc::UnboundedReceiver<Message>,
    checkpoint: Duration,
) {
    let mut w = Writer {
        path,
        entries: entries.into_iter().map(|e| (e.number.clone(), e)).collect(),
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
                self.entries.insert(entry.number.clone(), *entry);
            }
            Message::Remove { number, done } => {
                self.urgent = true;
                self.waiting.push(done);
                self.entries.remove(&number);
            }
            Message::Checkpoint { entries, done } => {
                self.urgent = true;
                self.waiting.push(done);
                if let Some(entries) = entries {
                    self.entries = entries.into_iter().map(|e| (e.number.clone(), e)).collect();
                }
            }
        }
    }

    /// Writes every entry, tells who waits, and remembers a failure to try
    /// again.
    async fn write(&mut self) {
        self.urgent = false;
        let result = match file::encode(self.entries.values()) {
            Ok(bytes) => {
                let path = self.path.clone();
                tokio::task::spawn_blocking(move || file::write(&path, &bytes))
                    .await
                    .unwrap_or_else(|e| Err(anyhow::anyhow!("the write stopped: {e}")))
            }
            Err(e) => Err(e.into()),
        };
        let result = match result {
            Ok(()) => {
                if self.failing.take().is_some() {
                    tracing::info!("saved the registry again");
                }
                self.dirty = false;
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
