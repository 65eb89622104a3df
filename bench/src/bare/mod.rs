//! Bare whatsapp-rust clients, the yardstick waconnd is measured against:
//! one process holding a stock `Bot` per number on its own stock
//! `SqliteStore`, with the library's defaults except what waconnd sets
//! too (history sync skipped, the pinned version, the server's TLS
//! certificate trusted). Presence is left to the library.
//!
//! The bench runs the clients as a child process ([`child`], the hidden
//! `bare-clients` subcommand) so that their memory and CPU are theirs
//! alone, and drives it over its standard input and output ([`parent`]):
//! one line per command or event.

pub mod child;
pub mod parent;
mod trust;
