//! `waconnd migrate --to URL`: a data directory's paired numbers copied
//! into the database, then connected from it with no QR.

use crate::harness::{CONNECT, Env, text};

use super::{FAST_LEASE, Fleet};

#[tokio::test(flavor = "multi_thread")]
async fn migrated_numbers_connect_from_postgres_with_no_qr() {
    let mut embedded = Env::new(&[]).await;
    let numbers = super::numbers("1555040", 3);
    for n in &numbers {
        embedded.pair(n).await;
    }
    embedded.stop().await;
    let registrations = embedded.mock.stats().registrations;

    let mut fleet = Fleet::prepare(1, FAST_LEASE, &[]).await;
    fleet.use_mock(&embedded.mock.url());
    let out = fleet.migrate(&embedded.data()).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("copied 3 number(s)"), "{said}");
    assert!(!said.contains(fleet.db.password()), "{said}");
    for n in &numbers {
        assert!(said.contains(n.as_str()), "{said}");
    }
    // Twice: nothing copied over what is there.
    let again = fleet.migrate(&embedded.data()).await;
    assert!(
        text(&again).contains("already in the database"),
        "{}",
        text(&again)
    );

    fleet.start_all().await;
    fleet.wait_connected(0, &numbers, &["n0"], CONNECT).await;
    assert_eq!(
        embedded.mock.stats().registrations,
        registrations,
        "no QR after the move"
    );
    assert!(
        embedded.store(&numbers[0]).exists(),
        "the data directory is left as it was"
    );
}
