//! Faults injected on the network and by the server: cut sockets, refused
//! upgrades, a silent server, stream errors on live sockets (a logout and a
//! takeover among them).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::Shared;
use super::command::{Close, Command, Ending};
use super::live::{Account, of_phone};
use crate::wire::stream_error::{self, StreamError};

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
        self.faults().mute.set(phone, duration, Instant::now(), ());
    }

    /// Refuses the pair-code requests of `phone` as throttled for
    /// `duration` (zero ends it).
    pub fn throttle_codes(&self, phone: Option<&str>, duration: Duration) {
        self.faults()
            .throttle_codes
            .set(phone, duration, Instant::now(), ());
    }

    /// The phone removes its devices: live sockets get `code="401"` with
    /// `conflict device_removed`, later logins 401. Returns how many devices
    /// it removed.
    pub fn logout(&self, phone: Option<&str>) -> usize {
        let linked: Vec<Account> = self
            .registry()
            .devices(phone)
            .into_iter()
            .map(|d| (d.phone, d.device))
            .collect();
        let removed = self.remove_devices(linked);
        self.live().signal(
            |account| removed.contains(account),
            || Command::StreamError(Ending::new(StreamError::LoggedOut, Close::Now)),
        );
        removed.len()
    }

    /// Another client took over: live sockets get `conflict replaced`.
    pub fn replace(&self, phone: Option<&str>) -> usize {
        self.live().signal(of_phone(phone), || {
            Command::StreamError(Ending::now(stream_error::replaced()))
        })
    }

    /// Sends `error` on the live sockets of `phone` and closes them as
    /// `close` says. A logout (401, 516) also removes their devices.
    /// Returns how many sockets got it.
    pub fn stream_error(&self, phone: Option<&str>, error: StreamError, close: Close) -> usize {
        if error.removes_device() {
            let online: Vec<Account> = self
                .live()
                .online()
                .into_iter()
                .filter(of_phone(phone))
                .collect();
            self.remove_devices(online);
        }
        self.live().signal(of_phone(phone), || {
            Command::StreamError(Ending::new(error, close))
        })
    }

    /// Drops the acks and receipts the devices of `phone` send for
    /// `duration` (zero ends it), as if they were lost on the way: what
    /// they were sent stays owed.
    pub fn lose_acks(&self, phone: Option<&str>, duration: Duration) {
        self.faults()
            .lose_acks
            .set(phone, duration, Instant::now(), ());
    }

    /// Marks `accounts` removed; returns those that were linked.
    fn remove_devices(&self, accounts: Vec<Account>) -> HashSet<Account> {
        let removed: HashSet<Account> = {
            let mut registry = self.registry();
            accounts
                .into_iter()
                .filter(|(phone, device)| registry.remove(phone, *device))
                .collect()
        };
        for account in &removed {
            self.forget_device(account);
        }
        removed
    }
}
