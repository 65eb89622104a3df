//! One rate limit for every connection attempt of every session, so a
//! restart or a network blip never dogpiles the server.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The slots of one second span this much more than a second, so that the
/// network's jitter cannot push one second's attempts into the next one as
/// the server counts them.
const JITTER_MARGIN: Duration = Duration::from_millis(50);

/// Hands out evenly spaced connection slots.
pub struct ConnectLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl ConnectLimiter {
    /// At most `per_second` attempts in any second, even as the server
    /// counts them.
    pub fn new(per_second: u32) -> Self {
        Self {
            interval: (Duration::from_secs(1) + JITTER_MARGIN) / per_second.max(1),
            next: Mutex::new(None),
        }
    }

    /// Waits for the next free slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_attempts_evenly() {
        let limiter = ConnectLimiter::new(10);
        let start = Instant::now();
        for _ in 0..21 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(2100));
    }
}
