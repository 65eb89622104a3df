//! The requests that play the phone's user: scan a QR code, type a pair
//! code, change the push name.

use serde_json::json;

use super::bodies::{CodeBody, PushNameBody, ScanBody};
use super::{Answer, parse};
use crate::state::Shared;
use crate::state::command::ScanError;

/// Serves `POST /admin/{name}`.
pub(super) async fn serve(shared: &Shared, name: &str, body: &[u8]) -> Answer {
    match name {
        "scan" => match parse::<ScanBody>(name, body) {
            Ok(b) => linked(
                shared
                    .scan(&b.qr, &b.phone, b.push_name.as_deref(), b.options())
                    .await,
            ),
            Err(answer) => answer,
        },
        "pair-code" => match parse::<CodeBody>(name, body) {
            Ok(b) => linked(
                shared
                    .enter_code(&b.phone, &b.code, b.push_name.as_deref(), b.options())
                    .await,
            ),
            Err(answer) => answer,
        },
        _ => match parse::<PushNameBody>(name, body) {
            Ok(b) => push_name(shared, &b),
            Err(answer) => answer,
        },
    }
}

/// The answer to a scan or a typed code.
fn linked(result: Result<String, ScanError>) -> Answer {
    match result {
        Ok(jid) => Answer::ok(json!({ "jid": jid })),
        Err(e) => {
            let status = match e {
                ScanError::Malformed(_) => 400,
                ScanError::UnknownRef => 404,
                ScanError::Rejected(_) | ScanError::WrongCode | ScanError::CodeExpired => 409,
                ScanError::Timeout => 504,
            };
            Answer::error(status, &e.to_string())
        }
    }
}

fn push_name(shared: &Shared, b: &PushNameBody) -> Answer {
    if b.name.trim().is_empty() {
        return Answer::error(
            400,
            "`name` is empty: a push name has at least one character",
        );
    }
    match shared.set_push_name(&b.phone, &b.name) {
        Some(affected) => Answer::ok(json!({ "affected": affected })),
        None => Answer::error(
            404,
            &format!("no device of phone `{}` is linked: pair one first", b.phone),
        ),
    }
}
