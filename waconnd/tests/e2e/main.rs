//! End to end: the real `waconnd` (feature `test-peer`) and `wactl`
//! binaries against an in-process mockwa, each test in its own temp dir.

mod commands;
mod crash;
mod cron;
mod daemon;
mod docs;
mod faults;
mod harness;
mod lifecycle;
mod postgres;
mod schema;
mod scripts;
mod secrets;
mod socket;
mod storage;
mod storms;
mod terminal;
mod tls;
mod upgrade;
