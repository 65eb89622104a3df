//! [`PgBackend`]: one number's whatsapp-rust storage `Backend` on the shared
//! pool, with the SQLite store's semantics (byte formats, upsert and merge
//! rules, "not found" answers), every write fenced.
//!
//! Each trait lives in its own file; they share the fenced write
//! transaction below. Every statement is scoped by `number = $1` and
//! `device_id = $2`.

mod appsync;
mod device;
mod inbound;
mod msg_secrets;
mod protocol;
mod signal;
mod tokens;

use std::sync::Arc;

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{FromRow, PgPool, Postgres, Transaction};
use tokio::sync::watch;
use wacore::store::error::{Result, StoreError};

use super::error::{Db, store_error};
use super::fence::{Fence, FenceCheck, FenceGuard, FenceLost};

/// The device row id whatsapp-rust's `SqliteStore::new` uses for the one
/// device of a store file; a number's backend uses it too, so rows copy
/// between the two unchanged.
pub(crate) const DEVICE_ID: i32 = 1;

/// One number's credentials in PostgreSQL, as a whatsapp-rust `Backend`.
///
/// Reads go straight to the pool. Every write runs in a transaction that
/// first checks, under a share lock, that the `owners` row of the number
/// still names this backend's [`Fence`]; otherwise the write fails with a
/// store error carrying [`FenceLost`] (find it with [`FenceLost::find`]),
/// writes nothing, and so does every later write of this backend.
#[derive(Debug, Clone)]
pub struct PgBackend {
    pool: PgPool,
    number: Arc<str>,
    device_id: i32,
    guard: FenceGuard,
}

/// A statement with its arguments bound.
type Bound<'q> = Query<'q, Postgres, PgArguments>;

impl PgBackend {
    pub(crate) fn new(pool: PgPool, number: &str, fence: Fence) -> Self {
        let number: Arc<str> = Arc::from(number);
        Self {
            pool,
            device_id: DEVICE_ID,
            guard: FenceGuard::new(Arc::clone(&number), fence),
            number,
        }
    }

    /// The number whose credentials these are.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The fence every write is checked against.
    pub fn fence(&self) -> &Fence {
        self.guard.fence()
    }

    /// The loss of the fence, once a write found it gone.
    pub fn fence_lost(&self) -> Option<FenceLost> {
        self.guard.lost()
    }

    /// Follows the fence: the value turns from `None` to the loss when a
    /// write finds the number owned elsewhere, so the session can be stopped
    /// at once even when whatsapp-rust only logs the failed write.
    pub fn watch_fence(&self) -> watch::Receiver<Option<FenceLost>> {
        self.guard.subscribe()
    }

    /// Starts a write: a transaction in which the fence holds until it ends.
    async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        if let Some(lost) = self.guard.lost() {
            return Err(StoreError::Database(Box::new(lost)));
        }
        let mut tx = self.pool.begin().await.db()?;
        match self.guard.check(&mut tx).await {
            Ok(()) => Ok(tx),
            Err(FenceCheck::Lost(lost)) => Err(StoreError::Database(Box::new(lost))),
            Err(FenceCheck::Database(e)) => Err(store_error(e)),
        }
    }

    /// Runs one fenced statement; answers the rows it touched.
    async fn write(&self, statement: Bound<'_>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let done = statement.execute(&mut *tx).await.db()?;
        tx.commit().await.db()?;
        Ok(done.rows_affected())
    }

    /// A statement with the scope (`$1` number, `$2` device) bound.
    fn scoped(&self, sql: &'static str) -> Bound<'_> {
        sqlx::query(sql).bind(&*self.number).bind(self.device_id)
    }

    /// A query of rows `O`, scope bound.
    fn rows<O>(&self, sql: &'static str) -> QueryAs<'_, Postgres, O, PgArguments>
    where
        O: for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_as(sql).bind(&*self.number).bind(self.device_id)
    }

    /// A query of single values `O`, scope bound.
    fn values<O>(&self, sql: &'static str) -> QueryScalar<'_, Postgres, O, PgArguments>
    where
        (O,): for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_scalar(sql)
            .bind(&*self.number)
            .bind(self.device_id)
    }
}

/// Seconds since the epoch, from the clock whatsapp-rust uses.
fn now() -> i64 {
    wacore::time::now_secs()
}
