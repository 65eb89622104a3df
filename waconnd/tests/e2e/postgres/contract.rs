//! The store contract the daemon relies on, run against the stock
//! `SqliteStore` and `PgBackend`: each scenario checks its own expectations
//! on both, and writes down every answer, and the two transcripts must be
//! the same.

use std::fmt::Debug;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use wacore::appstate::hash::HashState;
use wacore::appstate::processor::AppStateMutationMAC;
use wacore::store::Device;
use wacore::store::device::{CachedNoiseCert, CachedServerCertChain};
use wacore::store::error::Result;
use wacore::store::traits::{
    AppStateSyncKey, Backend, DeviceInfo, DeviceListRecord, LidPnMappingEntry, MsgSecretEntry,
    PendingInboundKey, PendingInboundRow, TcTokenEntry,
};
use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::store::SqliteStore;

use super::Db;

/// What one backend answered, step by step.
pub struct Log {
    backend: &'static str,
    lines: Vec<String>,
}

impl Log {
    /// An empty log of `backend`.
    pub fn new(backend: &'static str) -> Self {
        Self {
            backend,
            lines: Vec::new(),
        }
    }

    /// Writes down `value` under `step`.
    pub fn note(&mut self, step: &str, value: impl Debug) {
        self.lines.push(format!("{step}: {value:?}"));
    }

    /// Writes down a result: the value, or only that it failed (the two
    /// engines word their errors differently).
    pub fn result<T: Debug>(&mut self, step: &str, result: &Result<T>) {
        match result {
            Ok(value) => self.note(step, value),
            Err(_) => self.note(step, "an error"),
        }
    }

    /// Writes down `got` and checks it is `want`.
    pub fn expect<T: Debug + PartialEq>(&mut self, step: &str, got: T, want: T) {
        assert_eq!(got, want, "{}: {step}", self.backend);
        self.note(step, got);
    }
}

/// A sequence of store calls recorded in a [`Log`].
pub type Scenario = for<'a> fn(&'a dyn Backend, &'a mut Log) -> BoxFuture<'a, ()>;

/// Runs `scenario` on a fresh SQLite store and a fresh PostgreSQL backend
/// and compares what they answered.
async fn agree(scenario: Scenario) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    let sqlite = SqliteStore::new(path.to_str().expect("utf-8"))
        .await
        .expect("open SQLite store");
    let db = Db::start().await;
    let pg = db.owned("15550001111", 1).await;
    let mut sqlite_log = Log::new("sqlite");
    let mut pg_log = Log::new("postgres");
    scenario(&sqlite, &mut sqlite_log).await;
    scenario(&pg, &mut pg_log).await;
    assert!(!pg_log.lines.is_empty(), "the scenario recorded nothing");
    for (i, (s, p)) in sqlite_log.lines.iter().zip(&pg_log.lines).enumerate() {
        assert_eq!(s, p, "step {i}: SQLite and PostgreSQL disagree");
    }
    assert_eq!(sqlite_log.lines.len(), pg_log.lines.len());
}

fn ok<T>(result: Result<T>, step: &str) -> T {
    result.unwrap_or_else(|e| panic!("{step}: {e:?}"))
}

fn arc(s: &str) -> Arc<str> {
    Arc::from(s)
}

/// A device with every field away from its default.
fn filled(mut device: Device) -> Device {
    device.pn = Some("15550001111:5@s.whatsapp.net".parse().expect("pn"));
    device.lid = Some("100000012345678:5@lid".parse().expect("lid"));
    device.push_name = "Shop".into();
    device.account = Some(Arc::new(
        whatsapp_rust::waproto::whatsapp::ADVSignedDeviceIdentity {
            details: Some(vec![1, 2, 3]),
            account_signature_key: Some(vec![4; 32]),
            account_signature: Some(vec![5; 64]),
            device_signature: Some(vec![6; 64]),
        },
    ));
    device.app_version_primary = 2;
    device.app_version_secondary = 3000;
    device.app_version_tertiary = 1_023_456_789;
    device.app_version_last_fetched_ms = 1_700_000_000_123;
    device.edge_routing_info = Some(vec![8, 9]);
    device.props_hash = Some("props".into());
    device.next_pre_key_id = 813;
    device.first_unupload_pre_key_id = 700;
    device.server_has_prekeys = true;
    device.nct_salt = Some(vec![7; 16]);
    device.server_cert_chain = Some(CachedServerCertChain {
        intermediate: CachedNoiseCert {
            key: [1; 32],
            not_before: 10,
            not_after: 20,
        },
        leaf: CachedNoiseCert {
            key: [2; 32],
            not_before: 11,
            not_after: 19,
        },
    });
    device.login_counter = 4;
    device.lid_migrated = true;
    device.last_signed_pre_key_rotation_ms = 1_700_000_000_000;
    device.read_receipts_disabled = true;
    device
}

fn json(device: &Device) -> serde_json::Value {
    serde_json::to_value(device).expect("a device serializes")
}

fn device<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        log.expect(
            "exists before create",
            ok(s.exists().await, "exists"),
            false,
        );
        log.expect(
            "load before create",
            ok(s.load().await, "load").is_none(),
            true,
        );
        log.expect("create", ok(s.create().await, "create"), 1);
        log.expect("exists", ok(s.exists().await, "exists"), true);
        let created = ok(s.load().await, "load").expect("a created device");
        log.expect("fresh: not registered", created.pn.is_none(), true);
        log.note("fresh: push name", &created.push_name);
        log.note("fresh: next pre-key id", created.next_pre_key_id);
        let again = s.create().await;
        log.result("create again", &again.map(drop));
        let saved = filled(created);
        ok(s.save(&saved).await, "save");
        let loaded = ok(s.load().await, "load").expect("saved device");
        log.expect(
            "save then load: same device",
            json(&loaded) == json(&saved),
            true,
        );
        log.note("loaded pn", loaded.pn.as_ref().map(ToString::to_string));
        log.note("loaded cert chain", &loaded.server_cert_chain);
        let mut changed = loaded;
        changed.pn = None;
        changed.push_name.clear();
        changed.server_cert_chain = None;
        changed.account = None;
        ok(s.save(&changed).await, "save again");
        let reloaded = ok(s.load().await, "load").expect("device");
        log.expect(
            "a save overwrites every field",
            json(&reloaded) == json(&changed),
            true,
        );
    })
}

fn identities<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        let a = "15550002222@s.whatsapp.net";
        let b = "15550002222:3@s.whatsapp.net";
        log.expect("missing", ok(s.load_identity(a).await, "load"), None);
        ok(s.put_identity(a, [1; 32]).await, "put");
        log.expect("put", ok(s.load_identity(a).await, "load"), Some([1; 32]));
        ok(s.put_identity(a, [2; 32]).await, "put");
        log.expect(
            "overwritten",
            ok(s.load_identity(a).await, "load"),
            Some([2; 32]),
        );
        let batch = [(arc(a), [3; 32]), (arc(b), [4; 32]), (arc(a), [5; 32])];
        ok(s.put_identities_batch(&batch).await, "batch");
        log.expect(
            "batch: last wins",
            ok(s.load_identity(a).await, "load"),
            Some([5; 32]),
        );
        log.expect("batch", ok(s.load_identity(b).await, "load"), Some([4; 32]));
        ok(s.put_identities_batch(&[]).await, "empty batch");
        for user in ["15550002222", "1555000222", "15550009999"] {
            let has = ok(s.has_signal_state_for_user(user).await, "state");
            log.expect(&format!("state for {user}"), has, user == "15550002222");
        }
        ok(s.delete_identity(a).await, "delete");
        log.expect("deleted", ok(s.load_identity(a).await, "load"), None);
        ok(s.delete_identity(a).await, "delete a missing one");
    })
}

fn sessions<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        let a = "15550003333@s.whatsapp.net";
        let b = "15550003333:2@s.whatsapp.net";
        log.expect("missing", ok(s.get_session(a).await, "get"), None);
        log.expect("has missing", ok(s.has_session(a).await, "has"), false);
        ok(s.put_session(a, b"one").await, "put");
        log.expect("has", ok(s.has_session(a).await, "has"), true);
        log.expect(
            "get",
            ok(s.get_session(a).await, "get"),
            Some(Bytes::from_static(b"one")),
        );
        let batch = [
            (arc(a), Bytes::from_static(b"two")),
            (arc(b), Bytes::from_static(b"dev2")),
            (arc(a), Bytes::from_static(b"three")),
        ];
        ok(s.put_sessions_batch(&batch).await, "batch");
        log.expect(
            "batch: last wins",
            ok(s.get_session(a).await, "get"),
            Some(Bytes::from_static(b"three")),
        );
        log.expect(
            "batch",
            ok(s.get_session(b).await, "get"),
            Some(Bytes::from_static(b"dev2")),
        );
        log.expect(
            "state by session",
            ok(s.has_signal_state_for_user("15550003333").await, "state"),
            true,
        );
        ok(s.delete_session(a).await, "delete");
        ok(s.delete_session(b).await, "delete");
        log.expect("deleted", ok(s.has_session(a).await, "has"), false);
        log.expect(
            "no state left",
            ok(s.has_signal_state_for_user("15550003333").await, "state"),
            false,
        );
    })
}

fn prekeys<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        log.expect("max of none", ok(s.get_max_prekey_id().await, "max"), 0);
        log.expect("missing", ok(s.load_prekey(1).await, "load"), None);
        ok(s.store_prekey(1, b"k1", false).await, "store");
        ok(s.store_prekey(1, b"k1b", true).await, "overwrite");
        log.expect(
            "overwritten",
            ok(s.load_prekey(1).await, "load"),
            Some(Bytes::from_static(b"k1b")),
        );
        let batch: Vec<(u32, Bytes)> = (2..=6)
            .map(|id| (id, Bytes::from(format!("k{id}"))))
            .chain([(3, Bytes::from_static(b"k3-last"))])
            .collect();
        ok(s.store_prekeys_batch(&batch, false).await, "batch");
        ok(s.store_prekeys_batch(&[], false).await, "empty batch");
        log.expect("max", ok(s.get_max_prekey_id().await, "max"), 6);
        let mut some = ok(s.load_prekeys_batch(&[3, 5, 99]).await, "load batch");
        some.sort();
        log.expect(
            "load batch: only those present",
            some,
            vec![
                (3, Bytes::from_static(b"k3-last")),
                (5, Bytes::from_static(b"k5")),
            ],
        );
        log.expect(
            "load empty batch",
            ok(s.load_prekeys_batch(&[]).await, "load"),
            vec![],
        );
        ok(s.remove_prekey(6).await, "remove");
        ok(s.mark_prekeys_uploaded(&[2, 6]).await, "mark uploaded");
        log.expect(
            "a removed key stays removed",
            ok(s.load_prekey(6).await, "load"),
            None,
        );
        log.expect(
            "max after remove",
            ok(s.get_max_prekey_id().await, "max"),
            5,
        );
        ok(s.store_signed_prekey(7, b"s7").await, "signed");
        ok(s.store_signed_prekey(3, b"s3").await, "signed");
        ok(s.store_signed_prekey(7, b"s7b").await, "signed overwrite");
        log.expect(
            "signed",
            ok(s.load_signed_prekey(7).await, "load"),
            Some(b"s7b".to_vec()),
        );
        log.expect(
            "signed missing",
            ok(s.load_signed_prekey(8).await, "load"),
            None,
        );
        let mut all = ok(s.load_all_signed_prekeys().await, "all");
        all.sort();
        log.expect(
            "all signed",
            all,
            vec![(3, b"s3".to_vec()), (7, b"s7b".to_vec())],
        );
        ok(s.remove_signed_prekey(3).await, "remove signed");
        log.expect(
            "signed removed",
            ok(s.load_all_signed_prekeys().await, "all").len(),
            1,
        );
    })
}

fn sender_keys<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        let a = "120363000000000001@g.us::15550004444:1";
        let b = "120363000000000001@g.us::15550004444:2";
        log.expect("missing", ok(s.get_sender_key(a).await, "get"), None);
        ok(s.put_sender_key(a, b"r1").await, "put");
        log.expect(
            "put",
            ok(s.get_sender_key(a).await, "get"),
            Some(b"r1".to_vec()),
        );
        let batch = [
            (arc(a), Bytes::from_static(b"r2")),
            (arc(b), Bytes::from_static(b"rb")),
            (arc(a), Bytes::from_static(b"r3")),
        ];
        ok(s.put_sender_keys_batch(&batch).await, "batch");
        log.expect(
            "batch: last wins",
            ok(s.get_sender_key(a).await, "get"),
            Some(b"r3".to_vec()),
        );
        log.expect(
            "batch",
            ok(s.get_sender_key(b).await, "get"),
            Some(b"rb".to_vec()),
        );
        ok(s.delete_sender_key(a).await, "delete");
        log.expect("deleted", ok(s.get_sender_key(a).await, "get"), None);
    })
}

fn sync_key(byte: u8, len: usize, timestamp: i64) -> AppStateSyncKey {
    AppStateSyncKey {
        key_data: vec![byte; len],
        fingerprint: vec![byte, 1, 2],
        timestamp,
    }
}

fn app_state<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        log.expect(
            "no key",
            ok(s.get_sync_key(b"k1").await, "get").is_none(),
            true,
        );
        log.expect(
            "no latest",
            ok(s.get_latest_sync_key_id().await, "latest"),
            None,
        );
        ok(s.set_sync_key(b"k1", sync_key(1, 32, 100)).await, "set");
        ok(s.set_sync_key(b"k2", sync_key(2, 32, 200)).await, "set");
        // A key that does not decode (not 32 bytes) reads as absent, and the
        // latest usable id skips it.
        ok(
            s.set_sync_key(b"k3", sync_key(3, 16, 300)).await,
            "set short",
        );
        let got = ok(s.get_sync_key(b"k2").await, "get").expect("key k2");
        log.expect(
            "key",
            (got.key_data, got.fingerprint, got.timestamp),
            (vec![2; 32], vec![2, 1, 2], 200),
        );
        log.expect(
            "undecodable key reads absent",
            ok(s.get_sync_key(b"k3").await, "get").is_none(),
            true,
        );
        log.expect(
            "latest usable",
            ok(s.get_latest_sync_key_id().await, "latest"),
            Some(b"k2".to_vec()),
        );
        ok(
            s.set_sync_key(b"k2", sync_key(9, 32, 900)).await,
            "overwrite",
        );
        log.expect(
            "overwritten",
            ok(s.get_sync_key(b"k2").await, "get").map(|k| k.timestamp),
            Some(900),
        );

        let fresh = ok(s.get_version("regular").await, "version");
        log.expect(
            "default version",
            (fresh.version, fresh.hash, fresh.index_value_map.len()),
            (0, [0; 128], 0),
        );
        let mut hash = [0u8; 128];
        hash[5] = 5;
        let state = HashState {
            version: 7,
            hash,
            index_value_map: [("i".to_string(), vec![1]), ("j".to_string(), vec![2])]
                .into_iter()
                .collect(),
            mac_mismatch_fatal: true,
        };
        ok(s.set_version("regular", state.clone()).await, "set version");
        let got = ok(s.get_version("regular").await, "version");
        let sorted = |s: &HashState| {
            s.index_value_map
                .clone()
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        log.expect(
            "version",
            (got.version, got.hash, sorted(&got), got.mac_mismatch_fatal),
            (7, hash, sorted(&state), true),
        );
        log.expect(
            "other collection untouched",
            ok(s.get_version("critical").await, "version").version,
            0,
        );

        let mac = |i: u8, v: u8| AppStateMutationMAC {
            index_mac: vec![i; 32],
            value_mac: vec![v; 32],
        };
        ok(
            s.put_mutation_macs("regular", 7, &[mac(1, 10), mac(2, 20), mac(1, 11)])
                .await,
            "macs",
        );
        ok(
            s.put_mutation_macs("critical", 3, &[mac(1, 30)]).await,
            "macs",
        );
        ok(s.put_mutation_macs("regular", 8, &[]).await, "no macs");
        log.expect(
            "mac: last wins",
            ok(s.get_mutation_mac("regular", &[1; 32]).await, "mac"),
            Some(vec![11; 32]),
        );
        log.expect(
            "mac missing",
            ok(s.get_mutation_mac("regular", &[3; 32]).await, "mac"),
            None,
        );
        let mut found: Vec<_> = ok(
            s.get_mutation_macs("regular", &[[1; 32], [2; 32], [3; 32]])
                .await,
            "macs",
        )
        .into_iter()
        .collect();
        found.sort();
        log.expect(
            "macs batch",
            found,
            vec![([1; 32], vec![11; 32]), ([2; 32], vec![20; 32])],
        );
        log.expect(
            "macs of none",
            ok(s.get_mutation_macs("regular", &[]).await, "macs").len(),
            0,
        );
        ok(
            s.delete_mutation_macs("regular", &[vec![2; 32]]).await,
            "delete macs",
        );
        log.expect(
            "deleted mac",
            ok(s.get_mutation_mac("regular", &[2; 32]).await, "mac"),
            None,
        );
        ok(s.clear_mutation_macs("regular").await, "clear");
        log.expect(
            "cleared",
            ok(s.get_mutation_mac("regular", &[1; 32]).await, "mac"),
            None,
        );
        log.expect(
            "other collection kept",
            ok(s.get_mutation_mac("critical", &[1; 32]).await, "mac"),
            Some(vec![30; 32]),
        );
    })
}

pub fn mapping(lid: &str, pn: &str, created: i64, updated: i64, source: &str) -> LidPnMappingEntry {
    LidPnMappingEntry {
        lid: lid.into(),
        phone_number: pn.into(),
        created_at: created,
        updated_at: updated,
        learning_source: source.into(),
    }
}

fn lid_mappings<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        // A mapping belongs to a device row: both engines refuse one without.
        let orphan = s
            .put_lid_mapping(&mapping("100", "1555", 1, 1, "usync"))
            .await;
        log.expect("refused without a device", orphan.is_err(), true);
        ok(s.create().await, "create");
        log.expect(
            "missing",
            ok(s.get_lid_mapping("100").await, "get").is_none(),
            true,
        );
        ok(
            s.put_lid_mapping(&mapping("100", "1555", 10, 10, "usync"))
                .await,
            "put",
        );
        ok(
            s.put_lid_mapping(&mapping("100", "1556", 99, 20, "peer_pn_message"))
                .await,
            "update",
        );
        log.note(
            "updated keeps created_at",
            ok(s.get_lid_mapping("100").await, "get"),
        );
        let batch = [
            mapping("200", "1557", 30, 30, "a"),
            mapping("300", "1557", 40, 40, "b"),
            mapping("200", "1558", 50, 50, "c"),
        ];
        ok(s.put_lid_mappings(&batch).await, "batch");
        ok(s.put_lid_mappings(&[]).await, "empty batch");
        let two = ok(s.get_lid_mapping("200").await, "get").expect("lid 200");
        log.expect(
            "batch: first created_at, last fields",
            (two.phone_number.as_str(), two.created_at, two.updated_at),
            ("1558", 30, 50),
        );
        let newest = ok(s.get_pn_mapping("1557").await, "pn").expect("pn 1557");
        log.expect("by phone: the most recent", newest.lid.as_str(), "300");
        log.expect(
            "phone missing",
            ok(s.get_pn_mapping("1999").await, "pn").is_none(),
            true,
        );
        let mut all = ok(s.get_all_lid_mappings().await, "all");
        all.sort_by(|a, b| a.lid.cmp(&b.lid));
        log.note("all", &all);
        log.expect("all count", all.len(), 3);
    })
}

fn secret_entry(msg: &str, secret: u8, expires_at: i64, message_ts: i64) -> MsgSecretEntry {
    MsgSecretEntry {
        chat: arc("15550005555@s.whatsapp.net"),
        sender: arc("15550001111@s.whatsapp.net"),
        msg_id: arc(msg),
        secret: [secret; 32],
        expires_at,
        message_ts,
    }
}

fn msg_secrets<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        let chat = "15550005555@s.whatsapp.net";
        let me = "15550001111@s.whatsapp.net";
        log.expect(
            "missing",
            ok(s.get_msg_secret(chat, me, "M0").await, "get"),
            None,
        );
        ok(s.put_msg_secret(chat, me, "M0", &[1; 32]).await, "put");
        log.expect(
            "put",
            ok(s.get_msg_secret(chat, me, "M0").await, "get"),
            Some(vec![1; 32]),
        );
        log.expect(
            "other sender",
            ok(s.get_msg_secret(chat, chat, "M0").await, "get"),
            None,
        );
        let batch = vec![
            secret_entry("M1", 2, 1000, 0),
            secret_entry("M2", 3, 500, 40),
            secret_entry("M1", 4, 2000, 30),
            secret_entry("M3", 5, 0, 0),
        ];
        log.expect("stored", ok(s.put_msg_secrets(batch).await, "batch"), 4);
        log.expect(
            "no entries",
            ok(s.put_msg_secrets(Vec::new()).await, "batch"),
            0,
        );
        log.expect(
            "batch: last secret, merged times",
            ok(s.get_msg_secret_with_ts(chat, me, "M1").await, "get"),
            Some((vec![4; 32], 30)),
        );
        // Later deadline wins, 0 means never and wins; message time never goes back.
        ok(
            s.put_msg_secrets(vec![
                secret_entry("M1", 6, 1500, 10),
                secret_entry("M2", 7, 0, 0),
            ])
            .await,
            "again",
        );
        log.expect(
            "parent time kept",
            ok(s.get_msg_secret_with_ts(chat, me, "M1").await, "get"),
            Some((vec![6; 32], 30)),
        );
        log.expect(
            "expired by 1999",
            ok(s.delete_expired_msg_secrets(1999).await, "expire"),
            0,
        );
        log.expect(
            "expired by 2000",
            ok(s.delete_expired_msg_secrets(2000).await, "expire"),
            1,
        );
        log.expect(
            "M1 gone",
            ok(s.get_msg_secret(chat, me, "M1").await, "get"),
            None,
        );
        log.expect(
            "never-expiring kept",
            ok(s.delete_expired_msg_secrets(i64::MAX).await, "expire"),
            0,
        );
        log.expect(
            "M2 kept",
            ok(s.get_msg_secret(chat, me, "M2").await, "get"),
            Some(vec![7; 32]),
        );
    })
}

fn registry<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        let record = |user: &str, devices: &[u32], phash: Option<&str>, raw_id: Option<u32>| {
            DeviceListRecord {
                user: user.into(),
                devices: devices
                    .iter()
                    .map(|&d| DeviceInfo::new(d, Some(d + 1)).with_hosting(d == 9))
                    .collect(),
                timestamp: 1_700_000_000,
                phash: phash.map(Into::into),
                raw_id,
            }
        };
        log.note("missing", ok(s.get_devices("1555").await, "get"));
        ok(
            s.update_device_list(record("1555", &[0, 1], Some("h1"), Some(7)))
                .await,
            "update",
        );
        log.note("get", ok(s.get_devices("1555").await, "get"));
        ok(
            s.update_device_lists(vec![
                record("1556", &[0], None, None),
                record("1555", &[0, 9], None, Some(8)),
                record("1556", &[0, 2], Some("h2"), None),
            ])
            .await,
            "batch",
        );
        ok(s.update_device_lists(Vec::new()).await, "empty batch");
        let got = ok(s.get_devices("1555").await, "get").expect("user 1555");
        log.expect(
            "batch overwrites",
            (got.devices.len(), got.phash, got.raw_id),
            (2, None, Some(8)),
        );
        log.note("batch: last wins", ok(s.get_devices("1556").await, "get"));
        ok(s.delete_devices("1555").await, "delete");
        log.expect(
            "deleted",
            ok(s.get_devices("1555").await, "get").is_none(),
            true,
        );

        let group = "120363000000000002@g.us";
        log.expect(
            "no sender key devices",
            ok(s.get_sender_key_devices(group).await, "get"),
            vec![],
        );
        ok(
            s.set_sender_key_status(
                group,
                &[
                    ("a:1@s.whatsapp.net", true),
                    ("b:2@s.whatsapp.net", false),
                    ("a:1@s.whatsapp.net", false),
                ],
            )
            .await,
            "status",
        );
        ok(
            s.set_sender_key_status("other@g.us", &[("a:1@s.whatsapp.net", true)])
                .await,
            "status",
        );
        ok(s.set_sender_key_status(group, &[]).await, "no status");
        let mut devices = ok(s.get_sender_key_devices(group).await, "get");
        devices.sort();
        log.expect(
            "status: last wins",
            devices,
            vec![
                ("a:1@s.whatsapp.net".to_string(), false),
                ("b:2@s.whatsapp.net".to_string(), false),
            ],
        );
        ok(
            s.delete_sender_key_device_rows(&["a:1@s.whatsapp.net"])
                .await,
            "delete rows",
        );
        log.expect(
            "rows gone in every group",
            ok(s.get_sender_key_devices("other@g.us").await, "get").len(),
            0,
        );
        ok(s.delete_sender_key_device_rows(&[]).await, "delete no rows");
        ok(s.clear_sender_key_devices(group).await, "clear group");
        log.expect(
            "cleared",
            ok(s.get_sender_key_devices(group).await, "get").len(),
            0,
        );
        ok(
            s.set_sender_key_status(group, &[("c:3@s.whatsapp.net", true)])
                .await,
            "status",
        );
        ok(s.clear_all_sender_key_devices().await, "clear all");
        log.expect(
            "all cleared",
            ok(s.get_sender_key_devices(group).await, "get").len(),
            0,
        );

        log.expect(
            "no base key",
            ok(s.has_same_base_key("addr", "m1", b"bk").await, "base"),
            false,
        );
        ok(s.save_base_key("addr", "m1", b"bk").await, "save base");
        log.expect(
            "same base key",
            ok(s.has_same_base_key("addr", "m1", b"bk").await, "base"),
            true,
        );
        log.expect(
            "other base key",
            ok(s.has_same_base_key("addr", "m1", b"xx").await, "base"),
            false,
        );
        ok(s.save_base_key("addr", "m1", b"xx").await, "overwrite base");
        log.expect(
            "overwritten",
            ok(s.has_same_base_key("addr", "m1", b"xx").await, "base"),
            true,
        );
        ok(s.delete_base_key("addr", "m1").await, "delete base");
        log.expect(
            "deleted base",
            ok(s.has_same_base_key("addr", "m1", b"xx").await, "base"),
            false,
        );

        log.expect(
            "no group metadata",
            ok(s.get_group_metadata(group).await, "meta"),
            None,
        );
        ok(s.put_group_metadata(group, b"info1").await, "meta");
        ok(
            s.put_group_metadata(group, b"info2").await,
            "meta overwrite",
        );
        log.expect(
            "metadata",
            ok(s.get_group_metadata(group).await, "meta"),
            Some(b"info2".to_vec()),
        );
        ok(s.delete_group_metadata(group).await, "delete meta");
        log.expect(
            "metadata deleted",
            ok(s.get_group_metadata(group).await, "meta"),
            None,
        );
    })
}

fn tc_tokens<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        let token = |t: &[u8], ts: i64, sender: Option<i64>| TcTokenEntry {
            token: t.to_vec(),
            token_timestamp: ts,
            sender_timestamp: sender,
        };
        log.note("missing", ok(s.get_tc_token("a@lid").await, "get"));
        ok(
            s.put_tc_token("a@lid", &token(b"t1", 100, Some(50))).await,
            "put",
        );
        log.note("put", ok(s.get_tc_token("a@lid").await, "get"));
        // Newer wins; the sender bucket stays.
        ok(
            s.store_received_tc_token("a@lid", b"old", 90).await,
            "older",
        );
        ok(
            s.store_received_tc_token("a@lid", b"t2", 100).await,
            "as new",
        );
        log.note("received", ok(s.get_tc_token("a@lid").await, "get"));
        // Advance only; a placeholder when absent.
        ok(
            s.touch_tc_token_sender_timestamp("a@lid", 40).await,
            "touch back",
        );
        ok(
            s.touch_tc_token_sender_timestamp("a@lid", 60).await,
            "touch forward",
        );
        ok(
            s.touch_tc_token_sender_timestamp("b@lid", 70).await,
            "touch new",
        );
        log.note("touched", ok(s.get_tc_token("a@lid").await, "get"));
        log.note("placeholder", ok(s.get_tc_token("b@lid").await, "get"));
        ok(
            s.store_received_tc_token("b@lid", b"real", 10).await,
            "placeholder gives way",
        );
        log.note(
            "real over placeholder",
            ok(s.get_tc_token("b@lid").await, "get"),
        );
        ok(s.put_tc_token("c@lid", &token(b"t3", 5, None)).await, "put");
        let mut jids = ok(s.get_all_tc_token_jids().await, "jids");
        jids.sort();
        log.expect(
            "jids",
            jids,
            vec!["a@lid".to_string(), "b@lid".into(), "c@lid".into()],
        );
        log.expect(
            "expire none",
            ok(s.delete_expired_tc_tokens(5, 0).await, "expire"),
            0,
        );
        log.expect(
            "expire stale both ways",
            ok(s.delete_expired_tc_tokens(50, 65).await, "expire"),
            1,
        );
        log.expect(
            "c gone",
            ok(s.get_tc_token("c@lid").await, "get").is_none(),
            true,
        );
        ok(s.delete_tc_token("a@lid").await, "delete");
        log.expect(
            "a gone",
            ok(s.get_tc_token("a@lid").await, "get").is_none(),
            true,
        );
    })
}

fn messages<'a>(s: &'a dyn Backend, log: &'a mut Log) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        let chat = "15550006666@s.whatsapp.net";
        log.expect(
            "no sent",
            ok(s.take_sent_message(chat, "S1").await, "take"),
            None,
        );
        ok(s.store_sent_message(chat, "S1", b"p1").await, "store");
        ok(s.store_sent_message(chat, "S1", b"p1b").await, "replace");
        ok(s.store_sent_message(chat, "S2", b"p2").await, "store");
        log.expect(
            "take",
            ok(s.take_sent_message(chat, "S1").await, "take"),
            Some(b"p1b".to_vec()),
        );
        log.expect(
            "taken once",
            ok(s.take_sent_message(chat, "S1").await, "take"),
            None,
        );
        log.expect(
            "none older than 0",
            ok(s.delete_expired_sent_messages(0).await, "expire"),
            0,
        );
        let later = wacore::time::now_secs() + 100;
        log.expect(
            "all older than later",
            ok(s.delete_expired_sent_messages(later).await, "expire"),
            1,
        );

        log.expect(
            "no pending",
            ok(s.get_pending_inbound(chat, "x", "I1").await, "get"),
            None,
        );
        ok(
            s.store_pending_inbound(chat, "x", "I1", b"m1").await,
            "store",
        );
        ok(
            s.store_pending_inbound(chat, "x", "I1", b"m1b").await,
            "replace",
        );
        log.expect(
            "pending",
            ok(s.get_pending_inbound(chat, "x", "I1").await, "get"),
            Some(b"m1b".to_vec()),
        );
        log.expect(
            "scoped by sender",
            ok(s.get_pending_inbound(chat, "y", "I1").await, "get"),
            None,
        );
        let rows = [
            PendingInboundRow {
                chat,
                sender: "x",
                id: "I2",
                message: b"m2",
            },
            PendingInboundRow {
                chat,
                sender: "y",
                id: "I2",
                message: b"m3",
            },
            PendingInboundRow {
                chat,
                sender: "x",
                id: "I2",
                message: b"m2b",
            },
        ];
        ok(s.store_pending_inbound_batch(&rows).await, "batch");
        log.expect(
            "batch: last wins",
            ok(s.get_pending_inbound(chat, "x", "I2").await, "get"),
            Some(b"m2b".to_vec()),
        );
        let keys = [
            PendingInboundKey {
                chat,
                sender: "x",
                id: "I2",
            },
            PendingInboundKey {
                chat,
                sender: "z",
                id: "I9",
            },
        ];
        ok(s.delete_pending_inbound_batch(&keys).await, "delete batch");
        log.expect(
            "deleted",
            ok(s.get_pending_inbound(chat, "x", "I2").await, "get"),
            None,
        );
        log.expect(
            "others kept",
            ok(s.get_pending_inbound(chat, "y", "I2").await, "get"),
            Some(b"m3".to_vec()),
        );
        ok(s.delete_pending_inbound(chat, "y", "I2").await, "delete");
        log.expect(
            "none before 0",
            ok(s.delete_expired_pending_inbound(0).await, "expire"),
            0,
        );
        log.expect(
            "the rest later",
            ok(s.delete_expired_pending_inbound(later).await, "expire"),
            1,
        );
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn device_create_save_load_and_exists_agree() {
    agree(device).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn identities_agree() {
    agree(identities).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_agree() {
    agree(sessions).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prekeys_and_signed_prekeys_agree() {
    agree(prekeys).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sender_keys_agree() {
    agree(sender_keys).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn app_state_keys_versions_and_mutation_macs_agree() {
    agree(app_state).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lid_pn_mappings_agree() {
    agree(lid_mappings).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn msg_secrets_agree() {
    agree(msg_secrets).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn device_registry_sender_key_devices_base_keys_and_group_metadata_agree() {
    agree(registry).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tc_tokens_agree() {
    agree(tc_tokens).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sent_and_pending_inbound_messages_agree() {
    agree(messages).await;
}

/// Every scenario, one after the other, on one store each: what a store
/// copied from one engine to the other must hold.
pub const ALL: &[Scenario] = &[
    device,
    identities,
    sessions,
    prekeys,
    sender_keys,
    app_state,
    msg_secrets,
    registry,
    tc_tokens,
    messages,
];
