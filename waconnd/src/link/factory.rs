//! The transport factory of a session's client: tells the actor of every
//! attempt (the client's events say nothing of attempts), passes every
//! attempt but the first, whose turn the actor took, through the limiter's
//! queue, and every connection through its gate.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use whatsapp_rust::transport::TokioWebSocketTransportFactory;
use whatsapp_rust::wacore::net::{Transport, TransportEvent, TransportFactory};

use super::SignalSender;
use crate::limiter::ConnectLimiter;
use crate::session::signal::Signal;

/// A factory whose attempts respect the global connect rate.
pub struct LimitedFactory {
    inner: TokioWebSocketTransportFactory,
    limiter: Arc<ConnectLimiter>,
    signals: SignalSender,
    generation: u64,
    /// The first attempt's turn was taken before the client existed.
    prepaid: AtomicBool,
}

impl LimitedFactory {
    /// Wraps `inner`; the first attempt's turn is already taken.
    pub fn new(
        inner: TokioWebSocketTransportFactory,
        limiter: Arc<ConnectLimiter>,
        signals: SignalSender,
        generation: u64,
    ) -> Self {
        Self {
            inner,
            limiter,
            signals,
            generation,
            prepaid: AtomicBool::new(true),
        }
    }
}

#[whatsapp_rust::async_trait]
impl TransportFactory for LimitedFactory {
    async fn create_transport(
        &self,
    ) -> anyhow::Result<(
        Arc<dyn Transport>,
        whatsapp_rust::async_channel::Receiver<TransportEvent>,
    )> {
        let _ = self.signals.send((self.generation, Signal::Attempt));
        if !self.prepaid.swap(false, Ordering::Relaxed) {
            self.limiter.acquire().await;
        }
        self.limiter.pass().await;
        let result = self.inner.create_transport().await;
        if let Err(e) = &result {
            let why = if crate::fdlimit::exhausted(e) {
                crate::fdlimit::explain()
            } else {
                format!("{e:#}")
            };
            let _ = self.signals.send((
                self.generation,
                Signal::AttemptFailed(format!("cannot reach WhatsApp: {why}")),
            ));
        }
        result
    }
}
