//! The TLS a test build's socket trusts: one certificate (a mockwa
//! server's self-signed one) instead of the system's authorities, built
//! once and shared by every link.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// A client TLS configuration trusting the PEM certificates in `ca` only.
pub fn trusting(ca: &Path) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let shown = ca.display();
    let pem = std::fs::read(ca).with_context(|| format!("cannot read --wa-ca `{shown}`"))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.with_context(|| format!("--wa-ca `{shown}` is not PEM certificates"))?;
        roots
            .add(cert)
            .with_context(|| format!("--wa-ca `{shown}` holds a certificate rustls refuses"))?;
    }
    anyhow::ensure!(
        !roots.is_empty(),
        "--wa-ca `{shown}` holds no certificate: give the PEM file mockwa wrote (--cert-file)"
    );
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("no TLS protocol version")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
