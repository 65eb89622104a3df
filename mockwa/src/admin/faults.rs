//! The requests that inject faults: the network's (drop, refuse, mute) and
//! the server's (logout, replace, ban, outdated, stream errors, refused
//! logins).

use std::time::Duration;

use serde_json::json;

use super::bodies::{FailLoginsBody, FaultBody, StreamErrorBody};
use super::{Answer, parse};
use crate::state::Shared;
use crate::state::command::Close;
use crate::state::faults::Refusal;
use crate::wire::failure::LoginFailure;
use crate::wire::stream_error::StreamError;

/// Serves `POST /admin/{name}`.
pub(super) fn serve(shared: &Shared, name: &str, body: &[u8]) -> Answer {
    let affected = match name {
        "stream-error" => parse(name, body).and_then(|b| stream_error(shared, b)),
        "fail-logins" => parse(name, body).and_then(|b| fail_logins(shared, b)),
        _ => parse(name, body).and_then(|b| simple(shared, name, &b)),
    };
    match affected {
        Ok(n) => Answer::ok(json!({ "affected": n })),
        Err(answer) => answer,
    }
}

fn simple(shared: &Shared, name: &str, b: &FaultBody) -> Result<usize, Answer> {
    let phone = b.phone.as_deref();
    let seconds = || {
        b.seconds
            .map(Duration::from_secs)
            .ok_or_else(|| Answer::error(400, "`seconds` is required (0 ends the fault)"))
    };
    match name {
        "drop" => Ok(shared.drop_connections(phone)),
        "logout" => Ok(shared.logout(phone)),
        "replace" => Ok(shared.replace(phone)),
        "refuse" => seconds().map(|d| {
            shared.refuse(d);
            0
        }),
        "mute" => seconds().map(|d| {
            shared.mute(phone, d);
            0
        }),
        "ban" => seconds().map(|d| shared.ban(phone, d)),
        "throttle-codes" => seconds().map(|d| {
            shared.throttle_codes(phone, d);
            0
        }),
        _ => b
            .enabled
            .map(|on| shared.set_outdated(on))
            .ok_or_else(|| Answer::error(400, "`enabled` is required (true or false)")),
    }
}

fn stream_error(shared: &Shared, b: StreamErrorBody) -> Result<usize, Answer> {
    let error: StreamError =
        b.code
            .0
            .parse()
            .map_err(|e: crate::wire::stream_error::UnknownStreamError| {
                Answer::error(400, &e.to_string())
            })?;
    let close = match (b.close_after_ms, b.keep_open) {
        (Some(_), true) => {
            return Err(Answer::error(
                400,
                "`close_after_ms` and `keep_open` contradict each other: give one",
            ));
        }
        (Some(ms), false) => Close::After(Duration::from_millis(ms)),
        (None, true) => Close::Never,
        (None, false) => Close::Now,
    };
    Ok(shared.stream_error(b.phone.as_deref(), error, close))
}

fn fail_logins(shared: &Shared, b: FailLoginsBody) -> Result<usize, Answer> {
    let failure =
        LoginFailure::from_reason(&b.reason.0).map_err(|e| Answer::error(400, &e.to_string()))?;
    let refusal = Refusal {
        failure,
        message: b.message,
    };
    Ok(shared.fail_logins(b.phone.as_deref(), refusal, Duration::from_secs(b.seconds)))
}
