//! The JSON bodies of the admin requests. Unknown fields are refused, so a
//! misspelt field is an error rather than a silent default.

use serde::{Deserialize, Deserializer};

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
    /// Pair as a business account (`<biz name>`, no app-state key share)
    /// instead of a personal one.
    #[serde(default)]
    pub business: bool,
    /// A personal account whose phone never shares its app-state key.
    #[serde(default)]
    pub withhold_key_share: bool,
}

impl ScanBody {
    /// The kind of account asked for.
    pub fn options(&self) -> crate::ScanOptions {
        crate::ScanOptions {
            business: self.business,
            withhold_key_share: self.withhold_key_share,
        }
    }
}

/// Body of `POST /admin/pair-code`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The phone number (digits) the companion asked to link with.
    pub phone: String,
    /// The 8-character code the user types on the phone; dashes and case
    /// are ignored (`YH5R-9A52`).
    pub code: String,
    /// Name the new device carries; `Mock <phone>` if omitted.
    pub push_name: Option<String>,
    /// Pair as a business account instead of a personal one.
    #[serde(default)]
    pub business: bool,
    /// A personal account whose phone never shares its app-state key.
    #[serde(default)]
    pub withhold_key_share: bool,
}

impl CodeBody {
    /// The kind of account asked for.
    pub fn options(&self) -> crate::ScanOptions {
        crate::ScanOptions {
            business: self.business,
            withhold_key_share: self.withhold_key_share,
        }
    }
}

/// Body of `POST /admin/push-name`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushNameBody {
    /// The phone whose user changes the name.
    pub phone: String,
    /// The new push name.
    pub name: String,
}

/// Body of the simple fault requests (`drop`, `refuse`, `mute`, `logout`,
/// `replace`, `ban`, `outdated`); which fields apply depends on the request.
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

/// Body of `POST /admin/stream-error`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamErrorBody {
    /// The phone whose live sockets get it; every phone if omitted.
    pub phone: Option<String>,
    /// `429`, `503`, `515`, `516`, `401`, `ack`, `xml-not-well-formed` or
    /// `xmlstreamend`; a number or a string.
    pub code: Code,
    /// Close the socket this long after the error instead of at once.
    pub close_after_ms: Option<u64>,
    /// Never close the socket.
    #[serde(default)]
    pub keep_open: bool,
}

/// Body of `POST /admin/fail-logins`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailLoginsBody {
    /// The phone whose logins fail; every phone if omitted.
    pub phone: Option<String>,
    /// `403`, `406`, `409`, `500` or `503`; a number or a string.
    pub reason: Code,
    /// How long logins fail; 0 ends it.
    pub seconds: u64,
    /// The failure's `message` attribute.
    pub message: Option<String>,
}

/// Body of `POST /admin/login-cap`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginCapBody {
    /// Logins accepted per second over all phones; 0 lifts the cap.
    pub per_second: u32,
}

/// Body of `POST /admin/min-version`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinVersionBody {
    /// `X.Y.Z`, or `null` to accept every version. Required: `None` when
    /// the field is missing, `Some(None)` when it is `null`.
    #[serde(default, deserialize_with = "present")]
    pub version: Option<Option<String>>,
}

/// Body of `POST /admin/sw-js`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwJsBody {
    /// The version `/sw.js` announces from now on (`2.3000.REVISION`).
    pub version: Option<String>,
    /// `none`, `404`, `challenge` or `hang`.
    pub fault: Option<String>,
}

/// Body of `POST /admin/message`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    /// The account whose devices get it.
    pub to: String,
    /// The contact who writes (digits), or `"self"` for the account's own
    /// phone; a fixed contact if omitted.
    pub from: Option<String>,
    /// The text; a fixed one if omitted.
    pub text: Option<String>,
    /// A group (`120363...` or `...@g.us`) the contact writes in.
    pub group: Option<String>,
}

/// Body of `POST /admin/traffic`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficBody {
    /// The account it applies to; every account if omitted.
    pub phone: Option<String>,
    /// Messages per account per minute; 0 stops them.
    pub per_minute: f64,
    /// The fraction of them sent in a group (0 to 1); none if omitted.
    #[serde(default)]
    pub group_share: f64,
}

/// Body of `POST /admin/backlog`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacklogBody {
    /// The account it applies to; every account if omitted.
    pub phone: Option<String>,
    /// Stanzas queued for each device of each account.
    pub count: usize,
}

/// A code given as a JSON number or string (`429` or `"429"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "NumberOrString")]
pub struct Code(pub String);

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(u64),
    String(String),
}

impl From<NumberOrString> for Code {
    fn from(value: NumberOrString) -> Self {
        match value {
            NumberOrString::Number(n) => Self(n.to_string()),
            NumberOrString::String(s) => Self(s),
        }
    }
}

/// Deserializes a field that is present, `null` included.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_numbers_or_strings_and_null_differs_from_missing() {
        let body: StreamErrorBody = serde_json::from_str(r#"{"code": 429}"#).expect("number");
        assert_eq!(body.code, Code("429".into()));
        let body: StreamErrorBody = serde_json::from_str(r#"{"code": "ack"}"#).expect("string");
        assert_eq!(body.code, Code("ack".into()));
        let body: MinVersionBody = serde_json::from_str(r#"{"version": null}"#).expect("null");
        assert_eq!(body.version, Some(None));
        let body: MinVersionBody = serde_json::from_str("{}").expect("missing");
        assert_eq!(body.version, None);
        assert!(serde_json::from_str::<LoginCapBody>(r#"{"per_second": 1, "x": 2}"#).is_err());
    }
}
