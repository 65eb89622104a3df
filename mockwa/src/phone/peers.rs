//! Everyone who writes to the companions: each account's own phone
//! (device 0, whose Signal identity is the account key, as on a real
//! phone) and the contacts (numbers no companion of the mock belongs to).
//! A letter is what one of them writes; sealing it for a device encrypts
//! it over that peer's session with the device, opening the session from
//! the device's prekey bundle the first time (X3DH, so a `pkmsg` first).

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use futures_util::FutureExt;
use wacore::libsignal::protocol::{DeviceId, KeyPair, PreKeyBundle, ProtocolAddress};
use wacore_binary::{Jid, JidExt as _, Node};

use super::content;
use super::signal::{Enc, Peer};
use crate::wire::traffic::{self, Origin};

/// The contact a message comes from when the operator names none.
pub(crate) const DEFAULT_CONTACT: &str = "19990000001";

/// Something a peer writes to an account's devices, with its stanza id.
#[derive(Debug, Clone)]
pub(crate) struct Letter {
    pub id: String,
    pub body: Body,
}

/// What a letter says, and who writes it.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// A contact's direct message.
    Direct { from: String, text: String },
    /// A contact's message in a group.
    Group {
        from: String,
        group: String,
        text: String,
    },
    /// A message the account's phone sent to `to`, copied to its companions.
    FromPhone { to: String, text: String },
    /// The phone shares the app-state sync key with a new companion.
    KeyShare { key_id: Vec<u8>, key: Vec<u8> },
}

impl Letter {
    /// A letter with a fresh message id.
    pub fn new(body: Body) -> Self {
        Self {
            id: traffic::message_id(),
            body,
        }
    }
}

/// What sealing a letter for one device needs from the caller.
pub(crate) struct Recipient<'a> {
    /// The account's phone number.
    pub account: &'a str,
    /// The account key, which is its phone's Signal identity.
    pub account_key: &'a KeyPair,
    pub device: u16,
}

/// The peers and what they already told which device.
#[derive(Default)]
pub(crate) struct Peers {
    contacts: HashMap<String, Peer>,
    phones: HashMap<String, Peer>,
    /// (group, sender, device address): sender keys already distributed.
    distributed: HashSet<(String, String, String)>,
}

impl Peers {
    /// Whether the writer of `body` holds a session with the device: if
    /// not, sealing needs the device's bundle.
    pub fn needs_bundle(&mut self, body: &Body, to: &Recipient<'_>) -> bool {
        let address = address(to.account, to.device);
        !self.writer(body, to).has_session(&address)
    }

    /// Encrypts `letter` for the device `to`; `bundle` opens the session if
    /// the writer has none with it yet.
    pub fn seal(
        &mut self,
        letter: &Letter,
        to: &Recipient<'_>,
        bundle: Option<PreKeyBundle>,
    ) -> anyhow::Result<Node> {
        let address = address(to.account, to.device);
        let account = Jid::pn(to.account.to_string());
        let peer = self.writer(&letter.body, to);
        if let Some(bundle) = bundle {
            now(peer.open_session(&address, &bundle))?;
        }
        let pairwise =
            |peer: &mut Peer, message: &waproto::whatsapp::Message| -> anyhow::Result<Node> {
                let Enc { kind, bytes } = now(peer.encrypt(&address, &content::padded(message)))?;
                Ok(traffic::enc(kind, bytes))
            };
        Ok(match &letter.body {
            Body::Direct { from, text } => {
                let from = Jid::pn(from.clone());
                let enc = pairwise(peer, &content::text(text))?;
                let notify = contact_name(&from.user);
                traffic::message(
                    &letter.id,
                    &Origin::Contact {
                        from: &from,
                        notify: &notify,
                    },
                    vec![enc],
                )
            }
            Body::FromPhone {
                to: destination,
                text,
            } => {
                let recipient = Jid::pn(destination.clone());
                let message = content::device_sent(&recipient.to_string(), content::text(text));
                let enc = pairwise(peer, &message)?;
                traffic::message(
                    &letter.id,
                    &Origin::OwnPhone {
                        account: &account,
                        recipient: &recipient,
                    },
                    vec![enc],
                )
            }
            Body::KeyShare { key_id, key } => {
                let message = content::key_share(key_id, key, now_ms());
                let enc = pairwise(peer, &message)?;
                traffic::message(&letter.id, &Origin::Peer { account: &account }, vec![enc])
            }
            Body::Group { from, group, text } => {
                let group_jid = group_jid(group)?;
                let participant = Jid::pn(from.clone());
                let group_name = group_jid.to_string();
                let mut encs = Vec::with_capacity(2);
                let key = (group_name.clone(), from.clone(), address.name().to_string());
                let first = !self.distributed.contains(&key);
                let peer = self.writer(&letter.body, to);
                if first {
                    let distribution = now(peer.sender_key_distribution(&group_name))?;
                    encs.push(pairwise(
                        peer,
                        &content::sender_key(&group_name, distribution),
                    )?);
                }
                let Enc { kind, bytes } =
                    now(peer.group_encrypt(&group_name, &content::padded(&content::text(text))))?;
                encs.push(traffic::enc(kind, bytes));
                if first {
                    self.distributed.insert(key);
                }
                let notify = contact_name(from);
                traffic::message(
                    &letter.id,
                    &Origin::Group {
                        group: &group_jid,
                        participant: &participant,
                        notify: &notify,
                    },
                    encs,
                )
            }
        })
    }

    /// A prekey bundle of `jid`, a phone or a contact, for a companion that
    /// asked for it to write to them.
    pub fn bundle_of(
        &mut self,
        jid: &Jid,
        account_key: Option<&KeyPair>,
    ) -> anyhow::Result<PreKeyBundle> {
        let peer = match account_key {
            Some(key) => self
                .phones
                .entry(jid.user.to_string())
                .or_insert_with(|| Peer::new(key.clone())),
            None => self
                .contacts
                .entry(jid.user.to_string())
                .or_insert_with(Peer::generate),
        };
        peer.bundle(jid.device)
    }

    /// Forgets what every peer knows of `account:device`, a device that is
    /// gone.
    pub fn forget(&mut self, account: &str, device: u16) {
        let address = address(account, device);
        for peer in self.contacts.values_mut().chain(self.phones.values_mut()) {
            peer.forget(&address);
        }
        self.distributed.retain(|(_, _, d)| d != address.name());
    }

    fn writer(&mut self, body: &Body, to: &Recipient<'_>) -> &mut Peer {
        match body {
            Body::Direct { from, .. } | Body::Group { from, .. } => self
                .contacts
                .entry(from.clone())
                .or_insert_with(Peer::generate),
            Body::FromPhone { .. } | Body::KeyShare { .. } => self
                .phones
                .entry(to.account.to_string())
                .or_insert_with(|| Peer::new(to.account_key.clone())),
        }
    }
}

/// The JID of group `name`: `name@g.us` unless it already is a JID.
pub(crate) fn group_jid(name: &str) -> anyhow::Result<Jid> {
    let text = if name.contains('@') {
        name.to_string()
    } else {
        format!("{name}@g.us")
    };
    let jid: Jid = text
        .parse()
        .map_err(|e| anyhow::anyhow!("`{name}` is not a group: {e}"))?;
    anyhow::ensure!(jid.is_group(), "`{name}` is not a group JID (`...@g.us`)");
    Ok(jid)
}

/// The push name a contact's messages carry.
pub(crate) fn contact_name(number: &str) -> String {
    format!("Contact {number}")
}

/// The Signal address the peers know `account:device` by.
fn address(account: &str, device: u16) -> ProtocolAddress {
    ProtocolAddress::new(
        &format!("{account}.{device}"),
        DeviceId::from(u32::from(device)),
    )
}

/// Runs a Signal operation on the in-memory stores, which never wait.
fn now<T>(operation: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    operation
        .now_or_never()
        .context("a Signal operation on in-memory stores waited")?
}

fn now_ms() -> i64 {
    i64::try_from(crate::wire::nodes::unix_now_ms()).unwrap_or(i64::MAX)
}
