//! The `<failure>` stanzas a login is refused with, carrying the attributes
//! WA Web's `failureParser` reads (listed in wacore's
//! `stanza/connect_failure.rs`).

use wacore_binary::Node;
use wacore_binary::builder::NodeBuilder;

/// The routing token the real server puts in `location` (e.g. `rva`).
const LOCATION: &str = "mock";

/// `<failure reason=…>`: the login was refused.
pub(crate) fn failure(reason: u16) -> Node {
    builder(reason).build()
}

/// `<failure reason="402">`: a temporary ban ending in `expire_secs`.
pub(crate) fn ban(expire_secs: u64) -> Node {
    builder(402)
        .attr("code", "101")
        .attr("expire", expire_secs.to_string())
        .build()
}

fn builder(reason: u16) -> NodeBuilder {
    NodeBuilder::new("failure")
        .attr("reason", reason.to_string())
        .attr("location", LOCATION)
}

/// A refusal `POST /admin/fail-logins` can put on logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginFailure {
    /// 403, the account is locked: a logout that carries the text the phone
    /// shows (`logout_message_*`; whatsmeow `connectionevents.go` logs
    /// them for a 403, whatsapp-rust puts them on `LoggedOut`).
    Locked,
    /// 406, a logout of unknown cause.
    UnknownLogout,
    /// 409, the user agent is refused; the client does not retry.
    BadUserAgent,
    /// 500, the server failed; clients retry (whatsmeow
    /// `handleConnectFailure`, whatsapp-rust `should_reconnect`).
    InternalError,
    /// 503, the server is unavailable; clients retry.
    Unavailable,
}

/// Every reason [`LoginFailure::from_reason`] takes, for error messages.
pub(crate) const LOGIN_FAILURE_REASONS: &str = "403, 406, 409, 500, 503";

/// A reason that names no login failure.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "no login failure `{0}`: use one of {LOGIN_FAILURE_REASONS} (401, 402 and 405 are /admin/logout, /admin/ban and /admin/outdated)"
)]
pub(crate) struct UnknownFailure(String);

impl LoginFailure {
    /// The failure with this `reason` code.
    pub fn from_reason(reason: &str) -> Result<Self, UnknownFailure> {
        Ok(match reason.trim() {
            "403" => Self::Locked,
            "406" => Self::UnknownLogout,
            "409" => Self::BadUserAgent,
            "500" => Self::InternalError,
            "503" => Self::Unavailable,
            other => return Err(UnknownFailure(other.to_string())),
        })
    }

    /// The `reason` code.
    pub fn reason(self) -> u16 {
        match self {
            Self::Locked => 403,
            Self::UnknownLogout => 406,
            Self::BadUserAgent => 409,
            Self::InternalError => 500,
            Self::Unavailable => 503,
        }
    }

    /// The stanza, with `message` as its free-text detail if given.
    pub fn node(self, message: Option<&str>) -> Node {
        let mut node = builder(self.reason());
        if let Some(message) = message {
            node = node.attr("message", message.to_string());
        }
        if self == Self::Locked {
            node = node
                .attr("logout_message_header", "Your account has been locked")
                .attr(
                    "logout_message_subtext",
                    "Open WhatsApp on your phone to learn more.",
                )
                .attr("logout_message_locale", "en");
        }
        node.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::nodes::attr;

    #[test]
    fn each_reason_round_trips_and_403_carries_a_logout_message() {
        for reason in LOGIN_FAILURE_REASONS.split(", ") {
            let failure = LoginFailure::from_reason(reason).expect(reason);
            assert_eq!(failure.reason().to_string(), reason);
            let node = failure.node(Some("why"));
            assert_eq!(attr(&node, "reason").as_deref(), Some(reason));
            assert_eq!(attr(&node, "message").as_deref(), Some("why"));
            let header = attr(&node, "logout_message_header");
            assert_eq!(header.is_some(), reason == "403", "{reason}");
        }
        let err = LoginFailure::from_reason("402").expect_err("402");
        assert!(err.to_string().contains("/admin/ban"), "{err}");
    }
}
