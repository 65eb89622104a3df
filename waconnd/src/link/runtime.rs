//! The runtime a session's client spawns its tasks on: tokio, with every
//! task inside the session's span, so that each line the client logs names
//! the number it is about (whatsapp-rust's own lines name none).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tracing::Instrument;
use whatsapp_rust::wacore::runtime::{AbortHandle, Runtime};

/// Tokio, with the session's span around every task.
pub struct SessionRuntime {
    span: tracing::Span,
}

impl SessionRuntime {
    /// The runtime of a client whose tasks run in `span`.
    pub fn new(span: tracing::Span) -> Self {
        Self { span }
    }

    /// The span of `number`'s session.
    pub fn span_of(number: &str) -> tracing::Span {
        tracing::info_span!("session", number = %number)
    }
}

#[whatsapp_rust::async_trait]
impl Runtime for SessionRuntime {
    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()> + Send + 'static>>) -> AbortHandle {
        let handle = tokio::spawn(future.instrument(self.span.clone()));
        AbortHandle::new(move || handle.abort())
    }

    fn spawn_detached(&self, future: Pin<Box<dyn Future<Output = ()> + Send + 'static>>) {
        tokio::spawn(future.instrument(self.span.clone()));
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
