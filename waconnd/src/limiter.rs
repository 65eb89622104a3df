//! One rate limit for every connection attempt of every session, so a
//! restart or a network blip never dogpiles the server.

use std::sync::atomic::{AtomicU32, Ordering};
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
///
/// Two gates, each an interval apart: the turn in the queue
/// ([`ConnectLimiter::acquire`]), taken before a client exists so that the
/// wait never eats into the client's own connect timeout, and the moment
/// the connection goes out ([`ConnectLimiter::pass`]). A turn and the
/// connection it pays for can be apart (a client starting on a busy
/// runtime), and the server counts connections, not turns.
pub struct ConnectLimiter {
    configured: u32,
    rate: AtomicU32,
    last: Mutex<Option<Instant>>,
    went: Mutex<Option<Instant>>,
}

impl ConnectLimiter {
    /// At most `per_second` attempts in any second, even as the server
    /// counts them. The first goes an interval after the limiter is made:
    /// a daemon started right after its predecessor's last connection (a
    /// restart, a crash loop) keeps the spacing too.
    pub fn new(per_second: u32) -> Self {
        let per_second = per_second.max(1);
        Self {
            configured: per_second,
            rate: AtomicU32::new(per_second),
            last: Mutex::new(Some(Instant::now())),
            went: Mutex::new(None),
        }
    }

    /// The rate it was configured with.
    pub fn configured(&self) -> u32 {
        self.configured
    }

    /// The rate in force now.
    pub fn rate(&self) -> u32 {
        self.rate.load(Ordering::Relaxed)
    }

    /// Changes the rate in force (at least one a second, at most the
    /// configured one) from the next attempt on.
    pub fn set_rate(&self, per_second: u32) {
        self.rate
            .store(per_second.clamp(1, self.configured), Ordering::Relaxed);
    }

    fn interval(&self) -> Duration {
        (Duration::from_secs(1) + JITTER_MARGIN) / self.rate().max(1)
    }

    /// Waits until `last` plus an interval (aiming just before, as the
    /// timer rounds up to the next millisecond), holding `last`.
    async fn wait_after(&self, last: &Option<Instant>) {
        if let Some(previous) = *last {
            let slot = previous + self.interval().saturating_sub(TIMER_SLACK);
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Waits, right before a connection goes out, until an interval passed
    /// since the previous connection went out. Behind a turn of the queue
    /// it rarely waits, and never longer than the longest delay between a
    /// turn and its connection.
    pub async fn pass(&self) {
        let mut went = self.went.lock().await;
        self.wait_after(&went).await;
        *went = Some(Instant::now());
    }

    /// Waits for this attempt's turn: at least an interval after the
    /// previous attempt actually went, so a late wake-up (a busy machine)
    /// never lets the next one follow closely. The queue is fair (first
    /// come, first served); an attempt given up while waiting leaves its
    /// place.
    pub async fn acquire(&self) {
        self.acquire_checked(async {}, |_| true).await;
    }

    /// [`ConnectLimiter::acquire`] with a last look before the attempt goes
    /// (who owns the number, on a database): `check` runs once the turn
    /// came, still holding it, and the turn counts from when it ended, so a
    /// check that takes long for one attempt and short for the next never
    /// lets two attempts go closer than the interval. When `goes` says the
    /// check's outcome stops the attempt, the turn is not used.
    pub async fn acquire_checked<R>(
        &self,
        check: impl Future<Output = R>,
        goes: impl FnOnce(&R) -> bool,
    ) -> R {
        let mut last = self.last.lock().await;
        self.wait_after(&last).await;
        let outcome = check.await;
        if goes(&outcome) {
            *last = Some(Instant::now());
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_attempts_evenly() {
        let start = Instant::now();
        let limiter = ConnectLimiter::new(10);
        for _ in 0..21 {
            limiter.acquire().await;
        }
        // The first an interval after the limiter was made, as after a
        // restart.
        assert_eq!(start.elapsed(), Duration::from_millis(21 * 104));
    }

    #[tokio::test(start_paused = true)]
    async fn a_lowered_rate_spaces_attempts_wider_and_never_exceeds_the_configured_one() {
        let limiter = ConnectLimiter::new(10);
        limiter.set_rate(5);
        let start = Instant::now();
        for _ in 0..6 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(6 * 209));
        limiter.set_rate(1000);
        assert_eq!(limiter.rate(), 10);
        limiter.set_rate(0);
        assert_eq!(limiter.rate(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_that_takes_long_then_short_never_lets_two_attempts_go_close() {
        let limiter = std::sync::Arc::new(ConnectLimiter::new(10));
        let (went, mut times) = tokio::sync::mpsc::unbounded_channel();
        for i in 0..12u64 {
            let (limiter, went) = (limiter.clone(), went.clone());
            tokio::spawn(async move {
                // A database answering slowly, then quickly.
                let wait = Duration::from_millis(if i % 2 == 0 { 90 } else { 0 });
                let owned = i != 5;
                let go = limiter
                    .acquire_checked(
                        async move {
                            tokio::time::sleep(wait).await;
                            owned
                        },
                        |owned| *owned,
                    )
                    .await;
                if go {
                    let _ = went.send(Instant::now());
                }
            });
        }
        drop(went);
        let mut all = Vec::new();
        while let Some(t) = times.recv().await {
            all.push(t);
        }
        assert_eq!(all.len(), 11, "the one not owned does not go");
        all.sort();
        for pair in all.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(104),
                "two attempts {:?} apart",
                pair[1] - pair[0]
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_whose_connection_goes_late_holds_back_the_next_connection() {
        let limiter = ConnectLimiter::new(10);
        limiter.acquire().await;
        let start = Instant::now();
        // The first client starts late: its connection goes 80 ms after
        // its turn.
        tokio::time::advance(Duration::from_millis(80)).await;
        limiter.pass().await;
        let first = Instant::now();
        limiter.acquire().await;
        assert_eq!(Instant::now() - start, Duration::from_millis(104));
        limiter.pass().await;
        assert_eq!(Instant::now() - first, Duration::from_millis(104));
        // The delay carries on to the connections behind, and grows no
        // more.
        for _ in 0..3 {
            limiter.acquire().await;
            let turn = Instant::now();
            limiter.pass().await;
            assert_eq!(Instant::now() - turn, Duration::from_millis(80));
        }
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
