//! A Signal peer the mock plays (a contact, or an account's own phone):
//! its identity, and the sessions and sender keys it holds with the
//! companions it writes to, all in memory. The cryptography is
//! `wacore-libsignal`'s, the library whatsapp-rust decrypts with.

use std::collections::HashMap;

use anyhow::Context;
use async_trait::async_trait;
use rand::rngs::StdRng;
use wacore::libsignal::protocol::error::Result as SignalResult;
use wacore::libsignal::protocol::{
    self as signal, CiphertextMessage, Direction, IdentityChange, IdentityKey, IdentityKeyPair,
    IdentityKeyStore, KeyPair, PreKeyBundle, ProtocolAddress, SenderKeyName, SenderKeyRecord,
    SenderKeyStore, SessionRecord, SessionStore, UsePQRatchet,
};

/// One peer's Signal state towards the companions it writes to.
pub(crate) struct Peer {
    identity: Identities,
    /// The signed prekey it announces, and its signature.
    signed: (KeyPair, Vec<u8>),
    next_prekey: u32,
    sessions: Sessions,
    sender_keys: SenderKeys,
}

/// A ciphertext for one `<enc>` node: its `type` and bytes.
pub(crate) struct Enc {
    /// `pkmsg`, `msg` or `skmsg` (wacore `send::extract_ciphertext`).
    pub kind: &'static str,
    pub bytes: Vec<u8>,
}

impl Peer {
    /// A peer with identity `identity` and a fresh registration id.
    pub fn new(identity: KeyPair) -> Self {
        let registration_id = rand::random::<u32>() & 0x3FFF;
        let signed = KeyPair::generate(&mut rng());
        let signature = identity
            .private_key
            .calculate_signature(&signed.public_key.serialize(), &mut rng())
            .map(|s| s.to_vec())
            .unwrap_or_default();
        let pair =
            IdentityKeyPair::new(IdentityKey::new(identity.public_key), identity.private_key);
        Self {
            signed: (signed, signature),
            next_prekey: 1,
            identity: Identities {
                pair,
                registration_id,
                known: HashMap::new(),
            },
            sessions: Sessions::default(),
            sender_keys: SenderKeys::default(),
        }
    }

    /// A peer with a new random identity.
    pub fn generate() -> Self {
        Self::new(KeyPair::generate(&mut rng()))
    }

    /// A prekey bundle of this peer as device `device`, with a fresh
    /// one-time prekey, for a companion that writes to it.
    pub fn bundle(&mut self, device: u16) -> anyhow::Result<PreKeyBundle> {
        let one_time = KeyPair::generate(&mut rng());
        let id = self.next_prekey;
        self.next_prekey = (self.next_prekey % 0x00FF_FFFF) + 1;
        PreKeyBundle::new(
            self.identity.registration_id,
            u32::from(device).into(),
            Some((id.into(), one_time.public_key)),
            1.into(),
            self.signed.0.public_key,
            self.signed.1.clone(),
            *self.identity.pair.identity_key(),
        )
        .map_err(|e| anyhow::anyhow!("bad bundle: {e}"))
    }

    /// Whether it holds a session with `device`.
    pub fn has_session(&self, device: &ProtocolAddress) -> bool {
        self.sessions.0.contains_key(device)
    }

    /// Forgets the session with `device` (a device that paired again under
    /// the same number gets a fresh X3DH).
    pub fn forget(&mut self, device: &ProtocolAddress) {
        self.sessions.0.remove(device);
    }

    /// Opens a session with `device` from its prekey bundle (X3DH): the
    /// next message to it is a `pkmsg`.
    pub async fn open_session(
        &mut self,
        device: &ProtocolAddress,
        bundle: &PreKeyBundle,
    ) -> anyhow::Result<()> {
        signal::process_prekey_bundle(
            device,
            &mut self.sessions,
            &mut self.identity,
            bundle,
            &mut rng(),
            UsePQRatchet::No,
        )
        .await
        .with_context(|| format!("cannot open a Signal session with {device}"))?;
        Ok(())
    }

    /// Encrypts `plaintext` (already padded) for `device`, over the session
    /// [`Peer::open_session`] opened: a `pkmsg` until the device answered,
    /// then `msg`.
    pub async fn encrypt(
        &mut self,
        device: &ProtocolAddress,
        plaintext: &[u8],
    ) -> anyhow::Result<Enc> {
        let message =
            signal::message_encrypt(plaintext, device, &mut self.sessions, &mut self.identity)
                .await
                .with_context(|| format!("cannot encrypt for {device}"))?;
        let kind = match &message {
            CiphertextMessage::PreKeySignalMessage(_) => "pkmsg",
            CiphertextMessage::SignalMessage(_) => "msg",
            _ => anyhow::bail!("unexpected ciphertext kind for a direct message"),
        };
        Ok(Enc {
            kind,
            bytes: message.serialize().to_vec(),
        })
    }

    /// The sender-key distribution message of this peer in `group`
    /// (creating its sender key on first use): what members need before
    /// they can read its `skmsg`.
    pub async fn sender_key_distribution(&mut self, group: &str) -> anyhow::Result<Vec<u8>> {
        let name = self.sender_key_name(group);
        let message = signal::create_sender_key_distribution_message(
            &name,
            &mut self.sender_keys,
            &mut rng(),
        )
        .await
        .context("cannot create a sender key distribution message")?;
        Ok(message.serialized().to_vec())
    }

    /// Encrypts `plaintext` (already padded) for every member of `group`
    /// at once.
    pub async fn group_encrypt(&mut self, group: &str, plaintext: &[u8]) -> anyhow::Result<Enc> {
        let name = self.sender_key_name(group);
        let message = signal::group_encrypt(&mut self.sender_keys, &name, plaintext, &mut rng())
            .await
            .context("cannot encrypt for the group")?;
        Ok(Enc {
            kind: "skmsg",
            bytes: message.serialized().to_vec(),
        })
    }

    fn sender_key_name(&self, group: &str) -> SenderKeyName {
        SenderKeyName::from_parts(group, "self")
    }
}

fn rng() -> StdRng {
    rand::make_rng::<StdRng>()
}

/// The identity store: this peer's own key pair, and the identities of
/// the devices it met, trusted on first use.
struct Identities {
    pair: IdentityKeyPair,
    registration_id: u32,
    known: HashMap<ProtocolAddress, IdentityKey>,
}

#[async_trait]
impl IdentityKeyStore for Identities {
    async fn get_identity_key_pair(&self) -> SignalResult<IdentityKeyPair> {
        Ok(self.pair.clone())
    }

    async fn get_local_registration_id(&self) -> SignalResult<u32> {
        Ok(self.registration_id)
    }

    async fn save_identity(
        &mut self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
    ) -> SignalResult<IdentityChange> {
        let previous = self.known.insert(address.clone(), *identity);
        Ok(IdentityChange::from_changed(
            previous.is_some_and(|p| p != *identity),
        ))
    }

    async fn is_trusted_identity(
        &self,
        _address: &ProtocolAddress,
        _identity: &IdentityKey,
        _direction: Direction,
    ) -> SignalResult<bool> {
        // A device that paired again presents a new identity; the server
        // vouches for it, as for a contact who reinstalled.
        Ok(true)
    }

    async fn get_identity(&self, address: &ProtocolAddress) -> SignalResult<Option<IdentityKey>> {
        Ok(self.known.get(address).copied())
    }
}

#[derive(Default)]
struct Sessions(HashMap<ProtocolAddress, SessionRecord>);

#[async_trait]
impl SessionStore for Sessions {
    async fn load_session(&self, address: &ProtocolAddress) -> SignalResult<Option<SessionRecord>> {
        Ok(self.0.get(address).cloned())
    }

    async fn has_session(&self, address: &ProtocolAddress) -> SignalResult<bool> {
        Ok(self.0.contains_key(address))
    }

    async fn store_session(
        &mut self,
        address: &ProtocolAddress,
        record: SessionRecord,
    ) -> SignalResult<()> {
        self.0.insert(address.clone(), record);
        Ok(())
    }
}

#[derive(Default)]
struct SenderKeys(HashMap<SenderKeyName, SenderKeyRecord>);

#[async_trait]
impl SenderKeyStore for SenderKeys {
    async fn store_sender_key(
        &mut self,
        name: &SenderKeyName,
        record: SenderKeyRecord,
    ) -> SignalResult<()> {
        self.0.insert(name.clone(), record);
        Ok(())
    }

    async fn load_sender_key(&self, name: &SenderKeyName) -> SignalResult<Option<SenderKeyRecord>> {
        Ok(self.0.get(name).cloned())
    }
}
