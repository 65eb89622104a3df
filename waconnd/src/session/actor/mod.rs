//! The session actor: owns one number's whatsapp-rust client, turns its
//! signals into states, and applies the policy (rebuild, park, delete).

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout};
use waconn_proto::{Number, PairingUpdate, QrCode, SessionState, StateEvent};

mod clock;
mod requests;

use super::backoff::{self, Backoff};
use super::record::Record;
use super::signal::{self, Signal};
use super::{Command, SessionHandle};
use crate::link::{self, Link};
use crate::supervisor::Supervisor;
use crate::time::{after, now_ms};

use SessionState as S;

/// How often the actor checks its client (readiness, last data).
const POLL: Duration = Duration::from_secs(1);
/// How often a CONNECTED session checks its client.
const POLL_CONNECTED: Duration = Duration::from_secs(5);
/// How long a graceful stop of a client may take.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for a client's socket or login before acting on it.
const LOGIN_WAIT: Duration = Duration::from_secs(30);
/// Wait before retrying a client the server called outdated.
const OUTDATED_RETRY: Duration = Duration::from_secs(6 * 3600);

/// Starts the actor for `record`; `connect` says whether to open the link
/// right away (restored paired sessions do).
pub fn spawn(shared: Arc<Supervisor>, record: Record, connect: bool) -> SessionHandle {
    let (commands, commands_rx) = mpsc::unbounded_channel();
    let (publish, record_rx) = watch::channel(record.clone());
    let (signals, signals_rx) = mpsc::unbounded_channel();
    let actor = Actor {
        store: shared.store_path(&record.info.number),
        shared,
        record,
        publish,
        commands: commands_rx,
        signals,
        signals_rx,
        link: None,
        generation: 0,
        watchers: Vec::new(),
        qr: None,
        wipe_store: false,
        turn: None,
        backoff: Backoff::default(),
    };
    tokio::spawn(actor.run(connect));
    SessionHandle {
        commands,
        record: record_rx,
    }
}

struct Actor {
    shared: Arc<Supervisor>,
    record: Record,
    store: PathBuf,
    publish: watch::Sender<Record>,
    commands: mpsc::UnboundedReceiver<Command>,
    signals: link::SignalSender,
    signals_rx: mpsc::UnboundedReceiver<(u64, Signal)>,
    link: Option<Link>,
    /// Bumped for every new link; signals of older ones are ignored.
    generation: u64,
    /// `wactl pair` streams following this number.
    watchers: Vec<mpsc::UnboundedSender<PairingUpdate>>,
    /// The QR code valid now, if any.
    qr: Option<QrCode>,
    /// The store holds another number's credentials: delete it when the
    /// client stops.
    wipe_store: bool,
    /// Waiting (its backoff, then its turn) to connect a paired number,
    /// outside the client: a long queue at start or after a mass drop must
    /// not run into the client's 20 s transport timeout.
    turn: Option<Turn>,
    /// The wait before a paired number's next attempt.
    backoff: Backoff,
}

/// A paired number's next attempt: its backoff, its client built, then its
/// place in the connect queue.
type Turn = Pin<Box<dyn std::future::Future<Output = anyhow::Result<link::Ready>> + Send>>;

async fn turn_taken(turn: &mut Option<Turn>) -> anyhow::Result<link::Ready> {
    match turn {
        Some(turn) => turn.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Whether the actor goes on.
enum Flow {
    Continue,
    Stop,
}

async fn link_end(link: &mut Option<Link>) {
    match link {
        Some(link) => (&mut link.handle).await,
        None => std::future::pending().await,
    }
}

impl Actor {
    fn number(&self) -> &Number {
        &self.record.info.number
    }

    fn state(&self) -> SessionState {
        self.record.info.state
    }

    async fn run(mut self, connect: bool) {
        if connect {
            self.connect_after(Duration::ZERO);
        }
        let mut next_poll = Instant::now() + POLL;
        loop {
            let wake = self.next_timer();
            let flow = tokio::select! {
                // Signals first: they describe what happened before anything
                // else that is ready now.
                biased;
                Some(tagged) = self.signals_rx.recv() => {
                    self.hear(tagged).await;
                    Flow::Continue
                }
                command = self.commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => Flow::Stop,
                },
                () = link_end(&mut self.link) => self.link_ended().await,
                ready = turn_taken(&mut self.turn) => {
                    self.turn = None;
                    match ready {
                        Ok(ready) => self.link = Some(ready.run()),
                        Err(e) => self.set(S::Failed, format!("{e:#}")),
                    }
                    Flow::Continue
                }
                () = sleep_until(next_poll) => {
                    self.poll().await;
                    next_poll = Instant::now() + self.poll_every();
                    Flow::Continue
                }
                () = async { sleep_until(wake.unwrap_or_else(Instant::now)).await }, if wake.is_some() => self.timer().await,
            };
            if let Flow::Stop = flow {
                return;
            }
        }
    }

    /// Records a transition, logs it, publishes it and tells watchers.
    fn set(&mut self, to: SessionState, reason: impl Into<String>) {
        let from = self.state();
        let now = now_ms();
        let held = Duration::from_millis(u64::try_from(now - self.record.info.since).unwrap_or(0));
        if !self.record.transition(to, reason, now) {
            return;
        }
        if from == S::Connected && to != S::Connected && held >= backoff::STABLE {
            self.backoff.reset();
        }
        if let (S::Connected, Some(link)) = (to, &self.link) {
            // From now on the actor decides when to come back, not the
            // client (which would wait for its turn inside its timeout).
            link.client
                .enable_auto_reconnect
                .store(false, std::sync::atomic::Ordering::Relaxed);
        }
        let (number, reason) = (self.number().clone(), &self.record.info.reason);
        if from == to {
            tracing::info!("{number}: {to}: {reason}");
        } else {
            tracing::info!("{number}: {from} -> {to}: {reason}");
        }
        self.changed(true);
        if let (true, Some(transition)) = (from != to, self.record.transitions.back()) {
            let _ = self.shared.events.send(StateEvent {
                number: number.clone(),
                transition: transition.clone(),
            });
        }
        let info = self.record.info.clone();
        if to == S::Connected {
            for w in self.watchers.drain(..) {
                let _ = w.send(PairingUpdate::Connected(info.clone()));
            }
        } else {
            self.watchers
                .retain(|w| w.send(PairingUpdate::State(info.clone())).is_ok());
            if to == S::Failed {
                // Nothing more will come of this pairing without a person.
                self.watchers.clear();
            }
        }
    }

    /// Publishes the record; `persist` when the change belongs on disk.
    fn changed(&mut self, persist: bool) {
        self.publish.send_replace(self.record.clone());
        if persist {
            self.shared.registry.mark_dirty();
        }
    }

    /// Connects a paired number after `wait` and its turn in the connect
    /// queue, with a client that makes that one attempt; a request or a
    /// stop cancels it all.
    fn connect_after(&mut self, wait: Duration) {
        self.generation += 1;
        let (shared, store) = (Arc::clone(&self.shared), self.store.clone());
        let (generation, signals) = (self.generation, self.signals.clone());
        self.turn = Some(Box::pin(async move {
            tokio::time::sleep(wait).await;
            let building = shared.link.builds.acquire().await?;
            let ready = link::build(&shared.link, &store, generation, signals, true).await?;
            drop(building);
            shared.link.limiter.acquire().await;
            Ok(ready)
        }));
    }

    /// Starts a client for pairing: it retries by itself, each attempt
    /// taking its turn, for as long as someone watches.
    async fn start_pairing_link(&mut self) {
        self.turn = None;
        self.generation += 1;
        let built = link::build(
            &self.shared.link,
            &self.store,
            self.generation,
            self.signals.clone(),
            false,
        )
        .await;
        match built {
            Ok(ready) => self.link = Some(ready.run()),
            Err(e) => self.set(S::Failed, format!("{e:#}")),
        }
    }

    /// Stops the client gracefully (no logout) and waits for it.
    async fn stop_link(&mut self) {
        if let Some(link) = self.link.take() {
            self.generation += 1;
            if timeout(STOP_TIMEOUT, link.handle.shutdown()).await.is_err() {
                tracing::warn!("{}: client did not stop in time; aborted", self.number());
            }
        }
        self.clear_qr();
    }

    fn clear_qr(&mut self) {
        self.qr = None;
        if self.record.info.has_qr {
            self.record.info.has_qr = false;
            self.changed(false);
        }
    }

    fn delete_store(&self) {
        if let Err(e) = crate::fsutil::remove_store(&self.store) {
            tracing::error!("{}: cannot delete credential store: {e}", self.number());
        }
    }

    /// Forgets this number: store, entry, registry on disk.
    async fn remove(&mut self, why: &str) -> Result<(), std::sync::Arc<str>> {
        self.stop_link().await;
        self.delete_store();
        tracing::info!("{}: removed: {why}", self.number());
        self.shared.forget(self.number());
        self.shared.registry.flush().await
    }

    /// Applies a signal of the current link; older links' are stale.
    async fn hear(&mut self, (generation, signal): (u64, Signal)) {
        if generation == self.generation {
            self.signal(signal).await;
        }
    }

    async fn signal(&mut self, signal: Signal) {
        let now = now_ms();
        match &signal {
            Signal::Qr(code, ttl) => {
                let qr = QrCode {
                    code: code.clone(),
                    expires_at: after(now, *ttl),
                };
                self.watchers
                    .retain(|w| w.send(PairingUpdate::Qr(qr.clone())).is_ok());
                self.qr = Some(qr);
                self.record.info.has_qr = true;
                self.changed(false);
                return;
            }
            Signal::Code(code, ttl) => {
                let code = waconn_proto::PairCode {
                    code: code.clone(),
                    expires_at: after(now, *ttl),
                };
                self.watchers
                    .retain(|w| w.send(PairingUpdate::Code(code.clone())).is_ok());
                return;
            }
            Signal::QrExhausted => {
                self.clear_qr();
                return;
            }
            Signal::Paired { jid, push_name } => {
                let user = jid.split([':', '@']).next().unwrap_or_default();
                if user != self.number().as_str() {
                    self.refuse_other_phone(user).await;
                    return;
                }
                self.clear_qr();
                let info = &mut self.record.info;
                info.paired_at = Some(now);
                info.phone_seen_at = Some(now);
                info.jid = Some(jid.clone());
                info.pairing_deadline = None;
                if !push_name.is_empty() {
                    info.push_name = Some(push_name.clone());
                }
            }
            Signal::AccountActivity => {
                // Coarse on disk (a warning counts days), exact in memory.
                let stale = self
                    .record
                    .info
                    .phone_seen_at
                    .is_none_or(|at| now - at > 3_600_000);
                self.record.info.phone_seen_at = Some(now);
                self.changed(stale);
                return;
            }
            Signal::PairError(e) => {
                tracing::warn!("{}: pairing failed: {e}", self.number());
                if self.state() == S::Pairing {
                    self.set(S::Pairing, e.clone());
                }
                return;
            }
            Signal::Banned(d) => self.record.info.retry_at = Some(after(now, *d)),
            Signal::Outdated => self.record.info.retry_at = Some(after(now, OUTDATED_RETRY)),
            _ => {}
        }
        if let Some((to, reason)) = signal::next(self.state(), &signal) {
            self.set(to, reason);
        }
    }

    /// A phone of another number scanned the code: unlink that device and
    /// start over with fresh keys.
    async fn refuse_other_phone(&mut self, user: &str) {
        let reason = format!(
            "the code was scanned by the phone of +{user}, not +{}: unlinked it; scan with the phone of +{}",
            self.number(),
            self.number()
        );
        tracing::warn!("{}: {reason}", self.number());
        self.wipe_store = true;
        self.set(S::Pairing, reason);
        if let Some(link) = &self.link {
            let client = Arc::clone(&link.client);
            // Unlinking needs a logged-in socket: the client reconnects (515)
            // right after pairing, so wait for that first.
            tokio::spawn(async move {
                let _ = client.wait_for_connected(LOGIN_WAIT).await;
                client.logout().await;
            });
        }
    }

    /// The client's run loop ended: decide what comes next.
    async fn link_ended(&mut self) -> Flow {
        // The client's last words (a logout, a ban...) are queued before its
        // run loop ends: hear them before deciding.
        while let Ok(tagged) = self.signals_rx.try_recv() {
            self.hear(tagged).await;
        }
        self.link = None;
        self.clear_qr();
        let now = now_ms();
        match self.state() {
            S::LoggedOut => {
                self.delete_store();
                self.record.info.forget_at =
                    Some(after(now, self.shared.config.logged_out_retention));
                self.record.info.jid = None;
                self.changed(true);
            }
            S::Pairing => {
                if std::mem::take(&mut self.wipe_store) {
                    self.delete_store();
                }
                self.watchers.retain(|w| !w.is_closed());
                if self.watchers.is_empty() {
                    let why = format!(
                        "no one is watching the QR codes; run `wactl pair {}` to get new ones",
                        self.number()
                    );
                    self.set(S::Pairing, why);
                } else {
                    self.start_pairing_link().await;
                }
            }
            S::Banned | S::Outdated | S::Replaced | S::Failed => {}
            _ if self.record.info.jid.is_some() => {
                if self.state() != S::Disconnected {
                    self.set(S::Disconnected, "the connection ended");
                }
                let wait = self.backoff.next(self.shared.config.max_backoff);
                tracing::debug!("{}: next attempt in {wait:?}", self.number());
                self.connect_after(wait);
            }
            _ => self.set(S::Failed, "the client stopped on its own"),
        }
        Flow::Continue
    }
}
