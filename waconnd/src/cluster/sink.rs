//! The registry in the shared database: each entry a row, written only by
//! the node that owns its number (checked in the statement), so a node
//! that lost a number writes nothing for it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::Context;
use waconn_proto::Number;

use super::Cluster;
use crate::registry::Entry;

/// Writes registry changes to the database for `cluster`'s node.
pub struct PgSink {
    cluster: Arc<Cluster>,
}

impl PgSink {
    /// The sink of `cluster`'s node.
    pub fn new(cluster: Arc<Cluster>) -> Self {
        Self { cluster }
    }
}

#[async_trait::async_trait]
impl crate::registry::Rows for PgSink {
    /// Upserts the `changed` entries this node owns and deletes every row of
    /// the `removed` numbers it owns.
    async fn write(
        &self,
        entries: &BTreeMap<Number, Entry>,
        changed: &BTreeSet<Number>,
        removed: &BTreeSet<Number>,
    ) -> anyhow::Result<()> {
        let pg = self.cluster.engine();
        let mut tx = pg
            .pool()
            .begin()
            .await
            .with_context(|| format!("cannot write the registry in {}", pg.url()))?;
        for number in changed {
            let (Some(entry), Some(fence)) = (entries.get(number), self.cluster.fence(number))
            else {
                continue;
            };
            let json = serde_json::to_string(entry)?;
            sqlx::query(
                "INSERT INTO registry (number, entry, updated_at)
                 SELECT $1, $2::jsonb, now() WHERE EXISTS (
                     SELECT 1 FROM owners WHERE number = $1 AND node = $3 AND epoch = $4)
                 ON CONFLICT (number) DO UPDATE SET entry = EXCLUDED.entry, updated_at = now()",
            )
            .bind(number.as_str())
            .bind(&json)
            .bind(&fence.node)
            .bind(fence.epoch)
            .execute(&mut *tx)
            .await
            .with_context(|| {
                format!(
                    "cannot write the registry entry of {number} in {}",
                    pg.url()
                )
            })?;
        }
        tx.commit()
            .await
            .with_context(|| format!("cannot write the registry in {}", pg.url()))?;
        for number in removed {
            // Every row of the number, in one transaction of its own, while
            // this node owns it (a lost number is another node's to drop).
            let Some(fence) = self.cluster.fence(number) else {
                continue;
            };
            match pg.delete_owned(number.as_str(), &fence).await {
                Ok(_) | Err(crate::engine::postgres::PgError::FenceLost(_)) => {}
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot delete {number} from {}", pg.url()));
                }
            }
            self.cluster.released(number);
        }
        Ok(())
    }
}
