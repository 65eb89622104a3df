//! Faults injected on the network and by the phone: cut sockets, refused
//! upgrades, a silent server, logouts, takeovers, bans, a rejected version.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::Shared;
use super::command::Command;
use super::live::{Account, of_phone};
use crate::wire::nodes;

impl Shared {
    /// Cuts the live sockets of `phone` (every phone if `None`).
    pub fn drop_connections(&self, phone: Option<&str>) -> usize {
        self.live().signal(of_phone(phone), || Command::Abort)
    }

    /// Answers WebSocket upgrades 503 for `duration` (zero ends it).
    pub fn refuse(&self, duration: Duration) {
        self.faults().refuse_until = (!duration.is_zero()).then(|| Instant::now() + duration);
    }

    /// Stops answering the logged-in sockets of `phone` for `duration`.
    pub fn mute(&self, phone: Option<&str>, duration: Duration) {
        self.faults().mute.set(phone, duration, Instant::now());
    }

    /// The phone removes its devices: live sockets get `conflict
    /// device_removed`, later logins 401. Returns how many devices it removed.
    pub fn logout(&self, phone: Option<&str>) -> usize {
        let removed: HashSet<Account> = {
            let mut registry = self.registry();
            let linked = registry.devices(phone);
            linked
                .into_iter()
                .filter(|d| registry.remove(&d.phone, d.device))
                .map(|d| (d.phone, d.device))
                .collect()
        };
        self.live().signal(
            |account| removed.contains(account),
            || Command::StreamError(nodes::stream_conflict("device_removed")),
        );
        removed.len()
    }

    /// Another client took over: live sockets get `conflict replaced`.
    pub fn replace(&self, phone: Option<&str>) -> usize {
        self.live().signal(of_phone(phone), || {
            Command::StreamError(nodes::stream_conflict("replaced"))
        })
    }

    /// Bans `phone` for `duration`: live sockets are cut and logins until the
    /// expiry are answered 402.
    pub fn ban(&self, phone: Option<&str>, duration: Duration) -> usize {
        self.faults().ban.set(phone, duration, Instant::now());
        if duration.is_zero() {
            return 0;
        }
        self.drop_connections(phone)
    }

    /// Rejects every login with 405 while enabled; live sockets are cut so
    /// they meet it.
    pub fn set_outdated(&self, enabled: bool) -> usize {
        self.faults().outdated = enabled;
        if enabled {
            self.drop_connections(None)
        } else {
            0
        }
    }
}
