//! Human output helpers: times and durations as people read them.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now in epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// "5m ago", "2h3m ago" for a past epoch-ms time.
pub fn ago(at: i64) -> String {
    let secs = u64::try_from((now_ms() - at) / 1000).unwrap_or(0);
    format!(
        "{} ago",
        waconn_proto::duration::format(std::time::Duration::from_secs(secs))
    )
}

/// "in 5m" for a future epoch-ms time.
pub fn from_now(at: i64) -> String {
    let secs = u64::try_from((at - now_ms()) / 1000).unwrap_or(0);
    format!(
        "in {}",
        waconn_proto::duration::format(std::time::Duration::from_secs(secs))
    )
}
