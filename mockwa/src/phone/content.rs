//! What the phone and the contacts write, as `wa::Message` plaintexts
//! padded the way WA Web pads them (wacore `MessageUtils::encode_and_pad`,
//! which whatsapp-rust unpads on receipt).

use wacore::messages::MessageUtils;
use waproto::whatsapp::{self as wa, message};

/// A text message.
pub(crate) fn text(body: &str) -> wa::Message {
    wa::Message {
        conversation: Some(body.to_string()),
        ..Default::default()
    }
}

/// What the phone sent to `destination`, as its companions receive it:
/// wrapped in a `DeviceSentMessage` (whatsmeow `message.go`
/// `decryptMessages`, whatsapp-rust `message/receive.rs`, which unwrap it).
pub(crate) fn device_sent(destination: &str, inner: wa::Message) -> wa::Message {
    wa::Message {
        device_sent_message: buffa::MessageField::some(message::DeviceSentMessage {
            destination_jid: Some(destination.to_string()),
            message: buffa::MessageField::some(inner),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The sender key of a group member, distributed over its pairwise
/// session (`pkmsg`/`msg`) ahead of its first `skmsg` (whatsapp-rust
/// `message/receive.rs` `handle_sender_key_distribution_message`).
pub(crate) fn sender_key(group: &str, distribution: Vec<u8>) -> wa::Message {
    wa::Message {
        sender_key_distribution_message: buffa::MessageField::some(
            message::SenderKeyDistributionMessage {
                group_id: Some(group.to_string()),
                axolotl_sender_key_distribution_message: Some(distribution),
            },
        ),
        ..Default::default()
    }
}

/// The app-state sync key a phone shares with a companion after linking:
/// a protocol message `APP_STATE_SYNC_KEY_SHARE` (whatsmeow `appstate.go`
/// `handleAppStateSyncKeyShare`, whatsapp-rust `message/special.rs`
/// `handle_app_state_sync_key_share`, which needs the fingerprint).
pub(crate) fn key_share(key_id: &[u8], key: &[u8], timestamp_ms: i64) -> wa::Message {
    let shared = message::AppStateSyncKey {
        key_id: buffa::MessageField::some(message::AppStateSyncKeyId {
            key_id: Some(key_id.to_vec()),
        }),
        key_data: buffa::MessageField::some(message::AppStateSyncKeyData {
            key_data: Some(key.to_vec()),
            fingerprint: buffa::MessageField::some(message::AppStateSyncKeyFingerprint {
                raw_id: Some(rand::random()),
                current_index: Some(0),
                device_indexes: vec![0],
            }),
            timestamp: Some(timestamp_ms),
        }),
    };
    wa::Message {
        protocol_message: buffa::MessageField::some(message::ProtocolMessage {
            r#type: Some(message::protocol_message::Type::APP_STATE_SYNC_KEY_SHARE),
            app_state_sync_key_share: buffa::MessageField::some(message::AppStateSyncKeyShare {
                keys: vec![shared],
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `message` encoded and padded, ready to encrypt.
pub(crate) fn padded(message: &wa::Message) -> Vec<u8> {
    MessageUtils::encode_and_pad(message)
}
