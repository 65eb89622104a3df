//! [`PgEngine`]: the one connection pool to the shared database, the
//! schema brought up to date at connect, a backend per number, and the
//! operations on a number as a whole (delete, owner rows, fingerprint).

use std::sync::Arc;
use std::time::Duration;

use log::LevelFilter;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use super::backend::PgBackend;
use super::error::{PgError, connect_error};
use super::fence::Fence;
use super::migrate;
use super::schema::TABLES;
use super::url::redact_url;

/// How the engine connects.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Connections in the pool, shared by every number's backend.
    pub max_connections: u32,
    /// How long the first connection (at [`PgEngine::connect`]) may take.
    pub connect_timeout: Duration,
    /// How long a query waits for a free connection of the pool.
    pub acquire_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            connect_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// Every number's credentials in one PostgreSQL database, through one pool.
/// Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct PgEngine {
    pool: PgPool,
    url: Arc<str>,
}

impl std::fmt::Debug for PgEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgEngine")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Row count and content digest of one table's rows of a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFingerprint {
    /// The table.
    pub table: &'static str,
    /// Rows of the number in it.
    pub rows: u64,
    /// MD5 of those rows' text, in order; empty without rows.
    pub digest: String,
}

/// What a number's credentials look like, table by table, at one instant:
/// two equal fingerprints mean no row changed in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// One entry per credential table.
    pub tables: Vec<TableFingerprint>,
}

impl Fingerprint {
    /// Rows of the number across all tables.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// Rows of the number in `table` (0 for an unknown table).
    pub fn rows_in(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|t| t.table == table)
            .map_or(0, |t| t.rows)
    }
}

impl PgEngine {
    /// Connects to the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`)
    /// with [`PgOptions::default`] and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, PgError> {
        Self::connect_with(url, PgOptions::default()).await
    }

    /// Connects with `options` and brings the schema up to date. Errors say
    /// whether the server is unreachable, refused the credentials or lacks
    /// the database, naming the URL without its password.
    pub async fn connect_with(url: &str, options: PgOptions) -> Result<Self, PgError> {
        let shown = redact_url(url);
        let connect: PgConnectOptions = url
            .parse::<PgConnectOptions>()
            .map_err(|e| connect_error(e, &shown, ""))?
            .application_name("waconnd")
            .statement_cache_capacity(256)
            // Statements are noise at debug level; slow ones are worth a warning.
            .log_statements(LevelFilter::Trace)
            .log_slow_statements(LevelFilter::Warn, Duration::from_secs(1));
        let database = connect
            .get_database()
            .unwrap_or(connect.get_username())
            .to_string();
        let first = tokio::time::timeout(
            options.connect_timeout,
            PgConnection::connect_with(&connect),
        )
        .await
        .map_err(|_| PgError::Unreachable {
            url: shown.clone(),
            reason: format!("no answer within {:?}", options.connect_timeout),
        })?
        .map_err(|e| connect_error(e, &shown, &database))?;
        migrate::run(first, &shown).await?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| connect_error(e, &shown, &database))?;
        Ok(Self {
            pool,
            url: Arc::from(shown),
        })
    }

    /// The backend of `number`'s credentials, writing only while the
    /// `owners` row of `number` names `fence`.
    pub fn backend(&self, number: &str, fence: Fence) -> PgBackend {
        PgBackend::new(self.pool.clone(), number, fence)
    }

    /// Removes every row of `number` (its credentials, its registry entry
    /// and its owner row) in one transaction; answers the credential rows removed. Removing the
    /// owner row first also fences out any backend still writing: it waits
    /// for such a write in flight, and refuses the next one.
    pub async fn delete(&self, number: &str) -> Result<u64, PgError> {
        self.delete_as(number, None).await
    }

    /// [`PgEngine::delete`], done only while `fence` owns `number`; a lost
    /// fence deletes nothing.
    pub async fn delete_owned(&self, number: &str, fence: &Fence) -> Result<u64, PgError> {
        self.delete_as(number, Some(fence)).await
    }

    async fn delete_as(&self, number: &str, fence: Option<&Fence>) -> Result<u64, PgError> {
        check_number(number)?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| self.failed("begin a delete", e))?;
        if let Some(fence) = fence {
            self.check_owner(&mut tx, number, fence, "FOR UPDATE")
                .await?;
        }
        sqlx::query("DELETE FROM owners WHERE number = $1")
            .bind(number)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.failed("delete an owner row", e))?;
        sqlx::query("DELETE FROM registry WHERE number = $1")
            .bind(number)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.failed("delete a registry row", e))?;
        let removed = self.delete_credential_rows(&mut tx, number).await?;
        tx.commit()
            .await
            .map_err(|e| self.failed("commit a delete", e))?;
        Ok(removed)
    }

    /// Removes `number`'s credentials (a logout), keeping its owner row, in
    /// one transaction that holds while `fence` owns it; answers the rows
    /// removed.
    pub async fn delete_credentials(&self, number: &str, fence: &Fence) -> Result<u64, PgError> {
        check_number(number)?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| self.failed("begin a delete", e))?;
        self.check_owner(&mut tx, number, fence, "FOR SHARE")
            .await?;
        let removed = self.delete_credential_rows(&mut tx, number).await?;
        tx.commit()
            .await
            .map_err(|e| self.failed("commit a delete", e))?;
        Ok(removed)
    }

    /// Fails with [`PgError::FenceLost`] unless `number`'s owner row names
    /// `fence`, locking the row (`lock`: `FOR SHARE` or `FOR UPDATE`) until
    /// `tx` ends.
    async fn check_owner(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        number: &str,
        fence: &Fence,
        lock: &'static str,
    ) -> Result<(), PgError> {
        let sql = format!("SELECT node, epoch FROM owners WHERE number = $1 {lock}");
        let owner: Option<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(number)
            .fetch_optional(&mut **tx)
            .await
            .map_err(|e| self.failed("read an owner row", e))?;
        let owner = owner.map(|(node, epoch)| Fence { node, epoch });
        if owner.as_ref() == Some(fence) {
            return Ok(());
        }
        Err(PgError::FenceLost(super::fence::FenceLost {
            number: number.to_string(),
            fence: fence.clone(),
            owner,
        }))
    }

    /// Deletes every credential row of `number` in `tx`; answers how many.
    async fn delete_credential_rows(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        number: &str,
    ) -> Result<u64, PgError> {
        let mut removed = 0;
        for table in TABLES.iter().rev() {
            let sql = format!("DELETE FROM {} WHERE number = $1", table.name);
            removed += sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(number)
                .execute(&mut **tx)
                .await
                .map_err(|e| self.failed(&format!("delete from `{}`", table.name), e))?
                .rows_affected();
        }
        Ok(removed)
    }

    /// Names `fence` the owner of `number` (inserted or replaced). For the
    /// lease code and for tests: every backend of `number` with another
    /// fence is refused from its next write on.
    pub async fn set_owner(&self, number: &str, fence: &Fence) -> Result<(), PgError> {
        check_number(number)?;
        sqlx::query(
            "INSERT INTO owners (number, node, epoch) VALUES ($1, $2, $3)
             ON CONFLICT (number) DO UPDATE SET node = EXCLUDED.node, epoch = EXCLUDED.epoch",
        )
        .bind(number)
        .bind(&fence.node)
        .bind(fence.epoch)
        .execute(&self.pool)
        .await
        .map_err(|e| self.failed("set an owner row", e))
        .map(drop)
    }

    /// The owner the database names for `number`, if any.
    pub async fn owner(&self, number: &str) -> Result<Option<Fence>, PgError> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT node, epoch FROM owners WHERE number = $1")
                .bind(number)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| self.failed("read an owner row", e))?;
        Ok(row.map(|(node, epoch)| Fence { node, epoch }))
    }

    /// Every number with a device row, in order.
    pub async fn numbers(&self) -> Result<Vec<String>, PgError> {
        sqlx::query_scalar("SELECT DISTINCT number FROM device ORDER BY number")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.failed("list the numbers", e))
    }

    /// Row counts and digests of `number`'s rows in every credential table,
    /// read in one snapshot.
    pub async fn fingerprint(&self, number: &str) -> Result<Fingerprint, PgError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(|e| self.failed("begin a snapshot", e))?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let sql = format!(
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '')
                 FROM {} AS t WHERE t.number = $1",
                table.name
            );
            let (rows, digest): (i64, String) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(number)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| self.failed(&format!("read `{}`", table.name), e))?;
            tables.push(TableFingerprint {
                table: table.name,
                rows: rows as u64,
                digest,
            });
        }
        tx.commit()
            .await
            .map_err(|e| self.failed("end a snapshot", e))?;
        Ok(Fingerprint { tables })
    }

    /// The pool, for the code that keeps the registry and leases in the
    /// same database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The database's URL, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes every connection of the pool; waits for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A query of the engine's failed while doing `action`.
    pub(crate) fn failed(&self, action: &str, source: sqlx::Error) -> PgError {
        PgError::Database {
            url: self.url.to_string(),
            action: action.to_string(),
            source,
        }
    }
}

/// Refuses a number that cannot be a key: empty, or with characters a
/// number never has.
pub(crate) fn check_number(number: &str) -> Result<(), PgError> {
    let reason = if number.is_empty() {
        "it is empty"
    } else if !number.bytes().all(|b| b.is_ascii_graphic()) {
        "it holds spaces or control characters"
    } else {
        return Ok(());
    };
    Err(PgError::BadNumber {
        number: number.escape_debug().to_string(),
        reason,
    })
}
