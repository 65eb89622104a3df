//! Command line and environment of `waconnd`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use waconn_proto::paths;

use crate::alerts::{AlertSettings, Retry, Webhook};
use crate::cluster::settings::DatabaseUrl;
use crate::secret::Secret;
use crate::session::context::Presence;
use crate::version::{Plan, WaVersion};

/// Keeps WhatsApp Web sessions connected, one per phone number.
///
/// Runs in the foreground and logs to stderr. Pair numbers and watch them
/// with `wactl`; the socket and data directory below are found by `wactl`
/// the same way.
#[derive(Debug, Clone, Parser)]
#[command(name = "waconnd", version)]
pub struct Args {
    /// Data directory (sessions.json and one credential store per number)
    /// [default: ~/.local/share/waconn]
    #[arg(long, env = paths::DATA_DIR_ENV, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Unix socket to listen on [default: $XDG_RUNTIME_DIR/waconn/waconnd.sock,
    /// else /tmp/waconn-UID/waconnd.sock]
    #[arg(long, env = paths::SOCKET_ENV, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// How long a number may wait for its first scan before it is removed.
    #[arg(long, env = "WACONN_PAIRING_TTL", default_value = "1h", value_parser = parse_pairing_ttl, value_name = "DURATION")]
    pub pairing_ttl: Duration,
    /// How long a logged-out number stays listed so scripts notice.
    #[arg(long, env = "WACONN_LOGGED_OUT_RETENTION", default_value = "7d", value_parser = parse_duration, value_name = "DURATION")]
    pub logged_out_retention: Duration,
    /// Longest wait between reconnect attempts.
    #[arg(long, env = "WACONN_MAX_BACKOFF", default_value = "5m", value_parser = parse_a_second_or_more, value_name = "DURATION")]
    pub max_backoff: Duration,
    /// Most connection attempts per second, over all sessions.
    #[arg(long, env = "WACONN_CONNECT_RATE", default_value_t = 50, value_name = "PER_SECOND", value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_rate: u32,
    /// How long a connection may take to log in before it is given up and
    /// tried again.
    #[arg(long, env = "WACONN_LOGIN_TIMEOUT", default_value = "2m", value_parser = parse_a_second_or_more, value_name = "DURATION", hide = true)]
    pub login_timeout: Duration,
    /// Longest wait, after the first login that follows a pairing, for the
    /// phone's key share and push name before the number reopens its
    /// credential store from disk (a freshly written store otherwise keeps
    /// every page the pairing wrote in memory). Once they arrive it reopens
    /// within 5 s.
    #[arg(long, env = "WACONN_PAIRING_SETTLE", default_value = "30s", value_parser = parse_a_second_or_more, value_name = "DURATION", hide = true)]
    pub pairing_settle: Duration,
    /// How long a connection may receive nothing before it is left for a
    /// new one. whatsapp-rust's keepalive finds most silent connections
    /// sooner, but not one that fell silent while requests awaited answers.
    /// A healthy idle connection receives something at least every 45 s.
    #[arg(long, env = "WACONN_SILENCE_WINDOW", default_value = "75s", value_parser = parse_a_second_or_more, value_name = "DURATION", hide = true)]
    pub silence_window: Duration,
    /// The presence every number announces after each login and each change
    /// of its name. A linked device that is online makes the phone stop
    /// showing its owner notifications, so numbers stay offline unless
    /// asked otherwise.
    #[arg(long, env = "WACONN_PRESENCE", value_enum, default_value_t = Presence::Unavailable, value_name = "PRESENCE")]
    pub presence: Presence,
    /// Use this WhatsApp Web version (X.Y.Z) instead of fetching it, e.g.
    /// when WhatsApp's page changed before waconnd did.
    #[arg(long, env = "WACONN_WA_VERSION", value_name = "X.Y.Z", value_parser = parse_version)]
    pub wa_version: Option<WaVersion>,
    /// How often the WhatsApp Web version is fetched again.
    #[arg(long, env = "WACONN_VERSION_REFRESH", default_value = "12h", value_parser = parse_a_second_or_more, value_name = "DURATION", hide = true)]
    pub version_refresh: Duration,
    /// Where the WhatsApp Web version is fetched from (test builds only: a
    /// mockwa server's `/sw.js`).
    #[arg(long, env = "WACONN_VERSION_URL", value_name = "URL")]
    pub version_url: Option<String>,
    /// WhatsApp Web socket URL (test builds only: a mockwa server).
    #[arg(long, env = "WACONN_WA_URL", value_name = "URL")]
    pub wa_url: Option<String>,
    /// Also answer HTTP on this address (IP:PORT, e.g. 127.0.0.1:3000):
    /// /api/connections, /api/status?numero=N, /api/system-status, /metrics,
    /// /healthz and /readyz (see HTTP below). Off by default; an address
    /// other than loopback requires --http-token-file.
    #[arg(long, env = "WACONN_HTTP", value_name = "ADDR", value_parser = crate::http::parse_addr)]
    pub http: Option<std::net::SocketAddr>,
    /// A file holding the bearer token every HTTP request must carry
    /// (`Authorization: Bearer TOKEN`), on one line.
    #[arg(
        long,
        env = "WACONN_HTTP_TOKEN_FILE",
        value_name = "PATH",
        requires = "http"
    )]
    pub http_token_file: Option<PathBuf>,
    /// POST every state change to this URL as JSON, the object of `wactl
    /// events --json`; repeatable (the environment variable holds one URL).
    /// Retried with growing waits for --notify-retry-for (see PUSH ALERTS).
    #[arg(long = "notify", env = "WACONN_NOTIFY", value_name = "URL")]
    pub notify: Vec<String>,
    /// Sign each POST with HMAC-SHA256 keyed with the secret in this file
    /// (`X-Waconn-Signature`, over `X-Waconn-Timestamp`, a dot and the body).
    #[arg(
        long,
        env = "WACONN_NOTIFY_SECRET_FILE",
        value_name = "PATH",
        requires = "notify"
    )]
    pub notify_secret_file: Option<PathBuf>,
    /// Run this command (with /bin/sh -c) once per state change, the change
    /// as one line of JSON on its standard input; repeatable (the
    /// environment variable holds one command).
    #[arg(long = "notify-exec", env = "WACONN_NOTIFY_EXEC", value_name = "CMD")]
    pub notify_exec: Vec<String>,
    /// How long a change a webhook refuses is retried before it is dropped.
    #[arg(long, env = "WACONN_NOTIFY_RETRY_FOR", default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub notify_retry_for: Duration,
    /// The first wait before a webhook is tried again; each wait after is
    /// twice the last, up to --notify-max-backoff.
    #[arg(long, env = "WACONN_NOTIFY_BACKOFF", default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub notify_backoff: Duration,
    /// The longest wait between two tries of a webhook.
    #[arg(long, env = "WACONN_NOTIFY_MAX_BACKOFF", default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub notify_max_backoff: Duration,
    /// How long one POST or one --notify-exec command may take.
    #[arg(long, env = "WACONN_NOTIFY_TIMEOUT", default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub notify_timeout: Duration,
    /// How many changes each webhook or command holds while it catches up;
    /// past that the oldest are dropped (and counted in the metrics).
    #[arg(long, env = "WACONN_NOTIFY_QUEUE", default_value_t = 10_000, value_name = "CHANGES", value_parser = clap::value_parser!(u32).range(1..))]
    pub notify_queue: u32,
    /// Trust this certificate (PEM) for a wss:// socket URL (test builds
    /// only: a mockwa server's self-signed one).
    #[arg(long, env = "WACONN_WA_CA", value_name = "FILE")]
    pub wa_ca: Option<PathBuf>,
    /// Keep every number's credentials and the registry in this PostgreSQL
    /// database instead of the data directory, shared by every node that
    /// names it (see SEVERAL MACHINES). The password is never shown.
    #[arg(long, env = "WACONN_DATABASE", hide_env_values = true, value_name = "URL", value_parser = DatabaseUrl::unchecked)]
    pub database: Option<DatabaseUrl>,
    /// This node's name among those sharing --database [default: the host
    /// name].
    #[arg(long, env = "WACONN_NODE", value_name = "NAME", value_parser = crate::cluster::settings::parse_node, requires = "database")]
    pub node: Option<String>,
    /// How often a node renews its lease in --database.
    #[arg(long, env = "WACONN_LEASE_RENEW", default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub lease_renew: Duration,
    /// A node that could not renew its lease for this long closes all its
    /// sessions itself (T1).
    #[arg(long, env = "WACONN_LEASE_SELF_FENCE", default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub lease_self_fence: Duration,
    /// Peers take a node's numbers once its lease is this old (T2); at least
    /// T1 plus a renewal and a half plus 5s.
    #[arg(long, env = "WACONN_LEASE_TAKEOVER", default_value = "45s", value_parser = parse_duration, value_name = "DURATION")]
    pub lease_takeover: Duration,
    /// On SIGTERM, hand every number to the other nodes, one by one, before
    /// stopping (as `wactl drain` does).
    #[arg(long, env = "WACONN_HANDOFF", requires = "database")]
    pub handoff: bool,
    /// Log more (-v: debug, -vv: trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// What to do instead of running the daemon.
    #[command(subcommand)]
    pub command: Option<Sub>,
}

/// `waconnd`'s subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Sub {
    /// Copy the data directory's numbers (credentials and registry) into a
    /// PostgreSQL database, then run waconnd with --database URL: they
    /// connect from it with no QR. The data directory is left as it was.
    Migrate {
        /// The database to copy into.
        #[arg(long, value_name = "URL", value_parser = DatabaseUrl::unchecked)]
        to: DatabaseUrl,
    },
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    waconn_proto::duration::parse(text)
}

/// A duration of at least `least`; `why` says what a shorter one breaks.
fn at_least(text: &str, least: Duration, why: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d < least {
        return Err(format!(
            "`{text}` is too short: {why}; give at least {}",
            waconn_proto::duration::format(least)
        ));
    }
    Ok(d)
}

fn parse_pairing_ttl(text: &str) -> Result<Duration, String> {
    at_least(
        text,
        Duration::from_secs(10),
        "a person needs the time to scan a code or type it",
    )
}

fn parse_a_second_or_more(text: &str) -> Result<Duration, String> {
    at_least(
        text,
        Duration::from_secs(1),
        "anything shorter would retry without pause",
    )
}

fn parse_version(text: &str) -> Result<WaVersion, String> {
    WaVersion::parse(text)
}

/// Resolved settings of a running daemon.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Socket path.
    pub socket: PathBuf,
    /// Deadline for a first scan.
    pub pairing_ttl: Duration,
    /// How long logged-out entries stay listed.
    pub logged_out_retention: Duration,
    /// Longest wait between reconnect attempts.
    pub max_backoff: Duration,
    /// Connection attempts per second over all sessions.
    pub connect_rate: u32,
    /// How long a connection may take to log in.
    pub login_timeout: Duration,
    /// Longest wait after a pairing's first login before the store reopens.
    pub pairing_settle: Duration,
    /// How long a connection may receive nothing.
    pub silence_window: Duration,
    /// The presence numbers announce.
    pub presence: Presence,
    /// How the WhatsApp Web version is learned.
    pub version: Plan,
    /// Server URL override (feature `test-peer` only).
    pub wa_url: Option<String>,
    /// The HTTP face, if asked for.
    pub http: Option<crate::http::HttpSettings>,
    /// Push alerts.
    pub alerts: crate::alerts::AlertSettings,
    /// Certificate the socket's TLS trusts (feature `test-peer` only).
    pub wa_ca: Option<PathBuf>,
    /// The shared database, if the credentials live there.
    pub database: Option<Database>,
}

/// Where the credentials live when they live in PostgreSQL.
#[derive(Debug, Clone)]
pub struct Database {
    /// Its URL.
    pub url: DatabaseUrl,
    /// This node's name.
    pub node: String,
    /// The lease timings.
    pub timings: crate::cluster::Timings,
    /// Hand the numbers over on SIGTERM.
    pub handoff: bool,
}

/// A refused login asks for a fresh version at most this often.
const OUTDATED_SPACING: Duration = Duration::from_secs(600);

/// The version a test build pins when no `--version-url` is given: nothing
/// is fetched from the internet.
const TEST_PEER_VERSION: WaVersion = WaVersion(2, 3000, 1_000_000_000);

impl Config {
    /// Resolves defaults and checks `args`.
    pub fn from_args(args: Args) -> anyhow::Result<Self> {
        if args.wa_url.is_some() && !cfg!(feature = "test-peer") {
            anyhow::bail!(
                "--wa-url is only available in test builds (cargo feature `test-peer`); \
                 a release waconnd always connects to WhatsApp itself"
            );
        }
        if args.wa_ca.is_some() && !cfg!(feature = "test-peer") {
            anyhow::bail!(
                "--wa-ca is only available in test builds (cargo feature `test-peer`); \
                 a release waconnd trusts the system's certificate authorities"
            );
        }
        if args.version_url.is_some() && !cfg!(feature = "test-peer") {
            anyhow::bail!(
                "--version-url is only available in test builds (cargo feature `test-peer`); \
                 a release waconnd reads the version from {}",
                crate::version::SW_JS
            );
        }
        let http = http_settings(args.http, args.http_token_file.as_deref())?;
        let alerts = alert_settings(&args)?;
        let version = match (args.wa_version, args.version_url) {
            (Some(pinned), _) => Plan::Pinned(pinned),
            (None, Some(url)) => Plan::Fetch {
                url,
                interval: args.version_refresh,
                outdated_spacing: OUTDATED_SPACING,
            },
            (None, None) if cfg!(feature = "test-peer") => Plan::Pinned(TEST_PEER_VERSION),
            (None, None) => Plan::Fetch {
                url: crate::version::SW_JS.into(),
                interval: args.version_refresh,
                outdated_spacing: OUTDATED_SPACING,
            },
        };
        let data_dir = match args.data_dir {
            Some(dir) => dir,
            None => paths::default_data_dir().context(
                "cannot find a home directory for the default data directory; pass --data-dir",
            )?,
        };
        let database = match args.database {
            Some(url) => Some(Database {
                url: url.check()?,
                node: args
                    .node
                    .unwrap_or_else(crate::cluster::settings::host_name),
                timings: crate::cluster::settings::timings(
                    args.lease_renew,
                    args.lease_self_fence,
                    args.lease_takeover,
                )?,
                handoff: args.handoff,
            }),
            None => None,
        };
        Ok(Self {
            database,
            data_dir,
            socket: paths::socket_path(args.socket.as_deref()),
            pairing_ttl: args.pairing_ttl,
            logged_out_retention: args.logged_out_retention,
            max_backoff: args.max_backoff,
            connect_rate: args.connect_rate,
            login_timeout: args.login_timeout,
            pairing_settle: args.pairing_settle,
            silence_window: args.silence_window,
            presence: args.presence,
            version,
            wa_url: args.wa_url,
            http,
            alerts,
            wa_ca: args.wa_ca,
        })
    }
}

/// `--http` and its token: a loopback address needs none, any other
/// address refuses to start without one.
fn http_settings(
    addr: Option<std::net::SocketAddr>,
    token_file: Option<&std::path::Path>,
) -> anyhow::Result<Option<crate::http::HttpSettings>> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    let token = token_file
        .map(|path| Secret::read(path, "--http-token-file"))
        .transpose()?;
    if token.is_none() && !crate::http::is_loopback(&addr) {
        anyhow::bail!(
            "--http {addr} is not a loopback address: anyone who reaches it would read every number's state, so waconnd asks for a bearer token there. \
             Write one to a file readable by you only (`openssl rand -hex 32 > ~/.config/waconn/http-token && chmod 600 ~/.config/waconn/http-token`) and add --http-token-file ~/.config/waconn/http-token (clients then send `Authorization: Bearer TOKEN`), \
             or listen on this machine only with --http 127.0.0.1:{}",
            addr.port()
        );
    }
    Ok(Some(crate::http::HttpSettings { addr, token }))
}

/// The `--notify*` options, checked.
fn alert_settings(args: &Args) -> anyhow::Result<AlertSettings> {
    let webhooks = args
        .notify
        .iter()
        .map(|url| Webhook::parse(url))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    if let Some(empty) = args.notify_exec.iter().position(|c| c.trim().is_empty()) {
        anyhow::bail!(
            "--notify-exec number {} is empty: give the command to run for each state change",
            empty + 1
        );
    }
    let secret = args
        .notify_secret_file
        .as_deref()
        .map(|path| Secret::read(path, "--notify-secret-file"))
        .transpose()?;
    Ok(AlertSettings {
        webhooks,
        commands: args.notify_exec.clone(),
        secret,
        retry: Retry {
            retry_for: args.notify_retry_for,
            backoff: args.notify_backoff.max(Duration::from_millis(10)),
            max_backoff: args.notify_max_backoff.max(args.notify_backoff),
        },
        timeout: args.notify_timeout,
        queue: args.notify_queue as usize,
    })
}

mod man;

pub use man::MAN_SECTIONS;

#[cfg(test)]
mod tests {
    use super::*;

    /// `--wa-ca` is a test build's option, as `--wa-url` is: a release
    /// build refuses it instead of trusting a certificate it was handed.
    #[test]
    fn wa_ca_is_for_test_builds_only() {
        let args = Args::parse_from(["waconnd", "--data-dir", "/nonexistent", "--wa-ca", "ca.pem"]);
        let config = Config::from_args(args);
        if cfg!(feature = "test-peer") {
            let config = config.expect("accepted in a test build");
            assert_eq!(
                config.wa_ca.as_deref(),
                Some(std::path::Path::new("ca.pem"))
            );
        } else {
            let err = config.expect_err("refused in a release build").to_string();
            assert!(
                err.contains("--wa-ca is only available in test builds"),
                "{err}"
            );
        }
    }
}
