//! `wactl`'s exit codes, as `wactl(1)` documents them under EXIT STATUS.
//! They live here because the JSON error object carries one
//! ([`crate::views::FailureView`]), and the daemon's HTTP face answers with
//! the same object `wactl --json` prints.

use crate::error::ErrorCode;

/// All is well.
pub const OK: u8 = 0;
/// The daemon refused the request (unknown number, wrong state...).
pub const REFUSED: u8 = 1;
/// The command line (or the HTTP request) is wrong.
pub const USAGE: u8 = 2;
/// Some number is not connected but the daemon is recovering it.
pub const DEGRADED: u8 = 3;
/// Some number needs a person: pairing pending, logged out, replaced,
/// banned, outdated or failed.
pub const NEEDS_PERSON: u8 = 4;
/// The daemon is not reachable (EX_UNAVAILABLE).
pub const UNREACHABLE: u8 = 69;
/// Something went wrong inside wactl or the daemon (EX_SOFTWARE).
pub const INTERNAL: u8 = 70;
/// wactl and waconnd speak different protocols (EX_PROTOCOL).
pub const PROTOCOL: u8 = 76;

/// The exit code a refusal of kind `code` gives.
pub fn for_error(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::ProtocolMismatch => PROTOCOL,
        ErrorCode::Internal => INTERNAL,
        ErrorCode::ShuttingDown => UNREACHABLE,
        ErrorCode::PairingFailed => NEEDS_PERSON,
        ErrorCode::UnknownNumber
        | ErrorCode::InvalidState
        | ErrorCode::BadRequest
        | ErrorCode::LimitReached => REFUSED,
    }
}
