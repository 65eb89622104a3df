//! Where the numbers' credentials live: whatsapp-rust's stock SQLite store,
//! one file per number in the data directory (the default), or the shared
//! PostgreSQL database, each number's writes fenced by this node's claim.
//!
//! Each open SQLite store holds three descriptors (the database, its WAL
//! and the WAL's index) besides the session's socket: the sizing rule in
//! [`crate::fdlimit`] counts them. A database store holds none of its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;
use waconn_proto::Number;
use whatsapp_rust::store::SqliteStore;
use whatsapp_rust::wacore::store::traits::Backend;

use crate::cluster::Cluster;
use crate::engine::postgres::FenceLost;

/// An open credential store.
pub type Store = Arc<dyn Backend>;

/// A store, and for a database one the watch on its fence.
pub struct Opened {
    /// The store.
    pub store: Store,
    /// Turns to the loss when a write finds the number owned elsewhere.
    pub fence: Option<watch::Receiver<Option<FenceLost>>>,
}

/// The engine every session opens its store from.
pub enum Stores {
    /// One SQLite file per number under `dir`.
    Files {
        /// `<data>/sessions`.
        dir: PathBuf,
    },
    /// The shared database, through this node's place in the cluster.
    Database(Arc<Cluster>),
}

impl Stores {
    /// The cluster, when the credentials live in a database.
    pub fn cluster(&self) -> Option<&Arc<Cluster>> {
        match self {
            Self::Files { .. } => None,
            Self::Database(cluster) => Some(cluster),
        }
    }

    /// Opens `number`'s store (a file is created if needed); a database one
    /// only while this node owns the number.
    pub async fn open(&self, number: &Number) -> anyhow::Result<Opened> {
        match self {
            Self::Files { dir } => Ok(Opened {
                store: open_file(&dir.join(format!("{number}.db"))).await?,
                fence: None,
            }),
            Self::Database(cluster) => {
                let fence = cluster.fence(number).ok_or_else(|| {
                    anyhow::anyhow!("{number} is no longer run by node `{}`", cluster.node)
                })?;
                let backend = cluster.engine().backend(number.as_str(), fence);
                let watch = backend.watch_fence();
                Ok(Opened {
                    store: Arc::new(backend),
                    fence: Some(watch),
                })
            }
        }
    }

    /// Deletes `number`'s credentials (its registry entry stays): its file,
    /// or its rows while this node owns it.
    pub async fn delete(&self, number: &Number) -> anyhow::Result<()> {
        match self {
            Self::Files { dir } => {
                crate::fsutil::remove_store(&dir.join(format!("{number}.db")))?;
            }
            Self::Database(cluster) => {
                if let Some(fence) = cluster.fence(number) {
                    cluster
                        .engine()
                        .delete_credentials(number.as_str(), &fence)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Where `number`'s credentials are, and their size, for `inspect`.
    pub async fn describe(&self, number: &Number) -> (String, u64) {
        match self {
            Self::Files { dir } => {
                let path = dir.join(format!("{number}.db"));
                let bytes = crate::fsutil::store_files(&path)
                    .iter()
                    .filter_map(|f| std::fs::metadata(f).ok())
                    .map(|m| m.len())
                    .sum();
                (path.display().to_string(), bytes)
            }
            Self::Database(cluster) => {
                let pg = cluster.engine();
                let rows = pg
                    .fingerprint(number.as_str())
                    .await
                    .map(|f| f.rows())
                    .unwrap_or(0);
                (format!("{} ({rows} rows)", pg.url()), 0)
            }
        }
    }
}

/// Opens the store at `path`, saying plainly when descriptors ran out.
pub async fn open_file(path: &Path) -> anyhow::Result<Store> {
    if !crate::fdlimit::room_for_session() {
        anyhow::bail!("{}", crate::fdlimit::explain());
    }
    open(path).await.map_err(|e| {
        let path = path.display();
        if crate::fdlimit::exhausted_now() {
            anyhow::anyhow!(
                "cannot open credential store `{path}`: {}",
                crate::fdlimit::explain()
            )
        } else {
            anyhow::anyhow!("cannot open credential store `{path}`: {e:#}")
        }
    })
}

/// Opens (creating if needed) the SQLite store at `path`. A store an
/// earlier release wrote with a rollback journal opens as it is and moves
/// to WAL.
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
