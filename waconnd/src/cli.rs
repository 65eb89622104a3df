//! Command line and environment of `waconnd`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use waconn_proto::paths;

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
    #[arg(long, env = "WACONN_PAIRING_TTL", default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub pairing_ttl: Duration,
    /// How long a logged-out number stays listed so scripts notice.
    #[arg(long, env = "WACONN_LOGGED_OUT_RETENTION", default_value = "7d", value_parser = parse_duration, value_name = "DURATION")]
    pub logged_out_retention: Duration,
    /// Longest wait between reconnect attempts.
    #[arg(long, env = "WACONN_MAX_BACKOFF", default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub max_backoff: Duration,
    /// Most connection attempts per second, over all sessions.
    #[arg(long, env = "WACONN_CONNECT_RATE", default_value_t = 50, value_name = "PER_SECOND", value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_rate: u32,
    /// A session that received nothing for this long is reconnected. The
    /// client pings every 15-30 s, so a live socket always beats 45 s.
    #[arg(long, env = "WACONN_KEEPALIVE_WINDOW", default_value = "45s", value_parser = parse_duration, value_name = "DURATION", hide = true)]
    pub keepalive_window: Duration,
    /// How long a connection may take to log in before it is given up and
    /// tried again.
    #[arg(long, env = "WACONN_LOGIN_TIMEOUT", default_value = "2m", value_parser = parse_duration, value_name = "DURATION", hide = true)]
    pub login_timeout: Duration,
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
    #[arg(long, env = "WACONN_VERSION_REFRESH", default_value = "12h", value_parser = parse_duration, value_name = "DURATION", hide = true)]
    pub version_refresh: Duration,
    /// Where the WhatsApp Web version is fetched from (test builds only: a
    /// mockwa server's `/sw.js`).
    #[arg(long, env = "WACONN_VERSION_URL", value_name = "URL")]
    pub version_url: Option<String>,
    /// WhatsApp Web socket URL (test builds only: a mockwa server).
    #[arg(long, env = "WACONN_WA_URL", value_name = "URL")]
    pub wa_url: Option<String>,
    /// Trust this certificate (PEM) for a wss:// socket URL (test builds
    /// only: a mockwa server's self-signed one).
    #[arg(long, env = "WACONN_WA_CA", value_name = "FILE")]
    pub wa_ca: Option<PathBuf>,
    /// Log more (-v: debug, -vv: trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    waconn_proto::duration::parse(text)
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
    /// Silence after which a connected session is reconnected.
    pub keepalive_window: Duration,
    /// How long a connection may take to log in.
    pub login_timeout: Duration,
    /// The presence numbers announce.
    pub presence: Presence,
    /// How the WhatsApp Web version is learned.
    pub version: Plan,
    /// Server URL override (feature `test-peer` only).
    pub wa_url: Option<String>,
    /// Certificate the socket's TLS trusts (feature `test-peer` only).
    pub wa_ca: Option<PathBuf>,
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
        Ok(Self {
            data_dir,
            socket: paths::socket_path(args.socket.as_deref()),
            pairing_ttl: args.pairing_ttl,
            logged_out_retention: args.logged_out_retention,
            max_backoff: args.max_backoff,
            connect_rate: args.connect_rate,
            keepalive_window: args.keepalive_window,
            login_timeout: args.login_timeout,
            presence: args.presence,
            version,
            wa_url: args.wa_url,
            wa_ca: args.wa_ca,
        })
    }
}

/// Hand-written sections of `waconnd(8)`, after clap's.
pub const MAN_SECTIONS: &[(&str, &str)] = &[
    (
        "FILES",
        r#"
.TP
\fI~/.local/share/waconn/sessions.json\fR
The registry: every number, its state, reason and timestamps. Written atomically within a second of every change (pair and drop answer once it is on disk); a corrupt one is moved aside, never overwritten, and rebuilt from the credential stores.
.TP
\fI~/.local/share/waconn/sessions/NUMBER.db\fR
One credential store (whatsapp\-rust's SQLite store, with its \-wal and \-shm files) per number. Deleted when the phone logs the device out or on \fBwactl drop\fR.
.TP
\fI~/.local/share/waconn/waconnd.lock\fR
Held while a daemon runs on this data directory: a second one refuses to start.
.TP
\fI$XDG_RUNTIME_DIR/waconn/waconnd.sock\fR
The socket \fBwactl\fR talks to (else \fI/tmp/waconn\-UID/waconnd.sock\fR). Its directory must be a real directory, owned by the user, mode 0700.
"#,
    ),
    (
        "SIGNALS",
        r#"
.TP
\fBSIGTERM\fR, \fBSIGINT\fR
Stop accepting requests, close every session gracefully (never logging out), save the registry, remove the socket, exit 0.
"#,
    ),
    (
        "LIMITS",
        r#"
Each number holds four file descriptors for good: its socket, and its SQLite store's database, WAL and WAL index. The daemon raises its soft limit to the hard one at start and says how many numbers it carries (the limit less 100, divided by 4), warns when the restored sessions will not fit, refuses to pair a new number past it (\fBlimit_reached\fR, with the limit and the fix), keeps the last 16 descriptors for clients and registry writes, and a session that finds no room says \fBout of file descriptors: the limit is N\fR in its reason and the log. Raise \fBLimitNOFILE\fR (or the hard \fBulimit \-n\fR) to 4 per number plus 100; the unit's 65536 carries about 16,000 numbers.
.PP
A registry that cannot be written (disk full, read\-only) fails \fBwactl pair\fR and \fBwactl drop\fR with the reason, leaves the previous registry in place and is retried every 2 s.
"#,
    ),
    (
        "EXIT STATUS",
        r#"
0 after a clean shutdown; 1 when it cannot start (data directory locked by another daemon or read\-only, socket in use, unsafe socket directory, bad option), or when the registry could not be saved at shutdown.
"#,
    ),
    (
        "EXAMPLES",
        r#"
Run in the foreground with debug logs:
.PP
.RS
waconnd \-v
.RE
.PP
Remove numbers that were never paired after 10 minutes instead of an hour:
.PP
.RS
waconnd \-\-pairing\-ttl 10m
.RE
"#,
    ),
];

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
