//! Upgrades: a data directory an earlier release wrote opens with every
//! number, and no QR code.

use std::path::Path;

use crate::harness::{CONNECT, Env};

/// Copies the tree at `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Release 0.1 kept its stores on a rollback journal through its own file
/// layer; this release opens them with whatsapp-rust's stock store. The
/// fixture is a paired number as 0.1 left it, with the mock server's key
/// and accounts from the same run.
#[tokio::test(flavor = "multi_thread")]
async fn a_data_directory_of_release_0_1_opens_every_number_with_no_qr() {
    const N: &str = "15550001111";
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/release-0.1");
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture, dir.path());
    let config = mockwa::Config {
        key_file: Some(dir.path().join("mock.key")),
        state_file: Some(dir.path().join("mock.json")),
        ..mockwa::Config::default()
    };
    let mut env = Env::prepare_with(dir, config, &[], &[]).await;
    env.start().await;
    env.wait_state(N, "CONNECTED", CONNECT).await;
    let stats = env.mock.stats();
    assert_eq!(stats.registrations, 0, "no QR was needed: {stats:?}");
    assert!(
        stats.handshakes_ik >= 1,
        "it logged in with its cached server key: {stats:?}"
    );
    let status = env.json(&["status", N]).await;
    assert_eq!(status["pushName"], "Fixture", "{status}");
    assert_eq!(status["disconnects"], 0, "a restart is no loss: {status}");
}
