//! Human output helpers: times and durations as people read them, and
//! daemon-provided text made safe for one line of a terminal.

use std::borrow::Cow;
use std::time::Duration;

use waconn_proto::time::now_ms;

/// "5m ago", "2h3m ago" for a past epoch-ms time.
pub fn ago(at: i64) -> String {
    format!("{} ago", elapsed(at))
}

/// "5m", "2h3m": how long ago a past epoch-ms time was.
pub fn elapsed(at: i64) -> String {
    span(now_ms() - at)
}

/// "in 5m" for a future epoch-ms time.
pub fn from_now(at: i64) -> String {
    format!("in {}", span(at - now_ms()))
}

/// A number of milliseconds as a duration people read ("3h5m"); negative
/// is 0s.
pub fn span(ms: i64) -> String {
    waconn_proto::duration::format(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
}

/// `text` (a push name, a reason: anything the daemon or a phone supplied)
/// with control characters and bidirectional overrides escaped (`\n`,
/// `\u{1b}`, `\u{202e}`), so it stays on its line and cannot steer the
/// terminal. JSON output keeps the text as it is.
pub fn one_line(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Since when `s` is what SINCE shows: for a number that is recovering on
/// its own, since it lost its connection (its attempts come and go in
/// between); otherwise since it entered its state.
pub fn since(s: &waconn_proto::SessionInfo) -> i64 {
    match s.disconnected_at {
        Some(at) if s.state.is_recovering() && at <= s.since => at,
        _ => s.since,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(one_line("Shop"), "Shop");
        assert!(matches!(one_line("Ünïcødé ☕"), Cow::Borrowed(_)));
        assert_eq!(one_line("Shop\nEvil"), "Shop\\nEvil");
        assert_eq!(one_line("a\tb\r"), "a\\tb\\r");
        assert_eq!(one_line("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(one_line("abc\u{202e}fed"), "abc\\u{202e}fed");
    }
}
