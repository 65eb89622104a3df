//! The phone links a device: it scans a QR code, or the user types a pair
//! code on it. Each is routed to the registering connection it concerns,
//! which answers once the client counter-signed.

use std::time::Instant;

use tokio::sync::oneshot;

use super::Shared;
use super::command::{CodeEntry, Command, PhoneCommand, ScanError, ScanOptions, ScanRequest};
use crate::phone::QrCode;

impl Shared {
    /// The phone scans `qr`: the connection holding its ref is paired to
    /// `phone`. Returns the new device's JID.
    pub async fn scan(
        &self,
        qr: &str,
        phone: &str,
        push_name: Option<&str>,
        options: ScanOptions,
    ) -> Result<String, ScanError> {
        let qr = QrCode::parse(qr).map_err(|e| ScanError::Malformed(format!("{e:#}")))?;
        check_phone(phone)?;
        let (reply, answer) = oneshot::channel();
        let reference = qr.reference.clone();
        let request = ScanRequest {
            qr,
            phone: phone.to_string(),
            push_name: push_name_or_default(push_name, phone),
            options,
            reply,
        };
        let command = Command::Phone(PhoneCommand::Scan(request));
        {
            let live = self.live();
            if !live.send_to_ref(&reference, Instant::now(), command) {
                tracing::debug!(refs = live.ref_count(), "scan of an unknown ref");
                return Err(ScanError::UnknownRef);
            }
        }
        answer.await.unwrap_or(Err(ScanError::UnknownRef))
    }

    /// The user types `code` on the phone of `phone`; returns the new
    /// device's JID once the client confirmed the pairing.
    pub async fn enter_code(
        &self,
        phone: &str,
        code: &str,
        push_name: Option<&str>,
        options: ScanOptions,
    ) -> Result<String, ScanError> {
        let code = canonical_code(code)?;
        check_phone(phone)?;
        let (reply, answer) = oneshot::channel();
        let entry = CodeEntry {
            code,
            phone: phone.to_string(),
            push_name: push_name_or_default(push_name, phone),
            options,
            reply,
        };
        let command = Command::Phone(PhoneCommand::EnterCode(entry));
        if !self.live().send_to_code(phone, command) {
            return Err(ScanError::UnknownRef);
        }
        answer.await.unwrap_or(Err(ScanError::UnknownRef))
    }
}

/// A pair code as the user may type it (`YH5R-9A52`, any case, dashes and
/// spaces as `wactl` and the phone show it) in the form the cipher takes.
/// The error does not repeat the code: it is a secret.
fn canonical_code(typed: &str) -> Result<String, ScanError> {
    let code: String = typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !wacore::pair_code::PairCodeUtils::validate_code(&code) {
        return Err(ScanError::Malformed(
            "a pair code is 8 characters of 123456789ABCDEFGHJKLMNPQRSTVWXYZ, dashes and case ignored"
                .into(),
        ));
    }
    Ok(code)
}

fn check_phone(phone: &str) -> Result<(), ScanError> {
    if phone.is_empty() || !phone.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScanError::Malformed(format!(
            "phone `{phone}` is not digits only"
        )));
    }
    Ok(())
}

fn push_name_or_default(push_name: Option<&str>, phone: &str) -> String {
    push_name.map_or_else(|| format!("Mock {phone}"), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_taken_as_shown_or_as_typed() {
        assert_eq!(canonical_code("YH5R-9A52").as_deref(), Ok("YH5R9A52"));
        assert_eq!(canonical_code("yh5r 9a52").as_deref(), Ok("YH5R9A52"));
        assert_eq!(canonical_code("YH5R9A52").as_deref(), Ok("YH5R9A52"));
        for bad in ["YH5R-9A5", "YH5R-9A520", "YH5R-9AU2", ""] {
            let err = canonical_code(bad).expect_err(bad).to_string();
            assert!(err.contains("8 characters"), "{err}");
            assert!(
                bad.is_empty() || !err.contains(bad),
                "the code is a secret: {err}"
            );
        }
    }
}
