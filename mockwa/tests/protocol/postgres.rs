//! The throwaway PostgreSQL server: started on a free loopback port,
//! answering, stopped and removed on drop.

use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;

use mockwa::postgres::{PostgresServer, SUPERUSER};

#[test]
fn starts_answers_and_is_gone_after_drop() {
    let server = PostgresServer::start().expect("start PostgreSQL");
    let port = server.port();
    TcpStream::connect(("127.0.0.1", port)).expect("the server listens");
    let url = server.url();
    assert!(url.starts_with(&format!(
        "postgres://{SUPERUSER}:{}@127.0.0.1:{port}/",
        server.password()
    )));
    server
        .create_database("made_here")
        .expect("createdb with the password");
    assert!(server.url_for("made_here").ends_with("/made_here"));

    let debug = format!("{server:?}");
    assert!(!debug.contains(server.password()), "{debug}");
    let root = server.dir().to_path_buf();
    if rustix::process::geteuid().is_root() {
        let owner = std::fs::metadata(&root).expect("root dir").uid();
        assert_ne!(owner, 0, "the data belongs to an unprivileged user");
    }
    assert!(
        server.log().contains("ready to accept connections"),
        "{}",
        server.log()
    );

    drop(server);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens after drop"
    );
    assert!(!root.exists(), "{} removed", root.display());
}
