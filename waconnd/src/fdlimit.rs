//! Open file descriptors: the limit raised at start, and running out said
//! plainly (the limit and the fix), never a silent stall.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// What each session holds for good on the files engine: its socket, and
/// its store's database, WAL and WAL index.
pub const FILES_PER_SESSION: u64 = 4;

/// What each session holds on a shared database: its socket (the pool's
/// connections are counted once, in the base).
pub const DATABASE_PER_SESSION: u64 = 1;

/// The pool's connections to a shared database.
const POOL: u64 = 16;

static PER_SESSION: AtomicU64 = AtomicU64::new(FILES_PER_SESSION);
static EXTRA_BASE: AtomicU64 = AtomicU64::new(0);

/// Descriptors each session holds for good, on this daemon's engine.
pub fn per_session() -> u64 {
    PER_SESSION.load(Ordering::Relaxed)
}

/// The credentials live in a shared database: a session holds its socket
/// only, and the pool holds its own.
pub fn use_database() {
    PER_SESSION.store(DATABASE_PER_SESSION, Ordering::Relaxed);
    EXTRA_BASE.store(POOL, Ordering::Relaxed);
}

fn base() -> u64 {
    BASE + EXTRA_BASE.load(Ordering::Relaxed)
}

/// Raises the soft limit on open files to the hard limit.
pub fn raise() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => tracing::debug!("open files limit raised to {:?}", limit.maximum),
            Err(e) => tracing::warn!(
                "cannot raise the open files limit from {:?}: {e}",
                limit.current
            ),
        }
    }
}

/// The current soft limit, if there is one.
fn limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

/// Descriptors the daemon needs besides its sessions: runtime, clients,
/// registry writes.
const BASE: u64 = 64;

/// Descriptors kept free for clients and registry writes: a new session
/// is not started into them.
const RESERVE: u64 = 16;

/// Whether one more session fits under the limit with the reserve left
/// free. Descriptors are handed out lowest first, so the number at `limit -
/// RESERVE - PER_SESSION` is free only while the process holds fewer than
/// that: one `fcntl`, however many are open.
pub fn room_for_session() -> bool {
    let Some(limit) = limit() else { return true };
    let kept = RESERVE + per_session();
    let Some(probe) = limit.checked_sub(kept) else {
        return false;
    };
    let Ok(probe) = i32::try_from(probe) else {
        return true;
    };
    // One probe at a time: two at once would see each other's copy.
    static PROBING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _probing = PROBING.lock().unwrap_or_else(|e| e.into_inner());
    let Ok(null) = std::fs::File::open("/dev/null") else {
        return false;
    };
    rustix::io::fcntl_dupfd_cloexec(&null, probe)
        .is_ok_and(|fd| std::os::fd::AsRawFd::as_raw_fd(&fd) == probe)
}

/// How many sessions the limit carries, if there is one.
pub fn capacity() -> Option<u64> {
    limit().map(|limit| limit.saturating_sub(base() + RESERVE) / per_session())
}

/// Says at start how many sessions the limit carries, and warns when
/// `sessions` will not all fit.
pub fn check_capacity(sessions: usize) {
    let (Some(limit), Some(fit)) = (limit(), capacity()) else {
        return;
    };
    let each = per_session();
    if sessions as u64 > fit {
        tracing::warn!(
            "{sessions} session(s) need about {} file descriptors ({each} each) but the limit is {limit}: about {fit} will fit; raise LimitNOFILE in the systemd unit (or the hard `ulimit -n`) to {each} per number plus 100",
            sessions as u64 * each + base() + RESERVE
        );
    } else {
        let unit = if each == 1 {
            "descriptor"
        } else {
            "descriptors"
        };
        tracing::info!(
            "the open files limit {limit} carries about {fit} numbers ({each} {unit} each)"
        );
    }
}

/// Whether `error` is the process's "too many open files" (EMFILE).
pub fn is_emfile(error: &std::io::Error) -> bool {
    error.raw_os_error() == Some(rustix::io::Errno::MFILE.raw_os_error())
}

/// Whether `error`, or anything it wraps, is "too many open files".
pub fn exhausted(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(is_emfile)
            || e.to_string().contains("Too many open files")
    })
}

/// Whether the process cannot open one more file right now (for errors
/// that lost their OS code on the way, as SQLite's do).
pub fn exhausted_now() -> bool {
    std::fs::File::open("/dev/null").is_err_and(|e| is_emfile(&e))
}

/// Says what ran out and how to fix it; logged at most once a minute.
pub fn explain() -> String {
    let limit = limit().map_or("unlimited".to_owned(), |l| l.to_string());
    let each = per_session();
    let message = format!(
        "out of file descriptors: the limit is {limit} and each number needs {each}; raise LimitNOFILE in the systemd unit (or the hard `ulimit -n`) to {each} per number plus 100, then restart waconnd or run `wactl reconnect`"
    );
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = crate::time::now_ms();
    if now - LAST.load(Ordering::Relaxed) > 60_000 {
        LAST.store(now, Ordering::Relaxed);
        tracing::error!("{message}");
    }
    message
}
