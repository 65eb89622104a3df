//! Settings of a mock server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How a [`crate::MockWa`] listens, keys itself and hands out QR refs.
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
        }
    }
}
