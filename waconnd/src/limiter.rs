//! One rate limit for every connection attempt of every session, so a
//! restart or a network blip never dogpiles the server.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// The slots of one second span this much more than a second, so that the
/// network's jitter cannot push one second's attempts into the next one as
/// the server counts them.
const JITTER_MARGIN: Duration = Duration::from_millis(50);

/// How late tokio's timer may fire (it rounds up to the millisecond).
const TIMER_SLACK: Duration = Duration::from_millis(1);

/// Lets connection attempts through one at a time, in arrival order, an
/// interval apart; a daemon that stalled (a busy machine) never makes up
/// for lost time in a burst.
pub struct ConnectLimiter {
    interval: Duration,
    last: Mutex<Option<Instant>>,
}

impl ConnectLimiter {
    /// At most `per_second` attempts in any second, even as the server
    /// counts them.
    pub fn new(per_second: u32) -> Self {
        Self {
            interval: (Duration::from_secs(1) + JITTER_MARGIN) / per_second.max(1),
            last: Mutex::new(None),
        }
    }

    /// Waits for this attempt's turn: at least an interval after the
    /// previous attempt actually went, so a late wake-up (a busy machine)
    /// never lets the next one follow closely. The queue is fair (first
    /// come, first served); an attempt given up while waiting leaves its
    /// place.
    pub async fn acquire(&self) {
        let mut last = self.last.lock().await;
        if let Some(previous) = *last {
            // The timer rounds up to the next millisecond; aim just before.
            let slot = previous + self.interval.saturating_sub(TIMER_SLACK);
            tokio::time::sleep_until(slot).await;
        }
        *last = Some(Instant::now());
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
        assert_eq!(start.elapsed(), Duration::from_millis(2080));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_process_does_not_catch_up_in_a_burst() {
        let limiter = std::sync::Arc::new(ConnectLimiter::new(10));
        let (went, mut times) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..20 {
            let (limiter, went) = (limiter.clone(), went.clone());
            tokio::spawn(async move {
                limiter.acquire().await;
                let _ = went.send(Instant::now());
            });
        }
        tokio::task::yield_now().await;
        // The clock jumps a second with nobody polled: a stalled process.
        tokio::time::advance(Duration::from_secs(1)).await;
        drop(went);
        let mut all = Vec::new();
        while let Some(t) = times.recv().await {
            all.push(t);
        }
        assert_eq!(all.len(), 20);
        for pair in all.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(104),
                "two attempts {:?} apart",
                pair[1] - pair[0]
            );
        }
    }
}
