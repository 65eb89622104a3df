//! The simulated phone: what the primary device signs when it scans a QR
//! code, and the check of the companion's counter-signature.

pub(crate) mod app_state;
pub(crate) mod content;
pub(crate) mod pair_code;
pub(crate) mod peers;
pub(crate) mod signal;

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use buffa::Message;
use wacore::libsignal::crypto::hmac_sha256;
use wacore::libsignal::protocol::{KeyPair, PublicKey};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node};
use waproto::whatsapp::{self as wa, ADVEncryptionType};

const ACCOUNT_SIGNATURE_PREFIX: [u8; 2] = [6, 0];
const DEVICE_SIGNATURE_PREFIX: [u8; 2] = [6, 1];

/// The fields of a scanned QR code
/// (`ref,noise_pub,identity_pub,adv_secret,client_type`).
#[derive(Debug, Clone)]
pub(crate) struct QrCode {
    pub reference: String,
    pub noise_key: [u8; 32],
    pub identity_key: [u8; 32],
    pub adv_secret: [u8; 32],
}

impl QrCode {
    /// Parses a QR payload as the client renders it.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let fields: Vec<&str> = text.trim().split(',').collect();
        if fields.len() != 5 {
            bail!(
                "a QR code has 5 comma-separated fields, this one has {}",
                fields.len()
            );
        }
        let key = |i: usize, what: &str| -> anyhow::Result<[u8; 32]> {
            let bytes = BASE64_STANDARD
                .decode(fields[i])
                .with_context(|| format!("the {what} field is not base64"))?;
            bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("the {what} field is not 32 bytes"))
        };
        if fields[0].is_empty() {
            bail!("the ref field is empty");
        }
        Ok(Self {
            reference: fields[0].to_string(),
            noise_key: key(1, "noise key")?,
            identity_key: key(2, "identity key")?,
            adv_secret: key(3, "secret")?,
        })
    }
}

/// A pair-success the phone sent, kept to check the companion's answer.
pub(crate) struct SentPairing {
    /// `ADVDeviceIdentity` bytes the account signed.
    details: Vec<u8>,
    account_public: Vec<u8>,
    identity_key: [u8; 32],
}

/// Builds the `<pair-success>` for `phone:device` scanning `qr`; a
/// business account's carries `<biz name>` (whatsmeow `pair.go` reads it
/// as the business name, which whatsapp-rust `pair.rs` takes as the push
/// name), a personal account's none.
pub(crate) fn pair_success(
    id: &str,
    qr: &QrCode,
    account: &KeyPair,
    jid: &Jid,
    lid: &Jid,
    business_name: Option<&str>,
) -> anyhow::Result<(Node, SentPairing)> {
    let details = wa::ADVDeviceIdentity {
        raw_id: Some(u32::from(jid.device)),
        timestamp: Some(crate::wire::nodes::unix_now()),
        key_index: Some(u32::from(jid.device)),
        account_type: Some(ADVEncryptionType::E2EE),
        device_type: Some(ADVEncryptionType::E2EE),
    }
    .encode_to_vec();
    let account_public = account.public_key.public_key_bytes().to_vec();
    let signed_message = [&ACCOUNT_SIGNATURE_PREFIX[..], &details, &qr.identity_key].concat();
    let account_signature =
        wacore::crypto::calculate_curve_signature(&account.private_key, &signed_message)
            .map_err(|e| anyhow::anyhow!("cannot sign pairing: {e}"))?;
    let signed = wa::ADVSignedDeviceIdentity {
        details: Some(details.clone()),
        account_signature_key: Some(account_public.clone()),
        account_signature: Some(account_signature.to_vec()),
        device_signature: None,
    }
    .encode_to_vec();
    let container = wa::ADVSignedDeviceIdentityHMAC {
        hmac: Some(hmac_sha256(&qr.adv_secret, &signed).to_vec()),
        details: Some(signed),
        account_type: Some(ADVEncryptionType::E2EE),
    }
    .encode_to_vec();
    let mut children = vec![
        NodeBuilder::new("device-identity").bytes(container).build(),
        NodeBuilder::new("device")
            .attr("jid", jid.clone())
            .attr("lid", lid.clone())
            .build(),
        NodeBuilder::new("platform").attr("name", "android").build(),
    ];
    if let Some(name) = business_name {
        children.push(
            NodeBuilder::new("biz")
                .attr("name", name.to_string())
                .build(),
        );
    }
    let node = crate::wire::nodes::iq_set(
        id,
        "md",
        vec![NodeBuilder::new("pair-success").children(children).build()],
    );
    let sent = SentPairing {
        details,
        account_public,
        identity_key: qr.identity_key,
    };
    Ok((node, sent))
}

/// Checks the companion's `<pair-device-sign>`: same details, same account
/// key, and a device signature made with the identity key from the QR code.
pub(crate) fn verify_sign(sent: &SentPairing, reply: &Node) -> anyhow::Result<()> {
    let identity = reply
        .get_optional_child_by_tag(&["pair-device-sign", "device-identity"])
        .context("the answer has no pair-device-sign/device-identity")?;
    let bytes = match &identity.content {
        Some(wacore_binary::NodeContent::Bytes(b)) => b.as_slice(),
        _ => bail!("device-identity carries no bytes"),
    };
    let signed = wa::ADVSignedDeviceIdentity::decode_from_slice(bytes)
        .context("device-identity is not an ADVSignedDeviceIdentity")?;
    if signed.details.as_deref() != Some(sent.details.as_slice()) {
        bail!("the companion signed other details than the phone sent");
    }
    if signed.account_signature_key.as_deref() != Some(sent.account_public.as_slice()) {
        bail!("the companion returned another account key");
    }
    let signature = signed
        .device_signature
        .as_deref()
        .context("the companion did not sign")?;
    let message = [
        &DEVICE_SIGNATURE_PREFIX[..],
        &sent.details,
        &sent.identity_key,
        &sent.account_public,
    ]
    .concat();
    let identity = PublicKey::from_djb_public_key_bytes(&sent.identity_key)
        .map_err(|e| anyhow::anyhow!("bad identity key: {e}"))?;
    if !identity.verify_signature(&message, signature) {
        bail!("the device signature does not verify");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_parse_names_what_is_wrong() {
        let k = BASE64_STANDARD.encode([1u8; 32]);
        let good = format!("ref1,{k},{k},{k},9");
        assert_eq!(QrCode::parse(&good).expect("parses").reference, "ref1");
        let err = QrCode::parse("a,b").expect_err("too few fields");
        assert!(err.to_string().contains("5 comma-separated"));
        let err = QrCode::parse(&format!("ref1,{k},xx!,{k},9")).expect_err("bad b64");
        assert!(err.to_string().contains("identity key"));
    }
}
