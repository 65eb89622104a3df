//! `MsgSecretStore`: message secrets with their retention deadline and
//! parent message time, merged on conflict as wacore's merge rules say.

use async_trait::async_trait;
use wacore::store::error::Result;
use wacore::store::traits::{
    MsgSecretEntry, MsgSecretStore, merge_msg_secret_expiry, merge_msg_secret_message_ts,
};

use super::{PgBackend, now};
use crate::engine::postgres::batch::fold_per_key;
use crate::engine::postgres::error::Db;

#[async_trait]
impl MsgSecretStore for PgBackend {
    async fn put_msg_secrets(&self, entries: Vec<MsgSecretEntry>) -> Result<usize> {
        if entries.is_empty() {
            return Ok(0);
        }
        // Every entry is one row stored or updated, as in the SQLite store.
        let stored = entries.len();
        let rows = fold_per_key(
            entries,
            |e| (e.chat.clone(), e.sender.clone(), e.msg_id.clone()),
            |earlier, later| MsgSecretEntry {
                expires_at: merge_msg_secret_expiry(earlier.expires_at, later.expires_at),
                message_ts: merge_msg_secret_message_ts(earlier.message_ts, later.message_ts),
                ..later
            },
        );
        let chats: Vec<&str> = rows.iter().map(|e| &*e.chat).collect();
        let senders: Vec<&str> = rows.iter().map(|e| &*e.sender).collect();
        let ids: Vec<&str> = rows.iter().map(|e| &*e.msg_id).collect();
        let secrets: Vec<&[u8]> = rows.iter().map(|e| &e.secret[..]).collect();
        let expires: Vec<i64> = rows.iter().map(|e| e.expires_at).collect();
        let times: Vec<i64> = rows.iter().map(|e| e.message_ts).collect();
        self.write(
            self.scoped(
                "INSERT INTO msg_secrets
                     (number, device_id, created_at, chat, sender, msg_id, secret, expires_at, message_ts)
                 SELECT $1, $2, $3, *
                 FROM UNNEST($4::text[], $5::text[], $6::text[], $7::bytea[], $8::int8[], $9::int8[])
                 ON CONFLICT (number, device_id, chat, sender, msg_id) DO UPDATE SET
                     secret = EXCLUDED.secret,
                     created_at = EXCLUDED.created_at,
                     expires_at = CASE
                         WHEN msg_secrets.expires_at = 0 OR EXCLUDED.expires_at = 0 THEN 0
                         ELSE GREATEST(msg_secrets.expires_at, EXCLUDED.expires_at)
                     END,
                     message_ts = GREATEST(msg_secrets.message_ts, EXCLUDED.message_ts)",
            )
            .bind(now())
            .bind(chats)
            .bind(senders)
            .bind(ids)
            .bind(secrets)
            .bind(expires)
            .bind(times),
        )
        .await?;
        Ok(stored)
    }

    async fn get_msg_secret(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get_msg_secret_with_ts(chat, sender, msg_id)
            .await?
            .map(|(secret, _)| secret))
    }

    async fn get_msg_secret_with_ts(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<(Vec<u8>, i64)>> {
        self.rows(
            "SELECT secret, message_ts FROM msg_secrets
             WHERE number = $1 AND device_id = $2 AND chat = $3 AND sender = $4 AND msg_id = $5",
        )
        .bind(chat)
        .bind(sender)
        .bind(msg_id)
        .fetch_optional(&self.pool)
        .await
        .db()
    }

    async fn delete_expired_msg_secrets(&self, cutoff_timestamp: i64) -> Result<u32> {
        // `expires_at = 0` means never.
        self.write(
            self.scoped(
                "DELETE FROM msg_secrets WHERE number = $1 AND device_id = $2
                 AND expires_at <> 0 AND expires_at <= $3",
            )
            .bind(cutoff_timestamp),
        )
        .await
        .map(|n| n as u32)
    }
}
