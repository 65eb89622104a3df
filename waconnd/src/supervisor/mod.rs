//! The supervisor: starts the sessions (restoring the registry, adopting
//! orphaned stores), registers new numbers, reaches a session, and closes
//! them all at shutdown. The request handlers build on it.

use std::sync::Arc;

mod fleet;
mod silence;

use tokio::sync::{broadcast, mpsc, oneshot};
use waconn_proto::{ErrorCode, ErrorReply, Number, SessionState, StateEvent};

use crate::cli::Config;
use crate::cluster::{Cluster, PgSink};
use crate::engine::postgres::{PgEngine, PgOptions};
use crate::limiter::ConnectLimiter;
use crate::link::LinkSettings;
use crate::pushback::Pushback;
use crate::registry::{Entry, Registry, Sink};
use crate::session::context::SessionContext;
use crate::session::policy::Settings;
use crate::session::record::Record;
use crate::session::table::SessionTable;
use crate::session::{self, Command, SessionHandle};
use crate::store::Stores;
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
    /// The push alerts, subscribed before any session runs.
    pub alerts: crate::alerts::Alerts,
    started_at: i64,
    /// Held while a new number is registered.
    registering: tokio::sync::Mutex<()>,
}

/// The answer about a number the daemon does not have.
pub fn unknown(number: &Number) -> ErrorReply {
    ErrorReply::new(
        ErrorCode::UnknownNumber,
        format!(
            "{number} is not registered with waconnd; `wactl list` shows the numbers it has, `wactl pair {number}` adds it"
        ),
    )
}

impl Supervisor {
    /// Restores the registry and starts every session: those of the data
    /// directory, or, on a shared database, those the cluster gives this
    /// node.
    pub async fn start(config: Config) -> anyhow::Result<Arc<Self>> {
        let (stores, registry, entries, cluster_events) = match &config.database {
            None => {
                let dir = config.data_dir.join("sessions");
                crate::fsutil::private_dir(&dir)?;
                let entries = crate::registry::load(&config.data_dir)?;
                let registry = Registry::start(&config.data_dir, entries.clone());
                (Stores::Files { dir }, registry, entries, None)
            }
            Some(db) => {
                crate::fdlimit::use_database();
                // A query waits for a connection no longer than a few
                // renewals: while the database is away, answers say so
                // rather than hang.
                let options = PgOptions {
                    acquire_timeout: (db.timings.renew * 4).max(std::time::Duration::from_secs(2)),
                    ..PgOptions::default()
                };
                let pg = PgEngine::connect_with(db.url.expose(), options).await?;
                let (cluster, events) = Cluster::join(pg, db.node.clone(), db.timings).await?;
                let sink = Sink::Rows(Box::new(PgSink::new(Arc::clone(&cluster))));
                // Other nodes read the rows: checkpointed every two
                // renewals (only changed rows are written).
                let checkpoint = (db.timings.renew * 2).max(std::time::Duration::from_secs(1));
                let registry = Registry::start_with(sink, Vec::new(), checkpoint);
                (
                    Stores::Database(cluster),
                    registry,
                    Vec::new(),
                    Some(events),
                )
            }
        };
        let registry = Arc::new(registry);
        let records: Vec<Record> = entries.into_iter().map(Record::from).collect();
        let limiter = Arc::new(ConnectLimiter::new(config.connect_rate));
        // Subscribers that fall this far behind skip ahead.
        let events = broadcast::channel(1024).0;
        let ctx = Arc::new(SessionContext {
            settings: Settings {
                pairing_ttl: config.pairing_ttl,
                logged_out_retention: config.logged_out_retention,
                max_backoff: config.max_backoff,
                login_timeout: config.login_timeout,
                pairing_settle: config.pairing_settle,
                silence_window: config.silence_window,
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
            stores,
            events: events.clone(),
            table: Arc::new(SessionTable::default()),
        });
        silence::watch(Arc::clone(&ctx.table), config.silence_window);
        let shared = Arc::new(Self {
            alerts: crate::alerts::Alerts::start(&config.alerts, &events),
            config,
            ctx,
            events,
            started_at: now_ms(),
            registering: tokio::sync::Mutex::new(()),
        });
        let now = now_ms();
        let mut restored = Vec::new();
        for mut record in records {
            let info = &record.info;
            if info.state == SessionState::Pairing
                && info.pairing_deadline.is_some_and(|d| d <= now)
            {
                tracing::info!("{}: removed: never paired within its deadline", info.number);
                shared.delete_store(&info.number).await;
                continue;
            }
            if info.state == SessionState::LoggedOut && info.forget_at.is_some_and(|d| d <= now) {
                continue;
            }
            let connect = resume(&mut record, "daemon started", now);
            restored.push(record.info.number.to_string());
            shared.spawn(record, connect);
        }
        if matches!(shared.ctx.stores, Stores::Files { .. }) {
            for record in shared.adopt_orphans(&restored).await {
                restored.push(record.info.number.to_string());
                shared.spawn(record, true);
            }
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
        match cluster_events {
            None => {
                // Restored and adopted as they are now; a failure is logged
                // and retried, and the sessions run meanwhile.
                let entries = shared.ctx.table.records().iter().map(Entry::from).collect();
                let _ = shared.ctx.registry.checkpoint(Some(entries)).await;
            }
            Some(inbox) => {
                tokio::spawn(Arc::clone(&shared).serve_cluster(inbox));
                if let Some(cluster) = shared.cluster() {
                    cluster.start();
                }
            }
        }
        Ok(shared)
    }

    /// Starts the session of `record` and puts it in the table.
    fn spawn(&self, record: Record, connect: bool) {
        let number = record.info.number.clone();
        let handle = session::spawn(Arc::clone(&self.ctx), record, connect);
        let sessions = self.ctx.table.insert(number, handle);
        self.ctx.pushback.set_sessions(sessions);
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
                    self.delete_store(&number).await;
                }
                Err(e) => {
                    tracing::error!("{number}: left an unreadable credential store alone: {e:#}")
                }
            }
        }
        adopted
    }

    /// Where the credentials live.
    pub fn stores(&self) -> &Stores {
        &self.ctx.stores
    }

    async fn delete_store(&self, number: &Number) {
        if let Err(e) = self.ctx.stores.delete(number).await {
            tracing::error!("{number}: cannot delete credentials: {e:#}");
        }
    }

    /// The running sessions.
    pub fn table(&self) -> &SessionTable {
        &self.ctx.table
    }

    /// The WhatsApp Web version source.
    pub fn version(&self) -> &VersionSource {
        &self.ctx.version
    }

    /// The watch on WhatsApp's pushback and the connect rate.
    pub fn pushback(&self) -> &Pushback {
        &self.ctx.pushback
    }

    /// When the daemon started (epoch ms).
    pub fn started_at(&self) -> i64 {
        self.started_at
    }

    /// `number`'s record.
    pub fn record(&self, number: &Number) -> Result<Record, ErrorReply> {
        self.ctx
            .table
            .lock()
            .get(number)
            .map(SessionHandle::record)
            .ok_or_else(|| unknown(number))
    }

    /// Where `number`'s session takes commands.
    pub fn commands(&self, number: &Number) -> Result<mpsc::UnboundedSender<Command>, ErrorReply> {
        self.ctx
            .table
            .lock()
            .get(number)
            .map(|h| h.commands.clone())
            .ok_or_else(|| unknown(number))
    }

    /// Starts a session for `number` if it has none, once it is on disk.
    pub async fn register(&self, number: &Number) -> Result<(), ErrorReply> {
        // One registration at a time: two pairs of one new number must not
        // start two sessions, nor two writes leave out each other's number.
        let _registering = self.registering.lock().await;
        if self.ctx.table.lock().contains_key(number) {
            return Ok(());
        }
        let running = self.ctx.table.lock().len() as u64;
        if let Some(fit) = crate::fdlimit::capacity().filter(|fit| running >= *fit) {
            return Err(ErrorReply::new(
                ErrorCode::LimitReached,
                format!(
                    "cannot pair {number}: waconnd runs {running} numbers and its open files limit carries about {fit} ({} descriptors each); raise LimitNOFILE in the systemd unit (or the hard `ulimit -n`) and restart waconnd",
                    crate::fdlimit::per_session()
                ),
            ));
        }
        let now = now_ms();
        let deadline = crate::time::after(now, self.config.pairing_ttl);
        let record = Record::new_pairing(number.clone(), now, deadline);
        // On disk before anyone can see it: a crash from now on must not
        // lose the number.
        let failed = |e: &dyn std::fmt::Display| {
            ErrorReply::new(
                ErrorCode::Internal,
                format!("{number} is not paired: {e}, then run `wactl pair {number}` again"),
            )
        };
        match self.cluster() {
            None => self
                .ctx
                .registry
                .put_durably(Entry::from(&record))
                .await
                .map_err(|e| failed(&e))?,
            Some(cluster) => {
                // Its owner row and its entry in one transaction.
                cluster.register(&Entry::from(&record)).await.map_err(|e| {
                    if format!("{e:#}").contains("runs on node") {
                        ErrorReply::new(ErrorCode::InvalidState, format!("{e:#}"))
                    } else {
                        failed(&format!("{e:#}"))
                    }
                })?;
                self.ctx.registry.put(Entry::from(&record));
            }
        }
        tracing::info!("{number}: registered for pairing");
        self.spawn(record, false);
        Ok(())
    }

    /// Asks `number`'s session to act and waits for its answer.
    pub async fn ask(
        &self,
        number: &Number,
        command: impl FnOnce(session::Reply) -> Command,
    ) -> Result<String, ErrorReply> {
        let commands = self.commands(number)?;
        let (reply, answer) = oneshot::channel();
        commands.send(command(reply)).map_err(|_| unknown(number))?;
        answer.await.map_err(|_| unknown(number))?
    }

    /// Closes every session gracefully (no logout) and saves the registry;
    /// returns how many numbers it saved, or why it could not.
    pub async fn shutdown(&self) -> Result<usize, std::sync::Arc<str>> {
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
        let entries: Vec<Entry> = self.ctx.table.records().iter().map(Entry::from).collect();
        let saved = entries.len();
        let written = self.ctx.registry.checkpoint(Some(entries)).await;
        if let Some(cluster) = self.cluster() {
            // Free at once for the others, rather than after the takeover time.
            cluster.leave().await;
        }
        written.map(|()| saved)
    }
}

/// Readies a restored or adopted `record` to run again; whether it
/// connects now (a paired number that was not stopped for a reason a person
/// must act on).
fn resume(record: &mut Record, why: &str, now: i64) -> bool {
    record.info.has_qr = false;
    match record.info.state {
        SessionState::Pairing | SessionState::LoggedOut => false,
        SessionState::Replaced | SessionState::Failed => false,
        SessionState::Banned | SessionState::Outdated => false,
        _ => {
            record.transition(SessionState::Connecting, why, now);
            true
        }
    }
}
