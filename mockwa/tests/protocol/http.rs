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

/// One HTTP request to the admin API; returns the status and JSON body.
pub async fn admin(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response[9..12].parse().expect("status");
    let json = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(json).unwrap_or(Value::Null))
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
    assert_eq!(devices[0]["logins"], 1);

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
    assert_eq!(stats["logins"], 2);
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
    for request in [
        "scan", "drop", "refuse", "mute", "logout", "replace", "ban", "outdated", "devices",
        "stats",
    ] {
        assert!(
            help.contains(&format!("/admin/{request}")),
            "--help lacks {request}"
        );
    }
    for option in [
        "--listen",
        "--key-file",
        "--state-file",
        "--refs",
        "--first-ref-ttl",
        "--ref-ttl",
    ] {
        assert!(help.contains(option), "--help lacks {option}");
    }
}
