//! A WhatsApp Web server and simulated phone to test waconn against.
//!
//! `mockwa` speaks the real wire protocol of WhatsApp Web's multi-device
//! socket (WebSocket, `WA` header, 3-byte frames, Noise XX / IK / XXfallback,
//! binary nodes) well enough that an unmodified `whatsapp-rust` client pairs,
//! logs in, keeps alive and reconnects against it. A simulated phone signs
//! pairings, and fault injection plays the network, the server and the
//! phone: cut sockets, refuse connections, go silent, stream errors (429,
//! 503, 515, 516, 401, ack, xml-not-well-formed, xmlstreamend), refused
//! logins (401-409, 500, 503), a login rate cap, a minimum client version,
//! a faulty `/sw.js`, push-name changes and failed pair codes. It records
//! what the devices announce (presence, logins, concurrent sockets).
//!
//! It carries traffic too: contacts and each account's own phone are real
//! Signal peers (`wacore-libsignal`) that open sessions from the prekeys
//! the devices upload and send them direct messages (`pkmsg`, then `msg`),
//! group messages (`skmsg` after the sender key) and the phone's own sent
//! messages. Each device has an outbox: stanzas go out live, or wait for
//! its next login and arrive through the offline drain the client pulls
//! (`offline_preview`, batches, `offline`); every stanza is redelivered
//! until the device acks it, and an overdue ack recycles the stream. A
//! personal account (the default) gets its app-state key from the phone
//! after linking and its push name from `critical_block`; a business
//! account pairs with `<biz name>`. With [`Config::tls`] it serves
//! `wss://` and `https://` on the same port with a self-signed certificate.
//!
//! Everything is reachable from the library ([`MockWa`]) and from an HTTP
//! admin API served on the same port as the WebSocket (see [`admin`]).
//! Clients must be built with `whatsapp-rust`'s `danger-skip-cert-chain-verify`
//! feature: the mock's certificate chain is zero-signed.
//!
//! The modules are layered, each using only those below it: [`MockWa`]
//! (`mock`) starts the listener (`http`), which hands WebSocket upgrades to
//! the connections (`conn`) and admin requests to [`admin`]; both act on the
//! shared state (`state`), which builds on the simulated phone (`phone`),
//! the wire protocol (`wire`) and the settings ([`Config`]).
//!
//! [`postgres`] runs a throwaway PostgreSQL server for the tests and
//! benchmarks that need a database (the server only, no client library).

pub mod admin;
mod config;
mod conn;
mod http;
mod mock;
mod phone;
pub mod postgres;
mod state;
mod version;
mod wire;

pub use config::Config;
pub use mock::MockWa;
pub use state::command::{ScanError, ScanOptions};
pub use state::latency::AckLatency;
pub use state::messages::Backlog;
pub use state::registry::DeviceInfo;
pub use state::registry::Presence;
pub use state::stats::StatsSnapshot;
pub use state::sw_js::NotAWebVersion;
pub use state::traffic::{PostError, Posted};
pub use version::{AppVersion, BadVersion};
