//! The open connections: which device each one is logged in as, the QR refs
//! and pair-code requests they hold, and the channel that carries commands
//! to each.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::command::Command;
use crate::version::AppVersion;

/// A linked device: phone number and device number.
pub(crate) type Account = (String, u16);

struct LiveConn {
    /// The logged-in device, once `<success>` was sent.
    account: Option<Account>,
    /// The client's version, once its handshake told it.
    version: Option<AppVersion>,
    tx: mpsc::UnboundedSender<Command>,
}

/// Open connections and what they hold.
#[derive(Default)]
pub(crate) struct Live {
    next_id: u64,
    conns: HashMap<u64, LiveConn>,
    /// QR ref -> the connection that handed it out, and its expiry.
    refs: HashMap<String, (u64, Instant)>,
    /// Phone number -> the connection waiting for its pair code.
    codes: HashMap<String, u64>,
    /// The logged-in connections of each device, so that traffic for one
    /// device reaches it without a walk over every connection.
    by_account: HashMap<Account, Vec<u64>>,
}

impl Live {
    /// Registers a new connection; it receives commands on the returned end.
    pub fn open(&mut self) -> (u64, mpsc::UnboundedReceiver<Command>) {
        let (tx, rx) = mpsc::unbounded_channel();
        self.next_id += 1;
        let id = self.next_id;
        let conn = LiveConn {
            account: None,
            version: None,
            tx,
        };
        self.conns.insert(id, conn);
        (id, rx)
    }

    /// Forgets a closed connection and what it held; `false` if unknown.
    pub fn close(&mut self, id: u64) -> bool {
        self.refs.retain(|_, (conn, _)| *conn != id);
        self.codes.retain(|_, conn| *conn != id);
        let Some(conn) = self.conns.remove(&id) else {
            return false;
        };
        if let Some(account) = conn.account
            && let Some(ids) = self.by_account.get_mut(&account)
        {
            ids.retain(|&other| other != id);
            if ids.is_empty() {
                self.by_account.remove(&account);
            }
        }
        true
    }

    /// Notes the version connection `id` announced at its handshake.
    pub fn handshaken(&mut self, id: u64, version: AppVersion) {
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.version = Some(version);
        }
    }

    /// Marks connection `id` logged in as `account`; returns how many
    /// connections are logged in as `account` now, this one included.
    pub fn logged_in(&mut self, id: u64, account: Account) -> u32 {
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.account = Some(account.clone());
            self.by_account.entry(account.clone()).or_default().push(id);
        }
        let same = self.by_account.get(&account).map_or(0, Vec::len);
        u32::try_from(same).unwrap_or(u32::MAX)
    }

    /// Tells every other connection logged in as `account` that `id`
    /// took the session over (`<conflict type="replaced"/>`); returns how
    /// many. The real server allows one connection per device: whatsmeow
    /// documents `StreamReplaced` as "emitted when the client is
    /// disconnected by another client connecting with the same keys"
    /// (`types/events/events.go`), and handles it in `connectionevents.go`.
    pub fn replace_others(
        &self,
        id: u64,
        account: &Account,
        command: impl Fn() -> Command,
    ) -> usize {
        let Some(ids) = self.by_account.get(account) else {
            return 0;
        };
        ids.iter()
            .filter(|&&other| other != id)
            .filter_map(|other| self.conns.get(other))
            .filter(|c| c.tx.send(command()).is_ok())
            .count()
    }

    /// Cuts every connection of a client older than `min`, logged in or
    /// registering; returns how many.
    pub fn cut_older_than(&self, min: AppVersion) -> usize {
        self.conns
            .values()
            .filter(|c| c.version.is_some_and(|v| v < min))
            .filter(|c| c.tx.send(Command::Abort).is_ok())
            .count()
    }

    /// Publishes the refs a registration connection handed out: the first
    /// valid for `first_ttl`, each later one `ttl` longer.
    pub fn offer_refs(
        &mut self,
        id: u64,
        refs: &[String],
        now: Instant,
        first_ttl: Duration,
        ttl: Duration,
    ) {
        let mut until = now + first_ttl;
        for reference in refs {
            self.refs.insert(reference.clone(), (id, until));
            until += ttl;
        }
    }

    /// Connection `id` asked to link with `phone` by code.
    pub fn offer_code(&mut self, id: u64, phone: &str) {
        self.codes.insert(phone.to_string(), id);
    }

    /// Sends `command` to the connection holding the valid ref `reference`;
    /// `false` if none does.
    pub fn send_to_ref(&self, reference: &str, now: Instant, command: Command) -> bool {
        let conn = match self.refs.get(reference) {
            Some((conn, until)) if *until > now => self.conns.get(conn),
            _ => None,
        };
        conn.is_some_and(|c| c.tx.send(command).is_ok())
    }

    /// Sends `command` to the connection waiting for a pair code of `phone`;
    /// `false` if none does.
    pub fn send_to_code(&self, phone: &str, command: Command) -> bool {
        let conn = self.codes.get(phone).and_then(|id| self.conns.get(id));
        conn.is_some_and(|c| c.tx.send(command).is_ok())
    }

    /// Sends a command to every logged-in connection whose account `pick`
    /// accepts; returns how many got it.
    pub fn signal(&self, pick: impl Fn(&Account) -> bool, command: impl Fn() -> Command) -> usize {
        self.conns
            .values()
            .filter(|c| c.account.as_ref().is_some_and(&pick))
            .filter(|c| c.tx.send(command()).is_ok())
            .count()
    }

    /// Sends `command` to the logged-in connections of `account`; returns
    /// how many got it.
    pub fn signal_account(&self, account: &Account, command: impl Fn() -> Command) -> usize {
        self.by_account
            .get(account)
            .into_iter()
            .flatten()
            .filter_map(|id| self.conns.get(id))
            .filter(|c| c.tx.send(command()).is_ok())
            .count()
    }

    /// The devices logged in now.
    pub fn online(&self) -> HashSet<Account> {
        self.conns
            .values()
            .filter_map(|c| c.account.clone())
            .collect()
    }

    /// How many QR refs are published, for logs.
    pub fn ref_count(&self) -> usize {
        self.refs.len()
    }
}

/// Whether `account` belongs to `phone`, or to any phone if `None`.
pub(crate) fn of_phone(phone: Option<&str>) -> impl Fn(&Account) -> bool + '_ {
    move |(p, _)| phone.is_none_or(|want| want == p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_login_of_a_device_replaces_the_first_only() {
        let mut live = Live::default();
        let account = ("15550001111".to_string(), 1);
        let (first, mut first_rx) = live.open();
        let (second, mut second_rx) = live.open();
        let (other, mut other_rx) = live.open();
        assert_eq!(live.logged_in(first, account.clone()), 1);
        assert_eq!(live.logged_in(other, ("15550002222".to_string(), 1)), 1);
        assert_eq!(live.logged_in(second, account.clone()), 2);
        let told = live.replace_others(second, &account, || Command::Abort);
        assert_eq!(told, 1);
        assert!(matches!(first_rx.try_recv(), Ok(Command::Abort)));
        assert!(second_rx.try_recv().is_err(), "the new login is kept");
        assert!(other_rx.try_recv().is_err(), "another device is untouched");
    }
}
