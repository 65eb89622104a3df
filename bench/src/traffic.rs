//! The steady-traffic phase: mockwa's generator sends every number
//! messages at a rate while the bench reads the process's CPU, disk
//! writes and logins, then counts its fsyncs in a window of their own.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::daemon::wait_for;
use crate::database::Database;
use crate::measured::Traffic;
use crate::mock::Mock;
use crate::proc;
use crate::strace;

/// What the phase is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Messages per number per minute.
    pub per_minute: f64,
    /// The share of them sent in a group.
    pub group_share: f64,
    /// How long the measured phase lasts.
    pub length: Duration,
    /// How long fsyncs are counted after it; zero skips the count.
    pub syncs_window: Duration,
}

/// How long the devices may take to ack what is left once traffic stops.
const DRAIN: Duration = Duration::from_secs(600);

/// Runs the phase against process `pid` (and the PostgreSQL server `db`
/// it runs on, if any); `scratch` holds strace's summary.
pub async fn run(
    mock: &Mock,
    pid: u32,
    db: Option<&Database>,
    plan: Plan,
    scratch: &Path,
) -> anyhow::Result<Traffic> {
    let logins = mock.logins();
    let before = proc::read(pid)?;
    let db_before = db.map(Database::read).transpose()?;
    let db_written = db.map(Database::write_bytes).transpose()?;
    let written = proc::write_bytes(pid)?;
    mock.server.reset_latency();
    mock.server.traffic(None, plan.per_minute, plan.group_share);
    let began = Instant::now();
    tokio::time::sleep(plan.length).await;
    let secs = began.elapsed().as_secs_f64();
    let after = proc::read(pid)?;
    let (db_cpu_percent, db_write_bytes_per_sec) = match (db, db_before, db_written) {
        (Some(db), Some(b), Some(w)) => (
            Some((db.read()?.cpu_secs - b.cpu_secs) / secs * 100.0),
            Some(db.write_bytes()?.saturating_sub(w) as f64 / secs),
        ),
        _ => (None, None),
    };
    let written = proc::write_bytes(pid)? - written;
    let ack = mock.server.stats().ack_latency;
    let spurious_logins = mock.logins() - logins;
    let syncs_per_sec = if plan.syncs_window.is_zero() {
        Err("not counted (`--syncs-window 0`)".to_string())
    } else {
        strace::count_syncs(pid, plan.syncs_window, &scratch.join("strace-syncs.txt"))
            .await
            .map(|calls| calls as f64 / plan.syncs_window.as_secs_f64())
            .map_err(|e| format!("{e:#}"))
    };
    mock.server.traffic(None, 0.0, 0.0);
    wait_for("every message acked after the traffic", DRAIN, || {
        std::future::ready(mock.unacked() == 0)
    })
    .await?;
    Ok(Traffic {
        per_minute: plan.per_minute,
        secs,
        cpu_percent: (after.cpu_secs - before.cpu_secs) / secs * 100.0,
        db_cpu_percent,
        ack,
        spurious_logins,
        after,
        write_bytes_per_sec: written as f64 / secs,
        db_write_bytes_per_sec,
        syncs_per_sec,
        syncs_window_secs: plan.syncs_window.as_secs_f64(),
    })
}
