//! Wall-clock time in epoch milliseconds, the unit of every timestamp.

use std::time::Duration;

pub use waconn_proto::time::now_ms;

/// How long a graceful stop of a client may take before it is aborted:
/// what a session may need to close, counted in the lease's margin.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// `at` plus `d`, in epoch milliseconds.
pub fn after(at: i64, d: Duration) -> i64 {
    at.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How long from now until `at` (zero if past).
pub fn until(at: i64) -> Duration {
    Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0))
}
