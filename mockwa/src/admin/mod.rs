//! The HTTP admin API, served on the same host and port as the WebSocket.
//!
//! Bodies are JSON; `phone` omitted means every phone; answers are JSON. A
//! request with the wrong method is answered 405 naming the right one.
//!
//! | request | effect | answer |
//! |---|---|---|
//! | `POST /admin/scan {"qr", "phone", "push_name"?, "business"?, "withhold_key_share"?}` | the phone scans a QR payload; a personal account unless `business` (then `<biz name>`, no key share); `withhold_key_share`: the phone of a personal account never shares its app-state key | 200 `{"jid"}`; 404 unknown or expired ref; 400 malformed code; 409 the client rejected it; 504 no answer |
//! | `POST /admin/pair-code {"phone", "code", "push_name"?, "business"?, "withhold_key_share"?}` | the user types a pair code on the phone (`YH5R-9A52`: dashes and case ignored) | as for scan; 404 when no client asked to link that phone; 409 a wrong code (the client gets `PairingCodeError`) or an expired one (the client gets `PairingCodeRefresh`) |
//! | `POST /admin/push-name {"phone", "name"}` | the phone's user changes the push name; live devices get `account_sync` | 200 `{"affected"}`; 404 no device linked |
//! | `POST /admin/drop {"phone"?}` | cut live sockets without a close frame | 200 `{"affected"}` |
//! | `POST /admin/refuse {"seconds"}` | answer upgrades 503 for a while (0 ends it) | 200 `{"affected": 0}` |
//! | `POST /admin/mute {"phone"?, "seconds"}` | keep sockets open, answer nothing (0 ends it) | 200 `{"affected": 0}` |
//! | `POST /admin/logout {"phone"?}` | the phone removes the device: `code="401"` with `conflict device_removed` now, 401 at later logins | 200 `{"affected"}` (devices) |
//! | `POST /admin/replace {"phone"?}` | `conflict replaced` on live sockets | 200 `{"affected"}` |
//! | `POST /admin/ban {"phone"?, "seconds"}` | cut live sockets; logins get 402 with the expiry until it passes | 200 `{"affected"}` |
//! | `POST /admin/throttle-codes {"phone"?, "seconds"}` | requests for pair codes get `400 bad-request`, the server's per-number throttle, until it passes | 200 `{"affected": 0}` |
//! | `POST /admin/outdated {"enabled"}` | logins get 405 while enabled; live sockets are cut | 200 `{"affected"}` |
//! | `POST /admin/stream-error {"phone"?, "code", "close_after_ms"?, "keep_open"?}` | a stream error on live sockets: `429`, `503`, `515`, `516`, `401` (with `conflict device_removed`), `ack`, `xml-not-well-formed`, `xmlstreamend`; then the socket closes (at once, after the delay, or never); 516 and 401 remove the device | 200 `{"affected"}`; 400 unknown code |
//! | `POST /admin/fail-logins {"phone"?, "reason", "seconds", "message"?}` | logins get `<failure reason>` (`403` with a logout message, `406`, `409`, `500`, `503`) for a while (0 ends it); live sockets are cut | 200 `{"affected"}`; 400 unknown reason |
//! | `POST /admin/login-cap {"per_second"}` | logins above the cap in their second get `<stream:error code="429">` (0: no cap) | 200 `{"per_second"}` |
//! | `POST /admin/min-version {"version"}` | logins and registrations of clients below `X.Y.Z` get 405 (`null` clears); older live sockets are cut | 200 `{"version", "affected"}` |
//! | `POST /admin/sw-js {"version"?, "fault"?}` | what `GET /sw.js` announces, and its fault: `none`, `404`, `challenge` (an HTML anti-bot page, 200), `hang` (never answers) | 200 `{"version", "fault"}` |
//! | `POST /admin/message {"to", "from"?, "text"?, "group"?}` | one message to every linked device of account `to` (live now, or queued for its next login): from contact `from` (digits; a fixed contact if omitted), from the account's own phone with `"from": "self"` (a device-sent copy), or from `from` in `group` (sender key first) | 200 `{"ids", "devices"}`; 404 no device linked; 400 bad `from` or `group` |
//! | `POST /admin/traffic {"phone"?, "per_minute", "group_share"?}` | steady messages from the fixed contact to one account or every account (0 stops; an account's own rate wins over the one for every account), `group_share` of them in a group | 200 `{"per_minute", "group_share"}` |
//! | `POST /admin/backlog {"phone"?, "count"}` | cut the live sockets of the account(s), then queue `count` messages for each device: they arrive at the next login through the offline drain | 200 `{"queued", "cut"}` |
//! | `POST /admin/lose-acks {"phone"?, "seconds"}` | drop the acks and receipts devices send for a while (0 ends it): what they got stays owed, is redelivered at the next login, and an overdue ack recycles the stream (`<stream:error><ack/>`) | 200 `{"affected": 0}` |
//! | `POST /admin/reset-latency` | start a new measurement of the ack latency in `/admin/stats` | 200 `{}` |
//! | `GET /admin/devices` | linked devices, with what they were sent and acked | 200 `[{"phone", "device", "connected", "logins", "removed", "push_name", "presence", "times_available", "last_login_at", "max_concurrent", "delivered", "acked", "unacked", "business"}]` |
//! | `GET /admin/stats` | connection, handshake and login counters; stanzas delivered and acked; the time from a stanza's write to its ack (`ack_latency`: `count`, `p50_ms`, `p99_ms`, `max_ms`) | 200 [`crate::StatsSnapshot`] |
//! | `GET /sw.js` | the WhatsApp Web service worker, announcing the version (`client_revision`) | 200 JavaScript, or the fault set |

mod bodies;
mod faults;
mod phone;
mod policy;
mod traffic;

pub use bodies::*;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::json;

use crate::state::Shared;

/// Every admin request, as `(method, path)`.
pub const REQUESTS: &[(&str, &str)] = &[
    ("POST", "/admin/scan"),
    ("POST", "/admin/pair-code"),
    ("POST", "/admin/push-name"),
    ("POST", "/admin/drop"),
    ("POST", "/admin/refuse"),
    ("POST", "/admin/mute"),
    ("POST", "/admin/logout"),
    ("POST", "/admin/replace"),
    ("POST", "/admin/ban"),
    ("POST", "/admin/throttle-codes"),
    ("POST", "/admin/outdated"),
    ("POST", "/admin/stream-error"),
    ("POST", "/admin/fail-logins"),
    ("POST", "/admin/login-cap"),
    ("POST", "/admin/min-version"),
    ("POST", "/admin/sw-js"),
    ("POST", "/admin/message"),
    ("POST", "/admin/traffic"),
    ("POST", "/admin/backlog"),
    ("POST", "/admin/lose-acks"),
    ("POST", "/admin/reset-latency"),
    ("GET", "/admin/devices"),
    ("GET", "/admin/stats"),
];

/// An answer to an HTTP request.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    /// The JSON body.
    pub body: String,
    /// The method to use instead, on a 405.
    pub allow: Option<&'static str>,
}

impl Answer {
    /// 200 with `value`.
    pub fn ok(value: serde_json::Value) -> Self {
        Self {
            status: 200,
            body: value.to_string(),
            allow: None,
        }
    }

    /// `status` with `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Self {
        Self {
            status,
            body: json!({ "error": message }).to_string(),
            allow: None,
        }
    }

    /// 405: `path` is served with `allow`, not `method`.
    pub fn wrong_method(method: &str, path: &str, allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::error(
                405,
                &format!("`{method} {path}` is not served: use {allow} {path}"),
            )
        }
    }
}

/// Serves one admin request.
pub(crate) async fn route(shared: &Arc<Shared>, method: &str, path: &str, body: &[u8]) -> Answer {
    let Some(&(allow, path)) = REQUESTS.iter().find(|(_, p)| *p == path) else {
        return Answer::error(
            404,
            &format!("no admin request `{path}`; `mockwa --help` lists them"),
        );
    };
    if method != allow {
        return Answer::wrong_method(method, path, allow);
    }
    let name = path.trim_start_matches("/admin/");
    match name {
        "devices" => Answer::ok(json!(shared.devices())),
        "stats" => Answer::ok(json!(shared.stats.snapshot())),
        "scan" | "pair-code" | "push-name" => phone::serve(shared, name, body).await,
        "login-cap" | "min-version" | "sw-js" => policy::serve(shared, name, body),
        "backlog" => traffic::backlog(shared, body).await,
        "message" | "traffic" | "lose-acks" | "reset-latency" => traffic::serve(shared, name, body),
        _ => faults::serve(shared, name, body),
    }
}

/// Parses a JSON body; an empty body is `{}`.
fn parse<T: DeserializeOwned>(name: &str, body: &[u8]) -> Result<T, Answer> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| Answer::error(400, &format!("bad {name} body: {e}")))
}
