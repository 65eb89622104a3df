//! The supervisor: every session's handle, restore at start, the registry
//! writer, and the operations the socket server calls.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{broadcast, mpsc, oneshot};
use waconn_proto::{
    DaemonInfo, ErrorCode, ErrorReply, Number, PairingUpdate, SessionDetail, SessionInfo,
    SessionState, StateEvent,
};

use crate::cli::Config;
use crate::limiter::ConnectLimiter;
use crate::link::LinkSettings;
use crate::registry::Registry;
use crate::session::record::Record;
use crate::session::{self, Command, SessionHandle};
use crate::time::now_ms;

/// What the server and every session actor share.
pub struct Supervisor {
    /// The daemon's settings.
    pub config: Config,
    /// Settings every link shares.
    pub link: LinkSettings,
    /// The registry file.
    pub registry: Registry,
    /// Every state change, for `wactl events`.
    pub events: broadcast::Sender<StateEvent>,
    sessions: Mutex<BTreeMap<Number, SessionHandle>>,
    started_at: i64,
}

fn unknown(number: &Number) -> ErrorReply {
    ErrorReply::new(
        ErrorCode::UnknownNumber,
        format!(
            "{number} is not registered with waconnd; `wactl list` shows the numbers it has, `wactl pair {number}` adds it"
        ),
    )
}

impl Supervisor {
    /// Restores the registry and starts every session.
    pub async fn start(config: Config) -> anyhow::Result<Arc<Self>> {
        crate::fsutil::private_dir(&config.data_dir.join("sessions"))?;
        let registry = Registry::new(&config.data_dir);
        let records = registry.load()?;
        let shared = Arc::new(Self {
            link: LinkSettings {
                limiter: Arc::new(ConnectLimiter::new(config.connect_rate)),
                url: config.wa_url.clone(),
                builds: tokio::sync::Semaphore::new(crate::link::BUILDS_AT_ONCE),
            },
            config,
            registry,
            // Subscribers that fall this far behind skip ahead.
            events: broadcast::channel(1024).0,
            sessions: Mutex::new(BTreeMap::new()),
            started_at: now_ms(),
        });
        let now = now_ms();
        let mut restored = Vec::new();
        for mut record in records {
            let info = &mut record.info;
            info.has_qr = false;
            let connect = match info.state {
                SessionState::Pairing if info.pairing_deadline.is_some_and(|d| d <= now) => {
                    tracing::info!("{}: removed: never paired within its deadline", info.number);
                    shared.delete_store(&info.number);
                    continue;
                }
                SessionState::LoggedOut if info.forget_at.is_some_and(|d| d <= now) => continue,
                SessionState::Pairing | SessionState::LoggedOut => false,
                SessionState::Replaced | SessionState::Failed => false,
                SessionState::Banned | SessionState::Outdated => false,
                _ => {
                    record.transition(SessionState::Connecting, "daemon started", now);
                    true
                }
            };
            restored.push(record.info.number.to_string());
            let number = record.info.number.clone();
            let handle = session::spawn(Arc::clone(&shared), record, connect);
            shared.lock().insert(number, handle);
        }
        for record in shared.adopt_orphans(&restored).await {
            restored.push(record.info.number.to_string());
            let number = record.info.number.clone();
            let handle = session::spawn(Arc::clone(&shared), record, true);
            shared.lock().insert(number, handle);
        }
        const NAMED: usize = 20;
        let more = restored.len().saturating_sub(NAMED);
        tracing::info!(
            "restored {} session(s): [{}]{}",
            restored.len(),
            restored[..restored.len().min(NAMED)].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        crate::fdlimit::check_capacity(restored.len());
        let writer = Arc::clone(&shared);
        tokio::spawn(async move { writer.registry.writer(|| writer.snapshot()).await });
        // A failure is logged and retried; the sessions run meanwhile.
        let _ = shared.registry.flush().await;
        Ok(shared)
    }

    /// Store files without a registry entry (a crash between two steps, a
    /// registry moved aside): a paired one is adopted, an unpaired one
    /// removed, and either is logged.
    async fn adopt_orphans(&self, known: &[String]) -> Vec<Record> {
        let Ok(entries) = std::fs::read_dir(self.config.data_dir.join("sessions")) else {
            return Vec::new();
        };
        let mut adopted = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".db") else {
                continue;
            };
            if known.iter().any(|k| k == stem) {
                continue;
            }
            let Ok(number) = Number::parse(stem) else {
                tracing::warn!(
                    "ignoring `{}`: not a number's credential store",
                    entry.path().display()
                );
                continue;
            };
            match crate::link::paired_jid(&entry.path()).await {
                Ok(Some(jid)) => {
                    tracing::warn!(
                        "{number}: adopted a paired credential store that had no registry entry"
                    );
                    let now = now_ms();
                    let mut record = Record::new_pairing(number, now, now);
                    record.info.pairing_deadline = None;
                    record.info.paired_at = Some(now);
                    record.info.jid = Some(jid);
                    record.transition(
                        SessionState::Connecting,
                        "adopted its credential store at start",
                        now,
                    );
                    adopted.push(record);
                }
                Ok(None) => {
                    tracing::warn!(
                        "{number}: removed a credential store that was never paired and had no registry entry"
                    );
                    self.delete_store(&number);
                }
                Err(e) => {
                    tracing::error!("{number}: left an unreadable credential store alone: {e:#}")
                }
            }
        }
        adopted
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<Number, SessionHandle>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where `number`'s credentials live.
    pub fn store_path(&self, number: &Number) -> PathBuf {
        self.config
            .data_dir
            .join("sessions")
            .join(format!("{number}.db"))
    }

    fn delete_store(&self, number: &Number) {
        if let Err(e) = crate::fsutil::remove_store(&self.store_path(number)) {
            tracing::error!("{number}: cannot delete credential store: {e}");
        }
    }

    /// Every record.
    pub fn snapshot(&self) -> Vec<Record> {
        self.lock()
            .values()
            .map(|h| h.record.borrow().clone())
            .collect()
    }

    /// Drops `number` from the table (its actor is stopping).
    pub fn forget(&self, number: &Number) {
        self.lock().remove(number);
    }

    /// Every session, by number (without their histories: at ten thousand
    /// numbers, copying those is most of a `list`).
    pub fn list(&self) -> Vec<SessionInfo> {
        self.lock()
            .values()
            .map(|h| h.record.borrow().info.clone())
            .collect()
    }

    /// One session.
    pub fn status(&self, number: &Number) -> Result<SessionInfo, ErrorReply> {
        self.record(number).map(|r| r.info)
    }

    fn record(&self, number: &Number) -> Result<Record, ErrorReply> {
        self.lock()
            .get(number)
            .map(|h| h.record.borrow().clone())
            .ok_or_else(|| unknown(number))
    }

    /// One session in depth.
    pub fn inspect(&self, number: &Number) -> Result<SessionDetail, ErrorReply> {
        let record = self.record(number)?;
        let store = self.store_path(number);
        let store_bytes = crate::fsutil::store_files(&store)
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        Ok(SessionDetail {
            info: record.info,
            transitions: record.transitions.into_iter().collect(),
            store_path: store.display().to_string(),
            store_bytes,
        })
    }

    /// The daemon itself.
    pub fn daemon_info(&self) -> DaemonInfo {
        let mut counts = BTreeMap::<SessionState, u64>::new();
        for info in self.list() {
            *counts.entry(info.state).or_default() += 1;
        }
        DaemonInfo {
            version: waconn_proto::VERSION.to_string(),
            pid: std::process::id(),
            started_at: self.started_at,
            socket: self.config.socket.display().to_string(),
            data_dir: self.config.data_dir.display().to_string(),
            counts: counts.into_iter().collect(),
        }
    }

    /// Registers `number` if new and follows its pairing.
    pub async fn pair(
        self: &Arc<Self>,
        number: &Number,
        by_code: bool,
    ) -> Result<mpsc::UnboundedReceiver<PairingUpdate>, ErrorReply> {
        let commands = {
            let mut sessions = self.lock();
            let handle = sessions.entry(number.clone()).or_insert_with(|| {
                let now = now_ms();
                let deadline = crate::time::after(now, self.config.pairing_ttl);
                tracing::info!("{}: registered; waiting for a QR scan", number);
                session::spawn(
                    Arc::clone(self),
                    Record::new_pairing(number.clone(), now, deadline),
                    false,
                )
            });
            handle.commands.clone()
        };
        let (updates, updates_rx) = mpsc::unbounded_channel();
        let (accepted, verdict) = oneshot::channel();
        commands
            .send(Command::Pair {
                updates,
                accepted,
                by_code,
            })
            .map_err(|_| unknown(number))?;
        verdict.await.map_err(|_| unknown(number))??;
        Ok(updates_rx)
    }

    async fn ask(
        &self,
        number: &Number,
        command: impl FnOnce(session::Reply) -> Command,
    ) -> Result<String, ErrorReply> {
        let commands = self
            .lock()
            .get(number)
            .map(|h| h.commands.clone())
            .ok_or_else(|| unknown(number))?;
        let (reply, answer) = oneshot::channel();
        commands.send(command(reply)).map_err(|_| unknown(number))?;
        answer.await.map_err(|_| unknown(number))?
    }

    /// Reconnects `number` now.
    pub async fn reconnect(&self, number: &Number) -> Result<String, ErrorReply> {
        self.ask(number, Command::Reconnect).await
    }

    /// Unlinks and forgets `number`.
    pub async fn drop_session(&self, number: &Number) -> Result<String, ErrorReply> {
        self.ask(number, Command::Drop).await
    }

    /// Closes every session gracefully (no logout) and saves the registry;
    /// the error says why the registry could not be saved.
    pub async fn shutdown(&self) -> Result<(), std::sync::Arc<str>> {
        let waits: Vec<_> = self
            .lock()
            .values()
            .filter_map(|h| {
                let (done, wait) = oneshot::channel();
                h.commands.send(Command::Shutdown(done)).ok().map(|()| wait)
            })
            .collect();
        for wait in waits {
            let _ = wait.await;
        }
        self.registry.write(self.snapshot())
    }
}
