//! The `--json` contract, pinned by an independent schema: these types are
//! written from the man page, not from wactl's views, and refuse unknown
//! fields, so a rename, a removal or an undocumented addition fails here.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::harness::Env;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Status {
    ready: bool,
    has_qr: bool,
    state: String,
    connected_at: Option<i64>,
    disconnected_at: Option<i64>,
    last_seen: Option<i64>,
    number: String,
    reason: String,
    since: i64,
    created_at: i64,
    paired_at: Option<i64>,
    jid: Option<String>,
    push_name: Option<String>,
    pairing_deadline: Option<i64>,
    retry_at: Option<i64>,
    forget_at: Option<i64>,
    disconnects: u64,
    phone_seen_at: Option<i64>,
    messages_received: u64,
    last_message_at: Option<i64>,
    node: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Connections {
    total_clients: u64,
    connected_clients: u64,
    connections: BTreeMap<String, Status>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct System {
    version: String,
    pid: u32,
    started_at: i64,
    uptime_seconds: i64,
    socket: String,
    data_dir: String,
    total_clients: u64,
    connected_clients: u64,
    states: BTreeMap<String, u64>,
    wa_version: String,
    wa_version_source: String,
    wa_version_fetched_at: Option<i64>,
    wa_version_error: Option<String>,
    connect_rate: u32,
    connect_rate_configured: u32,
    connect_rate_reason: Option<String>,
    engine: String,
    database: Option<String>,
    node: Option<String>,
    nodes: Vec<Node>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Node {
    name: String,
    heartbeat_age_ms: i64,
    numbers: u64,
    status: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Transition {
    at: i64,
    from: String,
    to: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Inspect {
    #[serde(flatten)]
    status: InspectStatus,
    transitions: Vec<Transition>,
    store_path: String,
    store_bytes: u64,
}

/// `Status` again: serde cannot combine `flatten` with `deny_unknown_fields`,
/// so the inspect object is checked field by field against this list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InspectStatus {
    ready: bool,
    has_qr: bool,
    state: String,
    connected_at: Option<i64>,
    disconnected_at: Option<i64>,
    last_seen: Option<i64>,
    number: String,
    reason: String,
    since: i64,
    created_at: i64,
    paired_at: Option<i64>,
    jid: Option<String>,
    push_name: Option<String>,
    pairing_deadline: Option<i64>,
    retry_at: Option<i64>,
    forget_at: Option<i64>,
    disconnects: u64,
    phone_seen_at: Option<i64>,
    messages_received: u64,
    last_message_at: Option<i64>,
    node: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Problem {
    number: String,
    state: String,
    since: Option<i64>,
    reason: String,
    action: String,
    exit_code: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Check {
    ok: bool,
    exit_code: u8,
    checked: u64,
    problems: Vec<Problem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Event {
    number: String,
    at: i64,
    time: String,
    from: String,
    state: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Failure {
    error: FailureError,
    exit_code: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureError {
    code: String,
    message: String,
}

/// The error codes wactl(1) documents, with their exit codes.
const ERROR_CODES: [(&str, u8); 10] = [
    ("usage", 2),
    ("unknown_number", 1),
    ("invalid_state", 1),
    ("bad_request", 1),
    ("limit_reached", 1),
    ("pairing_failed", 4),
    ("daemon_unreachable", 69),
    ("shutting_down", 69),
    ("internal", 70),
    ("protocol_mismatch", 76),
];

fn parse<T: serde::de::DeserializeOwned>(what: &str, value: serde_json::Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{what} breaks the contract: {e}\n{value:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_matches_the_documented_contract() {
    const N: &str = "15550009191";
    let env = Env::new(&[]).await;
    let mut events = env.spawn_wactl(&["events", "--json"]);
    env.pair(N).await;
    env.drop_and_reconnect(N).await;

    let status: Status = parse("status", env.json(&["status", N]).await);
    assert!(status.ready && status.state == "CONNECTED");
    let list: Connections = parse("list", env.json(&["list"]).await);
    assert_eq!((list.total_clients, list.connected_clients), (1, 1));
    let system: System = parse("system status", env.json(&["status"]).await);
    assert_eq!(system.states.get("CONNECTED"), Some(&1));
    let check: Check = parse("check", env.json(&["check"]).await);
    assert!(check.ok && check.problems.is_empty());

    let inspect = env.json(&["inspect", N]).await;
    let parsed: Inspect = parse("inspect", inspect.clone());
    assert!(!parsed.transitions.is_empty());
    let documented = [
        "ready",
        "hasQr",
        "state",
        "connectedAt",
        "disconnectedAt",
        "lastSeen",
        "number",
        "reason",
        "since",
        "createdAt",
        "pairedAt",
        "jid",
        "pushName",
        "pairingDeadline",
        "retryAt",
        "forgetAt",
        "disconnects",
        "phoneSeenAt",
        "messagesReceived",
        "lastMessageAt",
        "node",
        "transitions",
        "storePath",
        "storeBytes",
    ];
    for key in inspect.as_object().expect("object").keys() {
        assert!(
            documented.contains(&key.as_str()),
            "inspect has undocumented field `{key}`"
        );
    }

    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(events.stdout.take().expect("stdout")).lines();
    let line = lines.next_line().await.expect("read").expect("an event");
    let event: Event = parse("events", serde_json::from_str(&line).expect("json"));
    assert_eq!(event.number, N);
}

/// `wactl ARGS` must fail with `code` and print one JSON error object on
/// stdout (and its message on stderr) with the same exit code.
async fn fails_as(env: &Env, args: &[&str], code: &str) {
    let out = env.wactl(args).await;
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: no JSON error ({e}): {}",
            crate::harness::text(&out)
        )
    });
    let failure: Failure = parse(&format!("{args:?} failure"), value);
    assert_eq!(failure.error.code, code, "{args:?}");
    assert_eq!(
        out.status.code(),
        Some(i32::from(failure.exit_code)),
        "{args:?}"
    );
    let documented = ERROR_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .expect("documented");
    assert_eq!(failure.exit_code, documented.1, "{args:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !failure.error.message.is_empty()
            && stderr.contains(failure.error.message.lines().next().unwrap_or_default()),
        "{args:?}: the message is on stderr too: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_failures_are_one_documented_error_object() {
    let mut env = Env::new(&[]).await;
    for verb in [&["status"][..], &["inspect"]] {
        let args: Vec<&str> = verb
            .iter()
            .copied()
            .chain(["15559999999", "--json"])
            .collect();
        fails_as(&env, &args, "unknown_number").await;
    }
    fails_as(&env, &["status", "12", "--json"], "usage").await;
    fails_as(&env, &["check", "+1", "555", "--json"], "usage").await;
    fails_as(&env, &["list", "--json", "--frobnicate"], "usage").await;
    env.kill().await;
    for args in [
        &["list", "--json"][..],
        &["status", "--json"],
        &["check", "--json"],
        &["events", "--json"],
    ] {
        fails_as(&env, args, "daemon_unreachable").await;
    }
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../man/wactl.1"),
    )
    .expect("wactl.1");
    for (code, _) in ERROR_CODES {
        assert!(page.contains(code), "wactl(1) documents `{code}`");
    }
}
