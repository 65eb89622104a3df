//! The HTTP face: real requests against a running daemon. Each endpoint's
//! body is the object the CLI prints for the same numbers; bad requests
//! get the CLI's error object; a token guards everything; a public address
//! without one refuses to start; readiness follows the restore.

use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncBufReadExt;

use crate::harness::{Env, bin, get, http, text, until};

/// `wactl ARGS --json`, then the endpoint, then wactl again, until both
/// wactl runs agree (a keepalive may move `lastSeen` in between): the
/// endpoint must then say exactly the same.
async fn same_as_cli(env: &Env, args: &[&str], url: &str, skip: &[&str]) {
    let strip = |mut v: Value| {
        if let Some(object) = v.as_object_mut() {
            for key in skip {
                assert!(object.remove(*key).is_some(), "{url} has `{key}`");
            }
        }
        v
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let before = strip(env.json(args).await);
        let answer = get(url).await;
        let after = strip(env.json(args).await);
        if before == after {
            assert_eq!(answer.status, 200, "{url}: {}", answer.body);
            assert_eq!(answer.header("content-type"), Some("application/json"));
            assert_eq!(strip(answer.json()), before, "{url} against wactl {args:?}");
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "wactl {args:?} never held still"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_original_endpoints_answer_what_the_cli_prints() {
    const N: &str = "15550004141";
    const WAITING: &str = "15550004242";
    let env = Env::new(&["--http", "127.0.0.1:0"]).await;
    let base = env.http_base().await;
    env.pair(N).await;
    // A second number waiting for its scan, nobody watching.
    let mut pairing = env.spawn_wactl(&["pair", WAITING, "--qr", "text"]);
    let mut lines = tokio::io::BufReader::new(pairing.stdout.take().expect("stdout")).lines();
    lines.next_line().await.expect("read").expect("a code");
    pairing.kill().await.expect("stop watching");

    same_as_cli(&env, &["list"], &format!("{base}/api/connections"), &[]).await;
    same_as_cli(
        &env,
        &["status", N],
        &format!("{base}/api/status?numero={N}"),
        &[],
    )
    .await;
    // Written as people write it: `+` is a space in a query, a separator.
    same_as_cli(
        &env,
        &["status", WAITING],
        &format!("{base}/api/status?numero=%2B1%20555%20000%204242"),
        &[],
    )
    .await;
    same_as_cli(
        &env,
        &["status"],
        &format!("{base}/api/system-status"),
        &["uptimeSeconds"],
    )
    .await;
    let system = get(&format!("{base}/api/system-status")).await.json();
    assert!(system["uptimeSeconds"].is_i64(), "{system}");
    assert_eq!(system["totalClients"], 2);
    assert_eq!(system["connectedClients"], 1);

    // Unknown: 404 with the very object `wactl status N --json` prints.
    let unknown = get(&format!("{base}/api/status?numero=15559990000")).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let cli = env.wactl(&["status", "15559990000", "--json"]).await;
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("wactl's JSON failure");
    assert_eq!(unknown.json(), cli);
    // Missing or bad: 400, a usage error saying what was wrong.
    for (query, says) in [
        ("", "numero="),
        ("?numero=", "numero="),
        ("?numero=12", "7 to 15"),
        ("?numero=0201234567", "country code"),
        ("?numero=abc", "not a phone number"),
        ("?numero=1&numero=2", "query"),
    ] {
        let answer = get(&format!("{base}/api/status{query}")).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        let failure = answer.json();
        assert_eq!(failure["error"]["code"], "usage", "{query}");
        assert_eq!(failure["exitCode"], 2, "{query}");
        let message = failure["error"]["message"].as_str().expect("message");
        assert!(message.contains(says), "{query}: {message}");
    }
    let cli = env.wactl(&["status", "12", "--json"]).await;
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("wactl's JSON failure");
    let short = get(&format!("{base}/api/status?numero=12")).await.json();
    assert_eq!(
        (&short["error"]["code"], &short["exitCode"]),
        (&cli["error"]["code"], &cli["exitCode"])
    );
    let nowhere = get(&format!("{base}/api/nowhere")).await;
    assert_eq!(nowhere.status, 404);
    assert!(
        nowhere.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("/api/connections"))
    );
    let post = http("POST", &format!("{base}/api/connections"), None).await;
    assert_eq!(post.status, 405, "{}", post.body);
    assert_eq!(post.json()["error"]["code"], "usage");

    assert_eq!(get(&format!("{base}/healthz")).await.status, 200);
    assert_eq!(get(&format!("{base}/readyz")).await.status, 200);
    metrics_match_the_cli(&env, &base, N, WAITING).await;
}

/// `/metrics` is `wactl metrics` (but for when each was made), passes
/// `promtool check metrics`, and names only the number that is not
/// connected.
async fn metrics_match_the_cli(env: &Env, base: &str, connected: &str, waiting: &str) {
    let answer = get(&format!("{base}/metrics")).await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        answer.header("content-type")
    );
    let cli = env.wactl(&["metrics"]).await;
    assert!(cli.status.success(), "{}", text(&cli));
    let timeless = |body: &str| -> Vec<String> {
        body.lines()
            .filter(|l| {
                !l.starts_with("waconn_metrics_generated_timestamp_seconds ")
                    && !l.starts_with("waconn_daemon_uptime_seconds ")
            })
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        timeless(&answer.body),
        timeless(&String::from_utf8_lossy(&cli.stdout)),
        "/metrics against wactl metrics"
    );
    let body = &answer.body;
    assert!(
        body.contains("waconn_sessions{state=\"CONNECTED\"} 1\n"),
        "{body}"
    );
    assert!(
        body.contains("waconn_sessions{state=\"PAIRING\"} 1\n"),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "waconn_session_up{{number=\"{waiting}\",state=\"PAIRING\"}} 0\n"
        )),
        "{body}"
    );
    assert!(
        !body.contains(connected),
        "a connected number has no series: {body}"
    );
    promtool(body);
}

/// `promtool check metrics` on `body`, where promtool is installed (CI
/// installs it).
fn promtool(body: &str) {
    use std::io::Write;
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("promtool is not installed: /metrics not linted");
            return;
        }
        Err(e) => panic!("promtool: {e}"),
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    assert!(
        out.status.success(),
        "promtool check metrics:\n{}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_address_needs_a_token_and_the_token_guards_everything() {
    let mut env = Env::prepare(&[], &[]).await;
    // No token: refuses to start, saying why and what to do.
    let out = env
        .daemon_command()
        .arg("--socket")
        .arg(env.socket())
        .args(["--http", "0.0.0.0:0"])
        .output()
        .await
        .expect("waconnd");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    for says in ["not a loopback address", "--http-token-file", "127.0.0.1:0"] {
        assert!(said.contains(says), "{says}: {said}");
    }
    assert!(!env.socket().exists(), "nothing started");

    const TOKEN: &str = "0b5c6a7f2e9d41c3a8f1e6d2b7c4a9f0";
    let file = env.dir.path().join("http-token");
    std::fs::write(&file, format!("{TOKEN}\n")).expect("token file");
    env.args = vec![
        "--http".into(),
        "0.0.0.0:0".into(),
        "--http-token-file".into(),
        file.display().to_string(),
    ];
    env.start().await;
    let base = env.http_base().await;
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/connections",
        "/api/status?numero=15550001111",
        "/nowhere",
    ] {
        let url = format!("{base}{path}");
        for token in [None, Some("wrong"), Some(&TOKEN[..31])] {
            let answer = http("GET", &url, token).await;
            assert_eq!(answer.status, 401, "{path} with {token:?}");
            assert!(
                answer.body.is_empty(),
                "{path}: nothing else: {}",
                answer.body
            );
            assert_eq!(
                answer.header("www-authenticate"),
                Some("Bearer realm=\"waconnd\"")
            );
        }
    }
    let answer = http("GET", &format!("{base}/api/connections"), Some(TOKEN)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["totalClients"], 0);
    let answer = http("GET", &format!("{base}/healthz"), Some(TOKEN)).await;
    assert_eq!(answer.status, 200);
    env.stop().await;
    assert!(!env.log().contains(TOKEN), "the token is in the log");
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_says_503_until_the_sessions_are_restored() {
    let mut env = Env::prepare(&["--http", "127.0.0.1:0"], &[]).await;
    // The registry is a FIFO: the restore waits until the test writes it.
    std::fs::create_dir_all(env.data()).expect("data dir");
    let registry = env.data().join("sessions.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&registry)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    env.spawn_daemon();
    let base = env.http_base().await;
    let health = get(&format!("{base}/healthz")).await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let ready = get(&format!("{base}/readyz")).await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(ready.body.contains("restoring"), "{}", ready.body);
    // Asked during the restore, answered once it ends.
    let asked = tokio::spawn({
        let url = format!("{base}/api/connections");
        async move { get(&url).await }
    });
    tokio::task::spawn_blocking(move || {
        std::fs::write(&registry, br#"{"version": 1, "sessions": []}"#).expect("write the FIFO")
    })
    .await
    .expect("writer");
    until("ready", Duration::from_secs(30), || async {
        get(&format!("{base}/readyz")).await.status == 200
    })
    .await;
    let answer = tokio::time::timeout(Duration::from_secs(30), asked)
        .await
        .expect("answered after the restore")
        .expect("request");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["totalClients"], 0);
    assert!(env.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_http_address_is_a_usage_error() {
    let out = tokio::process::Command::new(bin("waconnd"))
        .args(["--http", "3000"])
        .output()
        .await
        .expect("waconnd");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("127.0.0.1:3000"), "{stderr}");
}
