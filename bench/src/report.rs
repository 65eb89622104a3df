//! The measurements as Markdown, each next to its target.

use crate::scenario::Measured;

/// The connect rate a default daemon keeps to.
const DEFAULT_RATE: u64 = 50;

/// The design's target at 1,000 and 10,000 numbers (`value` must stay
/// below it), judged; a dash for other N.
fn scaled(
    n: usize,
    value: f64,
    at_1000: f64,
    at_10000: f64,
    show: impl Fn(f64) -> String,
) -> String {
    let target = match n {
        1000 => at_1000,
        10000 => at_10000,
        _ => return "—".into(),
    };
    format!("≤ {} ({})", show(target), verdict(value <= target))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

/// One table for one N.
pub fn table(m: &Measured) -> String {
    let n = m.n;
    let mut rows: Vec<[String; 3]> = Vec::new();
    let mut row = |what: &str, measured: String, target: String| {
        rows.push([what.into(), measured, target]);
    };
    let marginal = m.marginal_kib();
    row(
        "marginal RSS per connected idle session",
        format!("{marginal:.0} KiB"),
        format!("≤ 400 KiB ({})", verdict(marginal <= 400.0)),
    );
    let one_mib = m.rss_one_kib as f64 / 1024.0;
    row(
        "daemon RSS, one number connected",
        format!("{one_mib:.1} MiB"),
        format!("< 20 MiB ({})", verdict(one_mib < 20.0)),
    );
    row(
        "daemon RSS, all N connected",
        format!("{:.1} MiB", m.rss_all_kib as f64 / 1024.0),
        "—".into(),
    );
    let secs = |t: f64| format!("{t:.0} s");
    let start_target = scaled(n, m.start_secs, 60.0, 300.0, secs);
    row(
        "start to all CONNECTED (default settings)",
        format!("{:.1} s", m.start_secs),
        start_target,
    );
    row(
        "peak connects/s seen by mockwa during the start",
        m.start_peak.to_string(),
        format!(
            "≤ {DEFAULT_RATE} ({})",
            verdict(m.start_peak <= DEFAULT_RATE)
        ),
    );
    let drop_target = scaled(n, m.drop_secs, 30.0, 300.0, secs);
    row(
        "all back after mockwa drops every socket",
        format!("{:.1} s", m.drop_secs),
        drop_target,
    );
    row(
        "peak connects/s seen by mockwa after the drop",
        m.drop_peak.to_string(),
        format!(
            "≤ {DEFAULT_RATE} ({})",
            verdict(m.drop_peak <= DEFAULT_RATE)
        ),
    );
    let cpu_target = scaled(n, m.idle_cpu_percent, 5.0, 25.0, |t| format!("{t:.0}%"));
    row(
        &format!("daemon CPU while idle ({:.0} s)", m.idle_secs),
        format!("{:.2}% of a core", m.idle_cpu_percent),
        cpu_target,
    );
    let list_target = scaled(n, m.list.median_ms, 20.0, 100.0, |t| format!("{t:.0} ms"));
    row(
        "`wactl list --json`, median / p99 of 100",
        format!("{:.1} / {:.1} ms", m.list.median_ms, m.list.p99_ms),
        list_target,
    );
    row(
        "`wactl status N`, median / p99 of 100",
        format!("{:.1} / {:.1} ms", m.status.median_ms, m.status.p99_ms),
        "—".into(),
    );
    let fds = m.fds_per_session();
    row(
        "open descriptors per session",
        format!("{fds:.2}"),
        format!("≤ 4 ({})", verdict(fds <= 4.0)),
    );
    row(
        "disk per paired number (store + registry share)",
        format!("{:.0} KiB", m.disk_per_number as f64 / 1024.0),
        "—".into(),
    );
    row(
        "SIGTERM to exit, all N connected",
        format!("{:.2} s", m.stop_secs),
        "—".into(),
    );
    row(
        "(setup) pairing N-1 numbers through the socket",
        format!("{:.1} s", m.pair_secs),
        "—".into(),
    );
    let mut out = format!("### N = {n}\n\n| measure | measured | target |\n|---|---|---|\n");
    for [a, b, c] in rows {
        out.push_str(&format!("| {a} | {b} | {c} |\n"));
    }
    out
}
