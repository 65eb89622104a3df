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

/// An epoch-ms time as RFC 3339 UTC with milliseconds.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_703_123_456_789), "2023-12-21T01:50:56.789Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
