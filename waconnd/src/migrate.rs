//! `waconnd migrate --to URL`: copies a data directory's numbers (each
//! credential store, row for row, and its registry entry) into a shared
//! PostgreSQL database. The data directory is only read; numbers already in
//! the database are left alone and named. The nodes started on the
//! database then claim the copied numbers and connect them with no QR.

use std::path::Path;

use anyhow::Context;
use waconn_proto::SessionState;

use crate::cluster::settings::DatabaseUrl;
use crate::engine::postgres::{PgEngine, PgError};
use crate::registry::Entry;

/// What one migration did.
#[derive(Debug, Default)]
pub struct Migrated {
    /// Numbers copied, with their rows.
    pub copied: Vec<(String, u64)>,
    /// Numbers left out, and why.
    pub skipped: Vec<(String, String)>,
}

/// Copies `data_dir` into the database at `url`; the data directory must
/// not be in use by a running daemon.
pub async fn run(data_dir: &Path, url: &DatabaseUrl) -> anyhow::Result<Migrated> {
    let lock = crate::lock::DataDirLock::acquire(data_dir).context(
        "stop the waconnd using it first (`systemctl --user stop waconnd`), then migrate",
    )?;
    let entries = crate::registry::load(data_dir)?;
    let pg = PgEngine::connect(url.expose()).await?;
    let sessions = data_dir.join("sessions");
    let mut done = Migrated::default();
    for entry in entries {
        let number = entry.number.to_string();
        let path = sessions.join(format!("{number}.db"));
        let paired = !matches!(entry.state, SessionState::Pairing | SessionState::LoggedOut);
        if !paired {
            done.skipped.push((
                number,
                format!("{}: nothing to copy, pair it on a node", entry.state),
            ));
            continue;
        }
        if !path.exists() {
            done.skipped
                .push((number, format!("no credential store at {}", path.display())));
            continue;
        }
        match pg.import_sqlite(&number, &path).await {
            Ok(report) => {
                let mut entry = entry;
                if matches!(
                    entry.state,
                    SessionState::Connected
                        | SessionState::Disconnected
                        | SessionState::Reconnecting
                ) {
                    entry.state = SessionState::Connecting;
                    entry.reason = "copied into the database: waiting for a node to run it".into();
                    entry.since = crate::time::now_ms();
                }
                put_entry(&pg, &entry).await?;
                done.copied.push((number, report.rows()));
            }
            Err(PgError::AlreadyPresent { .. }) => done.skipped.push((
                number,
                "already in the database: left as it is there".to_string(),
            )),
            Err(e) => return Err(e).with_context(|| format!("cannot copy {number}")),
        }
    }
    lock.release_cleanly();
    Ok(done)
}

/// Writes `entry` as the number's registry row, with no owner: the first
/// live node with room claims it.
async fn put_entry(pg: &PgEngine, entry: &Entry) -> anyhow::Result<()> {
    let json = serde_json::to_string(entry)?;
    sqlx::query(
        "INSERT INTO registry (number, entry, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (number) DO NOTHING",
    )
    .bind(entry.number.as_str())
    .bind(&json)
    .execute(pg.pool())
    .await
    .with_context(|| {
        format!(
            "cannot write the registry entry of {} in {}",
            entry.number,
            pg.url()
        )
    })?;
    Ok(())
}

/// Says what [`run`] did, for people.
pub fn report(done: &Migrated, url: &DatabaseUrl) -> String {
    let mut text = format!("copied {} number(s) into {url}", done.copied.len());
    for (number, rows) in &done.copied {
        text.push_str(&format!("\n  {number}: {rows} rows"));
    }
    if !done.skipped.is_empty() {
        text.push_str(&format!("\nleft out {}:", done.skipped.len()));
        for (number, why) in &done.skipped {
            text.push_str(&format!("\n  {number}: {why}"));
        }
    }
    text.push_str(
        "\nnow run waconnd with --database (or WACONN_DATABASE) on each node: they connect with no QR",
    );
    text
}
