//! The daemon as a process: shutdown, locking, file modes, release safety.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::harness::{Env, bin, text};

const N: &str = "15550005555";

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_saves_closes_without_logout_and_removes_the_socket() {
    let mut env = Env::new(&[]).await;
    assert!(
        env.log()
            .contains("no numbers yet: pair one with `wactl pair NUMBER`"),
        "a first start says what to do: {}",
        env.log()
    );
    env.pair(N).await;
    let status = env.stop().await;
    assert!(status.success(), "exit {status}");
    assert!(!env.socket().exists(), "socket removed");
    let devices = env.mock.devices();
    assert!(!devices[0].removed, "a shutdown never logs out");
    crate::harness::until(
        "mockwa sees the socket closed",
        Duration::from_secs(10),
        || async { !env.mock.devices()[0].connected },
    )
    .await;
    let registry = std::fs::read_to_string(env.data().join("sessions.json")).expect("registry");
    assert!(registry.contains(N));
    assert!(env.log().contains("shutting down"), "{}", env.log());
    assert!(
        env.log()
            .contains("stopped: 1 number(s) saved, none logged out"),
        "{}",
        env.log()
    );
    // A clean stop is no crash; a kill is, and the next start says so.
    env.start().await;
    assert!(!env.log().contains("did not stop cleanly"), "{}", env.log());
    env.kill().await;
    env.start().await;
    assert!(env.log().contains("did not stop cleanly"), "{}", env.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_that_cannot_work_are_refused_saying_the_least_that_can() {
    for (args, said) in [
        (&["--pairing-ttl", "0"][..], "give at least 10s"),
        (&["--max-backoff", "0s"][..], "give at least 1s"),
        (&["--presence", "online"][..], "available"),
    ] {
        let out = tokio::process::Command::new(bin("waconnd"))
            .args(args)
            .args(["--data-dir", "/nonexistent/never-used"])
            .output()
            .await
            .expect("run waconnd");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(said), "{args:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_daemon_per_data_dir_and_private_files() {
    let env = Env::new(&[]).await;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&env.data()), 0o700);
    assert_eq!(mode(env.socket().parent().expect("dir")), 0o700);
    assert_eq!(
        mode(&env.socket()) & 0o077,
        0,
        "socket not reachable by others"
    );
    assert_eq!(mode(&env.data().join("sessions.json")), 0o600);

    let out = tokio::process::Command::new(bin("waconnd"))
        .arg("--data-dir")
        .arg(env.data())
        .arg("--socket")
        .arg(env.dir.path().join("other.sock"))
        .arg("--wa-url")
        .arg(env.mock.url())
        .output()
        .await
        .expect("second waconnd");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already running"),
        "{}",
        text(&out)
    );

    let out = tokio::process::Command::new(bin("waconnd"))
        .arg("--data-dir")
        .arg(env.dir.path().join("data2"))
        .arg("--socket")
        .arg(env.socket())
        .arg("--wa-url")
        .arg(env.mock.url())
        .output()
        .await
        .expect("third waconnd");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already listening"),
        "{}",
        text(&out)
    );
}

/// A release build must never carry the feature that skips the server's
/// certificate check: only `test-peer` turns it on.
#[test]
fn release_builds_verify_the_server_certificate() {
    for scope in [&["-p", "waconnd"][..], &["--workspace"][..]] {
        let out = std::process::Command::new(env!("CARGO"))
            .args([
                "tree",
                "--offline",
                "-e",
                "features,normal,build",
                "-i",
                "wacore-noise",
            ])
            .args(scope)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree");
        let tree = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "cargo tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(tree.contains("wacore-noise"), "{tree}");
        assert!(
            !tree.contains("danger-skip-cert-chain-verify"),
            "{scope:?}:\n{tree}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn systemd_hears_ready_status_watchdog_and_stopping_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notify.sock");
    let socket = tokio::net::UnixDatagram::bind(&path).expect("bind notify socket");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while let Ok(n) = socket.recv(&mut buf).await {
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    let notify = path.display().to_string();
    let mut env = Env::with_vars(
        &[],
        &[
            ("NOTIFY_SOCKET", notify.as_str()),
            ("WATCHDOG_USEC", "400000"),
        ],
    )
    .await;
    let mut seen = Vec::new();
    let mut wait_for = async |what: &str, done: &dyn Fn(&str) -> bool| loop {
        let message = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no {what}; got {seen:?}"))
            .expect("reader alive");
        seen.push(message.clone());
        if done(&message) {
            return;
        }
    };
    wait_for("READY", &|m| m.starts_with("READY=1")).await;
    wait_for("a watchdog ping", &|m| m == "WATCHDOG=1").await;
    env.pair(N).await;
    wait_for("a status with the connected number", &|m| {
        m == "STATUS=1 connected"
    })
    .await;
    env.stop().await;
    wait_for("STOPPING", &|m| m.starts_with("STOPPING=1")).await;
    let ready = seen
        .iter()
        .find(|m| m.starts_with("READY=1"))
        .expect("ready");
    assert!(ready.contains("STATUS=no numbers yet"), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_with_two_hundred_sessions_exits_within_ten_seconds() {
    const COUNT: usize = 200;
    let mut env = Env::new(&[]).await;
    let numbers: Vec<String> = (0..COUNT).map(|i| format!("1555001{i:04}")).collect();
    futures_util::future::join_all(numbers.iter().map(|n| env.pair(n))).await;
    crate::harness::until("all connected", crate::harness::CONNECT, || async {
        env.json(&["list"]).await["connectedClients"] == COUNT
    })
    .await;

    let status = env.stop_within(Duration::from_secs(10)).await;
    assert!(status.success(), "exit {status}");
    let registry = std::fs::read_to_string(env.data().join("sessions.json")).expect("registry");
    assert!(
        numbers.iter().all(|n| registry.contains(n.as_str())),
        "all saved"
    );
    let devices = env.mock.devices();
    assert_eq!(devices.len(), COUNT);
    assert!(
        devices.iter().all(|d| !d.removed),
        "a shutdown never logs out"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn running_out_of_descriptors_is_said_plainly_with_the_limit() {
    let numbers = ["15550006601", "15550006602", "15550006603"];
    let mut env = Env::new(&[]).await;
    futures_util::future::join_all(numbers.map(|n| {
        let env = &env;
        async move { env.pair(n).await }
    }))
    .await;
    let pid = env.daemon.as_ref().and_then(|d| d.id()).expect("pid");
    let in_use = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fds")
        .count();
    env.stop().await;

    // Room for the daemon, not for its sessions and their store files.
    let limit = in_use - 6;
    env.launcher = vec![
        "prlimit".into(),
        format!("--nofile={limit}:{limit}"),
        "--".into(),
    ];
    env.spawn_daemon();
    // Either a session's reason says it, or, with no descriptor left for
    // the client, the daemon's answer does; wactl never hangs.
    let said = format!("out of file descriptors: the limit is {limit}");
    crate::harness::until(
        "wactl says the daemon is out of descriptors",
        Duration::from_secs(60),
        || async {
            let out = env.wactl(&["list", "--json"]).await;
            String::from_utf8_lossy(&out.stdout).contains(&said)
                || String::from_utf8_lossy(&out.stderr).contains(&said)
        },
    )
    .await;
    assert!(env.log().contains(&said), "{}", env.log());
    assert!(
        env.log().contains(&format!(
            "3 session(s) need about 92 file descriptors (4 each) but the limit is {limit}"
        )),
        "warned at start: {}",
        env.log()
    );
    assert!(env.log().contains("raise LimitNOFILE"), "{}", env.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_line_the_client_logs_for_a_number_names_it() {
    let env = Env::with_vars(&[], &[("RUST_LOG", "waconnd=info,whatsapp_rust=info")]).await;
    env.pair(N).await;
    env.drop_and_reconnect(N).await;
    let log = env.log();
    // Log lines of the client itself (not the backtraces some carry, nor its
    // transport's, which the default filter turns off).
    let client_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("20") && l.contains(" whatsapp_rust::"))
        .collect();
    assert!(!client_lines.is_empty(), "the client logged: {log}");
    for line in client_lines {
        assert!(line.contains(&format!("number={N}")), "{line}");
    }
}
