//! The messages an operator asks for: one message to an account, or a
//! backlog waiting for its devices' next login.

use super::Shared;
use super::traffic::{PostError, Posted};
use crate::phone::peers::{Body, DEFAULT_CONTACT};

/// The text of a message the operator gave none for.
const DEFAULT_TEXT: &str = "hello from mockwa";

/// What `POST /admin/backlog` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Live sockets cut first, so that the stanzas wait for a login.
    pub cut: usize,
    /// Stanzas queued, over every device.
    pub queued: usize,
}

impl Shared {
    /// A message to account `to`: from the contact `from` (a fixed one if
    /// `None`), or with `from` `"self"` sent by the account's own phone;
    /// in `group` if given.
    pub fn message(
        &self,
        to: &str,
        from: Option<&str>,
        text: Option<&str>,
        group: Option<&str>,
    ) -> Result<Posted, PostError> {
        let text = text.unwrap_or(DEFAULT_TEXT).to_string();
        let body = match (from, group) {
            (Some("self"), Some(_)) => {
                return Err(PostError::Invalid(
                    "a group message comes from a contact: give `from` a number, not `self`".into(),
                ));
            }
            (Some("self"), None) => Body::FromPhone {
                to: DEFAULT_CONTACT.to_string(),
                text,
            },
            (from, group) => {
                let from = contact(to, from)?;
                match group {
                    Some(group) => Body::Group {
                        from,
                        group: group.to_string(),
                        text,
                    },
                    None => Body::Direct { from, text },
                }
            }
        };
        self.post(to, body)
    }

    /// Queues `count` messages for every device of `phone` (every account
    /// if `None`) that is away at its next login: live sockets are cut
    /// first, so the messages wait in the offline queue.
    pub fn backlog(&self, phone: Option<&str>, count: usize) -> Backlog {
        let cut = self.drop_connections(phone);
        let phones = match phone {
            Some(phone) => vec![phone.to_string()],
            None => self.registry().phones(),
        };
        let mut queued = 0;
        for phone in &phones {
            for i in 0..count {
                let body = Body::Direct {
                    from: DEFAULT_CONTACT.to_string(),
                    text: format!("backlog {i}"),
                };
                match self.post(phone, body) {
                    Ok(posted) => queued += posted.devices,
                    Err(_) => break,
                }
            }
        }
        Backlog { cut, queued }
    }
}

fn contact(to: &str, from: Option<&str>) -> Result<String, PostError> {
    let from = from.unwrap_or(DEFAULT_CONTACT);
    if from.is_empty() || !from.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PostError::Invalid(format!(
            "`from` `{from}` is neither a phone number (digits) nor `self`"
        )));
    }
    if from == to {
        return Err(PostError::Invalid(
            "`from` is the account itself: use `self` for its own phone".into(),
        ));
    }
    Ok(from.to_string())
}
