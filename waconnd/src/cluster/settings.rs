//! The settings of the PostgreSQL engine: the database's URL (never shown
//! with its password), the node's name, and the lease timings, checked so
//! that a node always stops its numbers before a peer may take them.

use std::time::Duration;

use super::Timings;
use crate::engine::postgres::redact_url;

/// A database URL; `Debug` and `Display` hide its password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Checks `text` is a `postgres://` (or `postgresql://`) URL.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self(text.to_string()));
        }
        Err(format!(
            "{} is not a PostgreSQL URL: give one like postgres://USER:PASSWORD@HOST:5432/DATABASE",
            redact_url(text)
        ))
    }

    /// Takes `text` as given, checked later with [`DatabaseUrl::check`]:
    /// the command line parser would echo a refused value, password and
    /// all.
    pub fn unchecked(text: &str) -> Result<Self, std::convert::Infallible> {
        Ok(Self(text.trim().to_string()))
    }

    /// Checks a URL taken with [`DatabaseUrl::unchecked`].
    pub fn check(self) -> anyhow::Result<Self> {
        Self::parse(&self.0).map_err(anyhow::Error::msg)
    }

    /// The URL itself, password included: for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", redact_url(&self.0))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

/// Checks a node name: what `wactl list` shows in its NODE column.
pub fn parse_node(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{}` is not a node name: use 1 to 63 letters, digits, `-`, `_` or `.` (e.g. the host name)",
            text.escape_debug()
        ))
    }
}

/// This host's name, the default node name.
pub fn host_name() -> String {
    let uname = rustix::system::uname();
    let name = uname.nodename().to_string_lossy();
    parse_node(&name).unwrap_or_else(|_| "waconnd".to_string())
}

/// What a node may take beyond the self-fence time before its sessions are
/// closed: one renewal's wait (the database may have stamped the heartbeat
/// that long before the node heard of it), half a renewal (how often the
/// lease is looked at), and the graceful stop of a client.
pub fn margin(renew: Duration) -> Duration {
    renew + renew / 2 + crate::time::STOP_TIMEOUT
}

/// Checks the three timings: a node must fence itself well before its peers
/// may take its numbers over.
pub fn timings(
    renew: Duration,
    self_fence: Duration,
    takeover: Duration,
) -> anyhow::Result<Timings> {
    let show = waconn_proto::duration::format;
    anyhow::ensure!(
        self_fence >= renew * 3,
        "--lease-self-fence {} is too short for --lease-renew {}: a node would stop its numbers after one slow renewal; give at least {}",
        show(self_fence),
        show(renew),
        show(renew * 3)
    );
    let least = self_fence + margin(renew);
    anyhow::ensure!(
        takeover >= least,
        "--lease-takeover {} must exceed --lease-self-fence {} by at least {} (a renewal and a half, and the {} a session takes to close), so that a node has stopped its numbers before a peer takes them: give at least {}",
        show(takeover),
        show(self_fence),
        show(margin(renew)),
        show(crate::time::STOP_TIMEOUT),
        show(least)
    );
    Ok(Timings {
        renew,
        self_fence,
        takeover,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_never_shows_its_password() {
        let url = DatabaseUrl::parse("postgres://u:hunter2@db:5432/waconn").unwrap();
        assert_eq!(url.to_string(), "postgres://u:***@db:5432/waconn");
        assert!(!format!("{url:?}").contains("hunter2"));
        let err = DatabaseUrl::parse("mysql://u:hunter2@db/x").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("postgres://USER:PASSWORD@HOST"), "{err}");
    }

    #[test]
    fn takeover_must_outlast_the_self_fence_by_the_margin() {
        let s = Duration::from_secs;
        assert!(timings(s(5), s(30), s(45)).is_ok());
        let err = timings(s(5), s(30), s(35)).unwrap_err().to_string();
        assert!(
            err.contains("give at least 42s") || err.contains("give at least"),
            "{err}"
        );
        assert!(
            timings(s(5), s(10), s(60))
                .unwrap_err()
                .to_string()
                .contains("too short")
        );
    }

    #[test]
    fn node_names_are_checked() {
        assert_eq!(parse_node("db-1.eu").unwrap(), "db-1.eu");
        assert!(parse_node("a b").is_err());
        assert!(parse_node("").is_err());
        assert!(parse_node(&host_name()).is_ok());
    }
}
