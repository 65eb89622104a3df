//! The state every connection and the admin API share: the accounts, the
//! faults in force, the counters and the open connections, with the
//! operations the admin API calls on them.

mod account;
pub(crate) mod admission;
pub(crate) mod command;
pub(crate) mod faults;
pub(crate) mod generator;
mod inject;
pub(crate) mod latency;
pub(crate) mod live;
mod login_cap;
pub(crate) mod messages;
mod outbox;
mod pairing;
mod prekeys;
pub(crate) mod registry;
pub(crate) mod stats;
pub(crate) mod sw_js;
pub(crate) mod traffic;

use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::phone::peers::Peers;
use crate::wire::keys::ServerKeys;
use command::Command;
use faults::Faults;
use live::Live;
use outbox::Outboxes;
use prekeys::Keys;
use registry::{DeviceInfo, Registry};
use stats::Stats;

/// State every connection and the admin API share.
pub(crate) struct Shared {
    pub config: Config,
    pub keys: ServerKeys,
    pub stats: Stats,
    /// Flips to `true` when the mock shuts down.
    pub shutdown: watch::Receiver<bool>,
    registry: Mutex<Registry>,
    faults: Mutex<Faults>,
    live: Mutex<Live>,
    prekeys: Mutex<Keys>,
    outbox: Mutex<Outboxes>,
    peers: Mutex<Peers>,
    traffic: Mutex<generator::Traffic>,
}

/// Locks `mutex`, even if a panicking holder poisoned it: every critical
/// section leaves the state consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// State for a mock with no connection yet.
    pub fn new(
        config: Config,
        keys: ServerKeys,
        registry: Registry,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Self {
            faults: Mutex::new(Faults::new(&config)),
            config,
            keys,
            stats: Stats::default(),
            shutdown,
            registry: Mutex::new(registry),
            live: Mutex::new(Live::default()),
            prekeys: Mutex::new(Keys::default()),
            outbox: Mutex::new(Outboxes::default()),
            peers: Mutex::new(Peers::default()),
            traffic: Mutex::new(generator::Traffic::default()),
        }
    }

    /// The accounts and their devices.
    pub fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }

    /// The faults in force.
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    /// The open connections.
    pub fn live(&self) -> MutexGuard<'_, Live> {
        lock(&self.live)
    }

    /// The devices' uploaded prekeys.
    pub fn prekeys(&self) -> MutexGuard<'_, Keys> {
        lock(&self.prekeys)
    }

    /// What the devices are owed.
    pub fn outbox(&self) -> MutexGuard<'_, Outboxes> {
        lock(&self.outbox)
    }

    /// The phones and contacts that write to the devices. Lock order:
    /// registry, peers, keys, outbox, live.
    pub fn peers(&self) -> MutexGuard<'_, Peers> {
        lock(&self.peers)
    }

    /// Registers a new connection; it receives commands on the returned end.
    pub fn open(&self) -> (u64, mpsc::UnboundedReceiver<Command>) {
        let opened = self.live().open();
        stats::bump(&self.stats.live_connections);
        opened
    }

    /// Forgets a closed connection and its refs.
    pub fn close(&self, id: u64) {
        if self.live().close(id) {
            self.stats.live_connections.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Every device the phones linked, with whether it is connected now.
    pub fn devices(&self) -> Vec<DeviceInfo> {
        let online = self.live().online();
        let mut devices = self.registry().devices(None);
        for d in &mut devices {
            d.prekeys = self.prekey_count(&(d.phone.clone(), d.device));
        }
        let outbox = self.outbox();
        for d in &mut devices {
            let account = (d.phone.clone(), d.device);
            d.connected = online.contains(&account);
            let tally = outbox.tally(&account);
            (d.delivered, d.acked, d.unacked) = (tally.delivered, tally.acked, tally.unacked);
        }
        devices
    }
}
