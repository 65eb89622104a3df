//! A WhatsApp Web server and simulated phone to test waconn against.
//!
//! `mockwa` speaks the real wire protocol of WhatsApp Web's multi-device
//! socket (WebSocket, `WA` header, 3-byte frames, Noise XX / IK / XXfallback,
//! binary nodes) well enough that an unmodified `whatsapp-rust` client pairs,
//! logs in, keeps alive and reconnects against it. A simulated phone signs
//! pairings, and fault injection plays the network and the phone: cut
//! sockets, refuse connections, go silent, log devices out, replace, ban,
//! reject an outdated client.
//!
//! Everything is reachable from the library ([`MockWa`]) and from an HTTP
//! admin API served on the same port as the WebSocket (see [`admin`]).
//! Clients must be built with `whatsapp-rust`'s `danger-skip-cert-chain-verify`
//! feature: the mock's certificate chain is zero-signed.
//!
//! [`postgres`] runs a throwaway PostgreSQL server for the tests and
//! benchmarks that need a database (the server only, no client library).

pub mod admin;
mod config;
mod conn;
mod faults;
mod handshake;
mod http;
mod keys;
mod nodes;
mod pair_code;
mod phone;
pub mod postgres;
mod register;
mod registry;
mod server;
mod stats;
mod transport;

pub use config::Config;
pub use registry::DeviceInfo;
pub use server::{MockWa, ScanError};
pub use stats::StatsSnapshot;
