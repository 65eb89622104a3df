//! The engine as a whole: migrations when several nodes start at once, a
//! database of a newer schema, connection errors that say what to do and
//! never show the password, deleting a number.

use mockwa::postgres::{PostgresServer, SUPERUSER};
use waconnd::engine::postgres::{Fence, PgEngine, PgError, redact_url};
use wacore::store::traits::{DeviceStore, SignalStore};

use super::Db;

#[tokio::test(flavor = "multi_thread")]
async fn nodes_starting_together_migrate_once_and_all_connect() {
    let server = PostgresServer::start().expect("start PostgreSQL");
    let url = server.url();
    let starts: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgEngine::connect(&url).await })
        })
        .collect();
    let mut engines = Vec::new();
    for start in starts {
        let engine = start
            .await
            .expect("task")
            .unwrap_or_else(|e| panic!("connect: {e}"));
        engines.push(engine);
    }
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM waconn_schema_versions ORDER BY version")
            .fetch_all(engines[0].pool())
            .await
            .expect("versions");
    assert_eq!(
        applied,
        vec![(1, true), (2, true)],
        "each migration applied once"
    );
    // The lock is held for the migration only: none is left behind.
    let locks: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            .fetch_one(engines[0].pool())
            .await
            .expect("locks");
    assert_eq!(locks, 0);
    // And connecting again later changes nothing.
    let again = PgEngine::connect(&url).await.expect("connect again");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM waconn_schema_versions")
        .fetch_one(again.pool())
        .await
        .expect("versions");
    assert_eq!(count, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_of_a_newer_schema_is_refused() {
    let db = Db::start().await;
    sqlx::query(
        "INSERT INTO waconn_schema_versions (version, description, success, checksum, execution_time)
         VALUES (999, 'from the future', TRUE, '\\x00'::bytea, 0)",
    )
    .execute(db.engine.pool())
    .await
    .expect("pretend a newer waconnd migrated");
    let err = PgEngine::connect(&db.server.url())
        .await
        .expect_err("a newer schema is refused");
    assert!(
        matches!(
            err,
            PgError::SchemaTooNew {
                found: 999,
                supported: 2,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("schema version 999"), "{message}");
    assert!(message.contains("upgrade waconnd"), "{message}");
    assert!(!message.contains(db.server.password()), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_errors_say_what_is_wrong_without_the_password() {
    let server = PostgresServer::start().expect("start PostgreSQL");
    let port = server.port();

    let wrong = format!("postgres://{SUPERUSER}:not-the-password@127.0.0.1:{port}/postgres");
    let err = PgEngine::connect(&wrong).await.expect_err("wrong password");
    assert!(matches!(err, PgError::BadCredentials { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("check the user and password"), "{message}");
    assert!(
        message.contains(&format!(
            "postgres://{SUPERUSER}:***@127.0.0.1:{port}/postgres"
        )),
        "{message}"
    );
    assert!(!message.contains("not-the-password"), "{message}");
    assert!(!format!("{err:?}").contains("not-the-password"), "{err:?}");

    let err = PgEngine::connect(&server.url_for("no_such_db"))
        .await
        .expect_err("no database");
    assert!(
        matches!(err, PgError::MissingDatabase { ref database, .. } if database == "no_such_db"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("createdb no_such_db"), "{message}");
    assert!(!message.contains(server.password()), "{message}");

    let url = server.url();
    drop(server);
    let err = PgEngine::connect(&url).await.expect_err("nothing listens");
    assert!(matches!(err, PgError::Unreachable { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("check that the server is running"),
        "{message}"
    );
    assert!(message.contains(&redact_url(&url)), "{message}");
    let password = url
        .split(':')
        .nth(2)
        .and_then(|s| s.split('@').next())
        .expect("password");
    assert!(!message.contains(password), "{message}");

    let err = PgEngine::connect("postgres://u:secret@127.0.0.1:notaport/db")
        .await
        .expect_err("a bad URL");
    assert!(matches!(err, PgError::BadUrl { .. }), "{err:?}");
    assert!(!err.to_string().contains("secret"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_database_is_used_and_migrated() {
    let server = PostgresServer::start().expect("start PostgreSQL");
    server.create_database("waconn").expect("createdb");
    let engine = PgEngine::connect(&server.url_for("waconn"))
        .await
        .expect("connect");
    assert!(engine.url().ends_with("/waconn"));
    assert!(!engine.url().contains(server.password()));
    assert!(!format!("{engine:?}").contains(server.password()));
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'owners'",
    )
    .fetch_one(engine.pool())
    .await
    .expect("tables");
    assert_eq!(tables, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_removes_every_row_of_one_number_only() {
    let db = Db::start().await;
    for number in ["15550001111", "15550002222"] {
        let backend = db.owned(number, 1).await;
        backend.create().await.expect("create");
        backend
            .put_session("a@s.whatsapp.net", b"r")
            .await
            .expect("session");
        backend
            .store_prekeys_batch(
                &[(1, b"k".to_vec().into()), (2, b"k".to_vec().into())],
                false,
            )
            .await
            .expect("prekeys");
    }
    assert_eq!(
        db.engine.numbers().await.expect("numbers"),
        ["15550001111", "15550002222"]
    );
    let kept = db
        .engine
        .fingerprint("15550002222")
        .await
        .expect("fingerprint");

    let removed = db.engine.delete("15550001111").await.expect("delete");
    assert_eq!(removed, 4, "device, session and two prekeys");
    assert_eq!(db.rows("15550001111").await, 0);
    assert_eq!(db.engine.owner("15550001111").await.expect("owner"), None);
    assert_eq!(
        db.engine
            .fingerprint("15550002222")
            .await
            .expect("fingerprint"),
        kept
    );
    assert_eq!(
        db.engine.owner("15550002222").await.expect("owner"),
        Some(Fence::new(super::NODE, 1))
    );
    assert_eq!(db.engine.numbers().await.expect("numbers"), ["15550002222"]);
    assert_eq!(
        db.engine.delete("15550001111").await.expect("delete again"),
        0
    );
    let err = db.engine.delete("").await.expect_err("an empty number");
    assert!(err.to_string().contains("it is empty"), "{err}");
}
