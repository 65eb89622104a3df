//! Open file descriptors: the limit raised at start, and running out said
//! plainly (the limit and the fix), never a silent stall.

use std::sync::atomic::{AtomicI64, Ordering};

/// What each session holds: a socket, the store's database, its WAL and its
/// shared-memory index.
pub const PER_SESSION: u64 = 4;

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

/// Whether `error`, or anything it wraps, is "too many open files".
pub fn exhausted(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::raw_os_error)
            .is_some_and(|code| code == rustix::io::Errno::MFILE.raw_os_error())
            || e.to_string().contains("Too many open files")
    })
}

/// Whether the process cannot open one more file right now (for errors
/// that lost their OS code on the way, as SQLite's do).
pub fn exhausted_now() -> bool {
    std::fs::File::open("/dev/null")
        .is_err_and(|e| e.raw_os_error() == Some(rustix::io::Errno::MFILE.raw_os_error()))
}

/// Says what ran out and how to fix it; logged at most once a minute.
pub fn explain() -> String {
    let limit = limit().map_or("unlimited".to_owned(), |l| l.to_string());
    let message = format!(
        "out of file descriptors: the limit is {limit} and each session needs up to {PER_SESSION}; raise LimitNOFILE in the systemd unit (or the hard `ulimit -n`), then restart waconnd or run `wactl reconnect`"
    );
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = crate::time::now_ms();
    if now - LAST.load(Ordering::Relaxed) > 60_000 {
        LAST.store(now, Ordering::Relaxed);
        tracing::error!("{message}");
    }
    message
}
