//! TLS on the mock's port: a self-signed certificate made at start for
//! the loopback names, and the sniffing that lets `ws://`, `wss://`,
//! `http://` and `https://` share the port (a TLS connection opens with a
//! handshake record, byte 0x16; an HTTP request with a method's letter).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::wire::stream::Stream;

/// The first byte of a TLS handshake record.
const HANDSHAKE: u8 = 0x16;

/// The certificate and the acceptor built on it.
pub(crate) struct Tls {
    acceptor: TlsAcceptor,
    pem: String,
}

impl Tls {
    /// A fresh self-signed certificate for `localhost`, `127.0.0.1`, `::1`
    /// and `host`, written as PEM to `cert_file` if given.
    pub fn generate(host: &str, cert_file: Option<&Path>) -> anyhow::Result<Self> {
        let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
        if !names.iter().any(|n| n == host) {
            names.push(host.to_string());
        }
        let certified =
            rcgen::generate_simple_self_signed(names).context("cannot make a certificate")?;
        let pem = certified.cert.pem();
        if let Some(path) = cert_file {
            std::fs::write(path, &pem)
                .with_context(|| format!("cannot write the certificate to `{}`", path.display()))?;
        }
        let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("no TLS protocol version")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("the certificate does not fit its key")?;
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            pem,
        })
    }

    /// The certificate, PEM-encoded: what a client is to trust.
    pub fn pem(&self) -> &str {
        &self.pem
    }
}

/// `tcp` as the client speaks it: TLS when it opens with a handshake and
/// the mock serves TLS, plain otherwise.
pub(crate) async fn accept(tls: Option<&Tls>, tcp: TcpStream) -> anyhow::Result<Stream> {
    let Some(tls) = tls else {
        return Ok(Stream::Plain(tcp));
    };
    let mut first = [0u8; 1];
    let n = tcp
        .peek(&mut first)
        .await
        .context("cannot read the first byte")?;
    if n == 0 || first[0] != HANDSHAKE {
        return Ok(Stream::Plain(tcp));
    }
    let stream = tls
        .acceptor
        .accept(tcp)
        .await
        .context("TLS handshake failed")?;
    Ok(Stream::Tls(Box::new(stream)))
}
