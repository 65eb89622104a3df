//! `SignalStore`: identities, sessions, pre-keys, signed pre-keys, sender
//! keys.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use wacore::store::error::{Result, StoreError};
use wacore::store::traits::SignalStore;

use super::PgBackend;
use crate::engine::postgres::batch::last_per_key;
use crate::engine::postgres::error::Db;

impl PgBackend {
    /// Upserts a batch of `(address, bytes)` rows with `sql` (`$3` the
    /// addresses, `$4` the bytes), the last row of an address winning.
    async fn put_by_address(
        &self,
        sql: &'static str,
        rows: &[(Arc<str>, impl AsRef<[u8]>)],
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let rows = last_per_key(rows.iter(), |(address, _)| address.clone());
        let addresses: Vec<&str> = rows.iter().map(|(a, _)| &**a).collect();
        let values: Vec<&[u8]> = rows.iter().map(|(_, v)| v.as_ref()).collect();
        self.write(self.scoped(sql).bind(addresses).bind(values))
            .await
            .map(drop)
    }
}

#[async_trait]
impl SignalStore for PgBackend {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO identities (number, device_id, address, key) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (number, device_id, address) DO UPDATE SET key = EXCLUDED.key",
            )
            .bind(address)
            .bind(&key[..]),
        )
        .await
        .map(drop)
    }

    async fn put_identities_batch(&self, identities: &[(Arc<str>, [u8; 32])]) -> Result<()> {
        self.put_by_address(
            "INSERT INTO identities (number, device_id, address, key)
             SELECT $1, $2, * FROM UNNEST($3::text[], $4::bytea[])
             ON CONFLICT (number, device_id, address) DO UPDATE SET key = EXCLUDED.key",
            identities,
        )
        .await
    }

    async fn load_identity(&self, address: &str) -> Result<Option<[u8; 32]>> {
        let key: Option<Vec<u8>> = self
            .values(
                "SELECT key FROM identities WHERE number = $1 AND device_id = $2 AND address = $3",
            )
            .bind(address)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        key.map(|key| {
            key.try_into().map_err(|key: Vec<u8>| {
                StoreError::Validation(format!(
                    "identity key for '{address}' has invalid length {} (expected 32)",
                    key.len()
                ))
            })
        })
        .transpose()
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM identities WHERE number = $1 AND device_id = $2 AND address = $3",
            )
            .bind(address),
        )
        .await
        .map(drop)
    }

    async fn get_session(&self, address: &str) -> Result<Option<Bytes>> {
        let record: Option<Vec<u8>> = self
            .values(
                "SELECT record FROM sessions WHERE number = $1 AND device_id = $2 AND address = $3",
            )
            .bind(address)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(record.map(Bytes::from))
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO sessions (number, device_id, address, record) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (number, device_id, address) DO UPDATE SET record = EXCLUDED.record",
            )
            .bind(address)
            .bind(session),
        )
        .await
        .map(drop)
    }

    async fn put_sessions_batch(&self, sessions: &[(Arc<str>, Bytes)]) -> Result<()> {
        self.put_by_address(
            "INSERT INTO sessions (number, device_id, address, record)
             SELECT $1, $2, * FROM UNNEST($3::text[], $4::bytea[])
             ON CONFLICT (number, device_id, address) DO UPDATE SET record = EXCLUDED.record",
            sessions,
        )
        .await
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM sessions WHERE number = $1 AND device_id = $2 AND address = $3",
            )
            .bind(address),
        )
        .await
        .map(drop)
    }

    async fn has_session(&self, address: &str) -> Result<bool> {
        self.values(
            "SELECT EXISTS (SELECT 1 FROM sessions
                            WHERE number = $1 AND device_id = $2 AND address = $3)",
        )
        .bind(address)
        .fetch_one(&self.pool)
        .await
        .db()
    }

    async fn has_signal_state_for_user(&self, user: &str) -> Result<bool> {
        // Addresses are `user@server` (device 0) or `user:dev@server`. ILIKE
        // because SQLite's LIKE ignores ASCII case.
        self.values(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE number = $1 AND device_id = $2
                            AND (address ILIKE $3 OR address ILIKE $4))
                 OR EXISTS (SELECT 1 FROM identities WHERE number = $1 AND device_id = $2
                            AND (address ILIKE $3 OR address ILIKE $4))",
        )
        .bind(format!("{user}@%"))
        .bind(format!("{user}:%"))
        .fetch_one(&self.pool)
        .await
        .db()
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO prekeys (number, device_id, id, key, uploaded) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (number, device_id, id)
                 DO UPDATE SET key = EXCLUDED.key, uploaded = EXCLUDED.uploaded",
            )
            .bind(id as i32)
            .bind(record)
            .bind(uploaded),
        )
        .await
        .map(drop)
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Bytes)], uploaded: bool) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let rows = last_per_key(keys.iter(), |(id, _)| *id as i32);
        let ids: Vec<i32> = rows.iter().map(|(id, _)| *id as i32).collect();
        let records: Vec<&[u8]> = rows.iter().map(|(_, r)| &r[..]).collect();
        self.write(
            self.scoped(
                "INSERT INTO prekeys (number, device_id, id, key, uploaded)
                 SELECT $1, $2, id, key, $5 FROM UNNEST($3::int4[], $4::bytea[]) AS u (id, key)
                 ON CONFLICT (number, device_id, id)
                 DO UPDATE SET key = EXCLUDED.key, uploaded = EXCLUDED.uploaded",
            )
            .bind(ids)
            .bind(records)
            .bind(uploaded),
        )
        .await
        .map(drop)
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Bytes>> {
        let key: Option<Vec<u8>> = self
            .values("SELECT key FROM prekeys WHERE number = $1 AND device_id = $2 AND id = $3")
            .bind(id as i32)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(key.map(Bytes::from))
    }

    async fn load_prekeys_batch(&self, ids: &[u32]) -> Result<Vec<(u32, Bytes)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i32> = ids.iter().map(|&id| id as i32).collect();
        let rows: Vec<(i32, Vec<u8>)> = self
            .rows(
                "SELECT id, key FROM prekeys WHERE number = $1 AND device_id = $2 AND id = ANY($3)",
            )
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(rows
            .into_iter()
            .map(|(id, key)| (id as u32, Bytes::from(key)))
            .collect())
    }

    async fn mark_prekeys_uploaded(&self, ids: &[u32]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        // An UPDATE, never an upsert: a key consumed meanwhile stays gone.
        let ids: Vec<i32> = ids.iter().map(|&id| id as i32).collect();
        self.write(
            self.scoped(
                "UPDATE prekeys SET uploaded = TRUE
                 WHERE number = $1 AND device_id = $2 AND id = ANY($3)",
            )
            .bind(ids),
        )
        .await
        .map(drop)
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        self.write(
            self.scoped("DELETE FROM prekeys WHERE number = $1 AND device_id = $2 AND id = $3")
                .bind(id as i32),
        )
        .await
        .map(drop)
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        let max: Option<i32> = self
            .values("SELECT MAX(id) FROM prekeys WHERE number = $1 AND device_id = $2")
            .fetch_one(&self.pool)
            .await
            .db()?;
        Ok(max.unwrap_or(0) as u32)
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO signed_prekeys (number, device_id, id, record) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (number, device_id, id) DO UPDATE SET record = EXCLUDED.record",
            )
            .bind(id as i32)
            .bind(record),
        )
        .await
        .map(drop)
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        self.values(
            "SELECT record FROM signed_prekeys WHERE number = $1 AND device_id = $2 AND id = $3",
        )
        .bind(id as i32)
        .fetch_optional(&self.pool)
        .await
        .db()
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        let rows: Vec<(i32, Vec<u8>)> = self
            .rows(
                "SELECT id, record FROM signed_prekeys WHERE number = $1 AND device_id = $2
                 ORDER BY id",
            )
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(rows.into_iter().map(|(id, r)| (id as u32, r)).collect())
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM signed_prekeys WHERE number = $1 AND device_id = $2 AND id = $3",
            )
            .bind(id as i32),
        )
        .await
        .map(drop)
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO sender_keys (number, device_id, address, record) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (number, device_id, address) DO UPDATE SET record = EXCLUDED.record",
            )
            .bind(address)
            .bind(record),
        )
        .await
        .map(drop)
    }

    async fn put_sender_keys_batch(&self, sender_keys: &[(Arc<str>, Bytes)]) -> Result<()> {
        self.put_by_address(
            "INSERT INTO sender_keys (number, device_id, address, record)
             SELECT $1, $2, * FROM UNNEST($3::text[], $4::bytea[])
             ON CONFLICT (number, device_id, address) DO UPDATE SET record = EXCLUDED.record",
            sender_keys,
        )
        .await
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.values(
            "SELECT record FROM sender_keys WHERE number = $1 AND device_id = $2 AND address = $3",
        )
        .bind(address)
        .fetch_optional(&self.pool)
        .await
        .db()
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM sender_keys WHERE number = $1 AND device_id = $2 AND address = $3",
            )
            .bind(address),
        )
        .await
        .map(drop)
    }
}
