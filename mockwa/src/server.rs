//! The running mock: shared state, the operations of the admin API, and the
//! handle tests hold.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use wacore_binary::Node;

use crate::config::Config;
use crate::faults::Faults;
use crate::keys::ServerKeys;
use crate::phone::QrCode;
use crate::registry::{DeviceInfo, Registry};
use crate::stats::{Stats, StatsSnapshot};

/// Why a scan did not link a device.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScanError {
    /// The text is not a QR payload, or the phone is not a number.
    #[error("malformed code: {0}")]
    Malformed(String),
    /// No connection holds that ref, or its validity ran out.
    #[error("unknown or expired ref")]
    UnknownRef,
    /// The client refused or botched the pairing.
    #[error("the client rejected the pairing: {0}")]
    Rejected(String),
    /// The client did not answer the pairing in time.
    #[error("the client did not answer the pairing")]
    Timeout,
}

/// What a connection task is told to do from outside.
pub(crate) enum Command {
    /// Cut the socket without a close frame.
    Abort,
    /// Send this stream error, then close.
    StreamError(Node),
    /// The phone scanned a ref this connection holds.
    Scan(ScanRequest),
    /// The user typed a pair code on the phone this connection asked for.
    EnterCode(CodeEntry),
}

/// A pair code typed on the phone, routed to the connection that asked to
/// link with that phone number.
pub(crate) struct CodeEntry {
    pub code: String,
    pub phone: String,
    pub push_name: String,
    pub reply: oneshot::Sender<Result<String, ScanError>>,
}

/// A scan routed to the registration connection that owns the ref.
pub(crate) struct ScanRequest {
    pub qr: QrCode,
    pub phone: String,
    pub push_name: String,
    pub reply: oneshot::Sender<Result<String, ScanError>>,
}

struct LiveConn {
    /// The logged-in device, once `<success>` was sent.
    account: Option<(String, u16)>,
    tx: mpsc::UnboundedSender<Command>,
}

/// Open connections and the QR refs they hold.
#[derive(Default)]
pub(crate) struct Live {
    next_id: u64,
    conns: HashMap<u64, LiveConn>,
    refs: HashMap<String, (u64, Instant)>,
    /// Phone number -> the connection waiting for its pair code.
    codes: HashMap<String, u64>,
}

/// State every connection and the admin API share.
pub(crate) struct Shared {
    pub config: Config,
    pub keys: ServerKeys,
    pub registry: Mutex<Registry>,
    pub faults: Mutex<Faults>,
    pub stats: Stats,
    live: Mutex<Live>,
    pub shutdown: watch::Receiver<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    /// Registers a new connection; it receives commands on the returned end.
    pub fn open(&self) -> (u64, mpsc::UnboundedReceiver<Command>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut live = lock(&self.live);
        live.next_id += 1;
        let id = live.next_id;
        live.conns.insert(id, LiveConn { account: None, tx });
        crate::stats::bump(&self.stats.live_connections);
        (id, rx)
    }

    /// Forgets a closed connection and its refs.
    pub fn close(&self, id: u64) {
        let mut live = lock(&self.live);
        if live.conns.remove(&id).is_some() {
            self.stats
                .live_connections
                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
        live.refs.retain(|_, (conn, _)| *conn != id);
        live.codes.retain(|_, conn| *conn != id);
    }

    /// Marks connection `id` logged in as `phone:device`.
    pub fn logged_in(&self, id: u64, phone: &str, device: u16) {
        if let Some(conn) = lock(&self.live).conns.get_mut(&id) {
            conn.account = Some((phone.to_string(), device));
        }
    }

    /// Publishes the refs a registration connection handed out.
    pub fn offer_refs(&self, id: u64, refs: &[String]) {
        let now = Instant::now();
        let mut live = lock(&self.live);
        let mut until = now + self.config.first_ref_ttl;
        for reference in refs {
            live.refs.insert(reference.clone(), (id, until));
            until += self.config.ref_ttl;
        }
    }

    /// Connection `id` asked to link with `phone` by code.
    pub fn offer_code(&self, id: u64, phone: &str) {
        lock(&self.live).codes.insert(phone.to_string(), id);
    }

    /// The user types `code` on the phone of `phone`; returns the new
    /// device's JID once the client confirmed the pairing.
    pub async fn enter_code(
        &self,
        phone: &str,
        code: &str,
        push_name: Option<&str>,
    ) -> Result<String, ScanError> {
        if !wacore::pair_code::PairCodeUtils::validate_code(code) {
            return Err(ScanError::Malformed(format!(
                "`{code}` is not a pair code: 8 characters of 123456789ABCDEFGHJKLMNPQRSTVWXYZ"
            )));
        }
        let (reply, answer) = oneshot::channel();
        let entry = CodeEntry {
            code: code.to_ascii_uppercase(),
            phone: phone.to_string(),
            push_name: push_name.map_or_else(|| format!("Mock {phone}"), str::to_string),
            reply,
        };
        let sent = {
            let live = lock(&self.live);
            let conn = live.codes.get(phone).and_then(|id| live.conns.get(id));
            conn.is_some_and(|c| c.tx.send(Command::EnterCode(entry)).is_ok())
        };
        if !sent {
            return Err(ScanError::UnknownRef);
        }
        answer.await.unwrap_or(Err(ScanError::UnknownRef))
    }

    /// Sends a command to every logged-in connection of `phone` (of every
    /// phone if `None`); returns how many got it.
    fn signal(&self, phone: Option<&str>, command: impl Fn() -> Command) -> usize {
        lock(&self.live)
            .conns
            .values()
            .filter(|c| {
                c.account
                    .as_ref()
                    .is_some_and(|(p, _)| phone.is_none_or(|want| want == p))
            })
            .filter(|c| c.tx.send(command()).is_ok())
            .count()
    }

    /// The phone scans `qr`: the connection holding its ref is paired to
    /// `phone`. Returns the new device's JID.
    pub async fn scan(
        &self,
        qr: &str,
        phone: &str,
        push_name: Option<&str>,
    ) -> Result<String, ScanError> {
        let qr = QrCode::parse(qr).map_err(|e| ScanError::Malformed(format!("{e:#}")))?;
        if phone.is_empty() || !phone.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScanError::Malformed(format!(
                "phone `{phone}` is not digits only"
            )));
        }
        let (reply, answer) = oneshot::channel();
        {
            let live = lock(&self.live);
            let conn = match live.refs.get(&qr.reference) {
                Some((conn, until)) if *until > Instant::now() => live.conns.get(conn),
                _ => None,
            };
            let request = ScanRequest {
                qr,
                phone: phone.to_string(),
                push_name: push_name.map_or_else(|| format!("Mock {phone}"), str::to_string),
                reply,
            };
            let sent = conn.is_some_and(|c| c.tx.send(Command::Scan(request)).is_ok());
            if !sent {
                tracing::debug!(refs = live.refs.len(), "scan of an unknown ref");
                return Err(ScanError::UnknownRef);
            }
        }
        answer.await.unwrap_or(Err(ScanError::UnknownRef))
    }

    /// Cuts the live sockets of `phone` (every phone if `None`).
    pub fn drop_connections(&self, phone: Option<&str>) -> usize {
        self.signal(phone, || Command::Abort)
    }

    /// Answers WebSocket upgrades 503 for `duration` (zero ends it).
    pub fn refuse(&self, duration: Duration) {
        self.faults().refuse_until = (!duration.is_zero()).then(|| Instant::now() + duration);
    }

    /// Stops answering the logged-in sockets of `phone` for `duration`.
    pub fn mute(&self, phone: Option<&str>, duration: Duration) {
        self.faults().mute.set(phone, duration, Instant::now());
    }

    /// The phone removes its devices: live sockets get `conflict
    /// device_removed`, later logins 401. Returns how many devices it removed.
    pub fn logout(&self, phone: Option<&str>) -> usize {
        let removed: Vec<(String, u16)> = {
            let mut registry = self.registry();
            let linked = registry.devices(phone);
            linked
                .into_iter()
                .filter(|d| registry.remove(&d.phone, d.device))
                .map(|d| (d.phone, d.device))
                .collect()
        };
        let removed_set: HashSet<&(String, u16)> = removed.iter().collect();
        for conn in lock(&self.live).conns.values() {
            if conn
                .account
                .as_ref()
                .is_some_and(|a| removed_set.contains(a))
            {
                let _ = conn
                    .tx
                    .send(Command::StreamError(crate::nodes::stream_conflict(
                        "device_removed",
                    )));
            }
        }
        removed.len()
    }

    /// Another client took over: live sockets get `conflict replaced`.
    pub fn replace(&self, phone: Option<&str>) -> usize {
        self.signal(phone, || {
            Command::StreamError(crate::nodes::stream_conflict("replaced"))
        })
    }

    /// Bans `phone` for `duration`: live sockets are cut and logins until the
    /// expiry are answered 402.
    pub fn ban(&self, phone: Option<&str>, duration: Duration) -> usize {
        self.faults().ban.set(phone, duration, Instant::now());
        if duration.is_zero() {
            return 0;
        }
        self.drop_connections(phone)
    }

    /// Rejects every login with 405 while enabled; live sockets are cut so
    /// they meet it.
    pub fn set_outdated(&self, enabled: bool) -> usize {
        self.faults().outdated = enabled;
        if enabled {
            self.drop_connections(None)
        } else {
            0
        }
    }

    /// Every device the phones linked, with whether it is connected now.
    pub fn devices(&self) -> Vec<DeviceInfo> {
        let online: HashSet<(String, u16)> = lock(&self.live)
            .conns
            .values()
            .filter_map(|c| c.account.clone())
            .collect();
        let mut devices = self.registry().devices(None);
        for d in &mut devices {
            d.connected = online.contains(&(d.phone.clone(), d.device));
        }
        devices
    }
}

/// A running mock server. Dropping it without [`MockWa::shutdown`] leaves the
/// listener running until the runtime ends.
pub struct MockWa {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl MockWa {
    /// Binds `config.listen` and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let keys = ServerKeys::load_or_create(config.key_file.as_deref())?;
        let registry = Registry::open(config.state_file.as_deref())?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let (stop, shutdown) = watch::channel(false);
        let shared = Arc::new(Shared {
            config,
            keys,
            registry: Mutex::new(registry),
            faults: Mutex::new(Faults::default()),
            stats: Stats::default(),
            live: Mutex::new(Live::default()),
            shutdown,
        });
        let accept = tokio::spawn(crate::http::accept_loop(listener, Arc::clone(&shared)));
        Ok(Self {
            shared,
            addr,
            stop,
            accept,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket URL clients connect to.
    pub fn url(&self) -> String {
        format!("ws://{}/ws/chat", self.addr)
    }

    /// The base URL of the admin API.
    pub fn admin_url(&self) -> String {
        format!("http://{}/admin", self.addr)
    }

    /// The phone `phone` scans the QR payload `qr`; returns the new device's
    /// JID once the client confirmed the pairing.
    pub async fn scan(
        &self,
        qr: &str,
        phone: &str,
        push_name: Option<&str>,
    ) -> Result<String, ScanError> {
        self.shared.scan(qr, phone, push_name).await
    }

    /// The user types `code` on the phone of `phone`; returns the new
    /// device's JID once the client confirmed the pairing.
    pub async fn enter_code(
        &self,
        phone: &str,
        code: &str,
        push_name: Option<&str>,
    ) -> Result<String, ScanError> {
        self.shared.enter_code(phone, code, push_name).await
    }

    /// Cuts the live sockets of `phone` (every phone if `None`) without a
    /// close frame; returns how many.
    pub fn drop_connections(&self, phone: Option<&str>) -> usize {
        self.shared.drop_connections(phone)
    }

    /// Refuses new connections for `duration`; zero ends a refusal.
    pub fn refuse(&self, duration: Duration) {
        self.shared.refuse(duration);
    }

    /// Keeps the sockets of `phone` open but answers nothing for `duration`.
    pub fn mute(&self, phone: Option<&str>, duration: Duration) {
        self.shared.mute(phone, duration);
    }

    /// The phone removes its linked devices; returns how many.
    pub fn logout(&self, phone: Option<&str>) -> usize {
        self.shared.logout(phone)
    }

    /// Another client takes over the sessions of `phone`.
    pub fn replace(&self, phone: Option<&str>) -> usize {
        self.shared.replace(phone)
    }

    /// Bans `phone` for `duration`.
    pub fn ban(&self, phone: Option<&str>, duration: Duration) -> usize {
        self.shared.ban(phone, duration)
    }

    /// Rejects logins as from an outdated client while `enabled`.
    pub fn set_outdated(&self, enabled: bool) -> usize {
        self.shared.set_outdated(enabled)
    }

    /// Every linked device.
    pub fn devices(&self) -> Vec<DeviceInfo> {
        self.shared.devices()
    }

    /// The counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    /// Forgets the peak connects per second seen so far, to measure one
    /// phase (a restart, a mass drop) on its own.
    pub fn reset_peak(&self) {
        self.shared.stats.reset_peak();
    }

    /// Stops listening and cuts every connection, as a crash of the server
    /// would; the registry is already on disk if it has a file.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.accept.await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.shared.stats.snapshot().live_connections > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
