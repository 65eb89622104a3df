//! Counters of what the mock has seen.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::latency::{AckLatency, Histogram};
use crate::wire::handshake::Pattern;

/// A copy of the counters, as `GET /admin/stats` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    /// WebSocket upgrades asked for, refused ones included.
    pub connections: u64,
    /// Upgrades answered 503 while refusing.
    pub refused: u64,
    /// Sockets open now.
    pub live_connections: u64,
    /// Handshakes completed with Noise XX.
    pub handshakes_xx: u64,
    /// Handshakes completed with Noise IK.
    pub handshakes_ik: u64,
    /// Handshakes completed with Noise XXfallback.
    pub handshakes_xxfallback: u64,
    /// Handshakes that failed or timed out.
    pub handshake_failures: u64,
    /// Registration connections (a client asking for QR refs).
    pub registrations: u64,
    /// Pairings the phone completed.
    pub pairings: u64,
    /// Logins answered `<success>`.
    pub logins: u64,
    /// Logins answered `<failure>`.
    pub login_failures: u64,
    /// Logins over the login cap, answered with a rate limit.
    pub rate_limited: u64,
    /// Requests for `/sw.js`, answered or not.
    pub sw_js_fetches: u64,
    /// The most WebSocket upgrades asked for within one wall-clock second.
    pub peak_connects_per_second: u64,
    /// Stanzas written to devices (messages, receipts, notifications),
    /// redeliveries included.
    #[serde(default)]
    pub delivered: u64,
    /// Stanzas the devices acked.
    #[serde(default)]
    pub acked: u64,
    /// Acks and receipts dropped by `lose-acks`.
    #[serde(default)]
    pub lost_acks: u64,
    /// Time from writing a stanza to its ack, over the stanzas acked since
    /// the last [`crate::MockWa::reset_latency`].
    #[serde(default)]
    pub ack_latency: AckLatency,
}

/// Live counters.
#[derive(Default)]
pub(crate) struct Stats {
    pub connections: AtomicU64,
    pub refused: AtomicU64,
    pub live_connections: AtomicU64,
    handshakes_xx: AtomicU64,
    handshakes_ik: AtomicU64,
    handshakes_xxfallback: AtomicU64,
    pub handshake_failures: AtomicU64,
    pub registrations: AtomicU64,
    pub pairings: AtomicU64,
    pub logins: AtomicU64,
    pub login_failures: AtomicU64,
    pub rate_limited: AtomicU64,
    pub sw_js_fetches: AtomicU64,
    pub delivered: AtomicU64,
    pub acked: AtomicU64,
    pub lost_acks: AtomicU64,
    latency: Mutex<Histogram>,
    /// (second, upgrades in it, peak over all seconds)
    rate: Mutex<(u64, u64, u64)>,
}

/// Adds `n` to a counter.
pub(crate) fn add(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    /// Counts a WebSocket upgrade request and its second.
    pub fn connect_attempt(&self) {
        bump(&self.connections);
        let second = crate::wire::nodes::unix_now();
        let mut rate = self.rate.lock().unwrap_or_else(|e| e.into_inner());
        if rate.0 == second {
            rate.1 += 1;
        } else {
            *rate = (second, 1, rate.2);
        }
        rate.2 = rate.2.max(rate.1);
    }

    /// Starts a new measurement of the peak connects per second.
    pub fn reset_peak(&self) {
        *self.rate.lock().unwrap_or_else(|e| e.into_inner()) = (0, 0, 0);
    }

    /// Counts acks that took `waited` each.
    pub fn acked(&self, waited: &[std::time::Duration]) {
        if waited.is_empty() {
            return;
        }
        self.acked.fetch_add(waited.len() as u64, Ordering::Relaxed);
        let mut latency = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        for w in waited {
            latency.record(*w);
        }
    }

    /// Starts a new measurement of the ack latency.
    pub fn reset_latency(&self) {
        *self.latency.lock().unwrap_or_else(|e| e.into_inner()) = Histogram::default();
    }

    /// Counts a completed handshake.
    pub fn handshake(&self, pattern: Pattern) {
        bump(match pattern {
            Pattern::Xx => &self.handshakes_xx,
            Pattern::Ik => &self.handshakes_ik,
            Pattern::XxFallback => &self.handshakes_xxfallback,
        });
    }

    /// Reads every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            connections: get(&self.connections),
            refused: get(&self.refused),
            live_connections: get(&self.live_connections),
            handshakes_xx: get(&self.handshakes_xx),
            handshakes_ik: get(&self.handshakes_ik),
            handshakes_xxfallback: get(&self.handshakes_xxfallback),
            handshake_failures: get(&self.handshake_failures),
            registrations: get(&self.registrations),
            pairings: get(&self.pairings),
            logins: get(&self.logins),
            login_failures: get(&self.login_failures),
            rate_limited: get(&self.rate_limited),
            sw_js_fetches: get(&self.sw_js_fetches),
            peak_connects_per_second: self.rate.lock().unwrap_or_else(|e| e.into_inner()).2,
            delivered: get(&self.delivered),
            acked: get(&self.acked),
            lost_acks: get(&self.lost_acks),
            ack_latency: self
                .latency
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .snapshot(),
        }
    }
}
