//! `wactl` without a daemon: usage errors and an unreachable daemon.
//! (Building this test also builds the `wactl` binary the daemon's
//! end-to-end tests drive.)

use std::process::{Command, Output};

fn wactl(args: &[&str], socket: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wactl"))
        .args(args)
        .env("WACONN_SOCKET", socket)
        .output()
        .expect("run wactl")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn no_daemon_exits_69_naming_the_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("waconnd.sock");
    for args in [
        &["list"][..],
        &["status"],
        &["status", "15550001111", "--json"],
        &["pair", "15550001111"],
    ] {
        let out = wactl(args, &socket);
        assert_eq!(out.status.code(), Some(69), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&socket.display().to_string()),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
        assert!(
            out.stdout.is_empty(),
            "nothing on stdout for scripts to misread"
        );
    }
}

#[test]
fn an_invalid_number_is_a_usage_error_saying_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("waconnd.sock");
    let out = wactl(&["status", "12-ab"], &socket);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`a` is not a digit"),
        "{}",
        stderr(&out)
    );
    let out = wactl(&["pair", "123"], &socket);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("7 to 15"), "{}", stderr(&out));
    let out = wactl(&["frobnicate"], &socket);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_and_version_exit_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("waconnd.sock");
    let out = wactl(&["--help"], &socket);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for verb in ["pair", "list", "status", "inspect", "reconnect", "drop"] {
        assert!(help.contains(verb), "{help}");
    }
    assert_eq!(wactl(&["--version"], &socket).status.code(), Some(0));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_wactl"))
        .args(["completions", "bash"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run wactl");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn completions_print_a_script_per_shell_and_bad_qr_formats_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("waconnd.sock");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = wactl(&["completions", shell], &socket);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("wactl"),
            "{shell}"
        );
    }
    let out = wactl(&["pair", "15550001111", "--qr", "gif:x"], &socket);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("svg:FILE"), "{}", stderr(&out));
}
