//! The WhatsApp link of one session: a whatsapp-rust `Bot` on the number's
//! own SQLite store, whose connection attempts pass through the global rate
//! limiter and whose events become ordered [`Signal`]s for the actor.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;
use whatsapp_rust::Client;
use whatsapp_rust::bot::{Bot, BotHandle};
use whatsapp_rust::transport::TokioWebSocketTransportFactory;
use whatsapp_rust::wacore::net::{Transport, TransportEvent, TransportFactory};
use whatsapp_rust::wacore::types::events::{Event, EventHandler};

use crate::limiter::ConnectLimiter;
use crate::session::signal::Signal;

/// Signals tagged with the generation of the link that sent them, so that
/// late words of a replaced client are ignored.
pub type SignalSender = mpsc::UnboundedSender<(u64, Signal)>;

/// What every link of this daemon shares.
pub struct LinkSettings {
    /// Global connection rate limit.
    pub limiter: Arc<ConnectLimiter>,
    /// Server URL override (test builds).
    pub url: Option<String>,
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
}

/// A client built on its store, not yet connecting.
pub struct Ready {
    bot: Bot,
    client: Arc<Client>,
}

impl Ready {
    /// Starts the client; one built `once` makes its attempt at once.
    pub fn run(self) -> Link {
        Link {
            handle: self.bot.spawn(),
            client: self.client,
        }
    }
}

/// Opens the store at `store` and builds a client on it. `once`: the
/// caller takes this attempt's turn between building and running it, so
/// that the attempt follows the turn at once (the rate the server sees is
/// the limiter's); the client makes only this one attempt, and when it
/// fails or its connection ends the client stops and the caller decides on
/// the next.
pub async fn build(
    settings: &LinkSettings,
    store: &Path,
    generation: u64,
    signals: SignalSender,
    once: bool,
) -> anyhow::Result<Ready> {
    if !crate::fdlimit::room_for_session() {
        anyhow::bail!("{}", crate::fdlimit::explain());
    }
    let backend = crate::store::open(store).await.map_err(|e| {
        let path = store.display();
        if crate::fdlimit::exhausted_now() {
            anyhow::anyhow!(
                "cannot open credential store `{path}`: {}",
                crate::fdlimit::explain()
            )
        } else {
            anyhow::anyhow!("cannot open credential store `{path}`: {e}")
        }
    })?;
    let mut transport = TokioWebSocketTransportFactory::new();
    if let Some(url) = &settings.url {
        transport = transport.with_url(url);
    }
    let factory = LimitedFactory {
        inner: transport,
        limiter: Arc::clone(&settings.limiter),
        signals: signals.clone(),
        generation,
        prepaid: std::sync::atomic::AtomicBool::new(once),
    };
    let builder = Bot::builder()
        .with_backend(backend)
        .with_transport_factory(factory)
        .skip_history_sync();
    // Test builds never reach for WhatsApp's site to learn its version.
    #[cfg(feature = "test-peer")]
    let builder = builder.with_version((2, 3000, 1_000_000_000));
    let bot = builder
        .build()
        .await
        .context("cannot build the WhatsApp client")?;
    let client = bot.client();
    if once {
        client
            .enable_auto_reconnect
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }
    client
        .subscribe_handler(Arc::new(Forwarder {
            signals,
            generation,
        }))
        .detach();
    Ok(Ready { bot, client })
}

/// The JID of the device paired in the store at `store`, if any. Opens the
/// store without connecting.
pub async fn paired_jid(store: &Path) -> anyhow::Result<Option<String>> {
    let backend = crate::store::open(store)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open credential store `{}`: {e}", store.display()))?;
    let bot = Bot::builder()
        .with_backend(backend)
        .skip_history_sync()
        .build()
        .await
        .context("cannot read the credential store")?;
    Ok(bot.client().pn().map(|jid| jid.to_string()))
}

/// Passes every connection attempt through the rate limiter and tells the
/// actor about it: the client's own events say nothing of attempts.
struct LimitedFactory {
    inner: TokioWebSocketTransportFactory,
    limiter: Arc<ConnectLimiter>,
    signals: SignalSender,
    generation: u64,
    /// The first attempt's turn was taken before the client existed.
    prepaid: std::sync::atomic::AtomicBool,
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
        if !self
            .prepaid
            .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            self.limiter.acquire().await;
        }
        let result = self.inner.create_transport().await;
        if let Err(e) = &result {
            let why = if crate::fdlimit::exhausted(e) {
                crate::fdlimit::explain()
            } else {
                format!("{e:#}")
            };
            let _ = self.signals.send((
                self.generation,
                Signal::AttemptFailed(format!("cannot connect: {why}")),
            ));
        }
        result
    }
}

/// Turns the client's events into signals, inline and in order.
struct Forwarder {
    signals: SignalSender,
    generation: u64,
}

impl EventHandler for Forwarder {
    fn handle_event(&self, event: Arc<Event>) {
        if let Some(signal) = signal_of(&event) {
            let _ = self.signals.send((self.generation, signal));
        }
    }
}

fn signal_of(event: &Event) -> Option<Signal> {
    Some(match event {
        Event::Connected(_) => Signal::Connected,
        Event::Disconnected(d) => Signal::Lost(format!("connection lost: {:?}", d.reason)),
        Event::PairingQrCode(qr) => Signal::Qr(qr.code.clone(), qr.timeout),
        Event::PairingQrCodesExhausted(_) => Signal::QrExhausted,
        Event::PairingCode(c) => Signal::Code(c.code.clone(), c.timeout),
        Event::PairSuccess(p) => Signal::Paired {
            jid: p.id.to_string(),
            push_name: p.business_name.clone(),
        },
        Event::PairError(p) => Signal::PairError(p.error.clone()),
        Event::LoggedOut(l) => Signal::LoggedOut(if l.on_connect {
            format!("the server refused the login: {:?}", l.reason)
        } else {
            "the phone removed this device".to_string()
        }),
        Event::StreamReplaced(_) => Signal::Replaced,
        Event::TemporaryBan(b) => Signal::Banned(Duration::from_secs(
            u64::try_from(b.expire.num_seconds()).unwrap_or(0),
        )),
        Event::ClientOutdated(_) => Signal::Outdated,
        Event::ConnectFailure(f) if f.reason.should_reconnect() => {
            Signal::Lost(format!("server failure {:?}", f.reason))
        }
        Event::ConnectFailure(f) => Signal::Failed(format!(
            "the server refused the connection: {:?}{}",
            f.reason,
            f.message
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        )),
        Event::Messages(_)
        | Event::Receipt(_)
        | Event::Notification(_)
        | Event::ChatPresence(_)
        | Event::Presence(_)
        | Event::DeviceListUpdate(_) => Signal::AccountActivity,
        _ => return None,
    })
}
