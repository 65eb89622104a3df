//! A WhatsApp Web version, `primary.secondary.tertiary`, as a client's
//! `ClientPayload.user_agent.app_version` carries it.

use std::fmt;
use std::str::FromStr;

use waproto::whatsapp as wa;

/// A client version; ordered component by component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppVersion(pub u32, pub u32, pub u32);

impl AppVersion {
    /// The version whatsapp-rust test builds pin (`with_version((2, 3000,
    /// 1_000_000_000))` in waconnd's `link.rs` and mockwa's tests).
    pub const TEST_PIN: Self = Self(2, 3000, 1_000_000_000);

    /// The version a client announced at its handshake; missing parts count
    /// as 0, so a client that sends none is older than any minimum.
    pub fn of_payload(payload: &wa::ClientPayload) -> Self {
        let version = payload
            .user_agent
            .as_option()
            .and_then(|agent| agent.app_version.as_option());
        version.map_or(Self(0, 0, 0), |v| {
            Self(
                v.primary.unwrap_or(0),
                v.secondary.unwrap_or(0),
                v.tertiary.unwrap_or(0),
            )
        })
    }
}

impl fmt::Display for AppVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Why a text is not a version.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a version: expected three numbers, as in 2.3000.1000000000")]
pub struct BadVersion(String);

impl FromStr for AppVersion {
    type Err = BadVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadVersion(text.to_string());
        let parts: Vec<u32> = text
            .trim()
            .split('.')
            .map(|part| part.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        match parts[..] {
            [primary, secondary, tertiary] => Ok(Self(primary, secondary, tertiary)),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_orders_and_prints() {
        let v: AppVersion = "2.3000.1000000000".parse().expect("parses");
        assert_eq!(v, AppVersion::TEST_PIN);
        assert_eq!(v.to_string(), "2.3000.1000000000");
        assert!(AppVersion(2, 3000, 9) < AppVersion(2, 3001, 0));
        assert!(AppVersion(2, 2999, 99) < AppVersion(2, 3000, 0));
        for bad in ["", "2.3000", "2.3000.1.4", "2.x.1", "-1.0.0"] {
            let err = bad.parse::<AppVersion>().expect_err(bad);
            assert!(err.to_string().contains("three numbers"), "{err}");
        }
    }

    #[test]
    fn a_payload_without_a_version_is_older_than_any() {
        assert_eq!(
            AppVersion::of_payload(&wa::ClientPayload::default()),
            AppVersion(0, 0, 0)
        );
    }
}
