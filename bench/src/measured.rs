//! Everything one side of a run measured, and the figures derived from it.

use mockwa::AckLatency;

use crate::latency::Latency;
use crate::proc::Reading;
use crate::subject::Kind;

/// A quiet window: CPU and the logins nobody caused.
#[derive(Debug, Clone, Copy)]
pub struct Idle {
    /// Its length, seconds.
    pub secs: f64,
    /// CPU over it, % of one core.
    pub cpu_percent: f64,
    /// Logins mockwa saw in it (the scenario caused none).
    pub spurious_logins: u64,
}

/// The steady-traffic phase.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// Messages per number per minute.
    pub per_minute: f64,
    /// Its length, seconds.
    pub secs: f64,
    /// CPU over it, % of one core.
    pub cpu_percent: f64,
    /// The PostgreSQL server's CPU over it, % of one core (that engine only).
    pub db_cpu_percent: Option<f64>,
    /// mockwa's send-to-ack times over it.
    pub ack: AckLatency,
    /// Logins mockwa saw in it (the scenario caused none).
    pub spurious_logins: u64,
    /// The process right after it.
    pub after: Reading,
    /// Bytes written to storage a second (`/proc/PID/io` `write_bytes`).
    pub write_bytes_per_sec: f64,
    /// The same of the PostgreSQL server's processes (that engine only).
    pub db_write_bytes_per_sec: Option<f64>,
    /// `fsync` + `fdatasync` a second, over a window of its own after the
    /// phase (traffic still on), or why they were not counted.
    pub syncs_per_sec: Result<f64, String>,
    /// That window, seconds.
    pub syncs_window_secs: f64,
}

/// The mass drop with a backlog queued for every number.
#[derive(Debug, Clone)]
pub struct Backlog {
    /// Stanzas queued in all.
    pub queued: usize,
    /// How long mockwa took to queue them (the sockets were cut first).
    pub queue_secs: f64,
    /// From the cut until every number logged in again and is connected.
    pub back_secs: f64,
    /// From the cut until, besides, every stanza is acked.
    pub acked_secs: f64,
    /// The most connects mockwa saw in one second meanwhile.
    pub peak: u64,
    /// Logins beyond one per number meanwhile.
    pub extra_logins: u64,
    /// mockwa's send-to-ack times meanwhile.
    pub ack: AckLatency,
}

/// The PostgreSQL server of a daemon on that engine.
#[derive(Debug, Clone, Copy)]
pub struct DbSide {
    /// With one number connected.
    pub one: Reading,
    /// With all N connected, after a restart.
    pub all: Reading,
    /// Its CPU while the daemon idles, % of one core.
    pub idle_cpu_percent: f64,
    /// Bytes its databases grew by, a number.
    pub bytes_per_number: u64,
}

/// One side of a run for N numbers.
#[derive(Debug, Clone)]
pub struct Measured {
    /// What was measured.
    pub kind: Kind,
    /// Numbers.
    pub n: usize,
    /// With one number, restored from disk.
    pub one: Reading,
    /// Right after pairing all N, without a restart.
    pub paired: Reading,
    /// With all N restored from disk, settled.
    pub all: Reading,
    /// Pairing the N-1 numbers after the first (setup).
    pub pair_secs: f64,
    /// Start to all connected.
    pub start_secs: f64,
    /// Peak connects per second during the start.
    pub start_peak: u64,
    /// Idle.
    pub idle: Idle,
    /// `wactl list --json` and `wactl status N` (the daemon only).
    pub wactl: Option<(Latency, Latency)>,
    /// Steady traffic, if asked for.
    pub traffic: Option<Traffic>,
    /// Back after mockwa cut every socket.
    pub drop_secs: f64,
    /// Peak connects per second after the drop.
    pub drop_peak: u64,
    /// The mass drop with a backlog, if asked for.
    pub backlog: Option<Backlog>,
    /// Bytes on disk per number (stores, and the registry's share).
    pub disk_per_number: u64,
    /// Graceful stop to exit, all connected.
    pub stop_secs: f64,
    /// The PostgreSQL server, for a daemon on that engine.
    pub database: Option<DbSide>,
}

impl Measured {
    /// RSS growth per number after the first, KiB, at `reading`.
    pub fn marginal_kib(&self, reading: &Reading) -> f64 {
        per_further(self.n, reading.rss_kib, self.one.rss_kib)
    }

    /// The PostgreSQL server's memory growth per number after the first,
    /// KiB (that engine only).
    pub fn db_marginal_kib(&self) -> Option<f64> {
        self.database
            .map(|db| per_further(self.n, db.all.rss_kib, db.one.rss_kib))
    }

    /// Descriptors per number after the first.
    pub fn fds_per_session(&self) -> f64 {
        per_further(self.n, self.all.fds, self.one.fds)
    }
}

/// (`all` - `one`) / (`n` - 1).
fn per_further(n: usize, all: u64, one: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    (all as f64 - one as f64) / (n - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_shared_by_the_numbers_after_the_first() {
        assert_eq!(per_further(101, 20_000 + 100 * 400, 20_000), 400.0);
        assert_eq!(per_further(1, 30_000, 20_000), 0.0);
        assert!(
            per_further(3, 19_000, 20_000) < 0.0,
            "a shrink stays visible"
        );
    }
}
