//! A number's credential store: whatsapp-rust's stock SQLite store, one
//! file per number, opened once per session and kept across its
//! reconnects. Each open store holds three descriptors (the database, its
//! WAL and the WAL's index) besides the session's socket: the sizing rule
//! in [`crate::fdlimit`] counts them.

use std::path::Path;
use std::sync::Arc;

use whatsapp_rust::store::SqliteStore;
use whatsapp_rust::wacore::store::traits::Backend;

/// An open credential store.
pub type Store = Arc<dyn Backend>;

/// Opens (creating if needed) the store at `path`. A store an earlier
/// release wrote with a rollback journal opens as it is and moves to WAL.
pub async fn open(path: &Path) -> anyhow::Result<Store> {
    let path = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("store path {} is not UTF-8", path.display()))?;
    let store = SqliteStore::new(path)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Arc::new(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_store_keeps_its_data_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1234.db");
        let store = open(&path).await.unwrap();
        let device = store.create().await.unwrap();
        drop(store);
        let store = open(&path).await.unwrap();
        assert!(store.exists().await.unwrap(), "device {device} lost");
    }
}
