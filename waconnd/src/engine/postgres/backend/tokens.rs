//! Trusted-contact tokens (`tc_tokens`), atomic per statement where the
//! SQLite store used a transaction: the row lock of `ON CONFLICT` makes the
//! newer-wins and advance-only rules hold against concurrent writers.

use wacore::store::error::Result;
use wacore::store::traits::TcTokenEntry;

use super::{PgBackend, now};
use crate::engine::postgres::error::Db;

impl PgBackend {
    pub(super) async fn tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        let row: Option<(Vec<u8>, i64, Option<i64>)> = self
            .rows(
                "SELECT token, token_timestamp, sender_timestamp FROM tc_tokens
                 WHERE number = $1 AND device_id = $2 AND jid = $3",
            )
            .bind(jid)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(
            row.map(|(token, token_timestamp, sender_timestamp)| TcTokenEntry {
                token,
                token_timestamp,
                sender_timestamp,
            }),
        )
    }

    pub(super) async fn put_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        self.write(
            self.scoped(
                "INSERT INTO tc_tokens
                     (number, device_id, jid, token, token_timestamp, sender_timestamp, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (number, device_id, jid) DO UPDATE SET
                     token = EXCLUDED.token,
                     token_timestamp = EXCLUDED.token_timestamp,
                     sender_timestamp = EXCLUDED.sender_timestamp,
                     updated_at = EXCLUDED.updated_at",
            )
            .bind(jid)
            .bind(&entry.token)
            .bind(entry.token_timestamp)
            .bind(entry.sender_timestamp)
            .bind(now()),
        )
        .await
        .map(drop)
    }

    pub(super) async fn delete_token(&self, jid: &str) -> Result<()> {
        self.write(
            self.scoped("DELETE FROM tc_tokens WHERE number = $1 AND device_id = $2 AND jid = $3")
                .bind(jid),
        )
        .await
        .map(drop)
    }

    pub(super) async fn token_jids(&self) -> Result<Vec<String>> {
        self.values("SELECT jid FROM tc_tokens WHERE number = $1 AND device_id = $2 ORDER BY jid")
            .fetch_all(&self.pool)
            .await
            .db()
    }

    pub(super) async fn delete_expired_tokens(
        &self,
        token_cutoff: i64,
        sender_cutoff: i64,
    ) -> Result<u32> {
        // Only rows whose received token AND sender bucket are both stale
        // (or absent) go.
        self.write(
            self.scoped(
                "DELETE FROM tc_tokens WHERE number = $1 AND device_id = $2
                 AND (token = ''::bytea OR token_timestamp < $3)
                 AND (sender_timestamp IS NULL OR sender_timestamp < $4)",
            )
            .bind(token_cutoff)
            .bind(sender_cutoff),
        )
        .await
        .map(|n| n as u32)
    }

    pub(super) async fn touch_sender_timestamp(
        &self,
        jid: &str,
        sender_timestamp: i64,
    ) -> Result<()> {
        // A byte-less placeholder when absent; otherwise only the sender
        // bucket moves, and only forward.
        self.write(
            self.scoped(
                "INSERT INTO tc_tokens
                     (number, device_id, jid, token, token_timestamp, sender_timestamp, updated_at)
                 VALUES ($1, $2, $3, ''::bytea, $4, $4, $5)
                 ON CONFLICT (number, device_id, jid) DO UPDATE SET
                     sender_timestamp = GREATEST(COALESCE(tc_tokens.sender_timestamp, $4), $4),
                     updated_at = EXCLUDED.updated_at",
            )
            .bind(jid)
            .bind(sender_timestamp)
            .bind(now()),
        )
        .await
        .map(drop)
    }

    pub(super) async fn store_received_token(
        &self,
        jid: &str,
        token: &[u8],
        token_timestamp: i64,
    ) -> Result<()> {
        // Newer wins: a stored real token is replaced only by one at least as
        // new; a placeholder always gives way. The sender bucket stays.
        self.write(
            self.scoped(
                "INSERT INTO tc_tokens
                     (number, device_id, jid, token, token_timestamp, sender_timestamp, updated_at)
                 VALUES ($1, $2, $3, $4, $5, NULL, $6)
                 ON CONFLICT (number, device_id, jid) DO UPDATE SET
                     token = EXCLUDED.token,
                     token_timestamp = EXCLUDED.token_timestamp,
                     updated_at = EXCLUDED.updated_at
                 WHERE tc_tokens.token = ''::bytea
                    OR EXCLUDED.token_timestamp >= tc_tokens.token_timestamp",
            )
            .bind(jid)
            .bind(token)
            .bind(token_timestamp)
            .bind(now()),
        )
        .await
        .map(drop)
    }
}
