//! Fencing: a backend writes only while the owner row names its node at its
//! epoch; otherwise `FenceLost`, nothing written, for good.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use waconnd::engine::postgres::{Fence, FenceLost};
use wacore::store::error::StoreError;
use wacore::store::traits::{DeviceStore, MsgSecretStore, ProtocolStore, SignalStore};

use super::{Db, NODE};

const NUMBER: &str = "15550008888";

fn lost(result: Result<impl std::fmt::Debug, StoreError>) -> FenceLost {
    let err = result.expect_err("a fenced-out write fails");
    FenceLost::find(&err)
        .unwrap_or_else(|| panic!("not a FenceLost: {err:?}"))
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_whose_owner_moved_writes_nothing_and_says_so() {
    let db = Db::start().await;
    let backend = db.owned(NUMBER, 1).await;
    let mut watch = backend.watch_fence();
    backend.create().await.expect("create");
    backend
        .put_session("a@s.whatsapp.net", b"mine")
        .await
        .expect("session");
    let device = backend.load().await.expect("load").expect("device");
    let before = db.engine.fingerprint(NUMBER).await.expect("fingerprint");

    let other = Fence::new("node-b", 2);
    db.engine.set_owner(NUMBER, &other).await.expect("claim");
    let loss = lost(backend.put_session("a@s.whatsapp.net", b"stale").await);
    assert_eq!(loss.number, NUMBER);
    assert_eq!(loss.fence, Fence::new(NODE, 1));
    assert_eq!(loss.owner, Some(other.clone()));
    assert!(loss.to_string().contains("its session must stop"), "{loss}");
    assert!(watch.has_changed().expect("watched"));
    assert_eq!(watch.borrow_and_update().as_ref(), Some(&loss));
    assert_eq!(backend.fence_lost(), Some(loss));

    // Every kind of write, single, batch, delete, take: refused.
    lost(backend.save(&device).await);
    lost(
        backend
            .store_prekeys_batch(&[(1, b"k".to_vec().into())], false)
            .await,
    );
    lost(backend.delete_session("a@s.whatsapp.net").await);
    lost(backend.take_sent_message("c", "m").await);
    lost(backend.put_msg_secret("c", "s", "m", &[1; 32]).await);
    lost(backend.touch_tc_token_sender_timestamp("a@lid", 1).await);
    assert_eq!(
        db.engine.fingerprint(NUMBER).await.expect("fingerprint"),
        before
    );
    // Reads need no fence.
    assert_eq!(
        backend.get_session("a@s.whatsapp.net").await.expect("read"),
        Some(b"mine".to_vec().into())
    );

    // Lost for good: even if the row named this fence again.
    db.engine
        .set_owner(NUMBER, &Fence::new(NODE, 1))
        .await
        .expect("back");
    lost(backend.put_session("a@s.whatsapp.net", b"stale").await);
    // The new owner writes.
    let owner = db.engine.backend(NUMBER, other);
    db.engine
        .set_owner(NUMBER, owner.fence())
        .await
        .expect("claim");
    owner
        .put_session("a@s.whatsapp.net", b"theirs")
        .await
        .expect("owner writes");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_owner_row_nothing_is_written() {
    let db = Db::start().await;
    let backend = db.engine.backend(NUMBER, Fence::new(NODE, 1));
    let loss = lost(backend.create().await);
    assert_eq!(loss.owner, None);
    assert!(loss.to_string().contains("it has no owner now"), "{loss}");
    assert!(!backend.exists().await.expect("exists"));
    assert_eq!(db.rows(NUMBER).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_number_fences_its_writer_out() {
    let db = Db::start().await;
    let backend = db.owned(NUMBER, 1).await;
    backend.create().await.expect("create");
    db.engine.delete(NUMBER).await.expect("delete");
    lost(backend.create().await);
    assert_eq!(db.rows(NUMBER).await, 0);
}

/// A claim in the middle of a stream of writes: once it has committed and
/// the new owner wrote, no write of the old owner lands on top.
#[tokio::test(flavor = "multi_thread")]
async fn no_stale_write_lands_after_a_claim() {
    let db = Db::start().await;
    let old = db.owned(NUMBER, 1).await;
    old.create().await.expect("create");
    let started = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (old, started) = (old.clone(), Arc::clone(&started));
        async move {
            let mut written = 0u64;
            loop {
                match old
                    .put_session("a@s.whatsapp.net", format!("old {written}").as_bytes())
                    .await
                {
                    Ok(()) => {
                        written += 1;
                        started.store(true, Ordering::Release);
                    }
                    Err(e) => {
                        assert!(FenceLost::find(&e).is_some(), "{e:?}");
                        return written;
                    }
                }
            }
        }
    });
    crate::harness::until(
        "the old owner writes",
        std::time::Duration::from_secs(10),
        || {
            let started = Arc::clone(&started);
            async move { started.load(Ordering::Acquire) }
        },
    )
    .await;
    let new = Fence::new("node-b", 2);
    db.engine.set_owner(NUMBER, &new).await.expect("claim");
    db.engine
        .backend(NUMBER, new)
        .put_session("a@s.whatsapp.net", b"new")
        .await
        .expect("the new owner writes");
    let written = writer.await.expect("writer");
    assert!(written > 0);
    assert_eq!(
        old.get_session("a@s.whatsapp.net").await.expect("read"),
        Some(b"new".to_vec().into()),
        "a stale write landed after the claim"
    );
}
