//! The `<stream:error>` stanzas the server ends a live session with, each
//! shaped as the clients read it.

use std::str::FromStr;

use wacore_binary::Node;
use wacore_binary::builder::NodeBuilder;

/// A stream error the admin API can send on a live socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamError {
    /// `code="429"`: rate limited. whatsapp-rust (`client/node_io.rs`
    /// `handle_stream_error`) clears `is_logged_in`, adds 5 to its reconnect
    /// backoff and leaves the closing of the socket to the server.
    RateLimited,
    /// `code="503"`: the server is restarting (whatsmeow
    /// `connectionevents.go`: "seems to happen when the server wants to
    /// restart"); the client reconnects.
    Unavailable,
    /// `code="515"`: reconnect now, as after a pairing (whatsmeow
    /// `connectionevents.go`, Baileys `DisconnectReason.restartRequired`).
    Restart,
    /// `code="516"`: whatsapp-rust reads it as "device removed" and logs out;
    /// whatsmeow does not know it (its `default` branch).
    Removed,
    /// `code="401"` with `<conflict type="device_removed"/>`: the phone
    /// unlinked the device (whatsmeow `connectionevents.go`:
    /// `code == "401" && conflictType == "device_removed"`).
    LoggedOut,
    /// `<ack class type id/>` without a code: the server is owed an ack for
    /// that stanza and recycles the stream until it comes; `<xmlstreamend/>`
    /// follows when it closes (whatsapp-rust `handle_stream_error`; the
    /// attributes as in its `client/tests.rs`
    /// `test_stream_error_ack_shaped_does_not_force_shutdown`).
    Ack,
    /// `<xml-not-well-formed/>`: the server could not parse a frame
    /// (whatsapp-rust `handle_stream_error`, after WA Web's
    /// `StreamError.js`).
    XmlNotWellFormed,
    /// A bare `<xmlstreamend/>`: the server ends the stream cleanly
    /// (whatsapp-rust `client/node_io.rs`, "a recycle").
    StreamEnd,
}

/// Every code [`StreamError::from_str`] takes, for error messages.
pub(crate) const STREAM_ERROR_CODES: &str =
    "429, 503, 515, 516, 401, ack, xml-not-well-formed, xmlstreamend";

/// A code that names no stream error.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown stream error `{0}`: use one of {STREAM_ERROR_CODES}")]
pub(crate) struct UnknownStreamError(String);

impl FromStr for StreamError {
    type Err = UnknownStreamError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Ok(match code.trim() {
            "429" => Self::RateLimited,
            "503" => Self::Unavailable,
            "515" => Self::Restart,
            "516" => Self::Removed,
            "401" => Self::LoggedOut,
            "ack" => Self::Ack,
            "xml-not-well-formed" => Self::XmlNotWellFormed,
            "xmlstreamend" => Self::StreamEnd,
            other => return Err(UnknownStreamError(other.to_string())),
        })
    }
}

impl StreamError {
    /// The stanza the server sends.
    pub fn node(self) -> Node {
        match self {
            Self::RateLimited => with_code("429"),
            Self::Unavailable => with_code("503"),
            Self::Restart => with_code("515"),
            Self::Removed => with_code("516"),
            Self::LoggedOut => NodeBuilder::new("stream:error")
                .attr("code", "401")
                .children([conflict("device_removed")])
                .build(),
            Self::Ack => NodeBuilder::new("stream:error")
                .children([NodeBuilder::new("ack")
                    .attr("class", "message")
                    .attr("type", "text")
                    .attr("id", super::traffic::message_id())
                    .build()])
                .build(),
            Self::XmlNotWellFormed => NodeBuilder::new("stream:error")
                .children([NodeBuilder::new("xml-not-well-formed").build()])
                .build(),
            Self::StreamEnd => stream_end(),
        }
    }

    /// What the server sends when it then closes the socket, if anything.
    pub fn on_close(self) -> Option<Node> {
        matches!(self, Self::Ack).then(stream_end)
    }

    /// Whether the device no longer exists for the server afterwards.
    pub fn removes_device(self) -> bool {
        matches!(self, Self::Removed | Self::LoggedOut)
    }
}

/// `<stream:error><conflict type="replaced"/></stream:error>`: another
/// client took over (whatsmeow `connectionevents.go`).
pub(crate) fn replaced() -> Node {
    NodeBuilder::new("stream:error")
        .children([conflict("replaced")])
        .build()
}

fn with_code(code: &'static str) -> Node {
    NodeBuilder::new("stream:error").attr("code", code).build()
}

fn conflict(kind: &'static str) -> Node {
    NodeBuilder::new("conflict").attr("type", kind).build()
}

/// `<xmlstreamend/>`: the server ends the stream.
pub(crate) fn stream_end() -> Node {
    NodeBuilder::new("xmlstreamend").build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::nodes::attr;

    #[test]
    fn every_code_parses_and_an_unknown_one_names_the_valid_ones() {
        for code in STREAM_ERROR_CODES.split(", ") {
            let parsed: StreamError = code.parse().expect(code);
            let node = parsed.node();
            match parsed {
                StreamError::StreamEnd => assert_eq!(node.tag, "xmlstreamend"),
                StreamError::Ack | StreamError::XmlNotWellFormed => {
                    assert_eq!(node.tag, "stream:error");
                    assert_eq!(attr(&node, "code"), None);
                    assert!(node.get_optional_child(code).is_some(), "{code}");
                }
                _ => assert_eq!(attr(&node, "code").as_deref(), Some(code)),
            }
        }
        let err = "418".parse::<StreamError>().expect_err("unknown");
        assert!(err.to_string().contains("xml-not-well-formed"), "{err}");
    }

    #[test]
    fn logout_carries_device_removed_and_ack_is_followed_by_the_stream_end() {
        let node = StreamError::LoggedOut.node();
        let conflict = node.get_optional_child("conflict").expect("conflict");
        assert_eq!(attr(conflict, "type").as_deref(), Some("device_removed"));
        assert!(StreamError::LoggedOut.removes_device());
        assert!(StreamError::Removed.removes_device());
        assert!(!StreamError::Restart.removes_device());

        let ack = StreamError::Ack.node();
        let ack = ack.get_optional_child("ack").expect("ack");
        assert_eq!(attr(ack, "class").as_deref(), Some("message"));
        assert_eq!(attr(ack, "id").map(|id| id.len()), Some(20));
        assert_eq!(
            StreamError::Ack.on_close().map(|n| n.tag.to_string()),
            Some("xmlstreamend".into())
        );
        assert!(StreamError::RateLimited.on_close().is_none());
    }
}
