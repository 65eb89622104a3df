//! A data directory that fills up or turns read-only: clear errors, the
//! registry on disk intact, and everything back once the disk is.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::{Env, text};

const A: &str = "15550007001";
const B: &str = "15550007002";
const C: &str = "15550007003";

/// A small tmpfs mounted over a directory for one test; unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` at `dir`; `None` where this user may not mount.
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).expect("mount point");
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .expect("run mount");
        if !out.status.success() {
            eprintln!(
                "skipped: mounting a tmpfs needs root ({})",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Some(Self(dir.to_owned()))
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.0)
            .status()
            .expect("run mount");
        assert!(status.success(), "remount {mode}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Sets or clears the immutable attribute of `dir`.
fn chattr(dir: &Path, flag: &str) {
    let status = Command::new("chattr")
        .arg(flag)
        .arg(dir)
        .status()
        .expect("run chattr");
    assert!(status.success(), "chattr {flag}");
}

/// Writes zeros to `path` until the file system says it is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("filler");
    let chunk = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = file.write_all(&chunk).and_then(|()| file.sync_all()) {
            assert_eq!(e.raw_os_error(), Some(28), "ENOSPC expected, got {e}");
            return;
        }
    }
}

/// The numbers in the registry on disk; panics if it does not parse.
fn registry_numbers(env: &Env) -> Vec<String> {
    let text = std::fs::read_to_string(env.data().join("sessions.json")).expect("registry");
    let file: Value = serde_json::from_str(&text).expect("the registry on disk parses");
    file["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| s["number"].as_str().expect("number").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_or_read_only_disk_gives_clear_errors_and_keeps_the_registry() {
    let mut env = Env::prepare(&[], &[]).await;
    let Some(disk) = Tmpfs::mount(&env.data(), "16m") else {
        return;
    };
    env.start().await;
    env.pair(A).await;

    // Full: a new number is refused, with the reason and the fix.
    let filler = env.data().join("filler");
    fill(&filler);
    let out = env.wactl(&["pair", B, "--qr", "text"]).await;
    assert_eq!(out.status.code(), Some(70), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("previous one stays in place"), "{err}");
    assert!(err.contains(&format!("wactl pair {B}")), "{err}");
    assert_eq!(
        registry_numbers(&env),
        [A],
        "the registry on disk is intact"
    );
    assert_eq!(env.state(A).await, "CONNECTED", "the paired number runs on");
    assert!(
        !env.data().join("sessions.json.tmp").exists(),
        "no half-written copy left behind"
    );

    // Space again: the same command works.
    std::fs::remove_file(&filler).expect("free space");
    env.pair(B).await;
    assert_eq!(registry_numbers(&env), [A, B]);
    assert!(
        env.log().contains("saved the registry again"),
        "{}",
        env.log()
    );

    // No writes into the directory (immutable, so even root is refused):
    // refused the same way, and a shutdown says it could not save.
    chattr(&env.data(), "+i");
    let out = env.wactl(&["pair", C, "--qr", "text"]).await;
    assert_eq!(out.status.code(), Some(70), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Operation not permitted"), "{err}");
    let status = env.stop().await;
    chattr(&env.data(), "-i");
    assert_eq!(status.code(), Some(1), "a shutdown that cannot save fails");
    assert!(
        env.log()
            .contains("stopped without saving the last changes"),
        "{}",
        env.log()
    );
    assert_eq!(
        registry_numbers(&env),
        [A, B],
        "the registry on disk is intact"
    );

    // A read-only file system: the daemon refuses to start, and says why.
    disk.remount("ro");
    let out = Command::new(crate::harness::bin("waconnd"))
        .arg("--data-dir")
        .arg(env.data())
        .arg("--socket")
        .arg(env.socket())
        .arg("--wa-url")
        .arg(env.mock.url())
        .output()
        .expect("run waconnd");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Read-only file system"), "{err}");
    assert!(err.contains(&env.data().display().to_string()), "{err}");
    assert_eq!(
        registry_numbers(&env),
        [A, B],
        "the registry on disk is intact"
    );

    // Writable again: both numbers come back from their stores, no QR.
    disk.remount("rw");
    env.start().await;
    env.wait_state(A, "CONNECTED", crate::harness::CONNECT)
        .await;
    env.wait_state(B, "CONNECTED", crate::harness::CONNECT)
        .await;
    assert_eq!(env.mock.stats().pairings, 2, "no new QR was needed");
}
