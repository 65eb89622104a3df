//! One measured run for N numbers of one side (the daemon or the bare
//! clients), from an empty data directory to the graceful stop.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::daemon::{Place, disk_bytes, wait_for};
use crate::database::Database;
use crate::latency::time_runs;
use crate::measured::{DbSide, Idle, Measured};
use crate::mock::Mock;
use crate::subject::{Engine, Kind, Mode, Site, Subject};
use crate::{backlog, proc, traffic};

/// What the bench needs besides N and the side.
pub struct Setup {
    /// Directory holding `waconnd` and `wactl`.
    pub bin_dir: PathBuf,
    /// The bench's own binary (it runs the bare clients).
    pub bench: PathBuf,
    /// Whether mockwa serves TLS (`wss://`).
    pub tls: bool,
    /// Idle time over which CPU is measured.
    pub idle: Duration,
    /// Connect rate of the daemon that pairs (not the measured one).
    pub pair_rate: u32,
    /// Pairings in flight at once.
    pub pair_parallel: usize,
    /// The steady-traffic phase, if asked for.
    pub traffic: Option<traffic::Plan>,
    /// Stanzas per number of the backlog phase, if asked for.
    pub backlog: Option<usize>,
    /// A pause once memory right after pairing is read, the subject still
    /// running, for a look from outside.
    pub hold_after_pairing: Duration,
}

/// Generous ceilings so a broken run ends instead of hanging.
const LIMIT: Duration = Duration::from_secs(1800);

/// The numbers of a run.
pub fn numbers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("1999{i:07}")).collect()
}

/// Waits until all `n` numbers are connected; returns the time since
/// `since`.
async fn all_connected(
    subject: &Subject,
    socket: &Path,
    n: usize,
    since: Instant,
) -> anyhow::Result<f64> {
    let result = wait_for("all sessions connected", LIMIT, || async {
        subject.connected(socket).await == Some(n)
    })
    .await;
    let ended = subject.ended();
    result.with_context(|| match ended.is_empty() {
        true => String::new(),
        false => format!("clients that stopped for good: {}", ended.join("; ")),
    })?;
    Ok(since.elapsed().as_secs_f64())
}

/// Waits until the daemon has reopened from disk every number it just
/// paired (a pairing's first login is followed by one more, once it has
/// settled: `waconnd` `session/policy/reopen.rs`) and all `n` are
/// connected again, so that "right after pairing" reads the daemon as it
/// then stays. Bare clients reopen nothing.
async fn reopened(
    kind: Kind,
    subject: &Subject,
    mock: &Mock,
    socket: &Path,
    paired: &[String],
    n: usize,
) -> anyhow::Result<()> {
    if kind == Kind::Bare {
        return Ok(());
    }
    wait_for("every paired number reopened", LIMIT, || async {
        let devices = mock.server.devices();
        paired
            .iter()
            .all(|p| devices.iter().any(|d| d.phone == *p && d.logins >= 2))
    })
    .await?;
    all_connected(subject, socket, n, Instant::now()).await?;
    Ok(())
}

/// Settles after a burst so the reading is of an idle process.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(5)).await;
}

/// Runs the whole scenario of `kind` for `n` numbers; on failure the
/// files stay for a look.
pub async fn run(setup: &Setup, kind: Kind, n: usize) -> anyhow::Result<Measured> {
    let dir = tempfile::tempdir()?;
    match run_in(setup, kind, n, dir.path()).await {
        Ok(measured) => Ok(measured),
        Err(e) => {
            let kept = dir.keep();
            Err(e.context(format!("files and the log kept in `{}`", kept.display())))
        }
    }
}

async fn run_in(setup: &Setup, kind: Kind, n: usize, dir: &Path) -> anyhow::Result<Measured> {
    let mock = Mock::start(setup.tls, dir).await?;
    let db = match kind {
        Kind::Daemon(Engine::Postgres) => Some(
            tokio::task::spawn_blocking(Database::start)
                .await
                .context("PostgreSQL did not start")??,
        ),
        _ => None,
    };
    let site = Site {
        kind,
        place: Place {
            binary: setup.bin_dir.join("waconnd"),
            data: dir.join("data"),
            socket: dir.join("run").join("waconnd.sock"),
            log: dir.join(match kind {
                Kind::Daemon(_) => "waconnd.log",
                Kind::Bare => "bare.log",
            }),
            url: mock.server.url(),
            ca: mock.ca.clone(),
            database: db.as_ref().map(Database::url),
        },
        bench: setup.bench.clone(),
        pair_rate: setup.pair_rate,
    };
    let socket = site.place.socket.clone();
    let numbers = numbers(n);

    eprintln!("  pairing the first number");
    // The first number, then the subject with only it, as restored from
    // disk.
    let s = Subject::start(&site, Mode::Pairing).await?;
    s.pair_all(&socket, &mock.server, &numbers[..1], 1).await?;
    s.stop(LIMIT).await?;
    let s = Subject::start(&site, Mode::Measured).await?;
    all_connected(&s, &socket, 1, s.started()).await?;
    settle().await;
    let one = proc::read(s.pid())?;
    let db_one = db.as_ref().map(Database::read).transpose()?;
    s.stop(LIMIT).await?;

    eprintln!("  pairing the rest");
    let s = Subject::start(&site, Mode::Pairing).await?;
    all_connected(&s, &socket, 1, s.started()).await?;
    let pairing = Instant::now();
    s.pair_all(&socket, &mock.server, &numbers[1..], setup.pair_parallel)
        .await?;
    let pair_secs = pairing.elapsed().as_secs_f64();
    reopened(kind, &s, &mock, &socket, &numbers[1..], n).await?;
    settle().await;
    let paired = proc::read(s.pid())?;
    if !setup.hold_after_pairing.is_zero() {
        eprintln!(
            "  holding {:?} after pairing: pid {}",
            setup.hold_after_pairing,
            s.pid()
        );
        tokio::time::sleep(setup.hold_after_pairing).await;
    }
    s.stop(LIMIT).await?;

    eprintln!("  restart with defaults");
    mock.server.reset_peak();
    let s = Subject::start(&site, Mode::Measured).await?;
    let start_secs = all_connected(&s, &socket, n, s.started()).await?;
    let start_peak = mock.server.stats().peak_connects_per_second;
    settle().await;
    let all = proc::read(s.pid())?;
    let db_all = db.as_ref().map(Database::read).transpose()?;

    let wactl = match kind {
        Kind::Daemon(_) => {
            eprintln!("  latency");
            let wactl = setup.bin_dir.join("wactl");
            let list = time_runs(&wactl, &socket, &["list", "--json"], 100).await?;
            let status = time_runs(&wactl, &socket, &["status", &numbers[n / 2]], 100).await?;
            Some((list, status))
        }
        Kind::Bare => None,
    };

    eprintln!("  idle");
    let logins = mock.logins();
    let before = proc::read(s.pid())?;
    let db_before = db.as_ref().map(Database::read).transpose()?;
    tokio::time::sleep(setup.idle).await;
    let after = proc::read(s.pid())?;
    let db_after = db.as_ref().map(Database::read).transpose()?;
    let idle_secs = setup.idle.as_secs_f64();
    let idle = Idle {
        secs: idle_secs,
        cpu_percent: (after.cpu_secs - before.cpu_secs) / idle_secs * 100.0,
        spurious_logins: mock.logins() - logins,
    };
    anyhow::ensure!(
        s.connected(&socket).await == Some(n),
        "sessions dropped while idle"
    );

    let traffic = match setup.traffic {
        Some(plan) => {
            eprintln!("  traffic");
            let measured = traffic::run(&mock, s.pid(), db.as_ref(), plan, dir).await?;
            anyhow::ensure!(
                s.connected(&socket).await == Some(n),
                "sessions dropped under traffic"
            );
            Some(measured)
        }
        None => None,
    };

    eprintln!("  mass drop");
    mock.server.reset_peak();
    let cut = mock.server.drop_connections(None);
    anyhow::ensure!(cut == n, "mockwa cut {cut} sockets, not {n}");
    let dropped = Instant::now();
    // The subject needs a moment to notice; wait for that first.
    wait_for("the drop is noticed", LIMIT, || async {
        s.connected(&socket).await.unwrap_or(n) < n
    })
    .await
    .context("no session noticed the drop")?;
    let drop_secs = all_connected(&s, &socket, n, dropped).await?;
    let drop_peak = mock.server.stats().peak_connects_per_second;

    let backlog = match setup.backlog {
        Some(per_number) => {
            eprintln!("  mass drop with a backlog");
            Some(backlog::run(&mock, &s, &socket, n, per_number).await?)
        }
        None => None,
    };

    let stores = site.stores();
    let disk = disk_bytes(&stores)
        + match kind {
            Kind::Daemon(_) => disk_bytes(&site.place.data),
            Kind::Bare => 0,
        };
    let stop_secs = s.stop(LIMIT).await?.as_secs_f64();
    let database = match (&db, db_one, db_all, db_before, db_after) {
        (Some(db), Some(one), Some(all), Some(before), Some(after)) => Some(DbSide {
            one,
            all,
            idle_cpu_percent: (after.cpu_secs - before.cpu_secs) / idle_secs * 100.0,
            bytes_per_number: db.grown_bytes() / n as u64,
        }),
        _ => None,
    };
    mock.shutdown().await;
    Ok(Measured {
        kind,
        n,
        one,
        paired,
        all,
        pair_secs,
        start_secs,
        start_peak,
        idle,
        wactl,
        traffic,
        drop_secs,
        drop_peak,
        backlog,
        disk_per_number: disk / n as u64,
        stop_secs,
        database,
    })
}
