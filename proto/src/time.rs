//! The wall clock both binaries read: epoch milliseconds, the unit of every
//! time on the wire.

/// Now in epoch milliseconds.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
