//! The prekey stanzas of the `encrypt` namespace: a companion's upload,
//! and the server's answers to key-bundle, count and digest queries. The
//! shapes are whatsapp-rust's (`wacore` `iq/prekeys.rs`, after WA Web's
//! `WAWebUploadPreKeysJob` and `WAWebDigestKeyJob`), built with its
//! `PreKeyBundleUserNode`.

use std::collections::VecDeque;

use anyhow::{Context, bail};
use wacore::iq::prekeys::PreKeyBundleUserNode;
use wacore::libsignal::protocol::{IdentityKey, PreKeyBundle, PublicKey};
use wacore::protocol::ProtocolNode;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node, NodeContent};

/// The keys a device uploaded: its identity, its signed prekey and the
/// one-time prekeys not handed out yet, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct UploadedKeys {
    pub registration_id: u32,
    pub identity: [u8; 32],
    pub signed_id: u32,
    pub signed_public: [u8; 32],
    pub signed_signature: [u8; 64],
    pub one_time: VecDeque<(u32, [u8; 32])>,
}

impl UploadedKeys {
    /// Parses `<iq xmlns="encrypt" type="set">`'s children: `registration`,
    /// `type`, `identity`, `list` of `key`, `skey`.
    pub fn parse(iq: &Node) -> anyhow::Result<Self> {
        let registration = bytes(iq.get_optional_child("registration")).context("registration")?;
        let registration_id = u32::from_be_bytes(
            registration
                .try_into()
                .map_err(|_| anyhow::anyhow!("registration is not 4 bytes"))?,
        );
        let identity = key32(iq.get_optional_child("identity")).context("identity")?;
        let skey = iq.get_optional_child("skey").context("no skey")?;
        let (signed_id, signed_public) = id_and_value(skey).context("skey")?;
        let signed_signature: [u8; 64] = bytes(skey.get_optional_child("signature"))
            .context("skey signature")?
            .try_into()
            .map_err(|_| anyhow::anyhow!("skey signature is not 64 bytes"))?;
        let one_time = iq
            .get_optional_child("list")
            .map(|list| {
                list.get_children_by_tag("key")
                    .map(id_and_value)
                    .collect::<anyhow::Result<VecDeque<_>>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Self {
            registration_id,
            identity,
            signed_id,
            signed_public,
            signed_signature,
            one_time,
        })
    }

    /// Takes in a later upload: the identity and signed prekey are
    /// replaced, the one-time prekeys added to those left.
    pub fn merge(&mut self, newer: Self) {
        let mut one_time = std::mem::take(&mut self.one_time);
        one_time.extend(newer.one_time);
        *self = Self { one_time, ..newer };
    }

    /// A bundle for `device`, consuming one one-time prekey if any is left
    /// (the server hands each out once).
    pub fn take_bundle(&mut self, device: u16) -> anyhow::Result<PreKeyBundle> {
        let one_time = self
            .one_time
            .pop_front()
            .map(|(id, key)| anyhow::Ok((id.into(), public(&key)?)))
            .transpose()?;
        PreKeyBundle::new(
            self.registration_id,
            u32::from(device).into(),
            one_time,
            self.signed_id.into(),
            public(&self.signed_public)?,
            self.signed_signature.to_vec(),
            IdentityKey::new(public(&self.identity)?),
        )
        .map_err(|e| anyhow::anyhow!("bad bundle: {e}"))
    }

    /// The `<digest>` a device checks its keys against: what the server
    /// holds and the SHA-1 over identity, signed prekey, signature and each
    /// one-time prekey (wacore `prekeys.rs` `compute_key_bundle_digest`).
    pub fn digest(&self) -> Node {
        let mut hash = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
        hash.update(&self.identity);
        hash.update(&self.signed_public);
        hash.update(&self.signed_signature);
        for (_, key) in &self.one_time {
            hash.update(key);
        }
        let ids = self
            .one_time
            .iter()
            .map(|(id, _)| NodeBuilder::new("id").bytes(id24(*id)).build());
        NodeBuilder::new("digest")
            .children([
                NodeBuilder::new("registration")
                    .bytes(self.registration_id.to_be_bytes().to_vec())
                    .build(),
                NodeBuilder::new("type").bytes(vec![5]).build(),
                NodeBuilder::new("identity")
                    .bytes(self.identity.to_vec())
                    .build(),
                NodeBuilder::new("skey")
                    .children([
                        NodeBuilder::new("id").bytes(id24(self.signed_id)).build(),
                        NodeBuilder::new("value")
                            .bytes(self.signed_public.to_vec())
                            .build(),
                        NodeBuilder::new("signature")
                            .bytes(self.signed_signature.to_vec())
                            .build(),
                    ])
                    .build(),
                NodeBuilder::new("list").children(ids).build(),
                NodeBuilder::new("hash")
                    .bytes(hash.finish().as_ref().to_vec())
                    .build(),
            ])
            .build()
    }
}

/// `<user jid>` carrying `bundle`, as an answer to a key query.
pub(crate) fn bundle_node(jid: &Jid, bundle: &PreKeyBundle) -> anyhow::Result<Node> {
    Ok(PreKeyBundleUserNode::from_bundle(jid.clone(), bundle, None)?.into_node())
}

/// `<user jid><error code text/></user>`: no bundle for that device.
pub(crate) fn bundle_missing(jid: &Jid) -> Node {
    NodeBuilder::new("user")
        .attr("jid", jid.clone())
        .children([NodeBuilder::new("error")
            .attr("code", "404")
            .attr("text", "item-not-found")
            .build()])
        .build()
}

/// `<count value=N/>`: how many one-time prekeys the server holds.
pub(crate) fn count(value: usize) -> Node {
    NodeBuilder::new("count")
        .attr("value", value.to_string())
        .build()
}

/// The JIDs a key query asks bundles for (`<key><user jid/>...</key>`).
pub(crate) fn queried(iq: &Node) -> Vec<Jid> {
    iq.get_optional_child("key")
        .map(|key| {
            key.get_children_by_tag("user")
                .filter_map(|u| u.attrs.get("jid"))
                .filter_map(|jid| jid.as_str().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn id24(id: u32) -> Vec<u8> {
    id.to_be_bytes()[1..].to_vec()
}

fn id_and_value(node: &Node) -> anyhow::Result<(u32, [u8; 32])> {
    let id = bytes(node.get_optional_child("id")).context("id")?;
    if id.len() != 3 {
        bail!("a key id is 3 bytes, this one {}", id.len());
    }
    let id = u32::from_be_bytes([0, id[0], id[1], id[2]]);
    Ok((
        id,
        key32(node.get_optional_child("value")).context("value")?,
    ))
}

fn key32(node: Option<&Node>) -> anyhow::Result<[u8; 32]> {
    bytes(node)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("not a 32-byte key"))
}

fn bytes(node: Option<&Node>) -> anyhow::Result<&[u8]> {
    match node.map(|n| &n.content) {
        Some(Some(NodeContent::Bytes(b))) => Ok(b),
        Some(_) => bail!("carries no bytes"),
        None => bail!("missing"),
    }
}

fn public(key: &[u8; 32]) -> anyhow::Result<PublicKey> {
    PublicKey::from_djb_public_key_bytes(key).map_err(|e| anyhow::anyhow!("bad key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore::prekeys::{PreKeyUtils, compute_key_bundle_digest};

    fn upload(ids: std::ops::Range<u32>) -> Node {
        let keys: Vec<(u32, Vec<u8>)> = ids.map(|id| (id, vec![id as u8; 32])).collect();
        let children = PreKeyUtils::build_upload_prekeys_request(
            0x0102_0304,
            &[9; 32],
            7,
            &[8; 32],
            &[6; 64],
            keys.iter().map(|(id, key)| (*id, key.as_slice())),
        );
        NodeBuilder::new("iq").children(children).build()
    }

    #[test]
    fn an_upload_parses_hands_each_one_time_key_out_once_and_digests_as_the_client() {
        let mut keys = UploadedKeys::parse(&upload(1..4)).expect("parse");
        assert_eq!(
            (keys.registration_id, keys.signed_id, keys.one_time.len()),
            (0x0102_0304, 7, 3)
        );
        keys.merge(UploadedKeys::parse(&upload(4..6)).expect("parse"));
        assert_eq!(keys.one_time.len(), 5, "later keys are added");

        let first = keys.take_bundle(1).expect("bundle");
        assert_eq!(first.pre_key_id().expect("id"), Some(1.into()));
        assert_eq!(
            keys.take_bundle(1)
                .expect("bundle")
                .pre_key_id()
                .expect("id"),
            Some(2.into())
        );
        assert_eq!(keys.one_time.len(), 3);

        let digest = keys.digest();
        let hash = digest.get_optional_child("hash").expect("hash");
        let Some(NodeContent::Bytes(hash)) = &hash.content else {
            panic!("hash bytes");
        };
        let left: Vec<Vec<u8>> = (3..6).map(|id| vec![id as u8; 32]).collect();
        let left: Vec<&[u8]> = left.iter().map(Vec::as_slice).collect();
        assert_eq!(
            hash,
            &compute_key_bundle_digest(&[9; 32], &[8; 32], &[6; 64], &left)
        );
        let ids = digest.get_optional_child("list").expect("list");
        assert_eq!(ids.get_children_by_tag("id").count(), 3);
    }

    #[test]
    fn a_broken_upload_says_what_is_missing() {
        let err = UploadedKeys::parse(&NodeBuilder::new("iq").build()).expect_err("empty");
        assert!(format!("{err:#}").contains("registration"), "{err:#}");
    }
}
