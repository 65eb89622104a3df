//! The handle tests and the binary hold: start, the operations of the admin
//! API, shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::http::tls::Tls;
use crate::state::Shared;
use crate::state::command::Close;
use crate::state::command::{ScanError, ScanOptions};
use crate::state::faults::Refusal;
use crate::state::generator::Rate;
use crate::state::messages::Backlog;
use crate::state::registry::{DeviceInfo, Registry};
use crate::state::stats::StatsSnapshot;
use crate::state::sw_js::{NotAWebVersion, SwJs};
use crate::state::traffic::{PostError, Posted};
use crate::version::AppVersion;
use crate::wire::failure::LoginFailure;
use crate::wire::keys::ServerKeys;
use crate::wire::stream_error::StreamError;

/// A running mock server. Dropping it without [`MockWa::shutdown`] leaves the
/// listener running until the runtime ends.
pub struct MockWa {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
    generator: JoinHandle<()>,
    tls: Option<Arc<Tls>>,
}

impl MockWa {
    /// Binds `config.listen` and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        SwJs::revision_of(config.sw_version)?;
        let keys = ServerKeys::load_or_create(config.key_file.as_deref())?;
        let registry = Registry::open(config.state_file.as_deref())?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let tls = config
            .tls
            .then(|| Tls::generate(&addr.ip().to_string(), config.cert_file.as_deref()))
            .transpose()?
            .map(Arc::new);
        let (stop, shutdown) = watch::channel(false);
        let shared = Arc::new(Shared::new(config, keys, registry, shutdown));
        let accept = tokio::spawn(crate::http::accept_loop(
            listener,
            Arc::clone(&shared),
            tls.clone(),
        ));
        let generator = tokio::spawn(crate::state::generator::run(Arc::clone(&shared)));
        Ok(Self {
            shared,
            addr,
            stop,
            accept,
            generator,
            tls,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket URL clients connect to: `wss://` when the mock serves
    /// TLS (`ws://` still works on the same port), `ws://` otherwise.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "wss" } else { "ws" };
        format!("{scheme}://{}/ws/chat", self.addr)
    }

    /// The `ws://` URL, TLS or not.
    pub fn plain_url(&self) -> String {
        format!("ws://{}/ws/chat", self.addr)
    }

    /// The self-signed certificate (PEM) a client is to trust for
    /// `wss://` and `https://`; `None` without TLS.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.tls.as_deref().map(Tls::pem)
    }

    /// The base URL of the admin API.
    pub fn admin_url(&self) -> String {
        format!("http://{}/admin", self.addr)
    }

    /// The phone `phone` of a personal account scans the QR payload `qr`;
    /// returns the new device's JID once the client confirmed the pairing.
    pub async fn scan(
        &self,
        qr: &str,
        phone: &str,
        push_name: Option<&str>,
    ) -> Result<String, ScanError> {
        self.scan_with(qr, phone, push_name, ScanOptions::default())
            .await
    }

    /// [`MockWa::scan`] for the kind of account `options` says (business,
    /// or personal with the key share withheld).
    pub async fn scan_with(
        &self,
        qr: &str,
        phone: &str,
        push_name: Option<&str>,
        options: ScanOptions,
    ) -> Result<String, ScanError> {
        self.shared.scan(qr, phone, push_name, options).await
    }

    /// The user of a personal account types `code` on the phone of
    /// `phone`; returns the new device's JID once the client confirmed the
    /// pairing.
    pub async fn enter_code(
        &self,
        phone: &str,
        code: &str,
        push_name: Option<&str>,
    ) -> Result<String, ScanError> {
        self.enter_code_with(phone, code, push_name, ScanOptions::default())
            .await
    }

    /// [`MockWa::enter_code`] for the kind of account `options` says.
    pub async fn enter_code_with(
        &self,
        phone: &str,
        code: &str,
        push_name: Option<&str>,
        options: ScanOptions,
    ) -> Result<String, ScanError> {
        self.shared
            .enter_code(phone, code, push_name, options)
            .await
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

    /// Sends the stream error `code` (`429`, `503`, `515`, `516`, `401`,
    /// `ack`, `xml-not-well-formed`, `xmlstreamend`) on the live sockets of
    /// `phone`, then closes them after `close_after` (at once if zero;
    /// never if `None`). Returns how many sockets got it.
    pub fn stream_error(
        &self,
        phone: Option<&str>,
        code: &str,
        close_after: Option<Duration>,
    ) -> anyhow::Result<usize> {
        let error: StreamError = code.parse()?;
        let close = match close_after {
            None => Close::Never,
            Some(d) if d.is_zero() => Close::Now,
            Some(d) => Close::After(d),
        };
        Ok(self.shared.stream_error(phone, error, close))
    }

    /// Answers the logins of `phone` with `<failure reason>` (`403`, `406`,
    /// `409`, `500`, `503`) for `duration`; zero ends it. Returns how many
    /// live sockets were cut.
    pub fn fail_logins(
        &self,
        phone: Option<&str>,
        reason: u16,
        duration: Duration,
        message: Option<&str>,
    ) -> anyhow::Result<usize> {
        let failure = LoginFailure::from_reason(&reason.to_string())?;
        let refusal = Refusal {
            failure,
            message: message.map(str::to_string),
        };
        Ok(self.shared.fail_logins(phone, refusal, duration))
    }

    /// Caps logins per second over all phones; 0 lifts the cap.
    pub fn set_login_cap(&self, per_second: u32) {
        self.shared.set_login_cap(per_second);
    }

    /// Refuses clients older than `min` (none if `None`); returns how many
    /// sockets of older clients were cut.
    pub fn set_min_version(&self, min: Option<AppVersion>) -> usize {
        self.shared.set_min_version(min)
    }

    /// Makes `/sw.js` announce `version` from now on.
    pub fn set_sw_version(&self, version: AppVersion) -> Result<(), NotAWebVersion> {
        self.shared.set_sw_js(Some(version), None).map(|_| ())
    }

    /// The URL of the service worker clients read the version from.
    pub fn sw_js_url(&self) -> String {
        format!("http://{}/sw.js", self.addr)
    }

    /// The phone of `phone` takes the push name `name`; returns how many
    /// live devices were told, `None` if it has no linked device.
    pub fn set_push_name(&self, phone: &str, name: &str) -> Option<usize> {
        self.shared.set_push_name(phone, name)
    }

    /// Sends one message to every linked device of account `to` (live
    /// now, or queued for its next login): from the contact `from` (a
    /// fixed contact if `None`), or with `from` `"self"` from the
    /// account's own phone; in `group` if given. Returns its id.
    pub fn message(
        &self,
        to: &str,
        from: Option<&str>,
        text: Option<&str>,
        group: Option<&str>,
    ) -> Result<Posted, PostError> {
        self.shared.message(to, from, text, group)
    }

    /// Steady traffic of `per_minute` messages to `phone` (every account if
    /// `None`), `group_share` of them in a group; 0 stops it.
    pub fn traffic(&self, phone: Option<&str>, per_minute: f64, group_share: f64) {
        let rate = Rate {
            per_minute,
            group_share,
        };
        self.shared.set_traffic(phone, rate);
    }

    /// Cuts the live sockets of `phone` (every account if `None`) and
    /// queues `count` messages for each of its devices, delivered at the
    /// next login through the offline drain.
    pub fn backlog(&self, phone: Option<&str>, count: usize) -> Backlog {
        self.shared.backlog(phone, count)
    }

    /// Drops the acks and receipts the devices of `phone` send for
    /// `duration` (zero ends it): what they got stays owed.
    pub fn lose_acks(&self, phone: Option<&str>, duration: Duration) {
        self.shared.lose_acks(phone, duration);
    }

    /// Starts a new measurement of the send-to-ack latency.
    pub fn reset_latency(&self) {
        self.shared.stats.reset_latency();
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
        let _ = self.generator.await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.shared.stats.snapshot().live_connections > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
