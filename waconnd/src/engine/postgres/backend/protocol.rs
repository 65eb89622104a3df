//! `ProtocolStore`: per-device sender-key tracking, LID/PN mappings, base
//! keys, the device registry and group metadata here; tc tokens in
//! `tokens.rs`, sent and pending inbound messages in `inbound.rs`.

use async_trait::async_trait;
use wacore::store::error::{Result, StoreError};
use wacore::store::traits::{
    DeviceInfo, DeviceListRecord, LidPnMappingEntry, PendingInboundKey, PendingInboundRow,
    ProtocolStore, TcTokenEntry,
};

use super::{PgBackend, now};
use crate::engine::postgres::batch::{fold_per_key, last_per_key};
use crate::engine::postgres::error::Db;

/// A `lid_pn_mapping` row as selected.
type MappingRow = (String, String, i64, String, i64);

fn mapping(
    (lid, phone_number, created_at, learning_source, updated_at): MappingRow,
) -> LidPnMappingEntry {
    LidPnMappingEntry {
        lid,
        phone_number,
        created_at,
        updated_at,
        learning_source,
    }
}

#[async_trait]
impl ProtocolStore for PgBackend {
    async fn get_sender_key_devices(&self, group_jid: &str) -> Result<Vec<(String, bool)>> {
        let rows: Vec<(String, i32)> = self
            .rows(
                "SELECT device_jid, has_key FROM sender_key_devices
                 WHERE number = $1 AND device_id = $2 AND group_jid = $3 ORDER BY device_jid",
            )
            .bind(group_jid)
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(rows
            .into_iter()
            .map(|(jid, has_key)| (jid, has_key != 0))
            .collect())
    }

    async fn set_sender_key_status(&self, group_jid: &str, entries: &[(&str, bool)]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let rows = last_per_key(entries.iter(), |(jid, _)| *jid);
        let jids: Vec<&str> = rows.iter().map(|(jid, _)| *jid).collect();
        let has_key: Vec<i32> = rows.iter().map(|(_, has)| i32::from(*has)).collect();
        self.write(
            self.scoped(
                "INSERT INTO sender_key_devices
                     (number, device_id, group_jid, device_jid, has_key, updated_at)
                 SELECT $1, $2, $3, j, k, $4 FROM UNNEST($5::text[], $6::int4[]) AS u (j, k)
                 ON CONFLICT (number, device_id, group_jid, device_jid)
                 DO UPDATE SET has_key = EXCLUDED.has_key, updated_at = EXCLUDED.updated_at",
            )
            .bind(group_jid)
            .bind(now())
            .bind(jids)
            .bind(has_key),
        )
        .await
        .map(drop)
    }

    async fn clear_sender_key_devices(&self, group_jid: &str) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM sender_key_devices
                 WHERE number = $1 AND device_id = $2 AND group_jid = $3",
            )
            .bind(group_jid),
        )
        .await
        .map(drop)
    }

    async fn delete_sender_key_device_rows(&self, device_jids: &[&str]) -> Result<()> {
        if device_jids.is_empty() {
            return Ok(());
        }
        self.write(
            self.scoped(
                "DELETE FROM sender_key_devices
                 WHERE number = $1 AND device_id = $2 AND device_jid = ANY($3)",
            )
            .bind(device_jids.to_vec()),
        )
        .await
        .map(drop)
    }

    async fn clear_all_sender_key_devices(&self) -> Result<()> {
        self.write(
            self.scoped("DELETE FROM sender_key_devices WHERE number = $1 AND device_id = $2"),
        )
        .await
        .map(drop)
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        let row: Option<MappingRow> = self
            .rows(
                "SELECT lid, phone_number, created_at, learning_source, updated_at
                 FROM lid_pn_mapping WHERE number = $1 AND device_id = $2 AND lid = $3",
            )
            .bind(lid)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(row.map(mapping))
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        let row: Option<MappingRow> = self
            .rows(
                "SELECT lid, phone_number, created_at, learning_source, updated_at
                 FROM lid_pn_mapping WHERE number = $1 AND device_id = $2 AND phone_number = $3
                 ORDER BY updated_at DESC LIMIT 1",
            )
            .bind(phone)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(row.map(mapping))
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        self.put_lid_mappings(std::slice::from_ref(entry)).await
    }

    async fn put_lid_mappings(&self, entries: &[LidPnMappingEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        // Row by row, a repeated LID keeps the first row's `created_at` (an
        // update never touches it) and the last row's other fields.
        let rows = fold_per_key(
            entries.iter().cloned(),
            |e| e.lid.clone(),
            |earlier, later| LidPnMappingEntry {
                created_at: earlier.created_at,
                ..later
            },
        );
        let column = |f: fn(&LidPnMappingEntry) -> &str| rows.iter().map(f).collect::<Vec<_>>();
        let lids = column(|e| &e.lid);
        let phones = column(|e| &e.phone_number);
        let sources = column(|e| &e.learning_source);
        let created: Vec<i64> = rows.iter().map(|e| e.created_at).collect();
        let updated: Vec<i64> = rows.iter().map(|e| e.updated_at).collect();
        self.write(
            self.scoped(
                "INSERT INTO lid_pn_mapping
                     (number, device_id, lid, phone_number, created_at, learning_source, updated_at)
                 SELECT $1, $2, * FROM UNNEST($3::text[], $4::text[], $5::int8[], $6::text[], $7::int8[])
                 ON CONFLICT (number, device_id, lid) DO UPDATE SET
                     phone_number = EXCLUDED.phone_number,
                     learning_source = EXCLUDED.learning_source,
                     updated_at = EXCLUDED.updated_at",
            )
            .bind(lids)
            .bind(phones)
            .bind(created)
            .bind(sources)
            .bind(updated),
        )
        .await
        .map(drop)
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        let rows: Vec<MappingRow> = self
            .rows(
                "SELECT lid, phone_number, created_at, learning_source, updated_at
                 FROM lid_pn_mapping WHERE number = $1 AND device_id = $2 ORDER BY lid",
            )
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(rows.into_iter().map(mapping).collect())
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO base_keys (number, device_id, address, message_id, base_key, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (number, device_id, address, message_id)
                 DO UPDATE SET base_key = EXCLUDED.base_key",
            )
            .bind(address)
            .bind(message_id)
            .bind(base_key)
            .bind(now() as i32),
        )
        .await
        .map(drop)
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        let stored: Option<Vec<u8>> = self
            .values(
                "SELECT base_key FROM base_keys
                 WHERE number = $1 AND device_id = $2 AND address = $3 AND message_id = $4",
            )
            .bind(address)
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(stored.as_deref() == Some(current_base_key))
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM base_keys
                 WHERE number = $1 AND device_id = $2 AND address = $3 AND message_id = $4",
            )
            .bind(address)
            .bind(message_id),
        )
        .await
        .map(drop)
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        self.update_device_lists(vec![record]).await
    }

    async fn update_device_lists(&self, records: Vec<DeviceListRecord>) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let rows = last_per_key(records, |r| r.user.clone());
        let users: Vec<&str> = rows.iter().map(|r| r.user.as_str()).collect();
        let devices: Vec<String> = rows
            .iter()
            .map(|r| serde_json::to_string(&r.devices))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| StoreError::Serialization(Box::new(e)))?;
        // The SQLite store keeps these as 32-bit integers.
        let timestamps: Vec<i32> = rows.iter().map(|r| r.timestamp as i32).collect();
        let phashes: Vec<Option<&str>> = rows.iter().map(|r| r.phash.as_deref()).collect();
        let raw_ids: Vec<Option<i32>> = rows.iter().map(|r| r.raw_id.map(|v| v as i32)).collect();
        self.write(
            self.scoped(
                "INSERT INTO device_registry
                     (number, device_id, updated_at, user_id, devices_json, timestamp, phash, raw_id)
                 SELECT $1, $2, $3, * FROM UNNEST($4::text[], $5::text[], $6::int4[], $7::text[], $8::int4[])
                 ON CONFLICT (number, device_id, user_id) DO UPDATE SET
                     devices_json = EXCLUDED.devices_json,
                     timestamp = EXCLUDED.timestamp,
                     phash = EXCLUDED.phash,
                     updated_at = EXCLUDED.updated_at,
                     raw_id = EXCLUDED.raw_id",
            )
            .bind(now() as i32)
            .bind(users)
            .bind(devices)
            .bind(timestamps)
            .bind(phashes)
            .bind(raw_ids),
        )
        .await
        .map(drop)
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        let row: Option<(String, String, i32, Option<String>, Option<i32>)> = self
            .rows(
                "SELECT user_id, devices_json, timestamp, phash, raw_id FROM device_registry
                 WHERE number = $1 AND device_id = $2 AND user_id = $3",
            )
            .bind(user)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        let Some((user, devices_json, timestamp, phash, raw_id)) = row else {
            return Ok(None);
        };
        let devices: Vec<DeviceInfo> = serde_json::from_str(&devices_json)
            .map_err(|e| StoreError::Serialization(Box::new(e)))?;
        Ok(Some(DeviceListRecord {
            user,
            devices,
            timestamp: i64::from(timestamp),
            phash,
            raw_id: raw_id.map(|r| r as u32),
        }))
    }

    async fn delete_devices(&self, user: &str) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM device_registry WHERE number = $1 AND device_id = $2 AND user_id = $3",
            )
            .bind(user),
        )
        .await
        .map(drop)
    }

    async fn get_group_metadata(&self, group_jid: &str) -> Result<Option<Vec<u8>>> {
        self.values(
            "SELECT info FROM group_metadata WHERE number = $1 AND device_id = $2 AND group_jid = $3",
        )
        .bind(group_jid)
        .fetch_optional(&self.pool)
        .await
        .db()
    }

    async fn put_group_metadata(&self, group_jid: &str, blob: &[u8]) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO group_metadata (number, device_id, group_jid, info, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (number, device_id, group_jid)
                 DO UPDATE SET info = EXCLUDED.info, updated_at = EXCLUDED.updated_at",
            )
            .bind(group_jid)
            .bind(blob)
            .bind(now()),
        )
        .await
        .map(drop)
    }

    async fn delete_group_metadata(&self, group_jid: &str) -> Result<()> {
        self.write(
            self.scoped(
                "DELETE FROM group_metadata WHERE number = $1 AND device_id = $2 AND group_jid = $3",
            )
            .bind(group_jid),
        )
        .await
        .map(drop)
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        self.tc_token(jid).await
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        self.put_token(jid, entry).await
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        self.delete_token(jid).await
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        self.token_jids().await
    }

    async fn delete_expired_tc_tokens(&self, token_cutoff: i64, sender_cutoff: i64) -> Result<u32> {
        self.delete_expired_tokens(token_cutoff, sender_cutoff)
            .await
    }

    async fn touch_tc_token_sender_timestamp(
        &self,
        jid: &str,
        sender_timestamp: i64,
    ) -> Result<()> {
        self.touch_sender_timestamp(jid, sender_timestamp).await
    }

    async fn store_received_tc_token(
        &self,
        jid: &str,
        token: &[u8],
        token_timestamp: i64,
    ) -> Result<()> {
        self.store_received_token(jid, token, token_timestamp).await
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        self.put_sent(chat_jid, message_id, payload).await
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        self.take_sent(chat_jid, message_id).await
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.delete_expired_sent(cutoff_timestamp).await
    }

    async fn store_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
        message: &[u8],
    ) -> Result<()> {
        let row = PendingInboundRow {
            chat,
            sender,
            id,
            message,
        };
        self.put_pending(&[row]).await
    }

    async fn get_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        self.pending(chat, sender, id).await
    }

    async fn delete_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> Result<()> {
        self.delete_pending(&[PendingInboundKey { chat, sender, id }])
            .await
    }

    async fn delete_expired_pending_inbound(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.delete_expired_pending(cutoff_timestamp).await
    }

    async fn store_pending_inbound_batch(&self, rows: &[PendingInboundRow<'_>]) -> Result<()> {
        self.put_pending(rows).await
    }

    async fn delete_pending_inbound_batch(&self, keys: &[PendingInboundKey<'_>]) -> Result<()> {
        self.delete_pending(keys).await
    }
}
