//! The measurements as Markdown: for each N one table, each figure of
//! waconnd next to the bare clients' and their ratio, and its target.

use crate::measured::Measured;
use crate::scenario::Setup;
use crate::subject::Kind;

/// The connect rate a default daemon keeps to.
const DEFAULT_RATE: f64 = 50.0;

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

/// "≤ LIMIT (verdict)".
fn at_most(value: f64, limit: f64, shown: &str) -> String {
    format!("≤ {shown} ({})", verdict(value <= limit))
}

/// A target that holds at `at` numbers only; a dash at other N.
fn at_n(n: usize, at: usize, value: f64, limit: f64, shown: &str) -> String {
    if n == at {
        at_most(value, limit, &format!("{shown} at {at}"))
    } else {
        "—".into()
    }
}

/// Rows of one table: a column for each side, a ratio column for each side
/// against the base (the bare clients, else the first side), the target.
struct Table<'a> {
    sides: &'a [Measured],
    base: Option<usize>,
    rows: Vec<Vec<String>>,
}

impl<'a> Table<'a> {
    fn new(sides: &'a [Measured]) -> Self {
        let bare = sides.iter().position(|m| m.kind == Kind::Bare);
        let base = bare.or((sides.len() > 1).then_some(0));
        Self {
            sides,
            base,
            rows: Vec::new(),
        }
    }

    /// The sides a ratio column is given for.
    fn compared(&self) -> impl Iterator<Item = usize> + '_ {
        let count = if self.base.is_some() {
            self.sides.len()
        } else {
            0
        };
        (0..count).filter(move |&i| Some(i) != self.base)
    }

    /// The heading and the separator.
    fn heading(&self) -> String {
        let mut cells = vec!["measure".to_string()];
        cells.extend(self.sides.iter().map(|m| m.kind.name().to_string()));
        if let Some(base) = self.base {
            let base = self.sides[base].kind.short();
            cells.extend(
                self.compared()
                    .map(|i| format!("{} / {base}", self.sides[i].kind.short())),
            );
        }
        let daemons: Vec<&str> = self
            .sides
            .iter()
            .filter(|m| m.kind != Kind::Bare)
            .map(|m| m.kind.short())
            .collect();
        cells.push(format!("target ({})", daemons.join(" / ")));
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let dashes: Vec<String> = cells.iter().map(|_| "---".to_string()).collect();
        format!("{}{}", line(&cells), line(&dashes).replace(' ', ""))
    }

    /// A row of a figure the sides have: `get` reads it, `show` prints
    /// it, `target` judges one daemon side's value.
    fn figure(
        &mut self,
        what: &str,
        get: impl Fn(&Measured) -> Option<f64>,
        show: impl Fn(f64) -> String,
        target: impl Fn(&Measured, f64) -> String,
    ) {
        let values: Vec<Option<f64>> = self.sides.iter().map(&get).collect();
        if values.iter().all(Option::is_none) {
            return;
        }
        let dash = || "—".to_string();
        let mut row = vec![what.to_string()];
        row.extend(values.iter().map(|v| v.map(&show).unwrap_or_else(dash)));
        if let Some(base) = self.base {
            for i in self.compared() {
                row.push(match (values[i], values[base]) {
                    (Some(v), Some(b)) if b > 0.0 => format!("{:.2}×", v / b),
                    (Some(0.0), Some(_)) => "1×".into(),
                    _ => dash(),
                });
            }
        }
        let mut judged: Vec<String> = self
            .sides
            .iter()
            .zip(&values)
            .filter(|(m, _)| m.kind != Kind::Bare)
            .filter_map(|(m, v)| v.map(|v| target(m, v)))
            .collect();
        if judged.is_empty() {
            // Only the bare clients have it.
            judged = self
                .sides
                .iter()
                .zip(&values)
                .filter_map(|(m, v)| v.map(|v| target(m, v)))
                .collect();
        }
        judged.dedup();
        row.push(judged.join(" / "));
        self.rows.push(row);
    }

    /// A row whose figure is text (no ratio, no target).
    fn text(&mut self, what: &str, get: impl Fn(&Measured) -> Option<String>) {
        let values: Vec<Option<String>> = self.sides.iter().map(&get).collect();
        if values.iter().all(Option::is_none) {
            return;
        }
        let dash = || "—".to_string();
        let mut row = vec![what.to_string()];
        row.extend(values.into_iter().map(|v| v.unwrap_or_else(dash)));
        row.extend(self.compared().map(|_| dash()));
        row.push(dash());
        self.rows.push(row);
    }
}

fn kib(v: f64) -> String {
    format!("{v:.0} KiB")
}
fn mib(v: f64) -> String {
    format!("{:.1} MiB", v / 1024.0)
}
fn secs(v: f64) -> String {
    format!("{v:.1} s")
}
fn percent(v: f64) -> String {
    format!("{v:.2}% of a core")
}
fn ms(v: f64) -> String {
    format!("{v:.0} ms")
}
fn count(v: f64) -> String {
    format!("{v:.0}")
}

/// The run's settings, said above its tables.
pub fn settings(setup: &Setup) -> String {
    let mut said = vec![
        if setup.tls {
            "wss:// (TLS)"
        } else {
            "plain ws://"
        }
        .to_string(),
        format!("idle {} s", setup.idle.as_secs()),
    ];
    if let Some(t) = &setup.traffic {
        said.push(format!(
            "traffic {} a number a minute for {} s ({:.0}% in groups)",
            t.per_minute,
            t.length.as_secs(),
            t.group_share * 100.0
        ));
    }
    if let Some(b) = setup.backlog {
        said.push(format!("backlog {b} stanzas a number"));
    }
    said.join(", ")
}

/// One table for one N, from the sides measured.
pub fn table(setup: &Setup, sides: &[Measured]) -> String {
    let mut t = Table::new(sides);
    let n = sides.first().map_or(0, |m| m.n);
    let floor = n as f64 / DEFAULT_RATE * 1.1;
    let floor_target = |_: &Measured, v: f64| {
        if n >= 1000 {
            at_most(
                v,
                floor,
                &format!("{floor:.0} s (1.1 × N / {DEFAULT_RATE})"),
            )
        } else {
            "—".into()
        }
    };
    let rate_target = |_: &Measured, v: f64| at_most(v, DEFAULT_RATE, &format!("{DEFAULT_RATE}"));

    t.figure(
        "marginal RSS per connected idle session (after a restart)",
        |m| Some(m.marginal_kib(&m.all)),
        kib,
        |_, v| at_most(v, 256.0, "256 KiB"),
    );
    t.figure(
        "marginal RSS right after pairing, no restart",
        |m| Some(m.marginal_kib(&m.paired)),
        kib,
        |m, v| match m.marginal_kib(&m.all) {
            r if r > 0.0 => format!(
                "≤ 1.2 × after a restart: {:.2}× ({})",
                v / r,
                verdict(v <= 1.2 * r)
            ),
            _ => "—".into(),
        },
    );
    t.figure(
        "RSS, one number connected",
        |m| Some(m.one.rss_kib as f64),
        mib,
        |_, v| format!("< 20 MiB ({})", verdict(v < 20.0 * 1024.0)),
    );
    t.figure(
        "RSS, all N connected",
        |m| Some(m.all.rss_kib as f64),
        mib,
        |_, _| "—".into(),
    );
    t.figure(
        "PostgreSQL server, all N connected (PSS of its processes)",
        |m| m.database.map(|db| db.all.rss_kib as f64),
        mib,
        |_, _| "—".into(),
    );
    t.figure(
        "PostgreSQL server's growth per number",
        |m| m.db_marginal_kib(),
        kib,
        |_, _| "—".into(),
    );
    t.figure(
        "daemon and PostgreSQL together, marginal per session (after a restart)",
        |m| m.db_marginal_kib().map(|db| db + m.marginal_kib(&m.all)),
        kib,
        |_, _| "—".into(),
    );
    t.figure(
        "start to all connected (default settings)",
        |m| Some(m.start_secs),
        secs,
        floor_target,
    );
    t.figure(
        "peak connects/s seen by mockwa during the start",
        |m| Some(m.start_peak as f64),
        count,
        rate_target,
    );
    t.figure(
        &format!(
            "CPU while idle ({:.0} s)",
            sides.first().map_or(0.0, |m| m.idle.secs)
        ),
        |m| Some(m.idle.cpu_percent),
        percent,
        |_, v| {
            let bare = bare_idle(sides);
            let ratio = match bare {
                Some(b) if b > 0.0 => format!("≤ 1.1 × bare ({})", verdict(v <= 1.1 * b)),
                _ => "≤ 1.1 × bare".into(),
            };
            match n {
                10000 => format!("{ratio}; {}", at_most(v, 5.0, "5% at 10,000")),
                _ => ratio,
            }
        },
    );
    t.figure(
        "PostgreSQL server's CPU while the daemon idles",
        |m| m.database.map(|db| db.idle_cpu_percent),
        percent,
        |_, _| "—".into(),
    );
    t.figure(
        "logins nobody caused while idle",
        |m| Some(m.idle.spurious_logins as f64),
        count,
        |_, v| format!("0 ({})", verdict(v == 0.0)),
    );
    t.text("traffic phase", |m| {
        m.traffic.as_ref().map(|x| {
            format!(
                "{} a number a minute for {:.0} s; fsyncs over {:.0} s after",
                x.per_minute, x.secs, x.syncs_window_secs
            )
        })
    });
    t.figure(
        "CPU under traffic",
        |m| m.traffic.as_ref().map(|x| x.cpu_percent),
        percent,
        |_, v| at_n(n, 10000, v, 25.0, "25%"),
    );
    t.figure(
        "PostgreSQL server's CPU under traffic",
        |m| m.traffic.as_ref().and_then(|x| x.db_cpu_percent),
        percent,
        |_, _| "—".into(),
    );
    t.text("send-to-ack under traffic, p50 / p99 / max", |m| {
        m.traffic.as_ref().map(|x| {
            format!(
                "{} / {} / {} ms ({} acks)",
                x.ack.p50_ms, x.ack.p99_ms, x.ack.max_ms, x.ack.count
            )
        })
    });
    t.figure(
        "send-to-ack p99 under traffic",
        |m| m.traffic.as_ref().map(|x| x.ack.p99_ms as f64),
        ms,
        |_, v| at_most(v, 2000.0, "2 s"),
    );
    t.figure(
        "reconnects nobody caused under traffic",
        |m| m.traffic.as_ref().map(|x| x.spurious_logins as f64),
        count,
        |_, v| format!("0 ({})", verdict(v == 0.0)),
    );
    t.figure(
        "marginal RSS per session after the traffic",
        |m| m.traffic.as_ref().map(|x| m.marginal_kib(&x.after)),
        kib,
        |_, _| "—".into(),
    );
    t.figure(
        "disk writes under traffic",
        |m| m.traffic.as_ref().map(|x| x.write_bytes_per_sec / 1024.0),
        |v| format!("{v:.0} KiB/s"),
        |_, _| "—".into(),
    );
    t.figure(
        "PostgreSQL server's disk writes under traffic",
        |m| {
            m.traffic
                .as_ref()
                .and_then(|x| x.db_write_bytes_per_sec)
                .map(|b| b / 1024.0)
        },
        |v| format!("{v:.0} KiB/s"),
        |_, _| "—".into(),
    );
    t.figure(
        "fsyncs under traffic",
        |m| {
            m.traffic
                .as_ref()
                .and_then(|x| x.syncs_per_sec.clone().ok())
        },
        |v| format!("{v:.3}/s"),
        |_, _| "—".into(),
    );
    t.text("fsyncs not counted", |m| {
        m.traffic
            .as_ref()
            .and_then(|x| x.syncs_per_sec.clone().err())
    });
    t.figure(
        "all back after mockwa drops every socket",
        |m| Some(m.drop_secs),
        secs,
        floor_target,
    );
    t.figure(
        "peak connects/s seen by mockwa after the drop",
        |m| Some(m.drop_peak as f64),
        count,
        rate_target,
    );
    let backlog = setup.backlog.unwrap_or(0);
    t.figure(
        &format!("mass drop with {backlog} stanzas a number: all back"),
        |m| m.backlog.as_ref().map(|b| b.back_secs),
        secs,
        |_, _| "—".into(),
    );
    t.figure(
        &format!("mass drop with {backlog} stanzas a number: all back and acked"),
        |m| m.backlog.as_ref().map(|b| b.acked_secs),
        secs,
        |_, v| match n {
            1000 => at_most(v, 60.0, "60 s at 1,000"),
            10000 => at_most(v, 600.0, "10 min at 10,000"),
            _ => "—".into(),
        },
    );
    t.figure(
        "stanzas queued for the backlog drop",
        |m| m.backlog.as_ref().map(|b| b.queued as f64),
        count,
        |_, _| "—".into(),
    );
    t.figure(
        "  (mockwa queueing the backlog, sockets already cut)",
        |m| m.backlog.as_ref().map(|b| b.queue_secs),
        secs,
        |_, _| "—".into(),
    );
    t.figure(
        "peak connects/s seen by mockwa after the backlog drop",
        |m| m.backlog.as_ref().map(|b| b.peak as f64),
        count,
        rate_target,
    );
    t.figure(
        "logins beyond one a number after the backlog drop",
        |m| m.backlog.as_ref().map(|b| b.extra_logins as f64),
        count,
        |_, _| "—".into(),
    );
    t.text("send-to-ack of the backlog, p50 / p99 / max", |m| {
        m.backlog.as_ref().map(|b| {
            format!(
                "{} / {} / {} ms ({} acks)",
                b.ack.p50_ms, b.ack.p99_ms, b.ack.max_ms, b.ack.count
            )
        })
    });
    t.text("`wactl list --json`, median / p99 of 100", |m| {
        m.wactl
            .map(|(l, _)| format!("{:.1} / {:.1} ms", l.median_ms, l.p99_ms))
    });
    t.figure(
        "`wactl list --json` median",
        |m| m.wactl.map(|(l, _)| l.median_ms),
        |v| format!("{v:.1} ms"),
        |_, v| match n {
            1000 => at_most(v, 20.0, "20 ms at 1,000"),
            10000 => at_most(v, 50.0, "50 ms at 10,000"),
            _ => "—".into(),
        },
    );
    t.text("`wactl status N`, median / p99 of 100", |m| {
        m.wactl
            .map(|(_, s)| format!("{:.1} / {:.1} ms", s.median_ms, s.p99_ms))
    });
    t.figure(
        "open descriptors per session",
        |m| Some(m.fds_per_session()),
        |v| format!("{v:.2}"),
        |_, v| at_most(v, 4.0, "4"),
    );
    t.figure(
        "disk per paired number",
        |m| Some(m.disk_per_number as f64 / 1024.0),
        kib,
        |_, _| "—".into(),
    );
    t.figure(
        "PostgreSQL databases' growth per paired number",
        |m| m.database.map(|db| db.bytes_per_number as f64 / 1024.0),
        kib,
        |_, _| "—".into(),
    );
    t.figure(
        "graceful stop to exit, all N connected",
        |m| Some(m.stop_secs),
        |v| format!("{v:.2} s"),
        |_, _| "—".into(),
    );
    t.figure(
        "(setup) pairing N-1 numbers",
        |m| Some(m.pair_secs),
        secs,
        |_, _| "—".into(),
    );
    let mut out = format!("### N = {n}\n\n{}\n\n{}", settings(setup), t.heading());
    for row in t.rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// The bare clients' idle CPU, if they were measured.
fn bare_idle(sides: &[Measured]) -> Option<f64> {
    sides
        .iter()
        .find(|m| m.kind == Kind::Bare)
        .map(|m| m.idle.cpu_percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_says_whether_it_was_met() {
        assert_eq!(at_most(256.0, 256.0, "256 KiB"), "≤ 256 KiB (met)");
        assert_eq!(at_most(257.0, 256.0, "256 KiB"), "≤ 256 KiB (**missed**)");
        assert_eq!(at_n(1000, 10000, 30.0, 25.0, "25%"), "—");
        assert_eq!(
            at_n(10000, 10000, 30.0, 25.0, "25%"),
            "≤ 25% at 10000 (**missed**)"
        );
    }

    fn side(kind: Kind, rss_kib: u64) -> Measured {
        let reading = |rss_kib| crate::proc::Reading {
            rss_kib,
            fds: 10,
            cpu_secs: 0.0,
        };
        Measured {
            kind,
            n: 101,
            one: reading(20_000),
            paired: reading(20_000 + 100 * 2 * rss_kib),
            all: reading(20_000 + 100 * rss_kib),
            pair_secs: 1.0,
            start_secs: 1.0,
            start_peak: 1,
            idle: crate::measured::Idle {
                secs: 1.0,
                cpu_percent: 1.0,
                spurious_logins: 0,
            },
            wactl: None,
            traffic: None,
            drop_secs: 1.0,
            drop_peak: 1,
            backlog: None,
            disk_per_number: 0,
            stop_secs: 1.0,
            database: None,
        }
    }

    #[test]
    fn two_engines_get_a_column_each_and_the_second_a_ratio_to_the_first() {
        use crate::subject::Engine;
        let sides = [
            side(Kind::Daemon(Engine::Embedded), 400),
            side(Kind::Daemon(Engine::Postgres), 200),
        ];
        let mut t = Table::new(&sides);
        assert_eq!(
            t.heading(),
            "| measure | waconnd | waconnd on PostgreSQL | on PostgreSQL / waconnd | target (waconnd / on PostgreSQL) |\n|---|---|---|---|---|\n"
        );
        t.figure(
            "marginal",
            |m| Some(m.marginal_kib(&m.all)),
            kib,
            |m, v| {
                let r = m.marginal_kib(&m.all);
                format!("{:.1}×", v / r)
            },
        );
        assert_eq!(
            t.rows[0],
            ["marginal", "400 KiB", "200 KiB", "0.50×", "1.0×"]
        );
    }

    #[test]
    fn beside_the_bare_clients_every_daemon_side_is_divided_by_them() {
        use crate::subject::Engine;
        let sides = [
            side(Kind::Daemon(Engine::Embedded), 400),
            side(Kind::Daemon(Engine::Postgres), 300),
            side(Kind::Bare, 200),
        ];
        let mut t = Table::new(&sides);
        t.figure(
            "marginal",
            |m| Some(m.marginal_kib(&m.all)),
            kib,
            |_, v| at_most(v, 350.0, "350 KiB"),
        );
        assert_eq!(
            t.rows[0],
            [
                "marginal",
                "400 KiB",
                "300 KiB",
                "200 KiB",
                "2.00×",
                "1.50×",
                "≤ 350 KiB (**missed**) / ≤ 350 KiB (met)"
            ]
        );
    }
}
