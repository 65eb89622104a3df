//! One node on PostgreSQL: the lifecycle of the embedded engine, with the
//! credentials and the registry in the database.

use crate::harness::{CONNECT, text};

use super::{FAST_LEASE, Fleet};

const N: &str = "15550301111";
const M: &str = "15550302222";

#[tokio::test(flavor = "multi_thread")]
async fn pair_restart_without_qr_drop_and_logout_on_postgres() {
    let mut fleet = Fleet::prepare(1, FAST_LEASE, &[]).await;
    fleet.start_all().await;
    let node = &fleet.nodes[0];
    node.pair(N).await;
    node.pair(M).await;
    let engine = fleet.engine().await;
    assert!(engine.fingerprint(N).await.expect("rows").rows_in("device") == 1);
    assert!(
        !node.store(N).exists(),
        "no credential file in the data directory on PostgreSQL"
    );

    // The list names the node, in the table and in JSON.
    let list = node.json(&["list"]).await;
    assert_eq!(list["connections"][N]["node"], "n0", "{list}");
    let out = node.wactl(&["list"]).await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.lines().next().is_some_and(|l| l.contains("NODE")),
        "{table}"
    );
    let status = node.json(&["status"]).await;
    assert_eq!(status["engine"], "postgres", "{status}");
    assert_eq!(status["node"], "n0", "{status}");
    assert_eq!(status["nodes"][0]["status"], "live", "{status}");
    assert!(
        !status.to_string().contains(fleet.db.password()),
        "no password in status: {status}"
    );

    // Restarted, then killed: back with no QR each time.
    let registrations = node.mock.stats().registrations;
    fleet.nodes[0].stop().await;
    fleet.nodes[0].start().await;
    fleet.nodes[0].wait_state(N, "CONNECTED", CONNECT).await;
    fleet.nodes[0].kill().await;
    fleet.nodes[0].start().await;
    let node = &fleet.nodes[0];
    node.wait_state(N, "CONNECTED", CONNECT).await;
    node.wait_state(M, "CONNECTED", CONNECT).await;
    assert_eq!(node.mock.stats().registrations, registrations, "no new QR");

    // Logged out from the phone: LOGGED_OUT, credential rows gone, listed.
    node.mock.logout(Some(M));
    node.wait_state(M, "LOGGED_OUT", CONNECT).await;
    crate::harness::until("M's rows deleted", CONNECT, || async {
        engine.fingerprint(M).await.is_ok_and(|f| f.rows() == 0)
    })
    .await;

    // Dropped: every row of the number gone, registry and owner included.
    let out = node.wactl(&["drop", N]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(engine.fingerprint(N).await.expect("rows").rows(), 0);
    assert_eq!(engine.owner(N).await.expect("owner"), None);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM registry WHERE number = $1")
        .bind(N)
        .fetch_one(engine.pool())
        .await
        .expect("count");
    assert_eq!(rows, 0);
    let log = node.log();
    assert!(!log.contains(fleet.db.password()), "no password in the log");
    assert!(
        log.contains("(1 descriptor each)"),
        "a number holds its socket only: {log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_database_at_start_says_which_and_hides_the_password() {
    let mut fleet = Fleet::prepare(1, FAST_LEASE, &[]).await;
    let url = fleet.db.url();
    let password = fleet.db.password().to_string();
    fleet.db.halt().expect("halt");
    let out = fleet.nodes[0]
        .daemon_command()
        .arg("--socket")
        .arg(fleet.nodes[0].socket())
        .output()
        .await
        .expect("run");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("127.0.0.1"), "names the server: {said}");
    assert!(
        said.contains("waconn:***@"),
        "shows the URL without its password: {said}"
    );
    assert!(!said.contains(&password), "{said}");
    assert!(url.contains(&password));
}
