//! `wactl pair` on a real pseudo-terminal, read back through a terminal
//! emulator: as codes rotate, one code stays on screen, the current one,
//! with how long it is valid; a terminal too small says so.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use rustix::pty::OpenptFlags;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

use crate::harness::{Env, bin, until};

/// A terminal of `cols` x `rows` with `wactl ARGS` running on it, and what
/// it shows.
struct Terminal {
    screen: Arc<Mutex<vt100::Parser>>,
    _wactl: Child,
}

impl Terminal {
    fn start(env: &Env, args: &[&str], cols: u16, rows: u16) -> Self {
        let master =
            rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
                .expect("openpt");
        rustix::pty::grantpt(&master).expect("grantpt");
        rustix::pty::unlockpt(&master).expect("unlockpt");
        let name = rustix::pty::ptsname(&master, Vec::new()).expect("ptsname");
        let slave: OwnedFd = rustix::fs::open(
            name.as_c_str(),
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .expect("open the terminal");
        rustix::termios::tcsetwinsize(
            &slave,
            rustix::termios::Winsize {
                ws_row: rows,
                ws_col: cols,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .expect("window size");
        let io = || Stdio::from(slave.try_clone().expect("dup"));
        let wactl = Command::new(bin("wactl"))
            .args(args)
            .env("WACONN_SOCKET", env.socket())
            .env("TERM", "xterm")
            .stdin(io())
            .stdout(io())
            .stderr(io())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn wactl");
        drop(slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().expect("rows"),
            cols.try_into().expect("cols"),
            0,
        )));
        let feed = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut master = std::fs::File::from(master);
            let mut buf = [0u8; 4096];
            // Ends with EIO once wactl is gone.
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().expect("screen").process(&buf[..n]);
            }
        });
        Self {
            screen,
            _wactl: wactl,
        }
    }

    /// The visible rows, trailing blanks trimmed.
    fn rows(&self) -> Vec<String> {
        let parser = self.screen.lock().expect("screen");
        let (_, cols) = parser.screen().size();
        parser
            .screen()
            .rows(0, cols.get())
            .map(|r| r.trim_end().to_string())
            .collect()
    }
}

/// `code` as wactl draws it on a terminal.
fn picture(code: &str) -> Vec<String> {
    QrCode::new(code.as_bytes())
        .expect("qr")
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

fn is_code_row(row: &str) -> bool {
    row.contains(['█', '▀', '▄'])
}

#[tokio::test(flavor = "multi_thread")]
async fn rotating_codes_replace_each_other_on_a_terminal() {
    const NARROW: &str = "15550002525";
    const N: &str = "15550002626";
    let env = Env::new(&[]).await;

    // Too narrow for a code: it says so and how to get one anyway.
    let narrow = Terminal::start(&env, &["pair", NARROW], 40, 50);
    until(
        "the narrow terminal explains",
        Duration::from_secs(30),
        || async { narrow.rows().iter().any(|r| r.contains("--qr png:FILE")) },
    )
    .await;
    let rows = narrow.rows();
    assert!(
        rows.iter().any(|r| r.contains("this terminal is 40x50")),
        "{rows:#?}"
    );
    assert!(
        !rows.iter().any(|r| is_code_row(r)),
        "no unscannable code: {rows:#?}"
    );
    drop(narrow);

    let terminal = Terminal::start(&env, &["pair", N], 120, 60);
    // The same codes, as text, to know which one should be on screen.
    let mut text = env.spawn_wactl(&["pair", N, "--qr", "text"]);
    let mut codes = tokio::io::BufReader::new(text.stdout.take().expect("stdout")).lines();
    let mut seen: Vec<String> = Vec::new();
    // The first code lives 60 s, the next ones 20 s (whatsapp-rust's
    // pair.rs): the third code is the second rotation.
    while seen.len() < 3 {
        let code = tokio::time::timeout(Duration::from_secs(90), codes.next_line())
            .await
            .expect("a rotation within 90 s")
            .expect("read")
            .expect("a code");
        if seen.last() != Some(&code) {
            seen.push(code);
        }
    }
    let current = picture(&seen[2]);
    until(
        "the terminal shows the third code",
        Duration::from_secs(10),
        || async {
            let rows = terminal.rows();
            let drawn: Vec<&String> = rows.iter().filter(|r| is_code_row(r)).collect();
            drawn.len() == current.len() && drawn.iter().zip(&current).all(|(a, b)| *a == b)
        },
    )
    .await;
    let rows = terminal.rows();
    let drawn = rows.iter().filter(|r| is_code_row(r)).count();
    assert_eq!(
        drawn,
        current.len(),
        "one code on screen, not three:\n{}",
        rows.join("\n")
    );
    let labels: Vec<&String> = rows.iter().filter(|r| r.starts_with("code ")).collect();
    assert_eq!(labels.len(), 1, "{}", rows.join("\n"));
    assert!(
        labels[0].starts_with("code 3: valid for") || labels[0].starts_with("code 3 expired"),
        "{}",
        labels[0]
    );
    let left: u32 = labels[0]
        .strip_prefix("code 3: valid for ")
        .and_then(|r| r.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(left <= 20, "a later code lives 20 s: {}", labels[0]);
    for old in &seen[..2] {
        let old = picture(old);
        assert!(
            !rows.iter().any(|r| old.contains(r) && !current.contains(r)),
            "a row of an expired code is still on screen"
        );
    }
    let hints = rows
        .iter()
        .filter(|r| r.starts_with("scan with WhatsApp"))
        .count();
    assert_eq!(hints, 1, "{}", rows.join("\n"));
}
