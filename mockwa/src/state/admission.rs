//! Whether a login or a registration is served, and the policies that
//! decide it: the login cap, the minimum version, the outdated switch, bans
//! and refused logins.

use std::time::{Duration, Instant};

use wacore_binary::{Jid, Node};

use super::Shared;
use super::faults::Refusal;
use super::registry::LoginCheck;
use crate::version::AppVersion;
use crate::wire::failure;
use crate::wire::nodes::unix_now;

/// The server's answer to a login.
pub(crate) enum Admission {
    /// `<success>`, as this LID.
    Accepted(Jid),
    /// Over the login cap: `<stream:error code="429">`, what whatsapp-rust
    /// (`client/node_io.rs` `handle_stream_error`) reads as the server's
    /// rate limit and whatsmeow (`errors.go` `ErrIQRateOverLimit`) knows as
    /// 429 `rate-overlimit`.
    RateLimited,
    /// This `<failure>`.
    Refused(Node),
}

impl Shared {
    /// Whether `phone:device`, presenting `noise_key` from a client of
    /// `version`, may log in now.
    pub fn admit_login(
        &self,
        phone: &str,
        device: u16,
        noise_key: &[u8],
        version: AppVersion,
    ) -> Admission {
        let now = Instant::now();
        {
            let mut faults = self.faults();
            if !faults.login_cap.admit(unix_now()) {
                return Admission::RateLimited;
            }
            // An old client is told 405, which whatsapp-rust
            // (`client/node_io.rs` `handle_connect_failure`) and whatsmeow
            // (`connectionevents.go`) report as ClientOutdated.
            if faults.outdated || faults.too_old(version) {
                return Admission::Refused(failure::failure(405));
            }
            if let Some(left) = faults.ban.left(phone, now) {
                return Admission::Refused(failure::ban(left.as_secs().max(1)));
            }
            if let Some(refusal) = faults.fail.current(phone, now) {
                return Admission::Refused(refusal.failure.node(refusal.message.as_deref()));
            }
        }
        match self.registry().check_login(phone, device, noise_key) {
            LoginCheck::Valid { lid } => Admission::Accepted(lid),
            LoginCheck::NotLinked => Admission::Refused(failure::failure(401)),
        }
    }

    /// The `<failure>` a registration from a client of `version` gets, if
    /// it is refused: the version is checked at every connect, pairing or
    /// not (both build the same `ClientPayload.user_agent`, wacore
    /// `store/device.rs`).
    pub fn admit_registration(&self, version: AppVersion) -> Option<Node> {
        self.faults()
            .too_old(version)
            .then(|| failure::failure(405))
    }

    /// Bans `phone` for `duration`: live sockets are cut and logins until the
    /// expiry are answered 402.
    pub fn ban(&self, phone: Option<&str>, duration: Duration) -> usize {
        self.faults().ban.set(phone, duration, Instant::now(), ());
        self.cut_unless_zero(phone, duration)
    }

    /// Answers the logins of `phone` with `refusal` for `duration` (zero
    /// ends it); live sockets are cut so they meet it.
    pub fn fail_logins(&self, phone: Option<&str>, refusal: Refusal, duration: Duration) -> usize {
        self.faults()
            .fail
            .set(phone, duration, Instant::now(), refusal);
        self.cut_unless_zero(phone, duration)
    }

    /// Rejects every login with 405 while enabled; live sockets are cut so
    /// they meet it.
    pub fn set_outdated(&self, enabled: bool) -> usize {
        self.faults().outdated = enabled;
        if enabled {
            self.drop_connections(None)
        } else {
            0
        }
    }

    /// Refuses clients older than `min` (none when `None`); sockets of
    /// older clients are cut so they meet it. Returns how many.
    pub fn set_min_version(&self, min: Option<AppVersion>) -> usize {
        self.faults().min_version = min;
        min.map_or(0, |min| self.live().cut_older_than(min))
    }

    /// Caps logins per second over all phones (0: no cap).
    pub fn set_login_cap(&self, per_second: u32) {
        self.faults().login_cap.set(per_second);
    }

    /// The login cap (0: none).
    pub fn login_cap(&self) -> u32 {
        self.faults().login_cap.per_second()
    }

    fn cut_unless_zero(&self, phone: Option<&str>, duration: Duration) -> usize {
        if duration.is_zero() {
            0
        } else {
            self.drop_connections(phone)
        }
    }
}
