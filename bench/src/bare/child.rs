//! The `bare-clients` process: a stock whatsapp-rust `Bot` per number,
//! each on its own `SqliteStore` (`DIR/NUMBER.db`), all in this process.
//!
//! At start every store in the directory is restored and its client
//! started at once (the library has no connect queue); then it reads
//! commands, one a line, on standard input:
//! - `pair NUMBER`: a client on a new store, whose QR codes it prints;
//! - `stop` (or the end of input): every client shut down gracefully, then
//!   exit.
//!
//! It prints, one a line: `ready COUNT` once the restored clients run,
//! `qr NUMBER CODE`, `connected NUMBER`, `disconnected NUMBER`, `ended
//! NUMBER WHY` (a client that stopped for good) and `stopped`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
use tokio::sync::mpsc;
use whatsapp_rust::bot::{Bot, BotHandle};
use whatsapp_rust::store::SqliteStore;
use whatsapp_rust::transport::{Connector, TokioWebSocketTransportFactory};
use whatsapp_rust::wacore::types::events::{Event, EventHandler};

/// The version waconnd's test build pins (its `TEST_PEER_VERSION`), so
/// that nothing is fetched from the internet.
const PINNED_VERSION: (u32, u32, u32) = (2, 3000, 1_000_000_000);

/// Where the clients keep their stores and whom they talk to.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Directory of the stores, one `NUMBER.db` per number.
    #[arg(long)]
    pub dir: PathBuf,
    /// The WhatsApp Web socket URL (a mockwa server).
    #[arg(long)]
    pub url: String,
    /// The certificate (PEM) to trust for a `wss://` URL.
    #[arg(long)]
    pub ca: Option<PathBuf>,
}

/// Lines to standard output, written by one task in order.
#[derive(Clone)]
struct Out(mpsc::UnboundedSender<String>);

impl Out {
    fn line(&self, line: String) {
        let _ = self.0.send(line);
    }
}

/// Prints what the parent follows of a client's events.
struct Reporter {
    number: String,
    out: Out,
}

impl EventHandler for Reporter {
    fn handle_event(&self, event: Arc<Event>) {
        let number = &self.number;
        let line = match &*event {
            Event::PairingQrCode(qr) => format!("qr {number} {}", qr.code),
            Event::Connected(_) => format!("connected {number}"),
            Event::Disconnected(_) => format!("disconnected {number}"),
            Event::LoggedOut(_) => format!("ended {number} logged out"),
            Event::StreamReplaced(_) => format!("ended {number} replaced"),
            Event::TemporaryBan(_) => format!("ended {number} banned"),
            Event::ClientOutdated(_) => format!("ended {number} outdated"),
            Event::PairingQrCodesExhausted(_) => format!("ended {number} qr codes exhausted"),
            _ => return,
        };
        self.out.line(line);
    }
}

/// The clients of this process.
struct Clients {
    dir: PathBuf,
    url: String,
    trust: Option<Arc<rustls::ClientConfig>>,
    out: Out,
    running: HashMap<String, BotHandle>,
}

impl Clients {
    /// Builds and starts the client of `number` on its store (created if
    /// new).
    async fn start(&mut self, number: &str) -> anyhow::Result<()> {
        anyhow::ensure!(
            !self.running.contains_key(number),
            "{number} already has a client"
        );
        let path = self.dir.join(format!("{number}.db"));
        let url = path.to_str().context("store path is not UTF-8")?;
        let store = SqliteStore::new(url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open `{}`: {e}", path.display()))?;
        let mut transport = TokioWebSocketTransportFactory::new().with_url(&self.url);
        if let Some(trust) = &self.trust {
            let tls = tokio_rustls::TlsConnector::from(Arc::clone(trust));
            transport = transport.with_connector(Connector::Rustls(tls));
        }
        let bot = Bot::builder()
            .with_backend(store)
            .with_transport_factory(transport)
            .with_version(PINNED_VERSION)
            .skip_history_sync()
            .build()
            .await
            .with_context(|| format!("cannot build the client of {number}"))?;
        bot.client()
            .subscribe_handler(Arc::new(Reporter {
                number: number.to_string(),
                out: self.out.clone(),
            }))
            .detach();
        self.running.insert(number.to_string(), bot.spawn());
        Ok(())
    }

    /// Shuts every client down gracefully, all at once.
    async fn stop(self) {
        futures_util::future::join_all(self.running.into_values().map(BotHandle::shutdown)).await;
    }
}

/// The numbers whose stores are in `dir`, in order.
fn stored(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut numbers: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read `{}`", dir.display()))?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".db").map(str::to_string)
        })
        .collect();
    numbers.sort();
    Ok(numbers)
}

/// Runs the clients until `stop` or the end of standard input.
pub async fn run(options: Options) -> anyhow::Result<()> {
    std::fs::create_dir_all(&options.dir)?;
    let trust = options
        .ca
        .as_deref()
        .map(super::trust::trusting)
        .transpose()?;
    let (lines, mut lines_rx) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(mut line) = lines_rx.recv().await {
            line.push('\n');
            if stdout.write_all(line.as_bytes()).await.is_err() {
                return;
            }
            let _ = stdout.flush().await;
            if line == "stopped\n" {
                // Clients that are gone may still hold senders.
                return;
            }
        }
    });
    let out = Out(lines);
    let mut clients = Clients {
        dir: options.dir.clone(),
        url: options.url,
        trust,
        out: out.clone(),
        running: HashMap::new(),
    };
    let restored = stored(&options.dir)?;
    for number in &restored {
        clients.start(number).await?;
    }
    out.line(format!("ready {}", restored.len()));
    let mut input = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = input.next_line().await? {
        match line.split_once(' ') {
            Some(("pair", number)) => clients.start(number).await?,
            None if line == "stop" => break,
            _ => anyhow::bail!("unknown command `{line}`: `pair NUMBER` or `stop`"),
        }
    }
    clients.stop().await;
    out.line("stopped".into());
    let _ = writer.await;
    Ok(())
}
