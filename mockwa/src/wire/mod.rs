//! The protocol under the stanzas: WebSocket frames with the `WA` header,
//! the Noise handshakes, the server's key, and the stanzas the server sends.
//! Nothing here knows about accounts, faults or connections.

pub(crate) mod failure;
pub(crate) mod handshake;
pub(crate) mod keys;
pub(crate) mod nodes;
pub(crate) mod prekeys;
pub(crate) mod stream;
pub(crate) mod stream_error;
pub(crate) mod traffic;
pub(crate) mod transport;
