//! What the phone changes on its account that its devices must hear of.

use super::Shared;
use super::command::Command;
use super::live::of_phone;
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
}
