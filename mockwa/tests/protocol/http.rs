//! The admin API over HTTP and the `mockwa` binary.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use mockwa::{Config, MockWa};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::CONNECT;
use crate::client::TestClient;

/// An HTTP response: status, head, body.
pub struct Response {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// One HTTP request to the mock.
pub async fn request(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Response {
        status: head[9..12].parse().expect("status"),
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// One HTTP request to the admin API; returns the status and JSON body.
pub async fn admin(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let response = request(addr, method, path, body).await;
    let json = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    (response.status, json)
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_api_scans_reports_and_injects_faults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let addr = mock.addr();
    let client = TestClient::start(&mock.url(), &dir.path().join("c.db")).await;
    let qr = client.qr().await;

    let (status, body) = admin(
        addr,
        "POST",
        "/admin/scan",
        Some(json!({"qr": "nonsense", "phone": "15550003333"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .expect("error text")
            .contains("5 comma-separated")
    );
    let unknown = qr.replacen(qr.split(',').next().expect("ref"), "no-such-ref", 1);
    let (status, _) = admin(
        addr,
        "POST",
        "/admin/scan",
        Some(json!({"qr": unknown, "phone": "15550003333"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = admin(
        addr,
        "POST",
        "/admin/scan",
        Some(json!({"qr": qr, "phone": "+1 555"})),
    )
    .await;
    assert_eq!(status, 400);

    let (status, body) = admin(
        addr,
        "POST",
        "/admin/scan",
        Some(json!({"qr": qr, "phone": "15550003333"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["jid"]
            .as_str()
            .expect("jid")
            .starts_with("15550003333:")
    );
    client.connected(CONNECT).await;

    let (status, devices) = admin(addr, "GET", "/admin/devices", None).await;
    assert_eq!(status, 200);
    assert_eq!(devices[0]["phone"], "15550003333");
    assert_eq!(devices[0]["connected"], true);
    // A loaded machine may make the client reconnect before `Connected`.
    assert!(devices[0]["logins"].as_u64() >= Some(1), "{devices}");

    let (status, body) = admin(
        addr,
        "POST",
        "/admin/drop",
        Some(json!({"phone": "15550003333"})),
    )
    .await;
    assert_eq!((status, body["affected"].as_u64()), (200, Some(1)));
    client.connected(CONNECT).await;

    let (status, stats) = admin(addr, "GET", "/admin/stats", None).await;
    assert_eq!(status, 200);
    assert!(stats["logins"].as_u64() >= Some(2), "{stats}");
    assert_eq!(stats["pairings"], 1);

    for (path, body) in [
        ("/admin/refuse", json!({"seconds": 0})),
        ("/admin/mute", json!({"seconds": 0})),
        ("/admin/ban", json!({"phone": "1", "seconds": 0})),
        ("/admin/outdated", json!({"enabled": false})),
    ] {
        let (status, answer) = admin(addr, "POST", path, Some(body)).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    let (status, body) = admin(addr, "POST", "/admin/mute", Some(json!({"phone": "1"}))).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().expect("error").contains("seconds"));
    let (status, _) = admin(addr, "POST", "/admin/nope", None).await;
    assert_eq!(status, 404);
    let (status, _) = admin(
        addr,
        "POST",
        "/admin/refuse",
        Some(json!({"seconds": 1, "bogus": 2})),
    )
    .await;
    assert_eq!(status, 400, "unknown fields are refused");
    client.stop().await;
    mock.shutdown().await;
}

#[test]
fn binary_prints_its_url_first_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mockwa"))
        .args(["--listen", "127.0.0.1:0", "--key-file"])
        .arg(dir.path().join("k"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mockwa");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read url");
    let url = line.trim();
    assert!(
        url.starts_with("ws://127.0.0.1:") && url.ends_with("/ws/chat"),
        "{url}"
    );
    assert!(dir.path().join("k").exists(), "key file created");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let (done, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait());
    });
    let status = exited
        .recv_timeout(Duration::from_secs(10))
        .expect("mockwa stops within 10 s of SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status}");
}

#[test]
fn help_documents_every_admin_request() {
    let out = Command::new(env!("CARGO_BIN_EXE_mockwa"))
        .arg("--help")
        .output()
        .expect("run mockwa --help");
    let help = String::from_utf8(out.stdout).expect("utf-8");
    for (method, path) in mockwa::admin::REQUESTS.iter().chain(&[("GET", "/sw.js")]) {
        let listed = help
            .lines()
            .any(|l| l.split_whitespace().take(2).eq([*method, *path]));
        assert!(listed, "--help lacks {method} {path}");
    }
    for option in [
        "--listen",
        "--key-file",
        "--state-file",
        "--refs",
        "--first-ref-ttl",
        "--ref-ttl",
        "--pair-code-ttl",
        "--login-cap",
        "--min-version",
        "--sw-version",
    ] {
        assert!(help.contains(option), "--help lacks {option}");
    }
}

#[test]
fn the_docs_list_every_admin_request() {
    let admin = include_str!("../../src/admin/mod.rs");
    let readme = include_str!("../../../README.md");
    let readme = &readme[readme.find("## mockwa").expect("a mockwa section")..];
    for (method, path) in mockwa::admin::REQUESTS {
        assert!(
            admin.contains(&format!("`{method} {path}")),
            "admin.rs lacks {method} {path}"
        );
        assert!(readme.contains(path), "README lacks {path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_method_is_answered_405_naming_the_right_one() {
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    let requests = mockwa::admin::REQUESTS.iter().chain(&[("GET", "/sw.js")]);
    for (method, path) in requests {
        let wrong = if *method == "GET" { "POST" } else { "GET" };
        let response = request(mock.addr(), wrong, path, None).await;
        assert_eq!(response.status, 405, "{wrong} {path}: {}", response.body);
        assert!(
            response.head.contains(&format!("Allow: {method}")),
            "{}",
            response.head
        );
        assert!(
            response.body.contains(&format!("use {method} {path}")),
            "{}",
            response.body
        );
    }
    let (status, _) = admin(mock.addr(), "GET", "/admin/nope", None).await;
    assert_eq!(status, 404);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_fault_requests_name_what_is_valid() {
    let mock = MockWa::start(Config::default()).await.expect("start mock");
    for (path, body, needle) in [
        (
            "/admin/stream-error",
            json!({"code": 418}),
            "xml-not-well-formed",
        ),
        ("/admin/stream-error", json!({}), "missing field `code`"),
        (
            "/admin/stream-error",
            json!({"code": 429, "keep_open": true, "close_after_ms": 5}),
            "contradict",
        ),
        (
            "/admin/fail-logins",
            json!({"reason": 402, "seconds": 1}),
            "403, 406, 409, 500, 503",
        ),
        ("/admin/fail-logins", json!({"reason": 403}), "seconds"),
        (
            "/admin/login-cap",
            json!({"per_second": -1}),
            "expected u32",
        ),
        (
            "/admin/sw-js",
            json!({"fault": "slow"}),
            "none, 404, challenge, hang",
        ),
        (
            "/admin/sw-js",
            json!({"version": "2.2412.1"}),
            "2.3000.REVISION",
        ),
        (
            "/admin/pair-code",
            json!({"phone": "1", "code": "12"}),
            "8 characters",
        ),
    ] {
        let (status, answer) = admin(mock.addr(), "POST", path, Some(body)).await;
        assert_eq!(status, 400, "{path}: {answer}");
        let error = answer["error"].as_str().expect("error");
        assert!(error.contains(needle), "{path}: {error}");
    }
    // Valid requests with no live socket affect nothing.
    for (path, body) in [
        ("/admin/stream-error", json!({"code": "ack"})),
        ("/admin/fail-logins", json!({"reason": "503", "seconds": 0})),
    ] {
        let (status, answer) = admin(mock.addr(), "POST", path, Some(body)).await;
        assert_eq!((status, answer), (200, json!({"affected": 0})), "{path}");
    }
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sw_js_announces_its_version_and_plays_each_fault() {
    let config = Config {
        sw_version: "2.3000.123".parse().expect("version"),
        ..Config::default()
    };
    let mock = MockWa::start(config).await.expect("start mock");
    let addr = mock.addr();
    let fetch = || request(addr, "GET", "/sw.js", None);
    let parsed = |body: &str| whatsapp_rust::wacore::version::parse_sw_js(body);

    let response = fetch().await;
    assert_eq!(response.status, 200);
    assert!(
        response.head.contains("application/javascript"),
        "{}",
        response.head
    );
    assert_eq!(parsed(&response.body), Some((2, 3000, 123)));

    let set = |body: Value| admin(addr, "POST", "/admin/sw-js", Some(body));
    let (status, answer) = set(json!({"version": "2.3000.456"})).await;
    assert_eq!(
        (status, answer),
        (200, json!({"version": "2.3000.456", "fault": "none"}))
    );
    assert_eq!(parsed(&fetch().await.body), Some((2, 3000, 456)));

    set(json!({"fault": "404"})).await;
    assert_eq!(fetch().await.status, 404);

    set(json!({"fault": "challenge"})).await;
    let response = fetch().await;
    assert_eq!(response.status, 200, "an anti-bot page answers 200");
    assert!(response.head.contains("text/html"), "{}", response.head);
    assert_eq!(parsed(&response.body), None);

    set(json!({"fault": "hang"})).await;
    let hung = tokio::time::timeout(Duration::from_secs(1), fetch()).await;
    assert!(hung.is_err(), "a hung /sw.js answered");

    set(json!({"fault": "none"})).await;
    assert_eq!(parsed(&fetch().await.body), Some((2, 3000, 456)));
    assert_eq!(mock.stats().sw_js_fetches, 6);
    let (_, stats) = admin(addr, "GET", "/admin/stats", None).await;
    assert_eq!(stats["sw_js_fetches"], 6, "{stats}");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_sw_js_cannot_announce_is_refused_at_start() {
    let config = Config {
        sw_version: "2.2412.1".parse().expect("version"),
        ..Config::default()
    };
    let err = MockWa::start(config).await.err().expect("refused");
    assert!(err.to_string().contains("2.3000.REVISION"), "{err}");
}
