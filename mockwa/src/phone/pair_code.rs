//! The primary's side of linking with an 8-character code: the phone
//! unwraps the companion's ephemeral key with the code the user typed,
//! answers with its own, and derives the ADV secret from the companion's
//! key bundle; pairing then ends like a QR scan.

use anyhow::Context;
use wacore::libsignal::crypto::{aes_256_gcm_decrypt, x25519_agreement};
use wacore::libsignal::protocol::KeyPair;
use wacore::pair_code::PairCodeUtils;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Node, NodeContent};

use crate::wire::nodes::SERVER;

const ADV_SECRET_INFO: &[u8] = b"adv_secret";
const BUNDLE_KEY_INFO: &[u8] = b"link_code_pairing_key_bundle_encryption_key";

/// The bytes of child `tag` of `node`.
pub(crate) fn child_bytes<'a>(node: &'a Node, tag: &str) -> Option<&'a [u8]> {
    match &node.get_optional_child(tag)?.content {
        Some(NodeContent::Bytes(b)) => Some(b),
        _ => None,
    }
}

/// The reply to `companion_hello`: the ref the companion echoes later.
pub(crate) fn hello_reply(id: &str, reference: &[u8]) -> Node {
    crate::wire::nodes::iq_result_with(
        id,
        vec![
            NodeBuilder::new("link_code_companion_reg")
                .attr("stage", "companion_hello")
                .children([NodeBuilder::new("link_code_pairing_ref")
                    .bytes(reference.to_vec())
                    .build()])
                .build(),
        ],
    )
}

/// The primary's hello, once the user typed `code` on the phone: its own
/// ephemeral key wrapped with the code, and its identity key.
pub(crate) fn primary_hello(
    id: &str,
    code: &str,
    reference: &[u8],
    ephemeral: &KeyPair,
    identity: &KeyPair,
) -> anyhow::Result<Node> {
    let ephemeral_pub: [u8; 32] = ephemeral
        .public_key
        .public_key_bytes()
        .try_into()
        .context("ephemeral key")?;
    let wrapped = PairCodeUtils::encrypt_ephemeral_pub(&ephemeral_pub, code);
    Ok(NodeBuilder::new("notification")
        .attr("from", SERVER)
        .attr("type", "link_code_companion_reg")
        .attr("id", id.to_string())
        .children([NodeBuilder::new("link_code_companion_reg")
            .attr("stage", "primary_hello")
            .children([
                NodeBuilder::new("link_code_pairing_wrapped_primary_ephemeral_pub")
                    .bytes(wrapped.to_vec())
                    .build(),
                NodeBuilder::new("primary_identity_pub")
                    .bytes(identity.public_key.public_key_bytes().to_vec())
                    .build(),
                NodeBuilder::new("link_code_pairing_ref")
                    .bytes(reference.to_vec())
                    .build(),
            ])
            .build()])
        .build())
}

/// `refresh_code`: the code the companion shows is dead, it is to request
/// a new one. whatsapp-rust (`pair_code.rs` `handle_refresh_code`, after WA
/// Web's `refreshAltLinkingCode`) retires the flow and raises
/// `PairingCodeRefresh`; without `force_manual_refresh` the refresh is not
/// forced on the user.
pub(crate) fn refresh_code(reference: &[u8]) -> Node {
    NodeBuilder::new("notification")
        .attr("from", SERVER)
        .attr("type", "link_code_companion_reg")
        .attr("id", crate::wire::nodes::random_id(8))
        .children([NodeBuilder::new("link_code_companion_reg")
            .attr("stage", "refresh_code")
            .children([NodeBuilder::new("link_code_pairing_ref")
                .bytes(reference.to_vec())
                .build()])
            .build()])
        .build()
}

/// The companion's ephemeral key, unwrapped with the code the user typed.
/// A wrong code yields a wrong key, which only shows at [`open_bundle`].
pub(crate) fn unwrap_companion(wrapped: &[u8], code: &str) -> anyhow::Result<[u8; 32]> {
    PairCodeUtils::decrypt_primary_ephemeral_pub(wrapped, code).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Why the companion's key bundle did not open.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BundleError {
    /// It does not decrypt: the code typed on the phone is not the one the
    /// companion wrapped its key with.
    #[error("the key bundle does not decrypt: wrong code")]
    WrongCode,
    /// It is not a key bundle.
    #[error("{0}")]
    Malformed(String),
}

/// Opens the companion's key bundle and derives the ADV secret that keys
/// the pair-success HMAC.
pub(crate) fn open_bundle(
    wrapped: &[u8],
    companion_ephemeral: &[u8; 32],
    companion_identity: &[u8; 32],
    ephemeral: &KeyPair,
    identity: &KeyPair,
) -> Result<[u8; 32], BundleError> {
    let malformed = |e: String| BundleError::Malformed(e);
    if wrapped.len() != 32 + 12 + 96 + 16 {
        return Err(malformed(format!("key bundle of {} bytes", wrapped.len())));
    }
    let agree = |key: &KeyPair, other: &[u8; 32]| {
        x25519_agreement(key.private_key.serialize(), other)
            .map_err(|e| malformed(format!("{e:?}")))
    };
    let ephemeral_shared = agree(ephemeral, companion_ephemeral)?;
    let identity_shared = agree(identity, companion_identity)?;
    let mut key = [0u8; 32];
    wacore::crypto::hkdf_sha256_into(
        &ephemeral_shared,
        Some(&wrapped[..32]),
        BUNDLE_KEY_INFO,
        &mut key,
    )
    .map_err(|e| malformed(format!("{e:?}")))?;
    let nonce: &[u8; 12] = wrapped[32..44]
        .try_into()
        .map_err(|_| malformed("nonce".into()))?;
    let mut bundle = Vec::new();
    aes_256_gcm_decrypt(&key, nonce, b"", &wrapped[44..], &mut bundle)
        .map_err(|_| BundleError::WrongCode)?;
    if bundle.len() != 96
        || bundle[..32] != companion_identity[..]
        || bundle[32..64] != *identity.public_key.public_key_bytes()
    {
        return Err(malformed("the key bundle names other keys".into()));
    }
    let mut material = Vec::with_capacity(96);
    material.extend_from_slice(&ephemeral_shared);
    material.extend_from_slice(&identity_shared);
    material.extend_from_slice(&bundle[64..96]);
    let mut adv_secret = [0u8; 32];
    wacore::crypto::hkdf_sha256_into(&material, None, ADV_SECRET_INFO, &mut adv_secret)
        .map_err(|e| malformed(format!("{e:?}")))?;
    Ok(adv_secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The companion side from wacore against our primary side.
    #[test]
    fn primary_derives_the_companions_adv_secret() {
        let code = PairCodeUtils::generate_code();
        let companion_ephemeral = wacore::crypto::generate_curve_key_pair();
        let companion_identity = wacore::crypto::generate_curve_key_pair();
        let primary_ephemeral = wacore::crypto::generate_curve_key_pair();
        let primary_identity = wacore::crypto::generate_curve_key_pair();
        let key32 =
            |k: &KeyPair| -> [u8; 32] { k.public_key.public_key_bytes().try_into().expect("32") };
        let wrapped = PairCodeUtils::encrypt_ephemeral_pub(&key32(&companion_ephemeral), &code);
        assert_eq!(
            unwrap_companion(&wrapped, &code).expect("unwrap"),
            key32(&companion_ephemeral)
        );
        let (bundle, companion_secret) = PairCodeUtils::prepare_key_bundle(
            &companion_ephemeral,
            &key32(&primary_ephemeral),
            &key32(&primary_identity),
            &companion_identity,
        )
        .expect("bundle");
        let ours = open_bundle(
            &bundle,
            &key32(&companion_ephemeral),
            &key32(&companion_identity),
            &primary_ephemeral,
            &primary_identity,
        )
        .expect("open");
        assert_eq!(ours, companion_secret);
        let wrong = unwrap_companion(&wrapped, "ZZZZZZZZ").expect("unwraps to garbage");
        assert!(matches!(
            open_bundle(
                &bundle,
                &wrong,
                &key32(&companion_identity),
                &primary_ephemeral,
                &primary_identity
            ),
            Err(BundleError::WrongCode)
        ));
    }
}
