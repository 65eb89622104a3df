//! The server's static Noise key and the certificate chain that vouches for it.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use buffa::Message;
use wacore::libsignal::protocol::{KeyPair, PrivateKey};
use waproto::whatsapp::{self as wa, cert_chain::noise_certificate};

/// The server's long-lived identity on the wire.
pub(crate) struct ServerKeys {
    /// Static key pair (responder `s` in Noise).
    pub pair: KeyPair,
    /// Encoded `CertChain` whose leaf names `pair.public_key`.
    pub cert_chain: Vec<u8>,
}

impl ServerKeys {
    /// Loads the key from `path` (hex, 32 bytes), creating it if absent; a
    /// fresh random key when no path is given.
    pub fn load_or_create(path: Option<&Path>) -> anyhow::Result<Self> {
        let pair = match path {
            None => wacore::crypto::generate_curve_key_pair(),
            Some(path) if path.exists() => read_key(path)?,
            Some(path) => {
                let pair = wacore::crypto::generate_curve_key_pair();
                write_key(path, &pair)?;
                pair
            }
        };
        let cert_chain = cert_chain(pair.public_key.public_key_bytes());
        Ok(Self { pair, cert_chain })
    }

    /// The 32-byte static public key.
    pub fn public(&self) -> &[u8] {
        self.pair.public_key.public_key_bytes()
    }

    /// The 32-byte static private key.
    pub fn private(&self) -> &[u8] {
        self.pair.private_key.serialize()
    }
}

fn read_key(path: &Path) -> anyhow::Result<KeyPair> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file `{}`", path.display()))?;
    let bytes = hex_decode(text.trim())
        .with_context(|| format!("key file `{}` is not 64 hex digits", path.display()))?;
    if bytes.len() != 32 {
        bail!(
            "key file `{}` holds {} bytes, expected 32",
            path.display(),
            bytes.len()
        );
    }
    let private = PrivateKey::deserialize(&bytes)
        .map_err(|e| anyhow::anyhow!("key file `{}`: {e}", path.display()))?;
    KeyPair::try_from(private).map_err(|e| anyhow::anyhow!("key file `{}`: {e}", path.display()))
}

fn write_key(path: &Path, pair: &KeyPair) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create key file `{}`", path.display()))?;
    writeln!(file, "{}", hex_encode(pair.private_key.serialize()))?;
    file.sync_all()?;
    Ok(())
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of a hex string, `None` if it is not one.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A zero-signed chain (intermediate issued by serial 0, leaf by the
/// intermediate) valid from a day ago for ten years, as clients built with
/// `danger-skip-cert-chain-verify` accept it.
fn cert_chain(server_public: &[u8]) -> Vec<u8> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (not_before, not_after) = (now - 86_400, now + 10 * 365 * 86_400);
    let certificate = |details: noise_certificate::Details| wa::cert_chain::NoiseCertificate {
        details: Some(details.encode_to_vec()),
        signature: Some(vec![0u8; 64]),
    };
    let intermediate = noise_certificate::Details {
        serial: Some(1),
        issuer_serial: Some(0),
        key: Some(vec![0u8; 32]),
        not_before: Some(not_before),
        not_after: Some(not_after),
    };
    let leaf = noise_certificate::Details {
        serial: Some(2),
        issuer_serial: Some(1),
        key: Some(server_public.to_vec()),
        not_before: Some(not_before),
        not_after: Some(not_after),
    };
    wa::CertChain {
        intermediate: buffa::MessageField::some(certificate(intermediate)),
        leaf: buffa::MessageField::some(certificate(leaf)),
    }
    .encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.key");
        let first = ServerKeys::load_or_create(Some(&path)).expect("create");
        let again = ServerKeys::load_or_create(Some(&path)).expect("load");
        assert_eq!(first.public(), again.public());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn malformed_key_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.key");
        std::fs::write(&path, "not hex").expect("write");
        let err = ServerKeys::load_or_create(Some(&path))
            .err()
            .expect("must fail");
        assert!(err.to_string().contains("server.key"), "{err}");
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(
            hex_decode(&hex_encode(&[0, 1, 254, 255])),
            Some(vec![0, 1, 254, 255])
        );
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
    }
}
