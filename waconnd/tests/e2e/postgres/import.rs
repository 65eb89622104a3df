//! Importing a SQLite store: row for row, read back the same through
//! either engine, and refused when it would mix or lose data.

use std::collections::BTreeMap;

use diesel::{Connection, RunQueryDsl};
use waconnd::engine::postgres::{Fence, PgError};
use wacore::store::traits::{Backend, DeviceStore, ProtocolStore};
use whatsapp_rust::store::SqliteStore;

use super::contract::{ALL, Log, mapping};
use super::{Db, NODE};

const NUMBER: &str = "15550009999";

/// What the scenarios of [`ALL`] leave behind, read through the traits.
async fn readback(s: &dyn Backend) -> Vec<String> {
    let device = s.load().await.expect("load").expect("a device");
    let mut prekeys = s
        .load_prekeys_batch(&[1, 2, 3, 4, 5, 6])
        .await
        .expect("prekeys");
    prekeys.sort();
    let mut signed = s.load_all_signed_prekeys().await.expect("signed");
    signed.sort();
    let mut keys = Vec::new();
    for id in [&b"k1"[..], b"k2", b"k3"] {
        let key = s.get_sync_key(id).await.expect("key");
        keys.push(key.map(|k| (k.key_data, k.fingerprint, k.timestamp)));
    }
    let version = s.get_version("regular").await.expect("version");
    let chat = "15550005555@s.whatsapp.net";
    let me = "15550001111@s.whatsapp.net";
    let mut mappings = s.get_all_lid_mappings().await.expect("mappings");
    mappings.sort_by(|a, b| a.lid.cmp(&b.lid));
    vec![
        serde_json::to_string(&device).expect("json"),
        format!(
            "{:?}",
            s.load_identity("15550002222:3@s.whatsapp.net")
                .await
                .expect("identity")
        ),
        format!(
            "{prekeys:?} max {}",
            s.get_max_prekey_id().await.expect("max")
        ),
        format!("{signed:?}"),
        format!(
            "{:?}",
            s.get_sender_key("120363000000000001@g.us::15550004444:2")
                .await
                .expect("sk")
        ),
        format!(
            "{keys:?} latest {:?}",
            s.get_latest_sync_key_id().await.expect("latest")
        ),
        format!(
            "{} {:?} {:?} {}",
            version.version,
            version.hash,
            version
                .index_value_map
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
            version.mac_mismatch_fatal
        ),
        format!(
            "{:?}",
            s.get_mutation_mac("critical", &[1; 32]).await.expect("mac")
        ),
        format!(
            "{:?}",
            s.get_msg_secret_with_ts(chat, me, "M0")
                .await
                .expect("secret")
        ),
        format!(
            "{:?}",
            s.get_msg_secret_with_ts(chat, me, "M2")
                .await
                .expect("secret")
        ),
        format!("{:?}", s.get_devices("1556").await.expect("devices")),
        format!("{:?}", s.get_tc_token("b@lid").await.expect("token")),
        format!("{mappings:?}"),
    ]
}

/// A SQLite store file that went through every scenario, plus mappings.
async fn filled_store(path: &std::path::Path) -> Vec<String> {
    let store = SqliteStore::new(path.to_str().expect("utf-8"))
        .await
        .expect("open");
    let mut log = Log::new("sqlite");
    for scenario in ALL {
        scenario(&store, &mut log).await;
    }
    store
        .put_lid_mappings(&[
            mapping("100", "1555", 10, 20, "usync"),
            mapping("200", "1556", 30, 40, "a"),
        ])
        .await
        .expect("mappings");
    readback(&store).await
}

fn sqlite_count(path: &std::path::Path, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn =
        diesel::SqliteConnection::establish(path.to_str().expect("utf-8")).expect("open");
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .expect("count")
        .n
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_copies_row_for_row_and_reads_back_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    let from_sqlite = filled_store(&path).await;

    let db = Db::start().await;
    let report = db
        .engine
        .import_sqlite(NUMBER, &path)
        .await
        .expect("import");
    assert!(report.rows() > 10, "{report}");
    for (table, rows) in &report.tables {
        assert_eq!(
            *rows as i64,
            sqlite_count(&path, table),
            "{table}: {report}"
        );
    }
    let fingerprint = db.engine.fingerprint(NUMBER).await.expect("fingerprint");
    for (table, rows) in &report.tables {
        assert_eq!(fingerprint.rows_in(table), *rows, "{table}");
    }
    assert!(
        report
            .to_string()
            .starts_with(&format!("copied {} rows of `", report.rows())),
        "{report}"
    );
    assert!(report.to_string().contains("prekeys 5"), "{report}");

    let fence = Fence::new(NODE, 1);
    db.engine.set_owner(NUMBER, &fence).await.expect("owner");
    let backend = db.engine.backend(NUMBER, fence);
    let from_postgres = readback(&backend).await;
    for (s, p) in from_sqlite.iter().zip(&from_postgres) {
        assert_eq!(s, p);
    }
    assert_eq!(from_sqlite.len(), from_postgres.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn import_refuses_what_would_mix_or_lose_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::start().await;

    let missing = dir.path().join("missing.db");
    let err = db
        .engine
        .import_sqlite(NUMBER, &missing)
        .await
        .expect_err("no file");
    assert!(err.to_string().contains("no such file"), "{err}");

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"not a database at all, just some text").expect("write");
    let err = db
        .engine
        .import_sqlite(NUMBER, &garbage)
        .await
        .expect_err("garbage");
    assert!(matches!(err, PgError::Import { .. }), "{err:?}");

    // A store nobody created a device in: nothing to copy.
    let empty = dir.path().join("empty.db");
    drop(
        SqliteStore::new(empty.to_str().expect("utf-8"))
            .await
            .expect("open"),
    );
    let err = db
        .engine
        .import_sqlite(NUMBER, &empty)
        .await
        .expect_err("no device");
    assert!(err.to_string().contains("holds no device"), "{err}");

    let path = dir.path().join("store.db");
    let store = SqliteStore::new(path.to_str().expect("utf-8"))
        .await
        .expect("open");
    store.create().await.expect("create");
    drop(store);
    let first = db
        .engine
        .import_sqlite(NUMBER, &path)
        .await
        .expect("import");
    assert_eq!(first.rows_in("device"), 1);
    let err = db
        .engine
        .import_sqlite(NUMBER, &path)
        .await
        .expect_err("twice");
    assert!(matches!(err, PgError::AlreadyPresent { .. }), "{err:?}");
    assert!(err.to_string().contains("delete them first"), "{err}");
    assert_eq!(db.rows(NUMBER).await, 1);

    // Schemas of another whatsapp-rust: refused, whichever way they differ.
    let mut conn =
        diesel::SqliteConnection::establish(path.to_str().expect("utf-8")).expect("open");
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('29990101000000')")
        .execute(&mut conn)
        .expect("a newer migration");
    let err = db
        .engine
        .import_sqlite("15550000001", &path)
        .await
        .expect_err("newer");
    assert!(
        err.to_string().contains("newer than whatsapp-rust 0.7"),
        "{err}"
    );
    diesel::sql_query("DELETE FROM __diesel_schema_migrations WHERE version IN ('29990101000000', '20260703000001')")
        .execute(&mut conn)
        .expect("an older schema");
    let err = db
        .engine
        .import_sqlite("15550000001", &path)
        .await
        .expect_err("older");
    assert!(
        err.to_string().contains("older than whatsapp-rust 0.7"),
        "{err}"
    );
    assert_eq!(db.engine.numbers().await.expect("numbers"), [NUMBER]);
}
