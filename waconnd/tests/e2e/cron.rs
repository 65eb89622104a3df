//! A cron job finds the daemon that systemd (or a login shell) started:
//! the daemon got `XDG_RUNTIME_DIR=/run/user/UID`, cron's environment has
//! none, and wactl still talks to the same socket.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use tokio::process::Command;

use crate::harness::{Env, bin, text, until};

/// Removes what the test created under `/run/user` when it ends, however
/// it ends.
struct Cleanup {
    paths: Vec<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for path in &self.paths {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

/// `wactl ARGS` as cron runs it: only HOME, LOGNAME, SHELL and cron's PATH.
async fn as_cron(args: &[&str], home: &Path) -> Output {
    Command::new(bin("wactl"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("LOGNAME", "waconn-e2e")
        .env("SHELL", "/bin/sh")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .await
        .expect("run wactl")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cron_job_finds_the_daemon_started_with_xdg_runtime_dir() {
    let uid = rustix::process::getuid().as_raw();
    let runtime = PathBuf::from(format!("/run/user/{uid}"));
    // One run at a time may use this machine-wide directory.
    let lock =
        std::fs::File::create(std::env::temp_dir().join(format!("waconn-e2e-run-user-{uid}.lock")))
            .expect("lock file");
    tokio::task::block_in_place(|| lock.lock()).expect("lock");
    let mut cleanup = Cleanup { paths: Vec::new() };
    if !runtime.exists() {
        if uid != 0 {
            eprintln!("skipped: creating {} needs root", runtime.display());
            return;
        }
        std::fs::create_dir(&runtime).expect("mkdir /run/user/UID");
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
            .expect("chmod 0700");
        cleanup.paths.push(runtime.clone());
    }
    let socket = runtime.join("waconn").join("waconnd.sock");
    if socket.exists() {
        eprintln!("skipped: a daemon already listens at {}", socket.display());
        return;
    }
    if !runtime.join("waconn").exists() {
        cleanup.paths.push(runtime.join("waconn"));
    }

    let mut env = Env::prepare(&[], &[]).await;
    let mut daemon = env.daemon_command();
    daemon
        .env_remove("WACONN_SOCKET")
        .env("XDG_RUNTIME_DIR", &runtime);
    env.daemon = Some(daemon.spawn().expect("spawn waconnd"));
    let home = env.dir.path().to_path_buf();
    until(
        "cron's wactl reaches the daemon",
        Duration::from_secs(30),
        || async { as_cron(&["status"], &home).await.status.success() },
    )
    .await;

    let out = as_cron(&["check"], &home).await;
    assert_eq!(out.status.code(), Some(0), "no false alarm: {}", text(&out));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "{}",
        text(&out)
    );
    let out = as_cron(&["status", "--json"], &home).await;
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        status["socket"],
        socket.display().to_string(),
        "the daemon bound in /run/user"
    );
    let out = as_cron(&["status", "-v"], &home).await;
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&socket.display().to_string()),
        "{}",
        text(&out)
    );

    assert!(env.stop().await.success());
    let tmp = PathBuf::from(format!("/tmp/waconn-{uid}/waconnd.sock"));
    if tmp.exists() {
        eprintln!("not checked: another daemon listens at {}", tmp.display());
        return;
    }
    let out = as_cron(&["check"], &home).await;
    assert_eq!(out.status.code(), Some(69), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for place in [&socket, &tmp] {
        assert!(
            stderr.contains(&place.display().to_string()),
            "names {}: {stderr}",
            place.display()
        );
    }
}
