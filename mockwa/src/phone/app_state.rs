//! The account's app state as the phone wrote it: `critical_block` holding
//! the push name (`setting_pushName`), encrypted and MACed with the sync
//! key the phone shares, through `wacore-appstate` (the code whatsapp-rust
//! decodes and verifies it with).

use wacore::appstate::encode::encode_record;
use wacore::appstate::hash::{HashState, generate_patch_mac};
use wacore::appstate::keys::expand_app_state_keys;
use waproto::whatsapp::{self as wa, sync_action_value, syncd_mutation::SyncdOperation};

/// The collection the push name lives in.
pub(crate) const CRITICAL_BLOCK: &str = "critical_block";

/// The one patch of `critical_block`: version 1, a `SET` of
/// `["setting_pushName"]` to `name`, under the sync key `key_id`/`key`.
///
/// It goes inline in the sync answer, as a genesis patch (version 1 from an
/// empty collection, which whatsapp-rust verifies against the empty ltHash:
/// `wacore-appstate` `processor.rs` `validate_patch_macs`). The real server
/// would rather answer a first sync with a snapshot, which clients fetch as
/// an external blob over HTTPS from the media hosts (whatsapp-rust
/// `client/app_state.rs` `pre_download_external_blobs`); inline patches are
/// what a snapshot-less collection gets (whatsmeow `appstate/decode.go`
/// decodes both) and need no HTTPS client trusting the mock.
pub(crate) fn push_name_patch(key_id: &[u8], key: &[u8], name: &str, timestamp_ms: i64) -> Vec<u8> {
    let keys = expand_app_state_keys(key);
    let index = serde_json::to_vec(&["setting_pushName"]).unwrap_or_default();
    let value = wa::SyncActionValue {
        timestamp: Some(timestamp_ms),
        push_name_setting: buffa::MessageField::some(sync_action_value::PushNameSetting {
            name: Some(name.to_string()),
        }),
        ..Default::default()
    };
    let iv: [u8; 16] = rand::random();
    // Version 1 of the action (`wacore-appstate` `schemas.rs` SETTING_PUSH_NAME).
    let (mutation, _) = encode_record(SyncdOperation::SET, &index, &value, &keys, key_id, &iv, 1);
    let mutations = vec![mutation];
    let mut state = HashState::default();
    let (_, updated) = state.update_hash(&mutations, |_, _| Ok(None));
    if let Err(e) = updated {
        tracing::warn!("app-state hash update failed: {e:#}");
    }
    state.version = 1;
    let mut patch = wa::SyncdPatch {
        version: buffa::MessageField::some(wa::SyncdVersion { version: Some(1) }),
        snapshot_mac: Some(state.generate_snapshot_mac(CRITICAL_BLOCK, &keys.snapshot_mac)),
        key_id: buffa::MessageField::some(wa::KeyId {
            id: Some(key_id.to_vec()),
        }),
        mutations,
        ..Default::default()
    };
    patch.patch_mac = Some(generate_patch_mac(
        &patch,
        CRITICAL_BLOCK,
        &keys.patch_mac,
        1,
    ));
    waproto::codec::syncd_patch_to_vec(&patch)
}
