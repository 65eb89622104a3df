//! The faults an operator injects: refused connections, silent servers,
//! bans and a rejected client version.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A fault that holds until a deadline, for one phone or for every phone.
#[derive(Debug, Default)]
pub(crate) struct Timed {
    all: Option<Instant>,
    phones: HashMap<String, Instant>,
}

impl Timed {
    /// Starts (or, with a zero duration, ends) the fault for `phone`, or for
    /// every phone when `None`.
    pub fn set(&mut self, phone: Option<&str>, duration: Duration, now: Instant) {
        let until = (!duration.is_zero()).then(|| now + duration);
        match (phone, until) {
            (None, until) => {
                self.all = until;
                self.phones.clear();
            }
            (Some(phone), Some(until)) => {
                self.phones.insert(phone.to_string(), until);
            }
            (Some(phone), None) => {
                self.phones.remove(phone);
            }
        }
    }

    /// How long the fault still holds for `phone`, if it does.
    pub fn left(&self, phone: &str, now: Instant) -> Option<Duration> {
        [self.all, self.phones.get(phone).copied()]
            .into_iter()
            .flatten()
            .filter(|until| *until > now)
            .max()
            .map(|until| until - now)
    }
}

/// Every fault in force.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// WebSocket upgrades are answered 503 until then.
    pub refuse_until: Option<Instant>,
    /// Logged-in sockets are kept open but never answered.
    pub mute: Timed,
    /// Logins are answered `<failure reason="402">`.
    pub ban: Timed,
    /// Logins are answered `<failure reason="405">`.
    pub outdated: bool,
}

impl Faults {
    /// Whether new connections are refused now.
    pub fn refusing(&self, now: Instant) -> bool {
        self.refuse_until.is_some_and(|until| until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timed_faults_scope_and_expire() {
        let now = Instant::now();
        let mut t = Timed::default();
        t.set(Some("1"), Duration::from_secs(10), now);
        assert!(t.left("1", now).is_some());
        assert!(t.left("2", now).is_none());
        assert!(t.left("1", now + Duration::from_secs(11)).is_none());
        t.set(None, Duration::from_secs(5), now);
        assert!(t.left("2", now).is_some());
        t.set(None, Duration::ZERO, now);
        assert!(t.left("1", now).is_none());
        assert!(t.left("2", now).is_none());
    }
}
