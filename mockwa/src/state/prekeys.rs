//! The prekeys the devices uploaded, and the server's side of the
//! `encrypt` namespace: bundles handed out (each one-time prekey once),
//! the count and digest a device checks, and the notification it gets when
//! its one-time prekeys run low.

use std::collections::{HashMap, HashSet};

use wacore_binary::{Jid, Node};

use super::Shared;
use super::live::Account;
use crate::wire::prekeys::{self, UploadedKeys};
use crate::wire::traffic;

/// Every device's uploaded keys.
#[derive(Default)]
pub(crate) struct Keys {
    devices: HashMap<Account, UploadedKeys>,
    /// Devices told their prekeys run low, not uploaded since.
    told_low: HashSet<Account>,
}

impl Keys {
    /// Takes a bundle of `account`, consuming a one-time prekey; `None` if
    /// it never uploaded. Also returns how many one-time prekeys are left.
    pub fn take(
        &mut self,
        account: &Account,
    ) -> Option<(
        anyhow::Result<wacore::libsignal::protocol::PreKeyBundle>,
        usize,
    )> {
        let keys = self.devices.get_mut(account)?;
        let bundle = keys.take_bundle(account.1);
        Some((bundle, keys.one_time.len()))
    }

    /// Whether `account` is to be told its prekeys run low now (once until
    /// it uploads again).
    pub fn tell_low(&mut self, account: &Account, left: usize, threshold: usize) -> bool {
        left < threshold && self.told_low.insert(account.clone())
    }

    /// Forgets a device that is gone.
    pub fn remove(&mut self, account: &Account) {
        self.devices.remove(account);
        self.told_low.remove(account);
    }
}

impl Shared {
    /// `account` uploaded `keys`; letters that waited for them are sealed
    /// now.
    pub fn keys_uploaded(&self, account: &Account, keys: UploadedKeys) {
        {
            let mut all = self.prekeys();
            all.told_low.remove(account);
            match all.devices.get_mut(account) {
                Some(old) => old.merge(keys),
                None => {
                    all.devices.insert(account.clone(), keys);
                }
            }
        }
        let parked = self.outbox().take_parked(account);
        if !parked.is_empty() {
            self.seal_parked(account, parked);
        }
    }

    /// How many one-time prekeys the server holds for `account`.
    pub fn prekey_count(&self, account: &Account) -> usize {
        self.prekeys()
            .devices
            .get(account)
            .map_or(0, |k| k.one_time.len())
    }

    /// The digest of `account`'s keys; `None` if it uploaded none, which
    /// the server answers 404 and whatsapp-rust with a fresh upload
    /// (`prekeys.rs` `validate_digest_key`).
    pub fn prekey_digest(&self, account: &Account) -> Option<Node> {
        self.prekeys()
            .devices
            .get(account)
            .map(UploadedKeys::digest)
    }

    /// The bundles `jids` a device asked for, each `<user>` of a key-query
    /// answer: another linked device's uploaded keys, or those of a phone
    /// or contact the mock plays.
    pub fn bundles(&self, jids: &[Jid]) -> Vec<Node> {
        jids.iter().map(|jid| self.bundle(jid)).collect()
    }

    fn bundle(&self, jid: &Jid) -> Node {
        let account: Account = (jid.user.to_string(), jid.device);
        let uploaded = self.take_bundle(&account);
        let bundle = match uploaded {
            Some(bundle) => bundle,
            // Contacts are played as phones alone; a companion that never
            // uploaded has no bundle.
            None if jid.device != 0 => Err(anyhow::anyhow!("no keys uploaded")),
            None => {
                let key = (jid.device == 0)
                    .then(|| self.registry().account_key(&jid.user))
                    .flatten();
                self.peers().bundle_of(jid, key.as_ref())
            }
        };
        match bundle.and_then(|b| prekeys::bundle_node(jid, &b)) {
            Ok(node) => node,
            Err(e) => {
                tracing::debug!(%jid, "no bundle: {e:#}");
                prekeys::bundle_missing(jid)
            }
        }
    }

    /// A bundle of a linked device's uploaded keys, consuming one of its
    /// one-time prekeys and telling it when they run low; `None` if it
    /// uploaded none.
    pub(crate) fn take_bundle(
        &self,
        account: &Account,
    ) -> Option<anyhow::Result<wacore::libsignal::protocol::PreKeyBundle>> {
        let (bundle, left, low) = {
            let mut keys = self.prekeys();
            let (bundle, left) = keys.take(account)?;
            let low = keys.tell_low(account, left, self.config.prekey_low);
            (bundle, left, low)
        };
        if low {
            tracing::debug!(phone = account.0, device = account.1, left, "prekeys low");
            self.outbox().push(account, traffic::prekeys_low(left));
            self.notify(account);
        }
        Some(bundle)
    }
}
