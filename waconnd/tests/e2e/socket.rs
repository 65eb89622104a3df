//! Hostile or broken clients on the socket: each gets an error or a closed
//! connection, and the daemon keeps serving everyone else.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use waconn_proto::{Hello, Response, codec};

use crate::harness::{Env, text};

/// Sends `bytes` and reads until the daemon closes; returns what it said.
async fn exchange(env: &Env, bytes: &[u8]) -> Vec<u8> {
    let mut stream = UnixStream::connect(env.socket()).await.expect("connect");
    let _ = stream.write_all(bytes).await;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer))
        .await
        .expect("the daemon closes a broken connection")
        .ok();
    answer
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_frames_are_refused_and_the_daemon_keeps_serving() {
    let env = Env::new(&[]).await;
    let hello = codec::encode(&Hello {
        protocol: waconn_proto::PROTOCOL,
        version: "test".into(),
    })
    .expect("hello");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "random bytes",
            (0..200u32).map(|i| (i * 7919 % 251) as u8).collect(),
        ),
        (
            "a length over the cap",
            ((waconn_proto::MAX_REQUEST as u32) + 1)
                .to_be_bytes()
                .to_vec(),
        ),
        ("a frame cut short", hello[..hello.len() - 2].to_vec()),
        (
            "a hello then garbage",
            [hello.clone(), vec![0, 0, 0, 3, 0xff, 0xff, 0xff]].concat(),
        ),
    ];
    for (what, bytes) in cases {
        let answer = exchange(&env, &bytes).await;
        if what == "a hello then garbage" {
            // Hello accepted, then a clear error for the request.
            let mut reader = &answer[..];
            let first: Option<Response> = codec::read(&mut reader, codec::MAX_RESPONSE)
                .await
                .expect("hello answer");
            assert!(matches!(first, Some(Response::Hello(_))), "{what}");
            let second: Option<Response> = codec::read(&mut reader, codec::MAX_RESPONSE)
                .await
                .expect("error answer");
            assert!(
                matches!(second, Some(Response::Error(_))),
                "{what}: {second:?}"
            );
        }
    }

    let other = codec::encode(&Hello {
        protocol: 999,
        version: "9.9.9".into(),
    })
    .expect("hello");
    let answer = exchange(&env, &other).await;
    let mut reader = &answer[..];
    match codec::read::<_, Response>(&mut reader, codec::MAX_RESPONSE)
        .await
        .expect("answer")
    {
        Some(Response::Error(e)) => {
            assert_eq!(e.code, waconn_proto::ErrorCode::ProtocolMismatch);
            assert!(e.message.contains("protocol 999"), "{}", e.message);
        }
        other => panic!("expected a protocol error, got {other:?}"),
    }

    let rss = |env: &Env| {
        let pid = env
            .daemon
            .as_ref()
            .and_then(|d| d.id())
            .expect("daemon pid");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            .expect("VmRSS")
    };
    // Warm up allocator pools first, then 10,000 more must not grow memory.
    for _ in 0..1000 {
        exchange(&env, b"\xff\xff\xff\xff").await;
    }
    let before = rss(&env);
    for _ in 0..10_000 {
        exchange(&env, b"\xff\xff\xff\xff").await;
    }
    let after = rss(&env);
    eprintln!("daemon RSS {before} kB before, {after} kB after 10,000 malformed connections");
    assert!(
        after < before + 4 * 1024,
        "RSS grew from {before} kB to {after} kB"
    );
    let out = env.wactl(&["list"]).await;
    assert!(out.status.success(), "still serving: {}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_says_nothing_is_timed_out_without_blocking_others() {
    let env = Env::new(&[]).await;
    let mut silent = UnixStream::connect(env.socket()).await.expect("connect");
    let out = env.wactl(&["list"]).await;
    assert!(
        out.status.success(),
        "others are served meanwhile: {}",
        text(&out)
    );
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(30), silent.read_to_end(&mut buf)).await;
    assert!(
        closed.is_ok(),
        "the silent client is dropped after the request timeout"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_of_another_uid_is_refused_before_a_byte_is_read() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    const NOBODY: u32 = 65534;
    let env = Env::new(&[]).await;
    if rustix::process::getuid().as_raw() != 0 {
        eprintln!("skipped: running a client as another uid needs root");
        return;
    }
    // An administrator's mistake opens the way to the socket; the uid check
    // must still hold. The client runs from a copy anyone may execute.
    let open = |p: &std::path::Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    open(env.dir.path(), 0o711);
    open(env.socket().parent().expect("run dir"), 0o711);
    open(&env.socket(), 0o777);
    let wactl = env.dir.path().join("wactl");
    std::fs::copy(crate::harness::bin("wactl"), &wactl).expect("copy wactl");
    open(&wactl, 0o755);

    let out = std::process::Command::new(&wactl)
        .args(["status", "--json"])
        .env("WACONN_SOCKET", env.socket())
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .expect("wactl as nobody");
    assert!(!out.status.success(), "{out:?}");
    let refused: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("--json: one error object");
    assert_eq!(
        refused.as_object().map(|o| o.len()),
        Some(2),
        "nothing answered but the error: {refused}"
    );
    assert_eq!(refused["error"]["code"], "daemon_unreachable");
    crate::harness::until("the refusal is logged", Duration::from_secs(10), || async {
        env.log()
            .contains(&format!("refused a client of uid {NOBODY}: only uid 0"))
    })
    .await;
    let out = env.wactl(&["status"]).await;
    assert!(
        out.status.success(),
        "the owner is still served: {}",
        text(&out)
    );
}
