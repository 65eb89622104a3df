//! The HTTP admin API, served on the same host and port as the WebSocket.
//!
//! Bodies are JSON; `phone` omitted means every phone; answers are JSON.
//!
//! | request | effect | answer |
//! |---|---|---|
//! | `POST /admin/scan {"qr", "phone", "push_name"?}` | the phone scans a QR payload | 200 `{"jid"}`; 404 unknown or expired ref; 400 malformed code; 409 the client rejected it; 504 no answer |
//! | `POST /admin/pair-code {"phone", "code", "push_name"?}` | the user types a pair code on the phone | as for scan; 404 when no client asked to link that phone |
//! | `POST /admin/drop {"phone"?}` | cut live sockets without a close frame | 200 `{"affected"}` |
//! | `POST /admin/refuse {"seconds"}` | answer upgrades 503 for a while (0 ends it) | 200 `{}` |
//! | `POST /admin/mute {"phone"?, "seconds"}` | keep sockets open, answer nothing (0 ends it) | 200 `{}` |
//! | `POST /admin/logout {"phone"?}` | the phone removes the device: `conflict device_removed` now, 401 at later logins | 200 `{"affected"}` |
//! | `POST /admin/replace {"phone"?}` | `conflict replaced` on live sockets | 200 `{"affected"}` |
//! | `POST /admin/ban {"phone"?, "seconds"}` | cut live sockets; logins get 402 with the expiry until it passes | 200 `{"affected"}` |
//! | `POST /admin/outdated {"enabled"}` | logins get 405 while enabled; live sockets are cut | 200 `{"affected"}` |
//! | `GET /admin/devices` | linked devices | 200 `[{"phone", "device", "connected", "logins", "removed", "push_name"}]` |
//! | `GET /admin/stats` | connection, handshake and login counters | 200 [`crate::StatsSnapshot`] |

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::state::Shared;
use crate::state::command::ScanError;

/// Body of `POST /admin/scan`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanBody {
    /// The QR payload exactly as the client rendered it.
    pub qr: String,
    /// The phone number (digits) of the account that scans it.
    pub phone: String,
    /// Name the new device carries; `Mock <phone>` if omitted.
    pub push_name: Option<String>,
}

/// Body of `POST /admin/pair-code`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The phone number (digits) the companion asked to link with.
    pub phone: String,
    /// The 8-character code the user types on the phone.
    pub code: String,
    /// Name the new device carries; `Mock <phone>` if omitted.
    pub push_name: Option<String>,
}

/// Body of the fault requests; which fields apply depends on the request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultBody {
    /// The phone it applies to; every phone if omitted.
    pub phone: Option<String>,
    /// How long it lasts; 0 ends it.
    pub seconds: Option<u64>,
    /// For `outdated`: on or off.
    pub enabled: Option<bool>,
}

/// Serves one admin request; returns the status and the JSON answer.
pub(crate) async fn route(shared: &Shared, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    match (method, path) {
        ("GET", "/admin/devices") => ok(json!(shared.devices())),
        ("GET", "/admin/stats") => ok(json!(shared.stats.snapshot())),
        ("POST", "/admin/scan") => match serde_json::from_slice::<ScanBody>(body) {
            Err(e) => error(400, &format!("bad scan body: {e}")),
            Ok(b) => scan_answer(shared.scan(&b.qr, &b.phone, b.push_name.as_deref()).await),
        },
        ("POST", "/admin/pair-code") => match serde_json::from_slice::<CodeBody>(body) {
            Err(e) => error(400, &format!("bad pair-code body: {e}")),
            Ok(b) => scan_answer(
                shared
                    .enter_code(&b.phone, &b.code, b.push_name.as_deref())
                    .await,
            ),
        },
        (
            "POST",
            "/admin/drop" | "/admin/refuse" | "/admin/mute" | "/admin/logout" | "/admin/replace"
            | "/admin/ban" | "/admin/outdated",
        ) => {
            let parsed = if body.iter().all(u8::is_ascii_whitespace) {
                Ok(FaultBody::default())
            } else {
                serde_json::from_slice::<FaultBody>(body)
            };
            match parsed {
                Err(e) => error(400, &format!("bad body: {e}")),
                Ok(b) => fault(shared, path, &b),
            }
        }
        (_, "/admin/devices" | "/admin/stats") => error(405, "use GET"),
        (_, p) if p.starts_with("/admin/") => error(404, &format!("no admin request `{p}`")),
        _ => error(
            404,
            "not found: clients connect with a WebSocket upgrade, the admin API is under /admin/",
        ),
    }
}

/// The answer to a scan or a typed code.
fn scan_answer(result: Result<String, ScanError>) -> (u16, String) {
    match result {
        Ok(jid) => ok(json!({ "jid": jid })),
        Err(e) => {
            let status = match e {
                ScanError::Malformed(_) => 400,
                ScanError::UnknownRef => 404,
                ScanError::Rejected(_) => 409,
                ScanError::Timeout => 504,
            };
            error(status, &e.to_string())
        }
    }
}

fn fault(shared: &Shared, path: &str, b: &FaultBody) -> (u16, String) {
    let phone = b.phone.as_deref();
    let seconds = || {
        b.seconds
            .map(Duration::from_secs)
            .ok_or("`seconds` is required")
    };
    let affected = match path {
        "/admin/drop" => Ok(shared.drop_connections(phone)),
        "/admin/logout" => Ok(shared.logout(phone)),
        "/admin/replace" => Ok(shared.replace(phone)),
        "/admin/refuse" => seconds().map(|d| {
            shared.refuse(d);
            0
        }),
        "/admin/mute" => seconds().map(|d| {
            shared.mute(phone, d);
            0
        }),
        "/admin/ban" => seconds().map(|d| shared.ban(phone, d)),
        _ => b
            .enabled
            .map(|on| shared.set_outdated(on))
            .ok_or("`enabled` is required"),
    };
    match affected {
        Ok(n) => ok(json!({ "affected": n })),
        Err(message) => error(400, message),
    }
}

fn ok(value: serde_json::Value) -> (u16, String) {
    (200, value.to_string())
}

fn error(status: u16, message: &str) -> (u16, String) {
    (status, json!({ "error": message }).to_string())
}
