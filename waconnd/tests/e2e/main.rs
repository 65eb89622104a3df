//! End to end: the real `waconnd` (feature `test-peer`) and `wactl`
//! binaries against an in-process mockwa, each test in its own temp dir.

mod alerts;
mod cluster;
mod commands;
mod crash;
mod cron;
mod daemon;
mod docs;
mod faults;
mod harness;
mod http;
mod lifecycle;
mod postgres;
mod presence;
mod reopen;
mod schema;
mod scripts;
mod secrets;
mod server_codes;
mod socket;
mod storage;
mod storms;
mod terminal;
mod tls;
mod traffic;
mod upgrade;
mod version;
