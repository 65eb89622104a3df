//! The session actor: owns one number's whatsapp-rust client, feeds what
//! happens to the policy, and carries out what the policy decides.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};
use tracing::Instrument;
use waconn_proto::{ErrorReply, Number, PairingUpdate, QrCode, SessionState, StateEvent};

mod effects;
mod requests;

use super::context::SessionContext;
use super::liveness::Liveness;
use super::model::{Dirty, Model};
use super::policy::{self, Input};
use super::record::Record;
use super::signal::Signal;
use super::{Command, STOP_TIMEOUT, SessionHandle};
use crate::engine::postgres::FenceLost;
use crate::link::{self, Link};
use crate::store::Store;
use crate::time::until;
use crate::version;

use SessionState as S;

/// How long to wait for a client's socket or login before acting on it.
const LOGIN_WAIT: Duration = Duration::from_secs(30);

/// Starts the actor for `record`; `connect` says whether to connect right
/// away (restored paired sessions do).
pub fn spawn(ctx: Arc<SessionContext>, record: Record, connect: bool) -> SessionHandle {
    let (commands, commands_rx) = mpsc::unbounded_channel();
    let (publish, record_rx) = watch::channel(record.clone());
    let (signals, signals_rx) = mpsc::unbounded_channel();
    let version = ctx.version.subscribe();
    let liveness = Arc::new(Liveness::new(
        record.info.messages_received,
        record.info.last_message_at,
    ));
    let lease = ctx.stores.cluster().map(|cluster| cluster.lease());
    let actor = Actor {
        liveness: Arc::clone(&liveness),
        ended: None,
        ctx,
        model: Model::new(record),
        backend: None,
        fence: None,
        lease,
        publish,
        commands: commands_rx,
        signals,
        signals_rx,
        link: None,
        turn: None,
        generation: 0,
        watchers: Vec::new(),
        qr: None,
        version,
    };
    tokio::spawn(actor.run(connect));
    SessionHandle {
        commands,
        record: record_rx,
        liveness,
    }
}

struct Actor {
    ctx: Arc<SessionContext>,
    model: Model,
    /// The credential store, once opened; kept across reconnects.
    backend: Option<Store>,
    /// A database store's fence: turns to the loss when a write finds the
    /// number owned by another node.
    fence: Option<FenceWatch>,
    /// Whether this node's lease in the shared database holds.
    lease: Option<watch::Receiver<bool>>,
    publish: watch::Sender<Record>,
    commands: mpsc::UnboundedReceiver<Command>,
    signals: link::SignalSender,
    signals_rx: mpsc::UnboundedReceiver<(u64, super::signal::Signal)>,
    link: Option<Link>,
    /// The next client: its backoff, its build, then its place in the
    /// connect queue, outside the client (a long queue must not run into
    /// the client's 20 s transport timeout).
    turn: Option<Turn>,
    /// Bumped for every new client; signals of older ones are ignored.
    generation: u64,
    /// `wactl pair` streams following this number.
    watchers: Vec<mpsc::UnboundedSender<PairingUpdate>>,
    /// The QR code valid now, if any.
    qr: Option<QrCode>,
    /// The daemon's WhatsApp Web version.
    version: watch::Receiver<version::Status>,
    /// When the client last received data, for readers.
    liveness: Arc<Liveness>,
    /// What the ended client leaves, kept until the next starts: its late
    /// words still come, on tasks of its own.
    ended: Option<link::Ended>,
}

/// The watch on a database store's fence.
type FenceWatch = watch::Receiver<Option<FenceLost>>;

/// What a turn came to.
enum Turned {
    /// The client is built, its turn taken: it connects when run. The
    /// store, and its fence when it was opened for this turn.
    Ready(Box<link::Ready>, Store, Option<FenceWatch>),
    /// The database names another owner (or none): this node must let the
    /// number go.
    NotOwned(Option<String>),
}

/// A client being readied: its wait, its build, then its turn.
type Turn = Pin<Box<dyn std::future::Future<Output = anyhow::Result<Turned>> + Send>>;

async fn turn_taken(turn: &mut Option<Turn>) -> anyhow::Result<Turned> {
    match turn {
        Some(turn) => turn.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Resolves with the loss once the fence is lost.
async fn fence_lost(fence: &mut Option<FenceWatch>) -> FenceLost {
    if let Some(watch) = fence
        && let Ok(lost) = watch.wait_for(Option::is_some).await
        && let Some(lost) = lost.clone()
    {
        return lost;
    }
    std::future::pending().await
}

/// Resolves when the lease lapses.
async fn lease_lapsed(lease: &mut Option<watch::Receiver<bool>>) {
    if let Some(lease) = lease
        && lease.changed().await.is_ok()
        && !*lease.borrow_and_update()
    {
        return;
    }
    std::future::pending().await
}

async fn link_end(link: &mut Option<Link>) {
    match link {
        Some(link) => (&mut link.handle).await,
        None => std::future::pending().await,
    }
}

/// Whether the actor goes on.
enum Flow {
    Continue,
    Stop,
}

impl Actor {
    fn number(&self) -> &Number {
        &self.model.record.info.number
    }

    fn state(&self) -> SessionState {
        self.model.state()
    }

    async fn run(mut self, connect: bool) {
        if let (Flow::Stop, _) = self.apply(Input::Start { connect }).await {
            return;
        }
        loop {
            let wake = policy::next_deadline(&self.model).map(|at| Instant::now() + until(at));
            let (flow, _) = tokio::select! {
                // Signals first: they describe what happened before anything
                // else that is ready now.
                biased;
                Some((generation, signal)) = self.signals_rx.recv() => {
                    match signal {
                        _ if generation == self.generation => self.hear(signal).await,
                        Signal::ServerSaid(word) if generation + 1 == self.generation => {
                            self.apply(Input::LateWord(word)).await
                        }
                        _ => (Flow::Continue, None),
                    }
                }
                command = self.commands.recv() => match command {
                    Some(command) => (self.command(command).await, None),
                    None => (Flow::Stop, None),
                },
                () = link_end(&mut self.link) => self.link_ended().await,
                lost = fence_lost(&mut self.fence) => {
                    let why = lost.owner.map_or_else(
                        || "its owner row is gone".to_string(),
                        |owner| format!("node `{}` owns it now", owner.node),
                    );
                    self.release(&format!("a write was refused: {why}"), false)
                        .await;
                    (Flow::Stop, None)
                }
                () = lease_lapsed(&mut self.lease) => {
                    self.apply(Input::Hold(
                        "waiting for the database: this node could not renew its lease, so it runs no number until it answers".into(),
                    ))
                    .await
                }
                ready = turn_taken(&mut self.turn) => {
                    self.turn = None;
                    match ready {
                        Ok(Turned::NotOwned(owner)) => {
                            let why = owner.map_or_else(
                                || "it has no owner in the database".to_string(),
                                |node| format!("node `{node}` owns it now"),
                            );
                            self.release(&why, false).await;
                            (Flow::Stop, None)
                        }
                        Ok(Turned::Ready(ready, store, fence)) => {
                            self.backend = Some(store);
                            if fence.is_some() {
                                self.fence = fence;
                            }
                            self.ended = None;
                            let link = ready.run();
                            self.liveness.watch(&link.client);
                            self.link = Some(link);
                            self.apply(Input::TurnTaken).await
                        }
                        Err(e) => self.apply(Input::TurnFailed(format!("{e:#}"))).await,
                    }
                }
                () = async { sleep_until(wake.unwrap_or_else(Instant::now)).await }, if wake.is_some() => {
                    self.apply(Input::Deadline).await
                }
                Ok(()) = self.version.changed() => {
                    let version = self.version.borrow_and_update().version;
                    self.apply(Input::VersionChanged(version.to_string())).await
                }
            };
            if let Flow::Stop = flow {
                return;
            }
        }
    }

    /// Feeds `input` to the policy, tells everyone what changed and
    /// carries out its effects; returns the answer it gave, if any.
    async fn apply(&mut self, input: Input) -> (Flow, Option<Result<String, ErrorReply>>) {
        let effects = policy::step(
            &mut self.model,
            input,
            &self.ctx.settings,
            crate::time::now_ms(),
        );
        self.persist_and_publish().await;
        let mut answer = None;
        for effect in effects {
            match self.carry_out(effect).await {
                effects::Done::Next => {}
                effects::Done::Answer(a) => answer = Some(a),
                effects::Done::Stop => return (Flow::Stop, answer),
            }
        }
        self.persist_and_publish().await;
        (Flow::Continue, answer)
    }

    /// Applies a signal of the current client.
    async fn hear(&mut self, signal: Signal) -> (Flow, Option<Result<String, ErrorReply>>) {
        // Replaced: only a number this node still owns is; one another node
        // took is let go.
        let mut signal = signal;
        if let (Signal::Replaced(_), Some(cluster)) = (&signal, self.ctx.stores.cluster()) {
            let cluster = Arc::clone(cluster);
            if let Ok(false) = cluster.confirm(self.number()).await {
                let owner = cluster.owner_of(self.number()).await.ok().flatten();
                let why = owner.map_or_else(
                    || "replaced, and it has no owner in the database".to_string(),
                    |node| format!("replaced by node `{node}`, which owns it now"),
                );
                self.release(&why, false).await;
                return (Flow::Stop, None);
            }
            // Taken over from a node that stopped renewing: a client of
            // that node frozen in the middle of its login can still finish
            // it. It gives the number up once it hears it is replaced in
            // turn, so this one connects again rather than stop.
            let window = i64::try_from((cluster.timings.takeover * 2).as_millis()).unwrap_or(0);
            let now = crate::time::now_ms();
            let taken =
                self.model.record.transitions.iter().rev().find(|t| {
                    t.reason.starts_with(crate::cluster::TAKEN_OVER) && now - t.at < window
                });
            if let Some(taken) = taken {
                signal = Signal::Lost(format!(
                    "replaced by a late client of the node it was taken from ({}); connecting again",
                    taken.reason
                ));
            }
        }
        let refused = match &signal {
            Signal::Outdated(version) => Some(version.clone()),
            _ => None,
        };
        let heard = self.apply(Input::Signal(signal)).await;
        // Refused with a version older than the daemon's by now (another
        // number's refusal fetched a newer one): try again with it at once.
        let current = self.ctx.version.current().to_string();
        match refused {
            Some(version) if version != current => self.apply(Input::VersionChanged(current)).await,
            _ => heard,
        }
    }

    /// Gives the registry what changed (a durable change on disk before
    /// anyone hears of it), then tells everyone.
    async fn persist_and_publish(&mut self) {
        let entry = || crate::registry::Entry::from(&self.model.record);
        match self.model.dirty() {
            Dirty::Durable => {
                // A failure is logged and retried by the writer.
                let _ = self.ctx.registry.put_durably(entry()).await;
            }
            Dirty::Live => self.ctx.registry.put(entry()),
            Dirty::Clean => {}
        }
        self.publish_changes();
    }

    /// Logs and publishes what the policy changed, and tells the
    /// event stream and whoever follows the pairing.
    fn publish_changes(&mut self) {
        let (dirty, transitions) = self.model.take_changes();
        if dirty == Dirty::Clean && transitions.is_empty() {
            return;
        }
        let number = self.number().clone();
        for t in &transitions {
            let loud = matches!(
                t.to,
                S::LoggedOut | S::Replaced | S::Banned | S::Outdated | S::Failed
            );
            match (t.from == t.to, loud) {
                (true, _) => tracing::info!("{number}: {}: {}", t.to, t.reason),
                (false, true) => {
                    tracing::warn!("{number}: {} -> {}: {}", t.from, t.to, t.reason)
                }
                (false, false) => {
                    tracing::info!("{number}: {} -> {}: {}", t.from, t.to, t.reason)
                }
            }
            if t.from != t.to {
                self.ctx.table.moved(Some(t.from), Some(t.to));
                let _ = self.ctx.events.send(StateEvent {
                    number: number.clone(),
                    transition: t.clone(),
                });
            }
        }
        self.publish.send_replace(self.model.record.clone());
        if transitions.is_empty() {
            return;
        }
        let info = self.model.record.info.clone();
        if info.state == S::Connected {
            for w in self.watchers.drain(..) {
                let _ = w.send(PairingUpdate::Connected(info.clone()));
            }
        } else {
            self.watchers
                .retain(|w| w.send(PairingUpdate::State(info.clone())).is_ok());
            if info.state == S::Failed {
                // Nothing more will come of this pairing without a person.
                self.watchers.clear();
            }
        }
    }

    /// The client's run loop ended.
    async fn link_ended(&mut self) -> (Flow, Option<Result<String, ErrorReply>>) {
        tracing::debug!("{}: link {} ended", self.number(), self.generation);
        // The client's last words (a logout, a ban...) are queued before its
        // run loop ends: hear them first.
        while let Ok((generation, signal)) = self.signals_rx.try_recv() {
            if generation == self.generation
                && let (Flow::Stop, answer) = self.hear(signal).await
            {
                return (Flow::Stop, answer);
            }
        }
        self.keep_last_data();
        self.ended = self.link.take().map(Link::ended);
        self.qr = None;
        self.watchers.retain(|w| !w.is_closed());
        let watched = !self.watchers.is_empty();
        self.apply(Input::LinkEnded { watched }).await
    }

    /// Keeps when the client that ends last received data.
    fn keep_last_data(&mut self) {
        let before = self.model.record.info.clone();
        self.liveness.fill(&mut self.model.record.info);
        if self.model.record.info != before {
            self.model.touch(Dirty::Live);
        }
        self.liveness.clear();
    }

    async fn delete_store(&mut self) {
        // Closed first: its connection would go on writing to the deleted
        // file.
        self.backend = None;
        if let Err(e) = self.ctx.stores.delete(self.number()).await {
            tracing::error!("{}: cannot delete credentials: {e:#}", self.number());
        }
    }

    /// Lets the number go without writing anything: another node runs it
    /// (or will). The link stops, the registry and the table forget it.
    pub(super) async fn release(&mut self, why: &str, handing: bool) {
        // Closed gracefully: what it would flush is refused by the fence,
        // which no longer names this node.
        self.stop_link().await;
        self.backend = None;
        let number = self.number().clone();
        tracing::info!("{number}: no longer run by this node: {why}");
        if matches!(self.state(), S::Connected | S::Connecting | S::Reconnecting) {
            let now = crate::time::now_ms();
            self.model
                .set(S::Disconnected, format!("left this node: {why}"), now);
            self.publish_changes();
        }
        if handing {
            // The next node starts from the entry as it is now (when it went
            // offline here included).
            let entry = crate::registry::Entry::from(&self.model.record);
            let _ = self.ctx.registry.put_durably(entry).await;
        }
        self.ctx.table.forget(&number);
        self.ctx.registry.release(&number);
        if let Some(cluster) = self.ctx.stores.cluster()
            && !handing
        {
            cluster.released(&number);
        }
        for w in self.watchers.drain(..) {
            let _ = w.send(PairingUpdate::Ended(format!(
                "{number} is no longer run by this node: {why}"
            )));
        }
    }

    /// Stops the client gracefully (no logout) and waits for it, or cancels
    /// the one being readied.
    async fn stop_link(&mut self) {
        self.turn = None;
        self.keep_last_data();
        if let Some(link) = self.link.take() {
            self.generation += 1;
            let stopped = link.handle.shutdown().instrument(link.span.clone());
            if tokio::time::timeout(STOP_TIMEOUT, stopped).await.is_err() {
                tracing::warn!("{}: client did not stop in time; aborted", self.number());
            }
        }
        self.qr = None;
        if self.model.record.info.has_qr {
            self.model.record.info.has_qr = false;
            self.model.touch(Dirty::Live);
        }
    }

    /// Forgets this number: store, entry, registry on disk.
    async fn remove(&mut self, why: &str) -> Result<(), Arc<str>> {
        self.stop_link().await;
        self.delete_store().await;
        tracing::info!("{}: removed: {why}", self.number());
        self.ctx.table.forget(self.number());
        self.ctx.registry.remove(self.number()).await
    }
}
