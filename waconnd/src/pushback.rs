//! When WhatsApp pushes back on many numbers at once (rate limits, "service
//! unavailable"), the whole daemon connects more slowly: it halves its
//! connect rate, at most once a window, and grows it back a tenth of the
//! configured rate per quiet window. One number pushed back is that
//! number's own backoff; many at once is the server telling the daemon.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use waconn_proto::Number;

use crate::limiter::ConnectLimiter;

/// How long a pushback counts.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Numbers pushed back within a window that lower the rate: at least
/// this many, and at least one in a hundred of the sessions.
const AT_LEAST: usize = 3;

/// The rate and why it is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateStatus {
    /// Attempts per second now.
    pub rate: u32,
    /// Attempts per second configured.
    pub configured: u32,
    /// Why the rate is lower than configured, if it is.
    pub reason: Option<String>,
}

struct State {
    /// Numbers pushed back, with when.
    recent: HashMap<Number, Instant>,
    /// When the rate was last lowered.
    lowered_at: Option<Instant>,
    /// When the last pushback came.
    last: Option<Instant>,
    reason: Option<String>,
}

/// Watches for pushback and sets the limiter's rate.
pub struct Pushback {
    limiter: Arc<ConnectLimiter>,
    sessions: AtomicUsize,
    state: Mutex<State>,
}

impl Pushback {
    /// Watches for `limiter`, and starts growing its rate back after quiet
    /// windows.
    pub fn start(limiter: Arc<ConnectLimiter>) -> Arc<Self> {
        let pushback = Arc::new(Self {
            limiter,
            sessions: AtomicUsize::new(0),
            state: Mutex::new(State {
                recent: HashMap::new(),
                lowered_at: None,
                last: None,
                reason: None,
            }),
        });
        let recovering = Arc::clone(&pushback);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(WINDOW);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                recovering.recover(Instant::now());
            }
        });
        pushback
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many sessions the daemon has (the threshold scales with it).
    pub fn set_sessions(&self, sessions: usize) {
        self.sessions.store(sessions, Ordering::Relaxed);
    }

    /// WhatsApp pushed back on `number`.
    pub fn report(&self, number: &Number) {
        self.report_at(number, Instant::now());
    }

    fn report_at(&self, number: &Number, now: Instant) {
        let mut state = self.lock();
        state.recent.insert(number.clone(), now);
        state
            .recent
            .retain(|_, at| now.duration_since(*at) < WINDOW);
        state.last = Some(now);
        let many = AT_LEAST.max(self.sessions.load(Ordering::Relaxed) / 100);
        let pushed = state.recent.len();
        let recently_lowered = state
            .lowered_at
            .is_some_and(|at| now.duration_since(at) < WINDOW);
        if pushed < many || recently_lowered {
            return;
        }
        let from = self.limiter.rate();
        self.limiter.set_rate(from / 2);
        let to = self.limiter.rate();
        state.lowered_at = Some(now);
        if to == from {
            return;
        }
        let reason = format!(
            "{pushed} numbers rate-limited or refused by WhatsApp within {}s",
            WINDOW.as_secs()
        );
        tracing::warn!("lowering the connect rate from {from}/s to {to}/s: {reason}");
        state.reason = Some(reason);
        state.recent.clear();
    }

    /// After a quiet window, grows the rate back by a tenth of the
    /// configured one.
    fn recover(&self, now: Instant) {
        let mut state = self.lock();
        let quiet = state.last.is_none_or(|at| now.duration_since(at) >= WINDOW);
        let (rate, configured) = (self.limiter.rate(), self.limiter.configured());
        if !quiet || rate >= configured {
            return;
        }
        self.limiter.set_rate(rate + (configured / 10).max(1));
        let to = self.limiter.rate();
        if to >= configured {
            tracing::info!("connect rate back at {configured}/s");
            state.reason = None;
        } else {
            tracing::info!("raising the connect rate to {to}/s (configured {configured}/s)");
        }
    }

    /// The rate and why.
    pub fn status(&self) -> RateStatus {
        let state = self.lock();
        let (rate, configured) = (self.limiter.rate(), self.limiter.configured());
        RateStatus {
            rate,
            configured,
            reason: (rate < configured).then(|| state.reason.clone()).flatten(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: u32) -> Number {
        Number::parse(&format!("1555000{i:04}")).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn many_numbers_pushed_back_halve_the_rate_once_a_window() {
        let limiter = Arc::new(ConnectLimiter::new(50));
        let pushback = Pushback::start(Arc::clone(&limiter));
        pushback.set_sessions(100);
        let now = Instant::now();
        pushback.report_at(&n(1), now);
        pushback.report_at(&n(1), now);
        pushback.report_at(&n(2), now);
        assert_eq!(limiter.rate(), 50, "two numbers are not many");
        pushback.report_at(&n(3), now);
        assert_eq!(limiter.rate(), 25);
        let status = pushback.status();
        assert!(status.reason.unwrap().contains("3 numbers"));
        for i in 4..40 {
            pushback.report_at(&n(i), now + Duration::from_secs(1));
        }
        assert_eq!(limiter.rate(), 25, "at most once a window");
        for i in 40..44 {
            pushback.report_at(&n(i), now + WINDOW + Duration::from_secs(2));
        }
        assert_eq!(limiter.rate(), 12, "halved again a window later");
    }

    #[tokio::test(start_paused = true)]
    async fn quiet_windows_grow_the_rate_back_a_tenth_at_a_time() {
        let limiter = Arc::new(ConnectLimiter::new(50));
        let pushback = Pushback::start(Arc::clone(&limiter));
        let now = Instant::now();
        for i in 0..3 {
            pushback.report_at(&n(i), now);
        }
        assert_eq!(limiter.rate(), 25);
        pushback.recover(now + Duration::from_secs(10));
        assert_eq!(limiter.rate(), 25, "not quiet yet");
        pushback.recover(now + WINDOW);
        assert_eq!(limiter.rate(), 30);
        for k in 2..=5 {
            pushback.recover(now + WINDOW * k);
        }
        assert_eq!(limiter.rate(), 50);
        assert_eq!(pushback.status().reason, None);
    }
}
