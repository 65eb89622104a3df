//! `mockwa`: run the mock WhatsApp Web server from a shell.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use mockwa::{AppVersion, Config, MockWa};
use tokio::signal::unix::{SignalKind, signal};

/// A WhatsApp Web server and simulated phone, on loopback, for tests and demos.
///
/// Prints its WebSocket URL as the first line of stdout, then serves until
/// SIGTERM or Ctrl-C. Point a client built with whatsapp-rust's
/// `danger-skip-cert-chain-verify` feature at that URL.
///
/// The phone and the network are played through an HTTP admin API on the
/// same host and port (JSON bodies; "phone" omitted means every phone; a
/// request with the wrong method is answered 405):
///
///   POST /admin/scan      {"qr": "...", "phone": "15550001111", "push_name": "opt",
///                          "business": false, "withhold_key_share": false}
///                         the phone scans a QR code -> {"jid": "..."}; a personal
///                         account unless "business"; 404 unknown or expired ref,
///                         400 malformed code
///   POST /admin/pair-code {"phone": "15550001111", "code": "YH5R-9A52"}
///                         the user types a pair code on the phone -> {"jid"};
///                         409 wrong or expired code (the client is told)
///   POST /admin/push-name {"phone", "name"}     the phone changes its push name
///   POST /admin/drop      {"phone"}             cut live sockets, no close frame
///   POST /admin/refuse    {"seconds"}           answer new connections 503 (0 ends it)
///   POST /admin/mute      {"phone", "seconds"}  keep sockets open, answer nothing
///   POST /admin/logout    {"phone"}             the phone removes the device
///                                               (401 device_removed, then 401)
///   POST /admin/replace   {"phone"}             conflict replaced
///   POST /admin/ban       {"phone", "seconds"}  logins get 402 until it expires
///   POST /admin/throttle-codes {"phone", "seconds"}
///                         pair-code requests get 400 bad-request (throttled)
///   POST /admin/outdated  {"enabled"}           logins get 405 while enabled
///   POST /admin/stream-error {"phone", "code", "close_after_ms", "keep_open"}
///                         a stream error on live sockets: 429, 503, 515, 516,
///                         401, ack, xml-not-well-formed, xmlstreamend
///   POST /admin/fail-logins {"phone", "reason", "seconds", "message"}
///                         logins get <failure reason> 403, 406, 409, 500, 503
///   POST /admin/login-cap {"per_second"}        logins above it get 429 (0: none)
///   POST /admin/min-version {"version"}         clients below X.Y.Z get 405 (null clears)
///   POST /admin/sw-js     {"version", "fault"}  what GET /sw.js says; fault none,
///                                               404, challenge or hang
///   POST /admin/message   {"to", "from", "text", "group"}
///                         one message to every device of account "to", from
///                         contact "from" (a fixed one if omitted; "self": the
///                         account's own phone), in "group" if given -> {"ids"}
///   POST /admin/traffic   {"phone", "per_minute", "group_share"}
///                         steady messages per account per minute (0 stops)
///   POST /admin/backlog   {"phone", "count"}  cut live sockets, then queue count
///                         messages per device for its next login
///   POST /admin/lose-acks {"phone", "seconds"} drop the devices' acks for a while
///   POST /admin/reset-latency                 restart the ack latency measurement
///   GET  /admin/devices   [{"phone", "device", "connected", "presence",
///                         "delivered", "acked", "unacked", ...}]
///   GET  /admin/stats     connection, handshake and login counters; stanzas
///                         delivered and acked, ack latency (count, p50, p99)
///   GET  /sw.js           the WhatsApp Web service worker, with the version
///
/// Example: curl -s -d '{"phone":"15550001111"}' http://127.0.0.1:PORT/admin/drop
#[derive(Debug, Parser)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,
    /// Server static key (hex), created if absent, so clients that cached it
    /// log in with Noise IK across restarts of the mock.
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Keep the linked devices in this JSON file so they survive a restart.
    #[arg(long, value_name = "FILE")]
    state_file: Option<PathBuf>,
    /// QR refs handed to each registering client.
    #[arg(long, default_value_t = 6, value_name = "N")]
    refs: usize,
    /// Seconds the first QR ref stays valid.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    first_ref_ttl: u64,
    /// Seconds each later QR ref stays valid.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    ref_ttl: u64,
    /// Seconds a pair code may be typed on the phone after the client got it.
    #[arg(long, default_value_t = 180, value_name = "SECONDS")]
    pair_code_ttl: u64,
    /// Logins accepted per second over all phones; 0 means no cap.
    #[arg(long, default_value_t = 0, value_name = "N")]
    login_cap: u32,
    /// Refuse logins and registrations of clients older than this (405).
    #[arg(long, value_name = "X.Y.Z")]
    min_version: Option<AppVersion>,
    /// The WhatsApp Web version GET /sw.js announces (2.3000.REVISION).
    #[arg(long, default_value_t = AppVersion::TEST_PIN, value_name = "X.Y.Z")]
    sw_version: AppVersion,
    /// Seconds a device may take to ack a stanza before the server sends
    /// `<stream:error><ack/>` and recycles the stream.
    #[arg(long, default_value_t = 3000, value_name = "SECONDS")]
    ack_timeout: u64,
    /// Tell a device its prekeys run low below this many one-time prekeys.
    #[arg(long, default_value_t = 5, value_name = "N")]
    prekey_low: usize,
    /// Serve wss:// and https:// too (on the same port), with a self-signed
    /// certificate made at start; the URL printed is then wss://.
    #[arg(long)]
    tls: bool,
    /// Write the certificate clients are to trust (PEM) to this file.
    #[arg(long, value_name = "FILE", requires = "tls")]
    cert_file: Option<PathBuf>,
    /// Log more (-v: info, -vv: debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let level = ["warn", "info", "debug"][usize::from(args.verbose.min(2))];
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("mockwa={level}"))),
        )
        .init();
    if !args.listen.ip().is_loopback() {
        tracing::warn!("listening on {}, which is not loopback", args.listen);
    }
    let mock = MockWa::start(Config {
        listen: args.listen,
        key_file: args.key_file,
        state_file: args.state_file,
        refs: args.refs,
        first_ref_ttl: Duration::from_secs(args.first_ref_ttl),
        ref_ttl: Duration::from_secs(args.ref_ttl),
        pair_code_ttl: Duration::from_secs(args.pair_code_ttl),
        login_cap: args.login_cap,
        min_version: args.min_version,
        sw_version: args.sw_version,
        ack_timeout: Duration::from_secs(args.ack_timeout),
        prekey_low: args.prekey_low,
        tls: args.tls,
        cert_file: args.cert_file,
    })
    .await?;
    // Handlers in place before anyone can know the URL and send a signal.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", mock.url())?;
    stdout.flush()?;
    drop(stdout);

    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    mock.shutdown().await;
    Ok(())
}
