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
        if args.contains(&"--json") {
            let json: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("one JSON error object");
            assert_eq!(json["error"]["code"], "daemon_unreachable");
            assert_eq!(json["exitCode"], 69);
        } else {
            assert!(
                out.stdout.is_empty(),
                "nothing on stdout for scripts to misread"
            );
        }
    }
}

#[test]
fn without_a_socket_anywhere_the_error_names_every_place_looked() {
    let uid = rustix::process::getuid().as_raw();
    let dir = tempfile::tempdir().expect("tempdir");
    let others = [
        format!("/run/user/{uid}/waconn/waconnd.sock"),
        format!("/tmp/waconn-{uid}/waconnd.sock"),
    ];
    if let Some(there) = others.iter().find(|p| std::path::Path::new(p).exists()) {
        eprintln!("skipped: a daemon socket exists at {there}");
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_wactl"))
        .args(["status", "--json"])
        .env_remove("WACONN_SOCKET")
        .env("XDG_RUNTIME_DIR", dir.path())
        .output()
        .expect("run wactl");
    assert_eq!(out.status.code(), Some(69), "{}", stderr(&out));
    let ours = dir.path().join("waconn/waconnd.sock");
    for place in [ours.display().to_string()].iter().chain(&others) {
        assert!(
            stderr(&out).contains(place.as_str()),
            "{place}: {}",
            stderr(&out)
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        json["error"]["message"]
            .as_str()
            .expect("message")
            .contains(&others[1])
    );
}

#[test]
fn an_invalid_number_is_a_usage_error_saying_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("waconnd.sock");
    let out = wactl(&["status", "12-ab"], &socket);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`a` (U+0061) is not a digit"),
        "{}",
        stderr(&out)
    );
    let out = wactl(&["pair", "123"], &socket);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("7 to 15"), "{}", stderr(&out));
    let out = wactl(&["pair", "+1", "555", "12", "--qr", "text"], &socket);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`+1 555 12` has 6 digits"),
        "{}",
        stderr(&out)
    );
    let out = wactl(&["pair", "0555 123 4567"], &socket);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("include the country code"),
        "{}",
        stderr(&out)
    );
    let out = wactl(&["frobnicate"], &socket);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn usage_errors_under_json_are_one_json_object_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("waconnd.sock");
    for args in [
        &["status", "12", "--json"][..],
        &["list", "--json", "--bogus"],
        &["check", "+1", "555", "--json"],
        &["inspect", "１５５５１２３４５６７", "--json"],
    ] {
        let out = wactl(args, &socket);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!out.stderr.is_empty(), "the message stays on stderr");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        assert_eq!(json["error"]["code"], "usage", "{args:?}");
        assert_eq!(json["exitCode"], 2);
        assert!(
            !json["error"]["message"]
                .as_str()
                .expect("message")
                .is_empty()
        );
    }
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

#[test]
fn bash_completes_qr_formats_not_file_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("wactl.bash");
    let out = Command::new(env!("CARGO_BIN_EXE_wactl"))
        .args(["completions", "bash"])
        .output()
        .expect("completions");
    std::fs::write(&script, &out.stdout).expect("write");
    // A file that file-name completion would offer.
    std::fs::write(dir.path().join("terminal.txt"), "").expect("write");
    let complete = |line: &str| {
        let out = Command::new("bash")
            .current_dir(dir.path())
            .arg("-c")
            .arg(format!(
                r#"source {script}; COMP_LINE="{line}"; read -ra COMP_WORDS <<< "$COMP_LINE"; COMP_WORDS+=(""); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMP_POINT=${{#COMP_LINE}}; _wactl wactl "" "${{COMP_WORDS[COMP_CWORD-1]}}"; printf '%s\n' "${{COMPREPLY[@]}}""#,
                script = script.display()
            ))
            .output();
        match out {
            Ok(out) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => panic!("bash: {e}"),
        }
    };
    let Some(offered) = complete("wactl pair 15551234567 --qr ") else {
        eprintln!("skipped: bash is not installed");
        return;
    };
    let offered: Vec<&str> = offered.lines().collect();
    assert_eq!(offered, ["terminal", "text", "svg:", "png:"]);
}
