//! What `waconnd` and `wactl` share: the socket protocol (messages and their
//! framing) and its client, where the socket and data live, phone-number
//! parsing, session states, durations and the clock, and what both show
//! people and scripts: the JSON views, the Prometheus exposition and the
//! exit codes. Nothing of the protocol is written twice.

pub mod client;
pub mod codec;
pub mod duration;
pub mod error;
pub mod exit;
pub mod message;
pub mod metrics;
pub mod number;
pub mod paths;
pub mod state;
pub mod time;
pub mod views;

pub use client::{Client, ClientError};
pub use codec::{CodecError, MAX_REQUEST, MAX_RESPONSE};
pub use error::{ErrorCode, ErrorReply};
pub use message::*;
pub use number::{Number, NumberError};
pub use state::SessionState;

/// The protocol number both sides send in [`Hello`]; bumped on any change
/// of the messages' encoding (bincode encodes structs field by field, so an
/// added field is a change). The golden frames in `tests/golden.rs` pin it.
pub const PROTOCOL: u32 = 5;

/// The version of this build, sent in [`Hello`] and shown by `wactl status`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
