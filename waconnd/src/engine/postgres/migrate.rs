//! The schema's versioned migrations, embedded in the binary and applied at
//! connect.
//!
//! sqlx's migrator runs them: it holds a PostgreSQL advisory lock for the
//! run only, so nodes starting together apply each migration once, checks
//! the checksums of those already applied, and refuses a database that has
//! a version this build does not know (migrated by a newer waconnd).
//! Migrations run on a connection of their own that is closed afterwards,
//! so the session-level lock can never outlive the run, even on an error.

use std::borrow::Cow;

use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqlSafeStr as _};

use super::error::PgError;

/// The table that records the applied versions.
pub(crate) const VERSIONS_TABLE: &str = "waconn_schema_versions";

/// Every migration, oldest first. Append only: an applied migration's text
/// must never change (its checksum is checked at every connect).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "credentials",
        include_str!("migrations/0001_credentials.sql"),
    ),
    (
        2,
        "nodes and registry",
        include_str!("migrations/0002_nodes_and_registry.sql"),
    ),
];

/// The newest schema version this build knows.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
}

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                AssertSqlSafe(*sql).into_sql_str(),
                false,
            )
        })
        .collect();
    let mut migrator = Migrator::with_migrations(migrations);
    migrator.dangerous_set_table_name(VERSIONS_TABLE);
    migrator
}

/// Brings the database behind `conn` to the latest schema, then closes
/// `conn`; `url` (redacted) names it in errors.
pub(crate) async fn run(mut conn: PgConnection, url: &str) -> Result<(), PgError> {
    let outcome = migrator().run_direct(None, &mut conn, false).await;
    // Closing ends the session, and with it the advisory lock, whatever
    // the outcome.
    let _ = conn.close().await;
    outcome.map_err(|e| match e {
        MigrateError::VersionMissing(found) => PgError::SchemaTooNew {
            url: url.to_string(),
            found,
            supported: latest(),
        },
        source => PgError::Migration {
            url: url.to_string(),
            source,
        },
    })
}
