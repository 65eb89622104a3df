//! The wait before a paired session's next connection attempt: Fibonacci
//! seconds (1, 1, 2, 3, 5, 8, ...) as WhatsApp Web waits, capped by
//! `--max-backoff`, and started over once a connection has held.
//!
//! The wait is only the session's own: its turn in the global connect
//! queue comes after it and is not a failure, so a long queue after a
//! mass drop never grows anyone's backoff.

use std::time::Duration;

/// A connection that held this long was not a failure: the next wait
/// starts over from one second.
pub const STABLE: Duration = Duration::from_secs(60);

/// Failed attempts since the last connection that held.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The wait before the next attempt, at most `max`; counts a failure.
    pub fn next(&mut self, max: Duration) -> Duration {
        let (mut wait, mut after) = (1u64, 1u64);
        // Past the 90th the seconds outgrow any cap (and then u64).
        for _ in 0..self.failures.min(90) {
            (wait, after) = (after, wait.saturating_add(after));
        }
        self.failures = self.failures.saturating_add(1);
        Duration::from_secs(wait).min(max)
    }

    /// Starts over from one second.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Skips `steps` steps ahead: the server asked for a longer wait.
    pub fn penalize(&mut self, steps: u32) {
        self.failures = self.failures.saturating_add(steps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_CAP: Duration = Duration::MAX;

    #[test]
    fn waits_grow_as_fibonacci_seconds() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..7).map(|_| backoff.next(NO_CAP).as_secs()).collect();
        assert_eq!(waits, [1, 1, 2, 3, 5, 8, 13]);
    }

    #[test]
    fn the_cap_holds_and_a_reset_starts_over() {
        let mut backoff = Backoff::default();
        let cap = Duration::from_secs(3);
        let waits: Vec<u64> = (0..6).map(|_| backoff.next(cap).as_secs()).collect();
        assert_eq!(waits, [1, 1, 2, 3, 3, 3]);
        backoff.reset();
        assert_eq!(backoff.next(cap), Duration::from_secs(1));
    }

    #[test]
    fn a_penalty_of_five_steps_waits_eight_seconds_from_a_fresh_start() {
        let mut backoff = Backoff::default();
        backoff.penalize(5);
        assert_eq!(backoff.next(NO_CAP).as_secs(), 8);
        assert_eq!(backoff.next(NO_CAP).as_secs(), 13);
    }

    #[test]
    fn thousands_of_failures_do_not_overflow() {
        let mut backoff = Backoff {
            failures: u32::MAX - 1,
        };
        assert_eq!(backoff.next(Duration::from_secs(300)).as_secs(), 300);
        assert_eq!(backoff.next(Duration::from_secs(300)).as_secs(), 300);
    }
}
