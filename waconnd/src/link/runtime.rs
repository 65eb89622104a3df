//! The runtime a session's client spawns its tasks on: tokio, with every
//! task inside the session's span, so that each line the client logs names
//! the number it is about (whatsapp-rust's own lines name none), and every
//! task ended once the client is done with: some outlive its run loop (a
//! watchdog sleeping minutes, a sync that waits on the phone), and each
//! holds the client, so its store stays open and cached behind it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use whatsapp_rust::wacore::runtime::{AbortHandle, Runtime};

/// Tokio, with the session's span around every task, each ended when
/// `done` is cancelled.
pub struct SessionRuntime {
    span: tracing::Span,
    done: CancellationToken,
}

impl SessionRuntime {
    /// The runtime of a client whose tasks run in `span` until `done`.
    pub fn new(span: tracing::Span, done: CancellationToken) -> Self {
        Self { span, done }
    }

    /// `future` in the session's span, dropped once the client is done.
    fn bounded(
        &self,
        future: Pin<Box<dyn Future<Output = ()> + Send + 'static>>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let done = self.done.clone();
        async move {
            done.run_until_cancelled(future).await;
        }
        .instrument(self.span.clone())
    }

    /// The span of `number`'s session.
    pub fn span_of(number: &str) -> tracing::Span {
        tracing::info_span!("session", number = %number)
    }
}

#[whatsapp_rust::async_trait]
impl Runtime for SessionRuntime {
    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()> + Send + 'static>>) -> AbortHandle {
        let handle = tokio::spawn(self.bounded(future));
        AbortHandle::new(move || handle.abort())
    }

    fn spawn_detached(&self, future: Pin<Box<dyn Future<Output = ()> + Send + 'static>>) {
        tokio::spawn(self.bounded(future));
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn spawn_blocking(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let span = self.span.clone();
        Box::pin(async move {
            let _ = tokio::task::spawn_blocking(move || span.in_scope(f)).await;
        })
    }

    fn yield_now(&self) -> Option<Pin<Box<dyn Future<Output = ()> + Send>>> {
        // A multi-threaded runtime: other tasks run on other threads.
        None
    }
}
