//! The phone links a device: it scans a QR code, or the user types a pair
//! code on it. Each is routed to the registering connection it concerns,
//! which answers once the client counter-signed.

use std::time::Instant;

use tokio::sync::oneshot;

use super::Shared;
use super::command::{CodeEntry, Command, PhoneCommand, ScanError, ScanRequest};
use crate::phone::QrCode;

impl Shared {
    /// The phone scans `qr`: the connection holding its ref is paired to
    /// `phone`. Returns the new device's JID.
    pub async fn scan(
        &self,
        qr: &str,
        phone: &str,
        push_name: Option<&str>,
    ) -> Result<String, ScanError> {
        let qr = QrCode::parse(qr).map_err(|e| ScanError::Malformed(format!("{e:#}")))?;
        check_phone(phone)?;
        let (reply, answer) = oneshot::channel();
        let reference = qr.reference.clone();
        let request = ScanRequest {
            qr,
            phone: phone.to_string(),
            push_name: push_name_or_default(push_name, phone),
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
    ) -> Result<String, ScanError> {
        if !wacore::pair_code::PairCodeUtils::validate_code(code) {
            return Err(ScanError::Malformed(format!(
                "`{code}` is not a pair code: 8 characters of 123456789ABCDEFGHJKLMNPQRSTVWXYZ"
            )));
        }
        let (reply, answer) = oneshot::channel();
        let entry = CodeEntry {
            code: code.to_ascii_uppercase(),
            phone: phone.to_string(),
            push_name: push_name_or_default(push_name, phone),
            reply,
        };
        let command = Command::Phone(PhoneCommand::EnterCode(entry));
        if !self.live().send_to_code(phone, command) {
            return Err(ScanError::UnknownRef);
        }
        answer.await.unwrap_or(Err(ScanError::UnknownRef))
    }
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
