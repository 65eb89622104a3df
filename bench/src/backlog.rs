//! The mass drop with a backlog: mockwa cuts every socket and queues
//! stanzas for every number; the bench times until every number logged in
//! again and is connected, and until every stanza is acked.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::daemon::wait_for;
use crate::measured::Backlog;
use crate::mock::Mock;
use crate::subject::Subject;

/// How long the whole recovery may take before the run fails.
const LIMIT: Duration = Duration::from_secs(1800);

/// Queues `per_number` stanzas for each of the `n` numbers of `subject`.
pub async fn run(
    mock: &Mock,
    subject: &Subject,
    socket: &std::path::Path,
    n: usize,
    per_number: usize,
) -> anyhow::Result<Backlog> {
    let logins = mock.logins();
    mock.server.reset_peak();
    mock.server.reset_latency();
    let cut_at = Instant::now();
    let server = Arc::clone(&mock.server);
    let done = tokio::task::spawn_blocking(move || server.backlog(None, per_number))
        .await
        .context("the backlog was not queued")?;
    let queue_secs = cut_at.elapsed().as_secs_f64();
    anyhow::ensure!(done.cut == n, "mockwa cut {} sockets, not {n}", done.cut);
    // Every number logged in again (counted by mockwa, so a client that was
    // back before the queue was full counts too) and is connected.
    let back = || async {
        mock.logins() - logins >= n as u64 && subject.connected(socket).await == Some(n)
    };
    wait_for("every number back after the backlog", LIMIT, back).await?;
    let back_secs = cut_at.elapsed().as_secs_f64();
    wait_for("every backlog stanza acked", LIMIT, || async {
        mock.unacked() == 0 && back().await
    })
    .await?;
    let acked_secs = cut_at.elapsed().as_secs_f64();
    let stats = mock.server.stats();
    Ok(Backlog {
        queued: done.queued,
        queue_secs,
        back_secs,
        acked_secs,
        peak: stats.peak_connects_per_second,
        extra_logins: (mock.logins() - logins).saturating_sub(n as u64),
        ack: stats.ack_latency,
    })
}
