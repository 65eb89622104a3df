//! Sent messages kept for retries (`sent_messages`) and decrypted inbound
//! messages awaiting the durability hook (`pending_inbound_messages`).
//! A store replaces the row and its time, as SQLite's `REPLACE INTO` does.

use wacore::store::error::Result;
use wacore::store::traits::{PendingInboundKey, PendingInboundRow};

use super::{PgBackend, now};
use crate::engine::postgres::batch::last_per_key;
use crate::engine::postgres::error::Db;

impl PgBackend {
    pub(super) async fn put_sent(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO sent_messages (number, device_id, chat_jid, message_id, payload, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (number, device_id, chat_jid, message_id)
                 DO UPDATE SET payload = EXCLUDED.payload, created_at = EXCLUDED.created_at",
            )
            .bind(chat_jid)
            .bind(message_id)
            .bind(payload)
            .bind(now()),
        )
        .await
        .map(drop)
    }

    /// Reads and deletes in one statement, so a retry is answered once.
    pub(super) async fn take_sent(
        &self,
        chat_jid: &str,
        message_id: &str,
    ) -> Result<Option<Vec<u8>>> {
        let mut tx = self.begin().await?;
        let payload: Option<Vec<u8>> = self
            .values(
                "DELETE FROM sent_messages
                 WHERE number = $1 AND device_id = $2 AND chat_jid = $3 AND message_id = $4
                 RETURNING payload",
            )
            .bind(chat_jid)
            .bind(message_id)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(payload)
    }

    pub(super) async fn delete_expired_sent(&self, cutoff: i64) -> Result<u32> {
        self.write(
            self.scoped(
                "DELETE FROM sent_messages WHERE number = $1 AND device_id = $2 AND created_at < $3",
            )
            .bind(cutoff),
        )
        .await
        .map(|n| n as u32)
    }

    pub(super) async fn put_pending(&self, rows: &[PendingInboundRow<'_>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let rows = last_per_key(rows.iter(), |r| (r.chat, r.sender, r.id));
        let chats: Vec<&str> = rows.iter().map(|r| r.chat).collect();
        let senders: Vec<&str> = rows.iter().map(|r| r.sender).collect();
        let ids: Vec<&str> = rows.iter().map(|r| r.id).collect();
        let messages: Vec<&[u8]> = rows.iter().map(|r| r.message).collect();
        self.write(
            self.scoped(
                "INSERT INTO pending_inbound_messages
                     (number, device_id, inserted_at, chat, sender, id, message)
                 SELECT $1, $2, $3, * FROM UNNEST($4::text[], $5::text[], $6::text[], $7::bytea[])
                 ON CONFLICT (number, device_id, chat, sender, id)
                 DO UPDATE SET message = EXCLUDED.message, inserted_at = EXCLUDED.inserted_at",
            )
            .bind(now())
            .bind(chats)
            .bind(senders)
            .bind(ids)
            .bind(messages),
        )
        .await
        .map(drop)
    }

    pub(super) async fn pending(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        self.values(
            "SELECT message FROM pending_inbound_messages
             WHERE number = $1 AND device_id = $2 AND chat = $3 AND sender = $4 AND id = $5",
        )
        .bind(chat)
        .bind(sender)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .db()
    }

    pub(super) async fn delete_pending(&self, keys: &[PendingInboundKey<'_>]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let chats: Vec<&str> = keys.iter().map(|k| k.chat).collect();
        let senders: Vec<&str> = keys.iter().map(|k| k.sender).collect();
        let ids: Vec<&str> = keys.iter().map(|k| k.id).collect();
        self.write(
            self.scoped(
                "DELETE FROM pending_inbound_messages AS p
                 USING UNNEST($3::text[], $4::text[], $5::text[]) AS k (chat, sender, id)
                 WHERE p.number = $1 AND p.device_id = $2
                   AND p.chat = k.chat AND p.sender = k.sender AND p.id = k.id",
            )
            .bind(chats)
            .bind(senders)
            .bind(ids),
        )
        .await
        .map(drop)
    }

    pub(super) async fn delete_expired_pending(&self, cutoff: i64) -> Result<u32> {
        self.write(
            self.scoped(
                "DELETE FROM pending_inbound_messages
                 WHERE number = $1 AND device_id = $2 AND inserted_at < $3",
            )
            .bind(cutoff),
        )
        .await
        .map(|n| n as u32)
    }
}
