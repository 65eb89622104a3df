//! A real whatsapp-rust client against mockwa, in process.

mod client;
mod faults;
mod http;
mod lifecycle;
mod logins;
mod many;
mod offline;
mod personal;
mod phone;
mod postgres;
mod stream_errors;
mod tls;
mod traffic;

use std::time::Duration;

/// Long enough for a pairing (the client waits 10 s for an app-state key
/// before it announces `Connected`) on a loaded 2-core machine.
pub const CONNECT: Duration = Duration::from_secs(60);
