//! What the phone changes on its account that its devices must hear of.

use super::Shared;
use super::command::Command;
use super::live::{Account, of_phone};
use crate::phone::peers::{Body, Letter};
use crate::wire::nodes;

impl Shared {
    /// The phone of `phone` takes the push name `name`: its devices carry
    /// it, and the live ones are told. Returns how many live sockets were
    /// told; `None` if no device of `phone` is linked.
    pub fn set_push_name(&self, phone: &str, name: &str) -> Option<usize> {
        if self.registry().set_push_name(phone, name) == 0 {
            return None;
        }
        Some(self.live().signal(of_phone(Some(phone)), || {
            Command::Send(nodes::account_sync_push_name(phone, name))
        }))
    }

    /// The phone of a personal account shares its app-state sync key with
    /// the device it just linked, as a real phone does after linking
    /// (whatsapp-rust `client/node_io.rs` waits for it before the critical
    /// sync). It is sealed once the device uploaded its prekeys.
    pub fn share_app_state_key(&self, account: &Account) {
        let (state, key) = {
            let mut registry = self.registry();
            (
                registry.app_state(&account.0),
                registry.account_key(&account.0),
            )
        };
        if let (Some(state), Some(key)) = (state, key) {
            let body = Body::KeyShare {
                key_id: state.key_id,
                key: state.key,
            };
            self.deliver(account, &key, Letter::new(body));
        }
    }
}
