//! The TLS the bare clients trust: mockwa's self-signed certificate
//! instead of the web's authorities, one configuration shared by every
//! client as waconnd shares its own.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// A client TLS configuration trusting the PEM certificates in `ca` only.
pub fn trusting(ca: &Path) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let shown = ca.display();
    let pem = std::fs::read(ca).with_context(|| format!("cannot read `{shown}`"))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.with_context(|| format!("`{shown}` is not PEM certificates"))?)?;
    }
    anyhow::ensure!(!roots.is_empty(), "`{shown}` holds no certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("no TLS protocol version")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
