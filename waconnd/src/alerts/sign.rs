//! Webhook signatures: `X-Waconn-Signature: sha256=HEX`, the HMAC-SHA256,
//! keyed with `--notify-secret-file`'s secret, of the `X-Waconn-Timestamp`
//! value (Unix seconds), a dot, and the raw body. The timestamp is in what
//! is signed so a captured request cannot be replayed later: a receiver
//! recomputes the HMAC, compares in constant time, and refuses a timestamp
//! more than a few minutes away from its clock.

use ring::hmac;

use crate::secret::Secret;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-waconn-signature";
/// The header that carries when the request was signed (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-waconn-timestamp";

/// The `X-Waconn-Signature` value of `body` sent at `timestamp`.
pub fn signature(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hmac_hex(
            secret.expose(),
            &[timestamp.to_string().as_bytes(), b".", body]
        )
    )
}

/// HMAC-SHA256 of the concatenated `parts` under `key`, in lowercase hex.
fn hmac_hex(key: &[u8], parts: &[&[u8]]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut context = hmac::Context::with_key(&key);
    for part in parts {
        context.update(part);
    }
    context
        .sign()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        assert_eq!(
            hmac_hex(b"Jefe", &[b"what do ya want ", b"for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_timestamp_is_signed_with_the_body() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret");
        std::fs::write(&path, "Jefe").expect("write");
        let secret = Secret::read(&path, "--notify-secret-file").expect("secret");
        let one = signature(&secret, 1_700_000_000, b"{}");
        assert!(one.starts_with("sha256=") && one.len() == 7 + 64, "{one}");
        assert_eq!(
            one,
            format!("sha256={}", hmac_hex(b"Jefe", &[b"1700000000.{}"]))
        );
        assert_ne!(one, signature(&secret, 1_700_000_001, b"{}"));
    }
}
