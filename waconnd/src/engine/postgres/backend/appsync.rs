//! `AppSyncStore`: app-state sync keys, collection versions, mutation MACs.

use std::collections::HashMap;

use async_trait::async_trait;
use wacore::appstate::hash::HashState;
use wacore::appstate::processor::AppStateMutationMAC;
use wacore::store::error::Result;
use wacore::store::traits::{AppStateSyncKey, AppSyncStore};

use super::PgBackend;
use crate::engine::postgres::batch::last_per_key;
use crate::engine::postgres::error::Db;
use crate::engine::postgres::wire;

#[async_trait]
impl AppSyncStore for PgBackend {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        let data: Option<Vec<u8>> = self
            .values(
                "SELECT key_data FROM app_state_keys
                 WHERE number = $1 AND device_id = $2 AND key_id = $3",
            )
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        let Some(data) = data else {
            return Ok(None);
        };
        // As the SQLite store: an undecodable blob reads as absent, so the key
        // is requested again and the next set overwrites it.
        match wire::decode_app_state_sync_key(&data) {
            Ok(key) => Ok(Some(key)),
            Err(e) => {
                tracing::warn!(
                    number = %self.number,
                    "app-state sync key blob ({} bytes) does not decode ({e}): treated as absent",
                    data.len()
                );
                Ok(None)
            }
        }
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO app_state_keys (number, device_id, key_id, key_data)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (number, device_id, key_id) DO UPDATE SET key_data = EXCLUDED.key_data",
            )
            .bind(key_id)
            .bind(wire::encode_app_state_sync_key(&key)),
        )
        .await
        .map(drop)
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        let data: Option<Vec<u8>> = self
            .values(
                "SELECT state_data FROM app_state_versions
                 WHERE number = $1 AND device_id = $2 AND name = $3",
            )
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        let Some(data) = data else {
            return Ok(HashState::default());
        };
        // As the SQLite store: an undecodable blob resets the collection,
        // which then syncs again from version 0.
        match wire::decode_hash_state(&data) {
            Ok(state) => Ok(state),
            Err(e) => {
                tracing::warn!(
                    number = %self.number,
                    "app-state version blob of `{name}` ({} bytes) does not decode ({e}): \
                     the collection syncs again from 0",
                    data.len()
                );
                Ok(HashState::default())
            }
        }
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO app_state_versions (number, device_id, name, state_data)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (number, device_id, name) DO UPDATE SET state_data = EXCLUDED.state_data",
            )
            .bind(name)
            .bind(wire::encode_hash_state(&state)),
        )
        .await
        .map(drop)
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        if mutations.is_empty() {
            return Ok(());
        }
        let rows = last_per_key(mutations.iter(), |m| m.index_mac.clone());
        let index_macs: Vec<&[u8]> = rows.iter().map(|m| &m.index_mac[..]).collect();
        let value_macs: Vec<&[u8]> = rows.iter().map(|m| &m.value_mac[..]).collect();
        self.write(
            self.scoped(
                "INSERT INTO app_state_mutation_macs
                     (number, device_id, name, version, index_mac, value_mac)
                 SELECT $1, $2, $3, $4, i, v FROM UNNEST($5::bytea[], $6::bytea[]) AS u (i, v)
                 ON CONFLICT (number, device_id, name, index_mac)
                 DO UPDATE SET version = EXCLUDED.version, value_mac = EXCLUDED.value_mac",
            )
            .bind(name)
            .bind(version as i64)
            .bind(index_macs)
            .bind(value_macs),
        )
        .await
        .map(drop)
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        self.values(
            "SELECT value_mac FROM app_state_mutation_macs
             WHERE number = $1 AND device_id = $2 AND name = $3 AND index_mac = $4",
        )
        .bind(name)
        .bind(index_mac)
        .fetch_optional(&self.pool)
        .await
        .db()
    }

    async fn get_mutation_macs(
        &self,
        name: &str,
        index_macs: &[[u8; 32]],
    ) -> Result<HashMap<[u8; 32], Vec<u8>>> {
        if index_macs.is_empty() {
            return Ok(HashMap::new());
        }
        let wanted: Vec<&[u8]> = index_macs.iter().map(|m| &m[..]).collect();
        let rows: Vec<(Vec<u8>, Vec<u8>)> = self
            .rows(
                "SELECT index_mac, value_mac FROM app_state_mutation_macs
                 WHERE number = $1 AND device_id = $2 AND name = $3 AND index_mac = ANY($4)",
            )
            .bind(name)
            .bind(wanted)
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, v)| <[u8; 32]>::try_from(k.as_slice()).ok().map(|k| (k, v)))
            .collect())
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        if index_macs.is_empty() {
            return Ok(());
        }
        let index_macs: Vec<&[u8]> = index_macs.iter().map(|m| &m[..]).collect();
        self.write(
            self.scoped(
                "DELETE FROM app_state_mutation_macs
                 WHERE number = $1 AND device_id = $2 AND name = $3 AND index_mac = ANY($4)",
            )
            .bind(name)
            .bind(index_macs),
        )
        .await
        .map(drop)
    }

    async fn clear_mutation_macs(&self, name: &str) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM app_state_mutation_macs
                 WHERE number = $1 AND device_id = $2 AND name = $3",
            )
            .bind(name),
        )
        .await
        .map(drop)
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        // The newest key whose blob decodes: an undecodable row reads as
        // absent, so offering its id would fail later (as the SQLite store).
        let rows: Vec<(Vec<u8>, Vec<u8>)> = self
            .rows(
                "SELECT key_id, key_data FROM app_state_keys WHERE number = $1 AND device_id = $2
                 ORDER BY key_id DESC",
            )
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(rows
            .into_iter()
            .find(|(_, data)| wire::decode_app_state_sync_key(data).is_ok())
            .map(|(key_id, _)| key_id))
    }
}
