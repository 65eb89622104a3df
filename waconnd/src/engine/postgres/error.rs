//! What the engine's own operations (connect, delete, import, owners) answer
//! when they fail. URLs in them are always redacted.

use std::path::PathBuf;

use wacore::store::error::StoreError;

use super::fence::FenceLost;

/// A failed engine operation, saying what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The URL cannot be used.
    #[error(
        "`{url}` is not a usable PostgreSQL URL: {reason}; write it as \
         postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    BadUrl {
        /// The URL, redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No server answered there.
    #[error(
        "cannot reach PostgreSQL at `{url}`: {reason}; check that the server is running and \
         that the host and port in the URL are right"
    )]
    Unreachable {
        /// The URL, redacted.
        url: String,
        /// What the attempt ran into.
        reason: String,
    },
    /// The server refused the user or password.
    #[error(
        "PostgreSQL at `{url}` refused the credentials: {reason}; check the user and password \
         in the URL"
    )]
    BadCredentials {
        /// The URL, redacted.
        url: String,
        /// The server's answer.
        reason: String,
    },
    /// The database named in the URL does not exist.
    #[error(
        "database `{database}` does not exist on the PostgreSQL server at `{url}`: create it \
         (`createdb {database}`) or fix its name in the URL"
    )]
    MissingDatabase {
        /// The URL, redacted.
        url: String,
        /// The database's name.
        database: String,
    },
    /// The database was migrated by a newer waconnd.
    #[error(
        "the database at `{url}` has schema version {found}, newer than this waconnd knows \
         (up to {supported}): upgrade waconnd on this node before pointing it at that database"
    )]
    SchemaTooNew {
        /// The URL, redacted.
        url: String,
        /// The newest version applied to the database.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// Bringing the schema up to date failed.
    #[error("cannot migrate the database at `{url}`: {source}")]
    Migration {
        /// The URL, redacted.
        url: String,
        /// Why.
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("PostgreSQL at `{url}` failed to {action}: {source}")]
    Database {
        /// The URL, redacted.
        url: String,
        /// What was being done.
        action: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A number that was asked for is not a usable key.
    #[error("`{number}` is not a number to store: {reason}")]
    BadNumber {
        /// The number as given.
        number: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A store file to import cannot be read as one.
    #[error("cannot import `{path}`: {reason}")]
    Import {
        /// The store file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The number already has credentials in the database.
    #[error(
        "number `{number}` already has credentials in the database: delete them first if the \
         store file is to replace them"
    )]
    AlreadyPresent {
        /// The number.
        number: String,
    },
    /// A fenced write was refused.
    #[error(transparent)]
    FenceLost(#[from] FenceLost),
}

/// Turns driver errors of the backend's trait methods into whatsapp-rust's
/// store errors (the error stays reachable as the source).
pub(crate) trait Db<T> {
    /// The store error whatsapp-rust expects.
    fn db(self) -> wacore::store::error::Result<T>;
}

impl<T> Db<T> for Result<T, sqlx::Error> {
    fn db(self) -> wacore::store::error::Result<T> {
        self.map_err(store_error)
    }
}

/// A driver error as a store error: lost connections as `Connection`, the
/// rest as `Database`.
pub(crate) fn store_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed => StoreError::Connection(Box::new(e)),
        other => StoreError::Database(Box::new(other)),
    }
}

/// The engine's errors as store errors, for trait methods that share the
/// engine's code; a fence loss stays findable with [`FenceLost::find`].
impl From<PgError> for StoreError {
    fn from(e: PgError) -> Self {
        match e {
            PgError::FenceLost(lost) => StoreError::Database(Box::new(lost)),
            other => StoreError::Database(Box::new(other)),
        }
    }
}

/// SQLSTATE of a refused password (`invalid_password`).
const INVALID_PASSWORD: &str = "28P01";
/// SQLSTATE of a refused connection by user or host (`invalid_authorization_specification`).
const INVALID_AUTHORIZATION: &str = "28000";
/// SQLSTATE of an unknown database (`invalid_catalog_name`).
const INVALID_CATALOG: &str = "3D000";

/// Classifies an error met while connecting to `url` (already redacted)
/// for `database`.
pub(crate) fn connect_error(e: sqlx::Error, url: &str, database: &str) -> PgError {
    let url = url.to_string();
    match e {
        sqlx::Error::Configuration(reason) => PgError::BadUrl {
            url,
            reason: reason.to_string(),
        },
        sqlx::Error::Io(e) => PgError::Unreachable {
            url,
            reason: e.to_string(),
        },
        sqlx::Error::Tls(e) => PgError::Unreachable {
            url,
            reason: format!("the TLS handshake failed: {e}"),
        },
        sqlx::Error::PoolTimedOut => PgError::Unreachable {
            url,
            reason: "no connection could be opened in time".to_string(),
        },
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some(INVALID_PASSWORD | INVALID_AUTHORIZATION) => PgError::BadCredentials {
                url,
                reason: db.message().to_string(),
            },
            Some(INVALID_CATALOG) => PgError::MissingDatabase {
                url,
                database: database.to_string(),
            },
            _ => PgError::Database {
                url,
                action: "accept the connection".to_string(),
                source: sqlx::Error::Database(db),
            },
        },
        other => PgError::Database {
            url,
            action: "accept the connection".to_string(),
            source: other,
        },
    }
}
