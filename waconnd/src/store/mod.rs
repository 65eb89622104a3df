//! A number's credential store: whatsapp-rust's SQLite store, one file per
//! number, opened through a file layer ([`vfs`]) that keeps a descriptor
//! only while the database is in use. An idle session then holds one
//! descriptor (its socket) instead of four (socket, database, WAL and its
//! index), which is what lets ten thousand numbers live under a 20,000
//! descriptor limit.

mod files;
mod locks;
mod vfs;

use std::path::Path;

use diesel::connection::SimpleConnection;
use whatsapp_rust::store::{SqliteStore, SqliteStoreConfig, Synchronous};

pub use files::OPEN_FILES;

/// Opens (creating if needed) the store at `path`.
pub async fn open(path: &Path) -> anyhow::Result<SqliteStore> {
    vfs::register().map_err(anyhow::Error::msg)?;
    // With a rollback journal, NORMAL leaves a small chance that a power
    // cut corrupts the database (WAL did not); FULL closes it. Idle
    // sessions hardly write, so the extra sync costs nothing that matters.
    let config = SqliteStoreConfig {
        synchronous: Synchronous::Full,
        ..SqliteStoreConfig::default()
    };
    let config = config.with_connection_init(|conn| {
        // A store written by an earlier release is in WAL mode, which this
        // layer cannot open shared. Exclusively it can: leave WAL, then
        // return to normal locking, where WAL is unavailable and the
        // store's own request for it leaves the rollback journal on.
        conn.batch_execute(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = DELETE; PRAGMA locking_mode = NORMAL;",
        )?;
        Ok(())
    });
    SqliteStore::with_config(&uri(path)?, config)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The `file:` URI naming `path` and the store's file layer.
fn uri(path: &Path) -> anyhow::Result<String> {
    let path = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("store path {} is not UTF-8", path.display()))?;
    let mut uri = String::from("file:");
    for byte in path.bytes() {
        match byte {
            b'%' | b'?' | b'#' => uri.push_str(&format!("%{byte:02X}")),
            _ => uri.push(char::from(byte)),
        }
    }
    let name = vfs::NAME.to_str().unwrap_or_default();
    Ok(format!("{uri}?vfs={name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Mode {
        #[diesel(sql_type = diesel::sql_types::Text)]
        journal_mode: String,
    }

    async fn journal_mode(store: &SqliteStore) -> String {
        store
            .shared()
            .run(|conn| {
                diesel::sql_query("PRAGMA journal_mode;")
                    .get_result::<Mode>(conn)
                    .map(|m| m.journal_mode)
                    .map_err(|e| {
                        whatsapp_rust::wacore::store::error::StoreError::Database(Box::new(e))
                    })
            })
            .await
            .unwrap()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn uri_escapes_what_sqlite_would_read_as_query() {
        assert_eq!(
            uri(Path::new("/d/50%?#.db")).unwrap(),
            "file:/d/50%25%3F%23.db?vfs=waconn"
        );
    }

    #[tokio::test]
    async fn a_store_runs_on_a_rollback_journal_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1234.db");
        let store = open(&path).await.unwrap();
        let device = store.create_new_device().await.unwrap();
        assert!(store.device_exists(device).await.unwrap());
        assert_eq!(journal_mode(&store).await, "delete");
        assert_eq!(names(dir.path()), ["1234.db"]);
        drop(store);
        let store = open(&path).await.unwrap();
        assert!(store.device_exists(device).await.unwrap(), "data lost");
    }

    #[tokio::test]
    async fn a_store_left_in_wal_mode_by_an_earlier_release_opens_and_leaves_wal() {
        let old_dir = tempfile::tempdir().unwrap();
        let old_path = old_dir.path().join("1234.db");
        let old = SqliteStore::new(old_path.to_str().unwrap()).await.unwrap();
        let device = old.create_new_device().await.unwrap();
        assert_eq!(journal_mode(&old).await, "wal");
        // What a crash of the earlier release leaves: the last changes
        // still in the WAL, not yet in the database.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1234.db");
        std::fs::copy(&old_path, &path).unwrap();
        std::fs::copy(
            old_dir.path().join("1234.db-wal"),
            dir.path().join("1234.db-wal"),
        )
        .unwrap();
        let store = open(&path).await.unwrap();
        assert!(store.device_exists(device).await.unwrap(), "data lost");
        assert_eq!(journal_mode(&store).await, "delete");
        assert_eq!(names(dir.path()), ["1234.db"]);
        drop(old);
    }

    #[tokio::test]
    async fn idle_stores_hold_no_descriptors_beyond_the_bound() {
        let count = || std::fs::read_dir("/proc/self/fd").unwrap().count();
        let dir = tempfile::tempdir().unwrap();
        let before = count();
        let mut stores = Vec::new();
        for i in 0..OPEN_FILES + 100 {
            let store = open(&dir.path().join(format!("{i}.db"))).await.unwrap();
            let device = store.create_new_device().await.unwrap();
            stores.push((store, device));
        }
        let held = count() - before;
        assert!(
            held <= OPEN_FILES + 8,
            "{} stores hold {held} descriptors",
            stores.len()
        );
        // Every one of them still works.
        for (store, device) in &stores {
            assert!(store.device_exists(*device).await.unwrap());
        }
    }
}
