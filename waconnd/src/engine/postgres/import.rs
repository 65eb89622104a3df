//! Copies one whatsapp-rust SQLite store file (as `SqliteStore::new(path)`
//! writes it) into a number's rows, row for row, in one transaction.
//!
//! The file is opened read-only and read in one transaction (a consistent
//! snapshot even while a daemon still writes it); its schema must be exactly
//! the one whatsapp-rust 0.7 migrates to, so no column is lost or invented.

use std::path::{Path, PathBuf};

use diesel::deserialize::{self, QueryableByName};
use diesel::row::{Field, NamedRow, Row};
use diesel::sqlite::{Sqlite, SqliteConnection, SqliteType};
use diesel::{Connection, RunQueryDsl};

use super::engine::{PgEngine, check_number};
use super::error::PgError;
use super::schema::{Column, Kind, TABLES, Table};

/// The migrations of whatsapp-rust-sqlite-storage 0.7.0 (its `migrations/`
/// directory), as diesel records them: the store schema the copy expects.
const STORE_MIGRATIONS: &[&str] = &[
    "20250814035031",
    "202509230322320000",
    "20251204000000",
    "20251211000000",
    "20251224000000",
    "20260205000000",
    "20260212000000",
    "20260312000000",
    "20260315000000",
    "20260323000000",
    "20260326000000",
    "20260331000000",
    "20260406171140",
    "20260426000000",
    "20260513000000",
    "20260528000000",
    "20260531000000",
    "20260601000000",
    "20260610000000",
    "20260626000000",
    "20260702000000",
    "20260703000000",
    "20260703000001",
];

/// What [`PgEngine::import_sqlite`] copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The number the rows now belong to.
    pub number: String,
    /// The store file they came from.
    pub path: PathBuf,
    /// Rows copied, per table, in the engine's table order.
    pub tables: Vec<(&'static str, u64)>,
}

impl ImportReport {
    /// Rows copied in all.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }

    /// Rows copied into `table` (0 for an unknown table).
    pub fn rows_in(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "copied {} rows of `{}` into number `{}`",
            self.rows(),
            self.path.display(),
            self.number
        )?;
        let copied: Vec<String> = self
            .tables
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        if !copied.is_empty() {
            write!(f, ": {}", copied.join(", "))?;
        }
        Ok(())
    }
}

/// One value as SQLite holds it.
#[derive(Debug, Clone)]
enum Cell {
    Null,
    Integer(i64),
    Real,
    Text(String),
    Blob(Vec<u8>),
}

/// A row of any shape.
struct Cells(Vec<Cell>);

impl QueryableByName<Sqlite> for Cells {
    fn build<'a>(row: &impl NamedRow<'a, Sqlite>) -> deserialize::Result<Self> {
        let mut cells = Vec::with_capacity(row.field_count());
        for index in 0..row.field_count() {
            let field = Row::get(row, index).ok_or("a selected column is missing")?;
            let cell = match field.value() {
                None => Cell::Null,
                Some(mut value) => match value.value_type() {
                    None => Cell::Null,
                    Some(SqliteType::Binary) => Cell::Blob(value.read_blob().to_vec()),
                    Some(SqliteType::Text) => Cell::Text(value.read_text().to_string()),
                    Some(SqliteType::Double | SqliteType::Float) => Cell::Real,
                    Some(_) => Cell::Integer(value.read_long()),
                },
            };
            cells.push(cell);
        }
        Ok(Self(cells))
    }
}

/// A table's values column by column, typed as PostgreSQL takes them.
enum Values {
    Int4(Vec<Option<i32>>),
    Int8(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
}

impl Values {
    fn new(kind: Kind, rows: usize) -> Self {
        match kind {
            Kind::Int4 => Values::Int4(Vec::with_capacity(rows)),
            Kind::Int8 => Values::Int8(Vec::with_capacity(rows)),
            Kind::Bool => Values::Bool(Vec::with_capacity(rows)),
            Kind::Text => Values::Text(Vec::with_capacity(rows)),
            Kind::Bytes => Values::Bytes(Vec::with_capacity(rows)),
        }
    }

    /// Appends `cell`, read the way the SQLite store reads that column.
    fn push(&mut self, cell: Cell) -> Result<(), String> {
        match (self, cell) {
            (Values::Int4(v), Cell::Null) => v.push(None),
            (Values::Int8(v), Cell::Null) => v.push(None),
            (Values::Bool(v), Cell::Null) => v.push(None),
            (Values::Text(v), Cell::Null) => v.push(None),
            (Values::Bytes(v), Cell::Null) => v.push(None),
            (Values::Int4(v), Cell::Integer(n)) => v.push(Some(
                i32::try_from(n).map_err(|_| format!("{n} does not fit a 32-bit integer"))?,
            )),
            (Values::Int8(v), Cell::Integer(n)) => v.push(Some(n)),
            (Values::Bool(v), Cell::Integer(n)) => v.push(Some(n != 0)),
            (Values::Text(v), Cell::Text(s)) => v.push(Some(s)),
            (Values::Bytes(v), Cell::Blob(b)) => v.push(Some(b)),
            // SQLite hands text out as its bytes when a blob is read.
            (Values::Bytes(v), Cell::Text(s)) => v.push(Some(s.into_bytes())),
            (_, other) => return Err(format!("unexpected value {}", describe(&other))),
        }
        Ok(())
    }
}

fn describe(cell: &Cell) -> &'static str {
    match cell {
        Cell::Null => "NULL",
        Cell::Integer(_) => "integer",
        Cell::Real => "real",
        Cell::Text(_) => "text",
        Cell::Blob(_) => "blob",
    }
}

/// A table read from the file, ready to insert.
struct TableCopy {
    table: &'static Table,
    rows: usize,
    columns: Vec<Values>,
}

impl PgEngine {
    /// Copies the whatsapp-rust SQLite store at `path` into `number`'s rows,
    /// row for row, in one transaction, and says what it copied. Refuses a
    /// number that already has rows (delete it first), a file that is not a
    /// store of whatsapp-rust 0.7's schema, and a file holding anything but
    /// the one device `SqliteStore::new` keeps. The file is only read.
    pub async fn import_sqlite(&self, number: &str, path: &Path) -> Result<ImportReport, PgError> {
        check_number(number)?;
        let owned = path.to_path_buf();
        let copies = tokio::task::spawn_blocking(move || read_store(&owned))
            .await
            .map_err(|e| import_error(path, format!("the reader stopped: {e}")))??;

        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(|e| self.failed("begin an import", e))?;
        // Two imports of one number wait for each other instead of racing.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("waconn import {number}"))
            .execute(&mut *tx)
            .await
            .map_err(|e| self.failed("lock the number for an import", e))?;
        for table in TABLES {
            let sql = format!(
                "SELECT EXISTS (SELECT 1 FROM {} WHERE number = $1)",
                table.name
            );
            let present: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(number)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| self.failed(&format!("read `{}`", table.name), e))?;
            if present {
                return Err(PgError::AlreadyPresent {
                    number: number.to_string(),
                });
            }
        }
        let mut tables = Vec::with_capacity(copies.len());
        for copy in copies {
            let name = copy.table.name;
            let rows = copy.rows as u64;
            if rows > 0 {
                insert(&mut tx, number, copy)
                    .await
                    .map_err(|e| self.failed(&format!("copy rows into `{name}`"), e))?;
            }
            tables.push((name, rows));
        }
        tx.commit()
            .await
            .map_err(|e| self.failed("commit an import", e))?;
        Ok(ImportReport {
            number: number.to_string(),
            path: path.to_path_buf(),
            tables,
        })
    }
}

fn import_error(path: &Path, reason: impl Into<String>) -> PgError {
    PgError::Import {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads every table of the store at `path` in one read transaction.
fn read_store(path: &Path) -> Result<Vec<TableCopy>, PgError> {
    let fail = |reason: String| import_error(path, reason);
    if !path.is_file() {
        return Err(fail(
            "no such file: give the path of a number's store (`<data>/sessions/NUMBER.db`)".into(),
        ));
    }
    let mut conn = SqliteConnection::establish(&read_only_uri(path))
        .map_err(|e| fail(format!("SQLite cannot open it: {e}")))?;
    // One read transaction: every table from the same snapshot. Nothing is
    // written, so an error simply drops the connection.
    diesel::sql_query("BEGIN")
        .execute(&mut conn)
        .map_err(|e| fail(format!("SQLite cannot read it: {e}")))?;
    check_schema(&mut conn).map_err(&fail)?;
    let copies = TABLES
        .iter()
        .map(|table| read_table(&mut conn, table).map_err(&fail))
        .collect::<Result<Vec<_>, _>>()?;
    check_device(&copies).map_err(&fail)?;
    Ok(copies)
}

/// A `file:` URI opening `path` read-only.
fn read_only_uri(path: &Path) -> String {
    let path = path.to_string_lossy();
    let escaped = path
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    format!("file:{escaped}?mode=ro")
}

/// The file's applied migrations must be exactly whatsapp-rust 0.7's.
fn check_schema(conn: &mut SqliteConnection) -> Result<(), String> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let applied: Vec<String> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load::<Version>(conn)
        .map_err(|e| format!("it is not a whatsapp-rust store (no migration table: {e})"))?
        .into_iter()
        .map(|v| v.version)
        .collect();
    let unknown: Vec<&str> = applied
        .iter()
        .map(String::as_str)
        .filter(|v| !STORE_MIGRATIONS.contains(v))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "its schema is newer than whatsapp-rust 0.7's (migrations {}): import it with the \
             waconnd that wrote it",
            unknown.join(", ")
        ));
    }
    let missing = STORE_MIGRATIONS
        .iter()
        .filter(|v| !applied.iter().any(|a| a == *v))
        .count();
    if missing > 0 {
        return Err(format!(
            "its schema is older than whatsapp-rust 0.7's ({missing} migrations not applied): \
             start this waconnd on it once (it upgrades its stores), then import it"
        ));
    }
    Ok(())
}

/// The file must hold exactly the device `SqliteStore::new` keeps.
fn check_device(copies: &[TableCopy]) -> Result<(), String> {
    let device = copies
        .iter()
        .find(|c| c.table.name == "device")
        .ok_or("no device table")?;
    let ids = match device.columns.first() {
        Some(Values::Int4(ids)) => ids,
        _ => return Err("the device table has no id column".into()),
    };
    match ids.as_slice() {
        [] => Err("it holds no device: nothing to copy".into()),
        [Some(id)] if *id == super::backend::DEVICE_ID => Ok(()),
        _ => Err(format!(
            "it holds device ids {ids:?}, not the one device (id {}) of a number's store",
            super::backend::DEVICE_ID
        )),
    }
}

fn read_table(conn: &mut SqliteConnection, table: &'static Table) -> Result<TableCopy, String> {
    let quoted: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let sql = format!("SELECT {} FROM \"{}\"", quoted.join(", "), table.name);
    let rows = diesel::sql_query(sql)
        .load::<Cells>(conn)
        .map_err(|e| format!("cannot read table `{}`: {e}", table.name))?;
    let mut columns: Vec<Values> = table
        .columns
        .iter()
        .map(|c| Values::new(c.kind, rows.len()))
        .collect();
    for (index, row) in rows.iter().enumerate() {
        for ((column, values), cell) in table.columns.iter().zip(&mut columns).zip(&row.0) {
            check_null(column, cell)
                .and_then(|()| values.push(cell.clone()))
                .map_err(|e| {
                    format!(
                        "table `{}` row {} column `{}`: {e}",
                        table.name,
                        index + 1,
                        column.name
                    )
                })?;
        }
    }
    Ok(TableCopy {
        table,
        rows: rows.len(),
        columns,
    })
}

fn check_null(column: &Column, cell: &Cell) -> Result<(), String> {
    if matches!(cell, Cell::Null) && !column.nullable {
        return Err("NULL in a column that may not be".into());
    }
    Ok(())
}

/// Inserts a table's rows for `number` in one statement.
async fn insert(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    number: &str,
    copy: TableCopy,
) -> Result<(), sqlx::Error> {
    let table = copy.table;
    let arrays: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + 2, c.kind.pg_array()))
        .collect();
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let sql = format!(
        "INSERT INTO {} (number, {}) SELECT $1, * FROM UNNEST({})",
        table.name,
        columns.join(", "),
        arrays.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(number.to_string());
    for values in copy.columns {
        query = match values {
            Values::Int4(v) => query.bind(v),
            Values::Int8(v) => query.bind(v),
            Values::Bool(v) => query.bind(v),
            Values::Text(v) => query.bind(v),
            Values::Bytes(v) => query.bind(v),
        };
    }
    query.execute(&mut **tx).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_cells_as_the_store_does() {
        let mut ints = Values::new(Kind::Int4, 2);
        ints.push(Cell::Integer(7)).expect("fits");
        assert!(ints.push(Cell::Integer(i64::from(i32::MAX) + 1)).is_err());
        assert!(ints.push(Cell::Text("7".into())).is_err());
        let mut flags = Values::new(Kind::Bool, 2);
        flags.push(Cell::Integer(0)).expect("bool");
        flags.push(Cell::Integer(1)).expect("bool");
        assert!(matches!(flags, Values::Bool(ref v) if v == &[Some(false), Some(true)]));
        let mut blobs = Values::new(Kind::Bytes, 2);
        blobs.push(Cell::Text("ab".into())).expect("text as bytes");
        blobs.push(Cell::Null).expect("null");
        assert!(matches!(blobs, Values::Bytes(ref v) if v == &[Some(b"ab".to_vec()), None]));
        assert!(Values::new(Kind::Int8, 1).push(Cell::Real).is_err());
    }

    #[test]
    fn uri_escapes_what_a_uri_would_read_as_syntax() {
        assert_eq!(
            read_only_uri(Path::new("/d/a?b#c%d.db")),
            "file:/d/a%3fb%23c%25d.db?mode=ro"
        );
    }
}
