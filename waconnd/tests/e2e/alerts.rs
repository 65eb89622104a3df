//! Push alerts against a running daemon: a receiver (a small HTTP server
//! here) gets every change in order with a valid signature, a receiver that
//! was down gets what it missed, a receiver that never answers holds up no
//! session, and an exec hook runs once per change.

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::harness::{Env, text, until};

/// One POST the receiver accepted.
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A webhook receiver on a real socket, answering `status` (200 unless
/// told otherwise) and keeping what it accepted.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    async fn serve(listener: tokio::net::TcpListener) -> Self {
        let receiver = Self::default();
        receiver.status.store(200, Ordering::SeqCst);
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(accept))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    async fn start() -> (Self, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        (Self::serve(listener).await, url)
    }

    fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .expect("lock")
            .iter()
            .map(|r| serde_json::from_slice(&r.body).expect("a JSON body"))
            .collect()
    }
}

async fn accept(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let status = StatusCode::from_u16(receiver.status.load(Ordering::SeqCst)).expect("status");
    if status.is_success() {
        receiver.got.lock().expect("lock").push(Received {
            headers,
            body: body.to_vec(),
        });
    }
    status
}

/// Every change of `number` the daemon made, as `wactl inspect` records
/// them, in the shape of `wactl events --json`.
async fn changes(env: &Env, number: &str) -> Vec<Value> {
    let inspect = env.json(&["inspect", number]).await;
    inspect["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .filter(|t| t["from"] != t["to"])
        .map(|t| {
            serde_json::json!({
                "number": number,
                "at": t["at"],
                "time": waconn_proto::time::rfc3339(t["at"].as_i64().expect("at")),
                "from": t["from"],
                "state": t["to"],
                "reason": t["reason"],
            })
        })
        .collect()
}

fn states(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["state"].as_str().expect("state").to_string())
        .collect()
}

/// The `sink`'s sample `name` in `wactl metrics`.
async fn sample(env: &Env, name: &str, labels: &str) -> f64 {
    let out = env.wactl(&["metrics"]).await;
    let body = String::from_utf8_lossy(&out.stdout).to_string();
    let prefix = format!("{name}{{{labels}}} ");
    body.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in\n{body}"))
}

fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::sign(&key, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pair_a_drop_and_a_logout_reach_the_webhook_signed_and_the_hook_once_each() {
    const N: &str = "15550005151";
    const SECRET: &str = "whsec-7d1e0c9a4b2f";
    let (receiver, url) = Receiver::start().await;
    let mut env = Env::prepare(&[], &[]).await;
    let dir = env.dir.path().to_path_buf();
    std::fs::write(dir.join("secret"), SECRET).expect("secret file");
    let hook = format!(
        "printf '%s %s\\n' \"$WACONN_FROM\" \"$WACONN_STATE\" >> {runs}; cat >> {lines}",
        runs = dir.join("runs").display(),
        lines = dir.join("hook.jsonl").display()
    );
    env.args = vec![
        "--notify".into(),
        url,
        "--notify-secret-file".into(),
        dir.join("secret").display().to_string(),
        "--notify-exec".into(),
        hook,
    ];
    env.start().await;
    let qr = env.pair_drop_and_logout(N).await;

    let expected = changes(&env, N).await;
    let mut rest = states(&expected).into_iter();
    for want in [
        "CONNECTING",
        "CONNECTED",
        "DISCONNECTED",
        "CONNECTED",
        "LOGGED_OUT",
    ] {
        assert!(rest.any(|s| s == want), "{want} in order in {expected:?}");
    }
    until(
        "the webhook has every change",
        Duration::from_secs(30),
        || async { receiver.bodies().len() >= expected.len() },
    )
    .await;
    assert_eq!(receiver.bodies(), expected, "every change, in order, once");
    let now = waconn_proto::time::now_ms() / 1000;
    let mut ids = std::collections::HashSet::new();
    for r in receiver.got.lock().expect("lock").iter() {
        let header = |name: &str| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("no {name}"))
                .to_string()
        };
        let timestamp = header("x-waconn-timestamp");
        assert!((timestamp.parse::<i64>().expect("seconds") - now).abs() < 300);
        let mut signed = format!("{timestamp}.").into_bytes();
        signed.extend_from_slice(&r.body);
        assert_eq!(
            header("x-waconn-signature"),
            format!("sha256={}", hmac_hex(SECRET.as_bytes(), &signed))
        );
        assert_eq!(header("content-type"), "application/json");
        assert!(
            ids.insert(header("x-waconn-delivery")),
            "delivery ids are unique"
        );
        let body = String::from_utf8_lossy(&r.body);
        for part in qr.split(',').filter(|p| p.len() > 8) {
            assert!(!body.contains(part), "a QR payload part in {body}");
        }
    }

    let lines_path = dir.join("hook.jsonl");
    until(
        "the hook ran for every change",
        Duration::from_secs(30),
        || async {
            std::fs::read_to_string(&lines_path).map_or(0, |t| t.lines().count()) >= expected.len()
        },
    )
    .await;
    let hooked: Vec<Value> = std::fs::read_to_string(&lines_path)
        .expect("hook output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(hooked, expected, "the hook's standard input");
    let runs: Vec<String> = std::fs::read_to_string(dir.join("runs"))
        .expect("runs")
        .lines()
        .map(str::to_string)
        .collect();
    let want: Vec<String> = expected
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["from"].as_str().expect("from"),
                e["state"].as_str().expect("state")
            )
        })
        .collect();
    assert_eq!(
        runs, want,
        "one run per change, with its states in the environment"
    );
    let labels = "sink=\"webhook\",index=\"1\"";
    assert_eq!(
        sample(&env, "waconn_notifications_delivered_total", labels).await,
        expected.len() as f64
    );
    assert_eq!(
        sample(
            &env,
            "waconn_notifications_delivered_total",
            "sink=\"exec\",index=\"1\""
        )
        .await,
        expected.len() as f64
    );
    assert!(!env.log().contains(SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_was_down_gets_what_it_missed() {
    const N: &str = "15550005252";
    // A port nothing listens on, for now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut env = Env::new(&[
        "--notify",
        &format!("http://127.0.0.1:{port}/hook"),
        "--notify-backoff",
        "200ms",
        "--notify-max-backoff",
        "1s",
    ])
    .await;
    env.pair(N).await;
    let labels = "sink=\"webhook\",index=\"1\"";
    until(
        "failed attempts are counted",
        Duration::from_secs(30),
        || async { sample(&env, "waconn_notifications_failures_total", labels).await >= 2.0 },
    )
    .await;
    let expected = changes(&env, N).await;
    assert_eq!(
        sample(&env, "waconn_notifications_queued", labels).await,
        expected.len() as f64,
        "everything waits"
    );
    // Up again, after a refusal or two.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port again");
    let receiver = Receiver::serve(listener).await;
    receiver.status.store(503, Ordering::SeqCst);
    until("refused once more", Duration::from_secs(30), || async {
        sample(&env, "waconn_notifications_failures_total", labels).await >= 4.0
    })
    .await;
    receiver.status.store(200, Ordering::SeqCst);
    until(
        "the missed changes arrive",
        Duration::from_secs(30),
        || async { receiver.bodies().len() >= expected.len() },
    )
    .await;
    assert_eq!(receiver.bodies(), expected, "in order, none lost");
    assert_eq!(
        sample(&env, "waconn_notifications_queued", labels).await,
        0.0
    );
    for reason in ["full", "missed", "expired"] {
        assert_eq!(
            sample(
                &env,
                "waconn_notifications_dropped_total",
                &format!("{labels},reason=\"{reason}\"")
            )
            .await,
            0.0
        );
    }
    assert!(env.log().contains("delivered"), "the recovery is logged");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_never_answers_holds_up_no_reconnect() {
    const N: &str = "15550005353";
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let held = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn({
        let (accepted, held) = (Arc::clone(&accepted), Arc::clone(&held));
        async move {
            while let Ok((socket, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                held.lock().expect("lock").push(socket);
            }
        }
    });
    let env = Env::new(&[
        "--notify",
        &format!("http://{addr}/hook"),
        "--notify-timeout",
        "1h",
        "--notify-queue",
        "2",
    ])
    .await;
    env.pair(N).await;
    until("the first POST hangs", Duration::from_secs(30), || async {
        accepted.load(Ordering::SeqCst) >= 1
    })
    .await;
    env.drop_and_reconnect(N).await;
    let made = changes(&env, N).await.len() as f64;
    assert!(
        made >= 5.0,
        "pairing and a reconnect make five changes or more"
    );
    let labels = "sink=\"webhook\",index=\"1\"";
    assert_eq!(
        sample(&env, "waconn_notifications_delivered_total", labels).await,
        0.0
    );
    assert_eq!(
        sample(&env, "waconn_notifications_queued", labels).await,
        3.0,
        "one in flight, the queue full behind it"
    );
    assert_eq!(
        sample(
            &env,
            "waconn_notifications_dropped_total",
            &format!("{labels},reason=\"full\"")
        )
        .await,
        made - 3.0,
        "the oldest made room, counted"
    );
    let out = env.wactl(&["status", N]).await;
    assert!(out.status.success(), "{}", text(&out));
}
