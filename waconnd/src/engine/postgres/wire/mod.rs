//! The byte format of the blob columns whatsapp-rust's SQLite store writes
//! as protobuf: the server cert chain (`device.server_cert_chain`), app-state
//! sync keys (`app_state_keys.key_data`) and app-state hash states
//! (`app_state_versions.state_data`).
//!
//! `wire.proto` and `wire.desc` are copies of
//! `whatsapp-rust-sqlite-storage-0.7.0/proto/`, compiled by `build.rs` with
//! the same generator, and the conversions below follow that crate's
//! `src/wire.rs` (same length checks), so a row copied between the two
//! engines decodes to the same value.

use buffa::Message as _;
use wacore::appstate::hash::HashState;
use wacore::store::device::{CachedNoiseCert, CachedServerCertChain};
use wacore::store::error::StoreError;
use wacore::store::traits::AppStateSyncKey;

mod proto {
    #![allow(
        unused,
        missing_docs,
        elided_lifetimes_in_paths,
        non_camel_case_types,
        non_snake_case,
        unreachable_patterns,
        clippy::all,
        clippy::pedantic,
        clippy::nursery
    )]
    buffa::include_proto!("wire");
}
use proto::{AppStateSyncKeyWire, HashStateWire, NoiseCert, ServerCertChain};

/// X25519 public key length in a cached Noise certificate.
const NOISE_KEY_LEN: usize = 32;
/// App-state hash length.
const HASH_STATE_LEN: usize = 128;
/// App-state master key length.
const APP_STATE_KEY_LEN: usize = 32;

fn bad_len(field: &str, expected: usize, got: usize) -> StoreError {
    StoreError::Serialization(format!("{field}: expected {expected} bytes, got {got}").into())
}

fn decode_err(e: buffa::DecodeError) -> StoreError {
    StoreError::Serialization(Box::new(e))
}

fn noise_cert_to_wire(c: &CachedNoiseCert) -> NoiseCert {
    NoiseCert {
        key: c.key.to_vec(),
        not_before: c.not_before,
        not_after: c.not_after,
    }
}

fn noise_cert_from_wire(w: NoiseCert) -> Result<CachedNoiseCert, StoreError> {
    let got = w.key.len();
    let key: [u8; NOISE_KEY_LEN] = w
        .key
        .try_into()
        .map_err(|_| bad_len("noise_cert.key", NOISE_KEY_LEN, got))?;
    Ok(CachedNoiseCert {
        key,
        not_before: w.not_before,
        not_after: w.not_after,
    })
}

/// Encodes the cached server cert chain.
pub(crate) fn encode_server_cert_chain(c: &CachedServerCertChain) -> Vec<u8> {
    ServerCertChain {
        intermediate: buffa::MessageField::some(noise_cert_to_wire(&c.intermediate)),
        leaf: buffa::MessageField::some(noise_cert_to_wire(&c.leaf)),
    }
    .encode_to_vec()
}

/// Decodes a cached server cert chain; both certificates must be present.
pub(crate) fn decode_server_cert_chain(bytes: &[u8]) -> Result<CachedServerCertChain, StoreError> {
    let w = ServerCertChain::decode_from_slice(bytes).map_err(decode_err)?;
    let intermediate = w.intermediate.ok_or_else(|| {
        StoreError::Serialization("server_cert_chain.intermediate missing".into())
    })?;
    let leaf = w
        .leaf
        .ok_or_else(|| StoreError::Serialization("server_cert_chain.leaf missing".into()))?;
    Ok(CachedServerCertChain {
        intermediate: noise_cert_from_wire(intermediate)?,
        leaf: noise_cert_from_wire(leaf)?,
    })
}

/// Encodes an app-state sync key.
pub(crate) fn encode_app_state_sync_key(k: &AppStateSyncKey) -> Vec<u8> {
    AppStateSyncKeyWire {
        key_data: k.key_data.clone(),
        fingerprint: k.fingerprint.clone(),
        timestamp: k.timestamp,
    }
    .encode_to_vec()
}

/// Decodes an app-state sync key; anything but a 32-byte master key is
/// refused (an old bincode row can parse as protobuf with garbage in it).
pub(crate) fn decode_app_state_sync_key(bytes: &[u8]) -> Result<AppStateSyncKey, StoreError> {
    let w = AppStateSyncKeyWire::decode_from_slice(bytes).map_err(decode_err)?;
    if w.key_data.len() != APP_STATE_KEY_LEN {
        return Err(bad_len(
            "app_state_sync_key.key_data",
            APP_STATE_KEY_LEN,
            w.key_data.len(),
        ));
    }
    Ok(AppStateSyncKey {
        key_data: w.key_data,
        fingerprint: w.fingerprint,
        timestamp: w.timestamp,
    })
}

/// Encodes an app-state hash state.
pub(crate) fn encode_hash_state(s: &HashState) -> Vec<u8> {
    HashStateWire {
        version: s.version,
        hash: s.hash.to_vec(),
        index_value_map: s
            .index_value_map
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        mac_mismatch_fatal: s.mac_mismatch_fatal,
    }
    .encode_to_vec()
}

/// Decodes an app-state hash state; the hash must be 128 bytes.
pub(crate) fn decode_hash_state(bytes: &[u8]) -> Result<HashState, StoreError> {
    let w = HashStateWire::decode_from_slice(bytes).map_err(decode_err)?;
    let got = w.hash.len();
    let hash: [u8; HASH_STATE_LEN] = w
        .hash
        .try_into()
        .map_err(|_| bad_len("hash_state.hash", HASH_STATE_LEN, got))?;
    Ok(HashState {
        version: w.version,
        hash,
        index_value_map: w.index_value_map.into_iter().collect(),
        mac_mismatch_fatal: w.mac_mismatch_fatal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_cert_chain_round_trips_and_checks_key_length() {
        let chain = CachedServerCertChain {
            intermediate: CachedNoiseCert {
                key: [0xAB; 32],
                not_before: 1_700_000_000,
                not_after: 1_900_000_000,
            },
            leaf: CachedNoiseCert {
                key: [0xCD; 32],
                not_before: 1_700_000_500,
                not_after: 1_899_999_500,
            },
        };
        let bytes = encode_server_cert_chain(&chain);
        assert_eq!(decode_server_cert_chain(&bytes).expect("decodes"), chain);
        let short = ServerCertChain {
            intermediate: buffa::MessageField::some(NoiseCert {
                key: vec![0; 5],
                not_before: 1,
                not_after: 2,
            }),
            leaf: buffa::MessageField::some(noise_cert_to_wire(&chain.leaf)),
        }
        .encode_to_vec();
        assert!(decode_server_cert_chain(&short).is_err());
        assert!(
            decode_server_cert_chain(&[]).is_err(),
            "both certs required"
        );
    }

    #[test]
    fn sync_key_round_trips_and_refuses_a_short_key() {
        let key = AppStateSyncKey {
            key_data: vec![7; 32],
            fingerprint: vec![9, 8, 7],
            timestamp: 1_700_000_123,
        };
        let decoded = decode_app_state_sync_key(&encode_app_state_sync_key(&key)).expect("decodes");
        assert_eq!(
            (decoded.key_data, decoded.fingerprint, decoded.timestamp),
            (key.key_data, key.fingerprint, key.timestamp)
        );
        let short = AppStateSyncKey {
            key_data: vec![0; 16],
            ..AppStateSyncKey::default()
        };
        assert!(decode_app_state_sync_key(&encode_app_state_sync_key(&short)).is_err());
    }

    #[test]
    fn hash_state_round_trips_with_its_latch() {
        let mut hash = [0u8; 128];
        hash[0] = 0xFF;
        hash[127] = 0x11;
        let state = HashState {
            version: 42,
            hash,
            index_value_map: [("idx".to_string(), vec![1, 2, 3])].into_iter().collect(),
            mac_mismatch_fatal: true,
        };
        let decoded = decode_hash_state(&encode_hash_state(&state)).expect("decodes");
        assert_eq!(decoded.version, 42);
        assert_eq!(decoded.hash, hash);
        assert_eq!(decoded.index_value_map, state.index_value_map);
        assert!(decoded.mac_mismatch_fatal);
        let default =
            decode_hash_state(&encode_hash_state(&HashState::default())).expect("decodes");
        assert_eq!((default.version, default.mac_mismatch_fatal), (0, false));
    }
}
