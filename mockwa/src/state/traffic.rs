//! Traffic to the devices: letters from contacts and from the account's
//! phone, sealed for each linked device and queued in its outbox; the
//! connections deliver them (live, or in an offline drain at the next
//! login) and settle them when the device acks.

use std::time::Instant;

use wacore::libsignal::protocol::KeyPair;
use wacore_binary::{Jid, Node};

use super::Shared;
use super::command::Command;
use super::live::Account;
use crate::phone::peers::{Body, Letter, Recipient};
use crate::wire::traffic;

/// Why a letter reached no device.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PostError {
    /// The account has no linked device to deliver to.
    #[error("phone `{0}` has no linked device: pair one first")]
    NoDevice(String),
    /// The letter cannot be written as asked.
    #[error("{0}")]
    Invalid(String),
}

/// A letter posted to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// The message id every device gets it under.
    pub id: String,
    /// How many devices it was queued for.
    pub devices: usize,
}

impl Shared {
    /// Posts `body` to every linked device of account `to`.
    pub fn post(&self, to: &str, body: Body) -> Result<Posted, PostError> {
        if let Body::Group { group, .. } = &body {
            crate::phone::peers::group_jid(group)
                .map_err(|e| PostError::Invalid(format!("{e:#}")))?;
        }
        let (key, devices) = {
            let mut registry = self.registry();
            (registry.account_key(to), registry.linked(to))
        };
        let Some(key) = key.filter(|_| !devices.is_empty()) else {
            return Err(PostError::NoDevice(to.to_string()));
        };
        let letter = Letter::new(body);
        let id = letter.id.clone();
        for &device in &devices {
            self.deliver(&(to.to_string(), device), &key, letter.clone());
        }
        Ok(Posted {
            id,
            devices: devices.len(),
        })
    }

    /// Seals `letter` for `account` and queues it, or parks it until the
    /// device's keys come.
    pub(crate) fn deliver(&self, account: &Account, key: &KeyPair, letter: Letter) {
        if let Some(node) = self.seal(account, key, &letter) {
            self.outbox().push(account, node);
            self.notify(account);
        }
    }

    /// Queues a stanza that needs no sealing for `account`.
    pub(crate) fn enqueue(&self, account: &Account, node: Node) {
        self.outbox().push(account, node);
        self.notify(account);
    }

    /// Seals letters that waited for `account`'s keys, in order.
    pub(crate) fn seal_parked(&self, account: &Account, letters: Vec<Letter>) {
        let Some(key) = self.registry().account_key(&account.0) else {
            return;
        };
        for letter in letters {
            self.deliver(account, &key, letter);
        }
    }

    /// `letter` encrypted for `account`; `None` if it was parked for the
    /// device's keys or could not be sealed.
    fn seal(&self, account: &Account, key: &KeyPair, letter: &Letter) -> Option<Node> {
        let to = Recipient {
            account: &account.0,
            account_key: key,
            device: account.1,
        };
        let mut peers = self.peers();
        let bundle = if peers.needs_bundle(&letter.body, &to) {
            match self.take_bundle(account) {
                Some(Ok(bundle)) => Some(bundle),
                Some(Err(e)) => {
                    tracing::warn!(phone = account.0, device = account.1, "bad bundle: {e:#}");
                    return None;
                }
                None => {
                    drop(peers);
                    self.outbox().park(account, letter.clone());
                    return None;
                }
            }
        } else {
            None
        };
        match peers.seal(letter, &to, bundle) {
            Ok(node) => Some(node),
            Err(e) => {
                tracing::warn!(phone = account.0, device = account.1, "cannot seal: {e:#}");
                None
            }
        }
    }

    /// Forgets everything owed to and known of a device that is gone.
    pub(crate) fn forget_device(&self, account: &Account) {
        self.peers().forget(&account.0, account.1);
        self.prekeys().remove(account);
        self.outbox().remove(account);
    }

    /// Tells the live connections of `account` that its outbox has more.
    pub(crate) fn notify(&self, account: &Account) {
        self.live().signal_account(account, || Command::Outbox);
    }

    /// Up to `max` queued stanzas of `account`, now delivered by `conn`.
    pub(crate) fn take_queued(&self, account: &Account, conn: u64, max: usize) -> Vec<Node> {
        let nodes = self.outbox().take(account, conn, max, Instant::now());
        crate::state::stats::add(&self.stats.delivered, nodes.len());
        nodes
    }

    /// `account` acked the stanzas `ids`.
    pub(crate) fn settle(&self, account: &Account, ids: &[String]) {
        let waited = self.outbox().ack(account, ids, Instant::now());
        self.stats.acked(&waited);
    }

    /// Connection `conn` of `account` closed: what it left unacked waits
    /// for the next login.
    pub(crate) fn requeue(&self, account: &Account, conn: u64) {
        self.outbox().requeue(account, conn);
    }

    /// The device sent a message to `to`: a contact's phone answers with a
    /// delivery receipt the device owes an ack for.
    pub(crate) fn sent_by_device(&self, account: &Account, to: &Jid, id: &str) {
        if to.user.as_str() == account.0 || to.server != wacore_binary::Server::Pn {
            return;
        }
        let contact = Jid::pn(to.user.to_string());
        self.enqueue(account, traffic::delivery_receipt(&contact, id));
    }
}
