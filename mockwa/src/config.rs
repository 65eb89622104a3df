//! Settings of a mock server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::version::AppVersion;

/// How a [`crate::MockWa`] listens, keys itself, hands out QR refs and
/// polices logins.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// File holding the server's static Noise key, created if absent. Without
    /// one every start gets a fresh key, so clients holding the old one go
    /// through XXfallback.
    pub key_file: Option<PathBuf>,
    /// File the account registry is kept in, so linked devices survive a
    /// restart of the mock. Without one the registry lives in memory only.
    pub state_file: Option<PathBuf>,
    /// QR refs sent to a registering client (the real server sends 6).
    pub refs: usize,
    /// Validity of the first ref (the real server: 60 s).
    pub first_ref_ttl: Duration,
    /// Validity of every later ref (the real server: 20 s).
    pub ref_ttl: Duration,
    /// How long a pair code may be typed on the phone after the client got
    /// it (WA Web: 180 s, `PAIR_CODE_VALIDITY_SECS` in wacore's
    /// `pair_code.rs`); a later one is answered with a refresh.
    pub pair_code_ttl: Duration,
    /// Logins accepted per wall-clock second over all phones; those above
    /// are rate-limited. 0 means no cap.
    pub login_cap: u32,
    /// Logins and registrations of clients older than this get
    /// `<failure reason="405">`.
    pub min_version: Option<AppVersion>,
    /// The version `GET /sw.js` announces.
    pub sw_version: AppVersion,
    /// How long the server waits for a device to ack a stanza before it
    /// sends `<stream:error><ack/>` and recycles the stream. whatsapp-rust
    /// (`receipt.rs` `should_send_delivery_receipt`) puts the real
    /// server's at about 50 minutes.
    pub ack_timeout: Duration,
    /// Below this many one-time prekeys left, the server tells the device
    /// (`<notification type="encrypt"><count/>`). whatsapp-rust uploads
    /// more when the server holds fewer than 5 (`prekeys.rs`
    /// `MIN_PRE_KEY_COUNT`).
    pub prekey_low: usize,
    /// Serve `wss://` and `https://` (a self-signed certificate) beside
    /// `ws://` and `http://` on the same port.
    pub tls: bool,
    /// Where to write the certificate (PEM) clients are to trust, when
    /// `tls` is on.
    pub cert_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            key_file: None,
            state_file: None,
            refs: 6,
            first_ref_ttl: Duration::from_secs(60),
            ref_ttl: Duration::from_secs(20),
            pair_code_ttl: Duration::from_secs(180),
            login_cap: 0,
            min_version: None,
            sw_version: AppVersion::TEST_PIN,
            ack_timeout: Duration::from_secs(50 * 60),
            prekey_low: 5,
            tls: false,
            cert_file: None,
        }
    }
}
