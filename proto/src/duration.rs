//! Durations as people write and read them: `90s`, `5m`, `1h30m`, `7d`
//! (jiff's friendly format, which also takes `1 hour 30 minutes` and ISO
//! 8601's `PT1H30M`); a bare number is seconds. Shown with at most two
//! units, rounded: `7d`, `5m12s`, `3h5m`.

use std::time::Duration;

use jiff::fmt::friendly::{Designator, Spacing, SpanPrinter};
use jiff::{RoundMode, Span, SpanRelativeTo, SpanRound, Unit};

/// The hint every parse error ends with.
const EXAMPLES: &str = "write it like 30s, 15m, 1h30m or 7d";

/// Parses a duration such as `30s`, `15m`, `1h30m` or `7d`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("empty duration; {EXAMPLES}"));
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let span: Span = text
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; {EXAMPLES}"))?;
    if span.is_negative() {
        return Err(format!("`{text}` is negative; {EXAMPLES}"));
    }
    span.to_duration(SpanRelativeTo::days_are_24_hours())
        .ok()
        .and_then(|d| Duration::try_from(d).ok())
        .ok_or_else(|| {
            format!("`{text}`: months and years have no fixed length; use days, e.g. 30d")
        })
}

/// Formats `d` with at most two units, the smaller one rounded (half up):
/// `6d23h59m56s` is `7d`, `3h5m40s` is `3h6m`, `312s` is `5m12s`.
pub fn format(d: Duration) -> String {
    let printer = SpanPrinter::new()
        .designator(Designator::Compact)
        .spacing(Spacing::None);
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    let half_up = i64::from(d.subsec_millis() >= 500);
    let balance = |span: Span, smallest| {
        span.round(
            SpanRound::new()
                .largest(Unit::Day)
                .smallest(smallest)
                .mode(RoundMode::HalfExpand)
                .days_are_24_hours(),
        )
    };
    let Ok(exact) = Span::new()
        .try_seconds(secs.saturating_add(half_up))
        .and_then(|span| balance(span, Unit::Second))
    else {
        // Beyond jiff's range (hundreds of years): days are precise enough.
        return format!("{}d", d.as_secs() / 86_400);
    };
    let second_unit = if exact.get_days() != 0 {
        Unit::Hour
    } else if exact.get_hours() != 0 {
        Unit::Minute
    } else {
        Unit::Second
    };
    let rounded = balance(exact, second_unit).unwrap_or(exact);
    printer.span_to_string(&rounded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert!(parse("1x").expect_err("unit").contains("not a duration"));
        assert!(parse("h").is_err());
        assert!(parse("5m3").expect_err("trailing").contains("30s, 15m"));
        assert!(parse("").is_err());
        assert!(parse("-5m").expect_err("negative").contains("negative"));
        assert!(parse("1mo").expect_err("month").contains("use days"));
    }

    #[test]
    fn formats_at_most_two_units_rounded() {
        let f = |secs| format(Duration::from_secs(secs));
        assert_eq!(f(0), "0s");
        assert_eq!(f(59), "59s");
        assert_eq!(f(312), "5m12s");
        assert_eq!(f(11_100), "3h5m");
        assert_eq!(f(11_140), "3h6m", "3h5m40s rounds up");
        assert_eq!(f(604_796), "7d", "6d23h59m56s");
        assert_eq!(f(86_399), "1d", "23h59m59s");
        assert_eq!(f(93_784), "1d2h", "1d2h3m4s");
        assert_eq!(f(5400), "1h30m");
        assert_eq!(format(Duration::from_millis(1500)), "2s");
        assert_eq!(
            format(Duration::from_secs(u64::MAX)).chars().last(),
            Some('d')
        );
    }

    #[test]
    fn what_is_formatted_parses_back() {
        for secs in [1, 60, 5400, 93_600, 604_800] {
            let d = Duration::from_secs(secs);
            assert_eq!(parse(&format(d)), Ok(d));
        }
    }
}
