//! The faults and policies an operator sets: refused connections, silent
//! servers, bans, refused logins, a login cap, a minimum client version and
//! the state of `/sw.js`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::login_cap::LoginCap;
use super::sw_js::SwJs;
use crate::config::Config;
use crate::version::AppVersion;
use crate::wire::failure::LoginFailure;

/// A fault that holds until a deadline, for one phone or for every phone,
/// carrying a `T` (what the fault does).
#[derive(Debug)]
pub(crate) struct Timed<T = ()> {
    all: Option<(Instant, T)>,
    phones: HashMap<String, (Instant, T)>,
}

impl<T> Default for Timed<T> {
    fn default() -> Self {
        Self {
            all: None,
            phones: HashMap::new(),
        }
    }
}

impl<T> Timed<T> {
    /// Starts `value` for `phone`, or for every phone when `None`; a zero
    /// duration ends the fault instead.
    pub fn set(&mut self, phone: Option<&str>, duration: Duration, now: Instant, value: T) {
        let until = (!duration.is_zero()).then(|| (now + duration, value));
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
        self.active(phone, now)
            .map(|(until, _)| *until)
            .max()
            .map(|until| until - now)
    }

    /// What the fault does to `phone` now: the phone's own setting before
    /// the one for every phone.
    pub fn current(&self, phone: &str, now: Instant) -> Option<&T> {
        self.active(phone, now).next().map(|(_, value)| value)
    }

    fn active(&self, phone: &str, now: Instant) -> impl Iterator<Item = &(Instant, T)> {
        [self.phones.get(phone), self.all.as_ref()]
            .into_iter()
            .flatten()
            .filter(move |(until, _)| *until > now)
    }
}

/// How `POST /admin/fail-logins` refuses logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub failure: LoginFailure,
    /// The `message` attribute, if the operator gave one.
    pub message: Option<String>,
}

/// Every fault and policy in force.
#[derive(Debug)]
pub(crate) struct Faults {
    /// WebSocket upgrades are answered 503 until then.
    pub refuse_until: Option<Instant>,
    /// Logged-in sockets are kept open but never answered.
    pub mute: Timed,
    /// Logins are answered `<failure reason="402">`.
    pub ban: Timed,
    /// Acks and receipts from the devices are dropped.
    pub lose_acks: Timed,
    /// Logins are answered with the refusal's `<failure>`.
    pub fail: Timed<Refusal>,
    /// Requests for pair codes are refused as throttled.
    pub throttle_codes: Timed,
    /// Logins are answered `<failure reason="405">`.
    pub outdated: bool,
    /// Logins and registrations of older clients get `<failure reason="405">`.
    pub min_version: Option<AppVersion>,
    /// Logins per second above which they are rate-limited.
    pub login_cap: LoginCap,
    /// What `GET /sw.js` answers.
    pub sw_js: SwJs,
}

impl Faults {
    /// The policies `config` starts with, and no fault.
    pub fn new(config: &Config) -> Self {
        Self {
            refuse_until: None,
            mute: Timed::default(),
            ban: Timed::default(),
            lose_acks: Timed::default(),
            fail: Timed::default(),
            throttle_codes: Timed::default(),
            outdated: false,
            min_version: config.min_version,
            login_cap: LoginCap::new(config.login_cap),
            sw_js: SwJs::new(config.sw_version),
        }
    }

    /// Whether new connections are refused now.
    pub fn refusing(&self, now: Instant) -> bool {
        self.refuse_until.is_some_and(|until| until > now)
    }

    /// Whether a client of `version` is too old to be served.
    pub fn too_old(&self, version: AppVersion) -> bool {
        self.min_version.is_some_and(|min| version < min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timed_faults_scope_and_expire() {
        let now = Instant::now();
        let mut t = Timed::default();
        t.set(Some("1"), Duration::from_secs(10), now, ());
        assert!(t.left("1", now).is_some());
        assert!(t.left("2", now).is_none());
        assert!(t.left("1", now + Duration::from_secs(11)).is_none());
        t.set(None, Duration::from_secs(5), now, ());
        assert!(t.left("2", now).is_some());
        t.set(None, Duration::ZERO, now, ());
        assert!(t.left("1", now).is_none());
        assert!(t.left("2", now).is_none());
    }

    #[test]
    fn a_phones_own_value_wins_while_it_lasts() {
        let now = Instant::now();
        let mut t = Timed::default();
        t.set(None, Duration::from_secs(100), now, "all");
        t.set(Some("1"), Duration::from_secs(10), now, "one");
        assert_eq!(t.current("1", now), Some(&"one"));
        assert_eq!(t.current("2", now), Some(&"all"));
        let later = now + Duration::from_secs(20);
        assert_eq!(t.current("1", later), Some(&"all"));
        assert_eq!(t.left("1", later), Some(Duration::from_secs(80)));
    }

    #[test]
    fn a_minimum_version_refuses_older_clients_only() {
        let mut faults = Faults::new(&Config::default());
        assert!(!faults.too_old(AppVersion(0, 0, 0)));
        faults.min_version = Some(AppVersion(2, 3000, 5));
        assert!(faults.too_old(AppVersion(2, 3000, 4)));
        assert!(!faults.too_old(AppVersion(2, 3000, 5)));
        assert!(!faults.too_old(AppVersion(3, 0, 0)));
    }
}
