//! A whatsapp-rust session on any storage backend, driven by a test
//! against mockwa, as `mockwa/tests/protocol/client.rs` drives one on
//! SQLite.

use std::sync::Arc;
use std::time::Duration;

use mockwa::MockWa;
use wacore::store::traits::Backend;
use whatsapp_rust::async_channel;
use whatsapp_rust::bot::{Bot, BotHandle};
use whatsapp_rust::transport::TokioWebSocketTransportFactory;
use whatsapp_rust::wacore::types::events::{ChannelEventHandler, Event};

use crate::harness::CONNECT;

/// One running client session.
pub struct Session {
    handle: BotHandle,
    events: async_channel::Receiver<Arc<Event>>,
}

impl Session {
    /// Starts a client on `backend` against `mock`.
    pub async fn start(mock: &MockWa, backend: impl Backend + 'static) -> Self {
        let bot = Bot::builder()
            .with_backend(backend)
            .with_transport_factory(TokioWebSocketTransportFactory::new().with_url(mock.url()))
            .with_version((2, 3000, 1_000_000_000))
            .skip_history_sync()
            .build()
            .await
            .expect("build the client");
        let (handler, events) = ChannelEventHandler::new();
        bot.client().subscribe_handler(handler).detach();
        Self {
            handle: bot.spawn(),
            events,
        }
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

    /// Pairs as `phone` by scanning the first QR code; returns once
    /// `Connected`.
    pub async fn pair(&self, mock: &MockWa, phone: &str) {
        let qr = self
            .wait("a QR code", Duration::from_secs(30), |e| match e {
                Event::PairingQrCode(qr) => Some(qr.code.clone()),
                _ => None,
            })
            .await;
        let jid = mock.scan(&qr, phone, Some("Tester")).await.expect("scan");
        assert!(jid.starts_with(&format!("{phone}:")), "jid {jid}");
        self.connected().await;
    }

    /// Waits for `Connected`.
    pub async fn connected(&self) {
        self.wait("Connected", CONNECT, |e| {
            matches!(e, Event::Connected(_)).then_some(())
        })
        .await;
    }

    /// Waits for `Connected`, failing if a QR code is shown first.
    pub async fn logged_in_without_a_qr(&self) {
        self.wait("Connected without a QR", CONNECT, |e| match e {
            Event::PairingQrCode(_) => panic!("asked for a QR code again"),
            Event::Connected(_) => Some(()),
            _ => None,
        })
        .await;
    }

    /// Disconnects gracefully and waits for the run loop.
    pub async fn stop(self) {
        self.handle.shutdown().await;
    }
}
