//! The mockwa server a run measures against, and what the bench reads of
//! it: logins and owed acks summed over every device.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mockwa::MockWa;

/// A started mockwa and the certificate it serves, if it serves TLS.
pub struct Mock {
    /// The server.
    pub server: Arc<MockWa>,
    /// Its certificate (PEM), for `wss://`.
    pub ca: Option<PathBuf>,
}

impl Mock {
    /// Starts a mockwa; with `tls` it serves `wss://` and writes its
    /// certificate into `dir`.
    pub async fn start(tls: bool, dir: &Path) -> anyhow::Result<Self> {
        let ca = tls.then(|| dir.join("mockwa.pem"));
        let config = mockwa::Config {
            tls,
            cert_file: ca.clone(),
            ..mockwa::Config::default()
        };
        Ok(Self {
            server: Arc::new(MockWa::start(config).await?),
            ca,
        })
    }

    /// Logins of every device so far.
    pub fn logins(&self) -> u64 {
        self.server.devices().iter().map(|d| d.logins).sum()
    }

    /// Stanzas the devices owe an ack for.
    pub fn unacked(&self) -> u64 {
        self.server.devices().iter().map(|d| d.unacked).sum()
    }

    /// Stops the server once nothing else holds it.
    pub async fn shutdown(self) {
        if let Ok(server) = Arc::try_unwrap(self.server) {
            server.shutdown().await;
        }
    }
}
