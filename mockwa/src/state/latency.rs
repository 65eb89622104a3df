//! How long devices take to ack what the mock sends them: a histogram of
//! milliseconds from the write to the ack, exact below 10 s and in 100 ms
//! steps up to 10 minutes, so a benchmark gets its quantiles at any rate
//! without keeping every sample.

use std::time::Duration;

use serde::{Deserialize, Serialize};

const FINE_MS: u64 = 10_000;
const COARSE_STEP_MS: u64 = 100;
const MAX_MS: u64 = 600_000;
const BUCKETS: usize = (FINE_MS + (MAX_MS - FINE_MS) / COARSE_STEP_MS + 1) as usize;

/// Send-to-ack times of the stanzas acked since the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckLatency {
    /// Stanzas acked.
    pub count: u64,
    /// Median, in milliseconds.
    pub p50_ms: u64,
    /// 99th percentile, in milliseconds.
    pub p99_ms: u64,
    /// The slowest, in milliseconds.
    pub max_ms: u64,
}

/// The histogram behind [`AckLatency`].
pub(crate) struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    max_ms: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: vec![0; BUCKETS],
            count: 0,
            max_ms: 0,
        }
    }
}

impl Histogram {
    /// Counts one ack that took `waited`.
    pub fn record(&mut self, waited: Duration) {
        let ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
        self.buckets[bucket(ms)] += 1;
        self.count += 1;
        self.max_ms = self.max_ms.max(ms);
    }

    /// The quantiles so far.
    pub fn snapshot(&self) -> AckLatency {
        AckLatency {
            count: self.count,
            p50_ms: self.quantile(0.50),
            p99_ms: self.quantile(0.99),
            max_ms: self.max_ms,
        }
    }

    fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        // The rank of the q-quantile, 1-based, rounded up.
        let rank = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                if i == BUCKETS - 1 {
                    return self.max_ms;
                }
                return upper_ms(i).min(self.max_ms);
            }
        }
        self.max_ms
    }
}

fn bucket(ms: u64) -> usize {
    let i = if ms < FINE_MS {
        ms
    } else {
        FINE_MS + (ms.min(MAX_MS) - FINE_MS) / COARSE_STEP_MS
    };
    usize::try_from(i).unwrap_or(BUCKETS - 1).min(BUCKETS - 1)
}

/// The largest value bucket `i` holds.
fn upper_ms(i: usize) -> u64 {
    let i = i as u64;
    if i < FINE_MS {
        i
    } else {
        FINE_MS + (i - FINE_MS + 1) * COARSE_STEP_MS - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_exact_below_ten_seconds_and_bounded_above() {
        let mut h = Histogram::default();
        assert_eq!(h.snapshot(), AckLatency::default());
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let s = h.snapshot();
        assert_eq!((s.count, s.p50_ms, s.p99_ms, s.max_ms), (100, 50, 99, 100));
        h.record(Duration::from_millis(12_345));
        let s = h.snapshot();
        assert_eq!(s.max_ms, 12_345);
        assert_eq!(s.p50_ms, 51);
        let mut slow = Histogram::default();
        slow.record(Duration::from_secs(3_600));
        assert_eq!(slow.snapshot().p99_ms, 3_600_000, "capped by the max seen");
    }
}
