//! The registry's file and writer.

use std::time::Duration;

use waconn_proto::{Number, SessionState};

use super::*;
use crate::session::record::Record;

fn entry(number: &str) -> Entry {
    Entry::from(&Record::new_pairing(Number::parse(number).unwrap(), 1, 2))
}

fn on_disk(dir: &Path) -> Vec<Entry> {
    load(dir).expect("load")
}

#[tokio::test]
async fn a_durable_change_is_on_disk_when_it_answers() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path(), Vec::new());
    assert!(on_disk(dir.path()).is_empty());
    registry.put_durably(entry("15550001111")).await.unwrap();
    assert_eq!(on_disk(dir.path()), vec![entry("15550001111")]);
    registry
        .remove(&Number::parse("15550001111").unwrap())
        .await
        .unwrap();
    assert!(on_disk(dir.path()).is_empty());
}

#[tokio::test(start_paused = true)]
async fn changes_that_are_not_durable_wait_for_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start_with(
        super::Sink::File(super::path(dir.path())),
        Vec::new(),
        Duration::from_secs(60),
    );
    registry.put_durably(entry("15550001111")).await.unwrap();
    let mut moved = entry("15550001111");
    moved.state = SessionState::Connected;
    registry.put(moved.clone());
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(on_disk(dir.path())[0].state, SessionState::Pairing);
    registry.checkpoint(None).await.unwrap();
    assert_eq!(on_disk(dir.path()), vec![moved]);
}

#[tokio::test]
async fn the_version_1_fixture_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sessions-v1.json"
        ),
        path(dir.path()),
    )
    .unwrap();
    let entries = load(dir.path()).expect("load fixture");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].number.as_str(), "15550001111");
    assert_eq!(entries[0].state, SessionState::Connected);
    assert_eq!(
        entries[0].jid.as_deref(),
        Some("15550001111:3@s.whatsapp.net")
    );
    assert_eq!(entries[0].disconnects, 2);
    assert_eq!(entries[1].state, SessionState::Pairing);
    // Written back as version 2, it reads the same.
    let registry = Registry::start(dir.path(), entries.clone());
    registry.checkpoint(None).await.unwrap();
    let text = std::fs::read_to_string(path(dir.path())).unwrap();
    assert!(text.starts_with("{\"version\": 2,"), "{text}");
    assert!(!text.contains("transitions"), "no history on disk: {text}");
    assert_eq!(load(dir.path()).unwrap(), entries);
}

#[test]
fn a_newer_registry_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let newer = br#"{"version": 99, "sessions": [], "future": true}"#;
    std::fs::write(path(dir.path()), newer).unwrap();
    let e = load(dir.path()).expect_err("refused").to_string();
    assert!(e.contains("version 99") && e.contains("upgrade"), "{e}");
    assert_eq!(std::fs::read(path(dir.path())).unwrap(), newer);
}

#[test]
fn a_corrupt_file_is_moved_aside_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(path(dir.path()), b"{ truncated").unwrap();
    assert!(load(dir.path()).expect("recovers").is_empty());
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), b"{ truncated");
}

#[tokio::test]
async fn a_failed_write_says_why_keeps_the_old_file_and_is_tried_again() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path(), Vec::new());
    registry.put_durably(entry("15550001111")).await.unwrap();
    // The temp file cannot be made: a directory stands in its place.
    let tmp = dir.path().join("sessions.json.tmp");
    std::fs::create_dir(&tmp).unwrap();
    let e = registry
        .put_durably(entry("15550002222"))
        .await
        .unwrap_err();
    assert!(e.contains("previous one stays in place"), "{e}");
    assert_eq!(on_disk(dir.path()).len(), 1, "the old registry stays");
    std::fs::remove_dir(&tmp).unwrap();
    registry.put_durably(entry("15550003333")).await.unwrap();
    assert_eq!(on_disk(dir.path()).len(), 3, "nothing was lost meanwhile");
}
