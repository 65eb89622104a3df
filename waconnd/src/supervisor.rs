//! The supervisor: every session's handle, restore at start, the registry
//! writer, and the operations the socket server calls.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};
use waconn_proto::{
    DaemonInfo, ErrorCode, ErrorReply, Number, PairingUpdate, SessionDetail, SessionInfo,
    SessionState, StateEvent,
};

use crate::cli::Config;
use crate::limiter::ConnectLimiter;
use crate::link::LinkSettings;
use crate::pushback::Pushback;
use crate::registry::Registry;
use crate::session::context::SessionContext;
use crate::session::policy::Settings;
use crate::session::record::Record;
use crate::session::table::SessionTable;
use crate::session::{self, Command};
use crate::time::now_ms;
use crate::version::VersionSource;

/// The daemon's sessions and the operations the socket server calls.
pub struct Supervisor {
    /// The daemon's settings.
    pub config: Config,
    /// What every session shares.
    ctx: Arc<SessionContext>,
    /// Every state change, for `wactl events`.
    pub events: broadcast::Sender<StateEvent>,
    started_at: i64,
    /// Held while a new number is registered.
    registering: tokio::sync::Mutex<()>,
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
        let registry = Arc::new(Registry::new(&config.data_dir));
        let records = registry.load()?;
        let limiter = Arc::new(ConnectLimiter::new(config.connect_rate));
        // Subscribers that fall this far behind skip ahead.
        let events = broadcast::channel(1024).0;
        let ctx = Arc::new(SessionContext {
            settings: Settings {
                pairing_ttl: config.pairing_ttl,
                logged_out_retention: config.logged_out_retention,
                max_backoff: config.max_backoff,
                login_timeout: config.login_timeout,
                keepalive_window: config.keepalive_window,
            },
            presence: config.presence,
            link: LinkSettings {
                limiter: Arc::clone(&limiter),
                url: config.wa_url.clone(),
                trust: config
                    .wa_ca
                    .as_deref()
                    .map(crate::link::trusting)
                    .transpose()?,
                builds: tokio::sync::Semaphore::new(crate::link::BUILDS_AT_ONCE),
            },
            version: VersionSource::start(config.version.clone(), &config.data_dir),
            pushback: Pushback::start(limiter),
            registry,
            events: events.clone(),
            table: Arc::new(SessionTable::default()),
        });
        let shared = Arc::new(Self {
            config,
            ctx,
            events,
            started_at: now_ms(),
            registering: tokio::sync::Mutex::new(()),
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
            shared.spawn(record, connect);
        }
        for record in shared.adopt_orphans(&restored).await {
            restored.push(record.info.number.to_string());
            shared.spawn(record, true);
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
        let writer = Arc::clone(&shared.ctx);
        tokio::spawn(async move { writer.registry.writer(|| writer.table.records()).await });
        // A failure is logged and retried; the sessions run meanwhile.
        let _ = shared.ctx.registry.flush().await;
        Ok(shared)
    }

    /// Starts the session of `record` and puts it in the table.
    fn spawn(&self, record: Record, connect: bool) {
        let number = record.info.number.clone();
        let store = self.store_path(&number);
        let handle = session::spawn(Arc::clone(&self.ctx), store, record, connect);
        let mut table = self.ctx.table.lock();
        table.insert(number, handle);
        self.ctx.pushback.set_sessions(table.len());
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
            let Ok(number) = Number::from_digits(stem) else {
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

    /// Every session, by number.
    pub fn list(&self) -> Vec<SessionInfo> {
        self.ctx.table.infos()
    }

    /// One session.
    pub fn status(&self, number: &Number) -> Result<SessionInfo, ErrorReply> {
        self.record(number).map(|r| r.info)
    }

    fn record(&self, number: &Number) -> Result<Record, ErrorReply> {
        self.ctx
            .table
            .lock()
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
        let version = self.ctx.version.status();
        let rate = self.ctx.pushback.status();
        DaemonInfo {
            version: waconn_proto::VERSION.to_string(),
            pid: std::process::id(),
            started_at: self.started_at,
            socket: self.config.socket.display().to_string(),
            data_dir: self.config.data_dir.display().to_string(),
            counts: counts.into_iter().collect(),
            wa_version: version.version.to_string(),
            wa_version_source: version.origin.as_str().to_string(),
            wa_version_fetched_at: version.fetched_at,
            wa_version_error_at: version.error.as_ref().map(|(_, at)| *at),
            wa_version_error: version.error.map(|(why, _)| why),
            connect_rate: rate.rate,
            connect_rate_configured: rate.configured,
            connect_rate_reason: rate.reason,
        }
    }

    /// Registers `number` if new and follows its pairing.
    pub async fn pair(
        self: &Arc<Self>,
        number: &Number,
        by_code: bool,
    ) -> Result<mpsc::UnboundedReceiver<PairingUpdate>, ErrorReply> {
        // One registration at a time: two pairs of one new number must not
        // start two sessions, nor two writes leave out each other's number.
        let registering = self.registering.lock().await;
        let known = self.ctx.table.lock().contains_key(number);
        if !known {
            let running = self.ctx.table.lock().len() as u64;
            if let Some(fit) = crate::fdlimit::capacity().filter(|fit| running >= *fit) {
                return Err(ErrorReply::new(
                    ErrorCode::LimitReached,
                    format!(
                        "cannot pair {number}: waconnd runs {running} numbers and its open files limit carries about {fit} ({} descriptors each); raise LimitNOFILE in the systemd unit (or the hard `ulimit -n`) and restart waconnd",
                        crate::fdlimit::PER_SESSION
                    ),
                ));
            }
            let now = now_ms();
            let deadline = crate::time::after(now, self.config.pairing_ttl);
            let record = Record::new_pairing(number.clone(), now, deadline);
            // On disk before anyone can see it: a crash from now on must
            // not lose the number.
            let mut records = self.ctx.table.records();
            records.push(record.clone());
            tokio::task::block_in_place(|| self.ctx.registry.write(records)).map_err(|e| {
                ErrorReply::new(
                    ErrorCode::Internal,
                    format!("{number} is not paired: {e}, then run `wactl pair {number}` again"),
                )
            })?;
            tracing::info!("{number}: registered for pairing");
            self.spawn(record, false);
        }
        drop(registering);
        let commands = self
            .ctx
            .table
            .lock()
            .get(number)
            .map(|h| h.commands.clone())
            .ok_or_else(|| unknown(number))?;
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
            .ctx
            .table
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
            .ctx
            .table
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
        self.ctx.registry.write(self.ctx.table.records())
    }
}
