//! A whatsapp-rust session driven by a test, and waits on its events.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mockwa::{MockWa, ScanOptions};
use whatsapp_rust::async_channel;
use whatsapp_rust::bot::{Bot, BotHandle};
use whatsapp_rust::store::SqliteStore;
use whatsapp_rust::transport::{Connector, TokioWebSocketTransportFactory};
use whatsapp_rust::wacore::types::events::{ChannelEventHandler, Event};

/// The version test clients announce, as waconnd's test builds pin it.
pub const PINNED: (u32, u32, u32) = (2, 3000, 1_000_000_000);

/// One client session on its own SQLite store.
pub struct TestClient {
    handle: BotHandle,
    events: async_channel::Receiver<Arc<Event>>,
    pub db: PathBuf,
}

impl TestClient {
    /// Starts a client on `db` (created if absent) against `url`.
    pub async fn start(url: &str, db: &Path) -> Self {
        Self::start_with_version(url, db, PINNED).await
    }

    /// Starts a client that announces `version` (a release build fetches
    /// it; tests pin it).
    pub async fn start_with_version(url: &str, db: &Path, version: (u32, u32, u32)) -> Self {
        let transport = TokioWebSocketTransportFactory::new().with_url(url);
        Self::start_on(transport, db, version).await
    }

    /// Starts a client over `wss://` `url` trusting the certificate `pem`.
    pub async fn start_over_tls(url: &str, db: &Path, pem: &str) -> Self {
        let connector = Connector::Rustls(tokio_rustls::TlsConnector::from(trusting(pem)));
        let transport = TokioWebSocketTransportFactory::new()
            .with_url(url)
            .with_connector(connector);
        Self::start_on(transport, db, PINNED).await
    }

    async fn start_on(
        transport: TokioWebSocketTransportFactory,
        db: &Path,
        version: (u32, u32, u32),
    ) -> Self {
        let store = SqliteStore::new(db.to_str().expect("utf-8 path"))
            .await
            .expect("open store");
        let bot = Bot::builder()
            .with_backend(store)
            .with_transport_factory(transport)
            .with_version(version)
            .skip_history_sync()
            .build()
            .await
            .expect("build bot");
        let (handler, events) = ChannelEventHandler::new();
        bot.client().subscribe_handler(handler).detach();
        Self {
            handle: bot.spawn(),
            events,
            db: db.to_path_buf(),
        }
    }

    /// The client, for actions tests take themselves.
    pub fn client(&self) -> std::sync::Arc<whatsapp_rust::Client> {
        self.handle.client()
    }

    /// Waits for the first event `pick` accepts, failing after `within`.
    pub async fn wait<T>(
        &self,
        what: &str,
        within: Duration,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} within {within:?}"))
                .unwrap_or_else(|_| panic!("event stream ended before {what}"));
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    }

    /// The next QR payload the client shows.
    pub async fn qr(&self) -> String {
        self.wait("QR code", Duration::from_secs(20), |e| match e {
            Event::PairingQrCode(qr) => Some(qr.code.clone()),
            _ => None,
        })
        .await
    }

    /// Waits for `Connected`.
    pub async fn connected(&self, within: Duration) {
        self.wait("Connected", within, |e| {
            matches!(e, Event::Connected(_)).then_some(())
        })
        .await;
    }

    /// Whether the client is logged in and ready right now.
    pub async fn is_ready(&self) -> bool {
        // ZERO makes this a non-blocking probe.
        self.handle
            .client()
            .wait_for_connected(Duration::ZERO)
            .await
            .is_ok()
    }

    /// Whether the client holds an authenticated session right now.
    pub fn is_logged_in(&self) -> bool {
        self.handle.client().is_logged_in()
    }

    /// The whatsapp-rust client itself, which outlives this handle.
    pub fn whatsapp(&self) -> Arc<whatsapp_rust::Client> {
        self.handle.client()
    }

    /// The client's reconnect backoff step (a 429 adds 5).
    pub fn reconnect_errors(&self) -> u32 {
        self.handle.client().stats().reconnect_errors
    }

    /// Whether the client's run loop still runs.
    pub fn running(&mut self) -> bool {
        whatsapp_rust::futures::FutureExt::now_or_never(&mut self.handle).is_none()
    }

    /// Waits until the client's run loop has ended on its own.
    pub async fn ended(self, within: Duration) {
        tokio::time::timeout(within, self.handle)
            .await
            .expect("run loop did not end");
    }

    /// Disconnects gracefully and waits for the run loop.
    pub async fn stop(self) {
        self.handle.shutdown().await;
    }
}

/// A client TLS configuration that trusts the certificate `pem` alone.
pub fn trusting(pem: &str) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(cert.expect("a PEM certificate")).expect("a CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// A fresh client paired through `mock` as `phone`, a business account
/// (the fast first login: no key share to wait for); returns once it is
/// `Connected`.
pub async fn paired(mock: &MockWa, dir: &Path, phone: &str) -> TestClient {
    let business = ScanOptions {
        business: true,
        ..ScanOptions::default()
    };
    paired_as(mock, dir, phone, business).await
}

/// A fresh client paired through `mock` as `phone` with `options`; returns
/// once it is `Connected`.
pub async fn paired_as(mock: &MockWa, dir: &Path, phone: &str, options: ScanOptions) -> TestClient {
    let client = TestClient::start(&mock.url(), &dir.join(format!("{phone}.db"))).await;
    let qr = client.qr().await;
    let jid = mock
        .scan_with(&qr, phone, Some("Tester"), options)
        .await
        .expect("scan");
    assert!(jid.starts_with(&format!("{phone}:")), "jid {jid}");
    client.connected(crate::CONNECT).await;
    client
}

/// The text of `message`, a plain one or the phone's device-sent copy.
pub fn text_of(message: &whatsapp_rust::waproto::whatsapp::Message) -> Option<String> {
    message.conversation.clone().or_else(|| {
        message
            .device_sent_message
            .as_option()
            .and_then(|dsm| dsm.message.as_option())
            .and_then(|m| m.conversation.clone())
    })
}

/// Waits for a message with `text` and returns what the client knows of
/// its origin.
pub async fn received(
    client: &TestClient,
    text: &str,
) -> Arc<whatsapp_rust::types::message::MessageInfo> {
    client
        .wait(
            &format!("the message {text:?}"),
            crate::CONNECT,
            |e| match e {
                Event::Messages(batch) => batch
                    .messages
                    .iter()
                    .find(|m| text_of(&m.message).as_deref() == Some(text))
                    .map(|m| Arc::clone(&m.info)),
                _ => None,
            },
        )
        .await
}
