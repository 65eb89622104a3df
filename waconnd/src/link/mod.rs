//! The WhatsApp link of one session: a whatsapp-rust `Bot` on the number's
//! own store, built for one connection (the session's actor decides on the
//! next), whose attempts pass through the global rate limiter and whose
//! events become ordered [`Signal`]s for the actor.

mod events;
mod factory;
mod runtime;
mod trust;

pub use trust::trusting;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};
use tracing::Instrument;
use whatsapp_rust::Client;
use whatsapp_rust::RawNodeLease;
use whatsapp_rust::bot::{Bot, BotHandle};
use whatsapp_rust::transport::{Connector, TokioWebSocketTransportFactory};

use crate::limiter::ConnectLimiter;
use crate::session::liveness::Liveness;
use crate::session::signal::Signal;
use crate::store::Store;
use crate::version::WaVersion;

/// Signals tagged with the generation of the link that sent them, so that
/// late words of a replaced client are ignored.
pub type SignalSender = mpsc::UnboundedSender<(u64, Signal)>;

/// What every link of this daemon shares.
pub struct LinkSettings {
    /// Global connection rate limit.
    pub limiter: Arc<ConnectLimiter>,
    /// Server URL override (test builds).
    pub url: Option<String>,
    /// The TLS the socket trusts instead of the system's (test builds).
    pub trust: Option<Arc<rustls::ClientConfig>>,
    /// Clients being built for their turn, at most [`BUILDS_AT_ONCE`], so
    /// that ten thousand sessions restored at once build a few at a time
    /// rather than all queueing on the runtime and the store threads.
    pub builds: tokio::sync::Semaphore,
}

/// Clients built at once ahead of their turn. A build takes milliseconds,
/// so a few keep far ahead of any connect rate.
pub const BUILDS_AT_ONCE: usize = 4;

/// A running client.
pub struct Link {
    /// Resolves when the client's run loop ends for good.
    pub handle: BotHandle,
    /// The client, for queries and actions.
    pub client: Arc<Client>,
    /// Keeps the client forwarding the stanzas the server ends streams
    /// with, which it raises no event for. Kept a little after the client
    /// ends: it handles some of them on tasks that can finish after it.
    pub raw: RawNodeLease,
    /// Ends every task the client spawned when dropped: once the client
    /// stopped, or a little after it ended (with `raw`).
    pub tasks: DropGuard,
    /// The session's span, for what the client logs outside its tasks.
    pub span: tracing::Span,
}

/// What a client that ended leaves until the next one starts (held, then
/// dropped): its late stanzas' forwarding and its tasks.
pub struct Ended {
    _raw: RawNodeLease,
    _tasks: DropGuard,
}

impl Link {
    /// What the ended client leaves for a while.
    pub fn ended(self) -> Ended {
        Ended {
            _raw: self.raw,
            _tasks: self.tasks,
        }
    }
}

/// A client built on its store, not yet connecting.
pub struct Ready {
    bot: Bot,
    client: Arc<Client>,
    tasks: CancellationToken,
    span: tracing::Span,
}

impl Ready {
    /// Starts the client: it makes its one attempt at once.
    pub fn run(self) -> Link {
        let raw = self.client.acquire_raw_node_forwarding();
        Link {
            handle: self.bot.spawn(),
            client: self.client,
            raw,
            tasks: self.tasks.drop_guard(),
            span: self.span,
        }
    }
}

/// Builds a client on `store` for `number`'s session, speaking WhatsApp
/// Web `version`. The caller takes the attempt's turn between building and
/// running it, so the attempt follows the turn at once (the rate the server
/// sees is the limiter's). The client makes one connection and stops when
/// it fails or ends, leaving the next to the caller; only a pairing that
/// reached WhatsApp reconnects on its own until it is logged in, since the
/// client must keep what it learned while pairing.
pub async fn build(
    settings: &LinkSettings,
    store: Store,
    number: &str,
    version: WaVersion,
    generation: u64,
    signals: SignalSender,
    liveness: Arc<Liveness>,
) -> anyhow::Result<Ready> {
    let mut transport = TokioWebSocketTransportFactory::new();
    if let Some(url) = &settings.url {
        transport = transport.with_url(url);
    }
    if let Some(trust) = &settings.trust {
        let tls = tokio_rustls::TlsConnector::from(Arc::clone(trust));
        transport = transport.with_connector(Connector::Rustls(tls));
    }
    let factory = factory::LimitedFactory::new(
        transport,
        Arc::clone(&settings.limiter),
        signals.clone(),
        generation,
    );
    let span = runtime::SessionRuntime::span_of(number);
    let tasks = CancellationToken::new();
    let bot = Bot::builder()
        .with_backend_arc(store)
        .with_transport_factory(factory)
        .with_runtime(runtime::SessionRuntime::new(span.clone(), tasks.clone()))
        .with_version(version.parts())
        .skip_history_sync()
        .build()
        .instrument(span.clone())
        .await
        .context("cannot build the WhatsApp client")?;
    let client = bot.client();
    client
        .enable_auto_reconnect
        .store(false, std::sync::atomic::Ordering::Relaxed);
    client
        .subscribe_handler(Arc::new(events::Forwarder::new(
            signals,
            generation,
            version,
            Arc::clone(&client.enable_auto_reconnect),
            liveness,
        )))
        .detach();
    Ok(Ready {
        bot,
        client,
        tasks,
        span,
    })
}

/// The JID of the device paired in the store at `path`, if any. Opens the
/// store without connecting.
pub async fn paired_jid(path: &Path) -> anyhow::Result<Option<String>> {
    let store = crate::store::open_file(path).await?;
    let bot = Bot::builder()
        .with_backend_arc(store)
        .skip_history_sync()
        .build()
        .await
        .context("cannot read the credential store")?;
    Ok(bot.client().pn().map(|jid| jid.to_string()))
}
