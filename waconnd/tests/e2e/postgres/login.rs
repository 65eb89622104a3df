//! Real whatsapp-rust sessions stored in PostgreSQL against mockwa: paired,
//! restarted with no QR code, copied in from SQLite, and fenced out.

use mockwa::{Config, MockWa};
use waconnd::engine::postgres::{Fence, PgEngine};
use whatsapp_rust::store::SqliteStore;

use super::client::Session;
use super::{Db, NODE};
use crate::harness::CONNECT;

const PHONE: &str = "15550007777";

#[tokio::test(flavor = "multi_thread")]
async fn pairs_on_postgres_then_logs_in_again_with_ik_and_no_qr() {
    let db = Db::start().await;
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let session = Session::start(&mock, db.owned(PHONE, 1).await).await;
    session.pair(&mock, PHONE).await;
    let paired = db.engine.fingerprint(PHONE).await.expect("fingerprint");
    assert!(paired.rows_in("prekeys") > 0, "{paired:?}");
    assert_eq!(paired.rows_in("device"), 1);
    let ik_before = mock.stats().handshakes_ik;
    session.stop().await;

    // A restart: a new engine (a new process) on the same database.
    db.engine.close().await;
    let engine = PgEngine::connect(&db.server.url())
        .await
        .expect("reconnect");
    let again = Session::start(&mock, engine.backend(PHONE, Fence::new(NODE, 1))).await;
    again.logged_in_without_a_qr().await;
    let stats = mock.stats();
    assert!(
        stats.handshakes_ik > ik_before,
        "the restart logged in with IK: {stats:?}"
    );
    assert_eq!(stats.registrations, 1, "{stats:?}");
    assert_eq!(stats.pairings, 1, "{stats:?}");
    again.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_paired_on_sqlite_logs_in_from_postgres_after_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("{PHONE}.db"));
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let store = SqliteStore::new(path.to_str().expect("utf-8"))
        .await
        .expect("open store");
    let session = Session::start(&mock, store).await;
    session.pair(&mock, PHONE).await;
    session.stop().await;
    let ik_before = mock.stats().handshakes_ik;

    let db = Db::start().await;
    let report = db.engine.import_sqlite(PHONE, &path).await.expect("import");
    assert_eq!(report.rows_in("device"), 1, "{report}");
    assert!(report.rows_in("prekeys") > 0, "{report}");
    let fence = Fence::new(NODE, 1);
    db.engine.set_owner(PHONE, &fence).await.expect("owner");
    let moved = Session::start(&mock, db.engine.backend(PHONE, fence)).await;
    moved.logged_in_without_a_qr().await;
    let stats = mock.stats();
    assert!(
        stats.handshakes_ik > ik_before,
        "logged in with IK from PostgreSQL: {stats:?}"
    );
    assert_eq!((stats.registrations, stats.pairings), (1, 1), "{stats:?}");
    moved.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_whose_number_moved_gets_fence_lost_and_changes_nothing() {
    let db = Db::start().await;
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let backend = db.owned(PHONE, 1).await;
    let mut lost = backend.watch_fence();
    let session = Session::start(&mock, backend.clone()).await;
    session.pair(&mock, PHONE).await;
    assert!(backend.fence_lost().is_none());

    // Another node claims the number. From the moment the claim commits, no
    // write of this node's session may reach the database.
    let other = Fence::new("node-b", 2);
    db.engine.set_owner(PHONE, &other).await.expect("claim");
    let before = db.engine.fingerprint(PHONE).await.expect("fingerprint");
    // A reconnect makes the session write (login counter, pre-keys...).
    assert_eq!(mock.drop_connections(Some(PHONE)), 1);
    tokio::time::timeout(CONNECT, lost.wait_for(Option::is_some))
        .await
        .expect("a write found the fence gone")
        .expect("the fence is watched");
    let loss = backend.fence_lost().expect("lost");
    assert_eq!(loss.owner, Some(other), "{loss}");
    assert_eq!(
        db.engine.fingerprint(PHONE).await.expect("fingerprint"),
        before,
        "nothing written"
    );
    session.stop().await;
    assert_eq!(
        db.engine.fingerprint(PHONE).await.expect("fingerprint"),
        before,
        "nor at stop"
    );
    mock.shutdown().await;
}
