//! What scripts and cron jobs rely on: `check`, `events`, `metrics`.

use std::time::Duration;

use tokio::io::AsyncBufReadExt;

use crate::harness::{CONNECT, Env, bin, text, until};

#[tokio::test(flavor = "multi_thread")]
async fn check_exit_codes_follow_the_state_classes() {
    const A: &str = "15550006661";
    const B: &str = "15550006662";
    let mut env = Env::new(&[]).await;
    env.pair(A).await;
    let out = env.wactl(&["check"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "silent when all is well: {}",
        text(&out)
    );
    let json = env.json(&["check"]).await;
    assert_eq!(json["ok"], true);

    // Recovering: tolerated within the grace, exit 3 beyond it.
    env.mock.refuse(Duration::from_secs(3600));
    env.mock.drop_connections(Some(A));
    until("A is not connected", CONNECT, || async {
        env.state(A).await != "CONNECTED"
    })
    .await;
    assert_eq!(
        env.wactl(&["check", "--grace", "10m"]).await.status.code(),
        Some(0)
    );
    let out = env.wactl(&["check", "--grace", "0s"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(
        line.starts_with(A) && line.contains("reconnecting on its own"),
        "{line}"
    );
    env.mock.refuse(Duration::ZERO);
    env.wait_state(A, "CONNECTED", CONNECT).await;

    // Needs a person: a number waiting for its scan.
    let mut pairing = env.spawn_wactl(&["pair", B, "--qr", "text"]);
    let mut lines = tokio::io::BufReader::new(pairing.stdout.take().expect("stdout")).lines();
    lines.next_line().await.expect("read").expect("a code");
    pairing.kill().await.expect("stop watching");
    let out = env.wactl(&["check"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("wactl pair {B}")),
        "{}",
        text(&out)
    );
    let json = env.json(&["check"]).await;
    assert_eq!(json["exitCode"], 4);
    assert_eq!(json["problems"][0]["number"], B);
    assert_eq!(
        env.wactl(&["check", A]).await.status.code(),
        Some(0),
        "only the named numbers count"
    );
    assert_eq!(
        env.wactl(&["check", "15550009999"]).await.status.code(),
        Some(4),
        "an unknown number"
    );

    env.kill().await;
    let out = env.wactl(&["check"]).await;
    assert_eq!(out.status.code(), Some(69), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn events_follow_pair_drop_reconnect_and_logout_in_order() {
    const N: &str = "15550007777";
    let mut env = Env::new(&[]).await;
    let mut events = env.spawn_wactl(&["events", "--json"]);
    let mut lines = tokio::io::BufReader::new(events.stdout.take().expect("stdout")).lines();
    env.pair_drop_and_logout(N).await;

    let mut seen = Vec::new();
    while !seen.ends_with(&["LOGGED_OUT".to_string()]) {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("an event")
            .expect("read")
            .expect("a line");
        let event: serde_json::Value =
            serde_json::from_str(&line).expect("one JSON object per line");
        assert_eq!(event["number"], N);
        assert!(
            event["at"].is_i64() && event["reason"].is_string(),
            "{event}"
        );
        seen.push(event["state"].as_str().expect("state").to_string());
    }
    let expect_in_order = [
        "CONNECTING",
        "CONNECTED",
        "DISCONNECTED",
        "CONNECTED",
        "LOGGED_OUT",
    ];
    let mut rest = seen.iter();
    for want in expect_in_order {
        assert!(
            rest.any(|s| s == want),
            "{want} missing or out of order in {seen:?}"
        );
    }

    env.kill().await;
    let status = tokio::time::timeout(Duration::from_secs(10), events.wait())
        .await
        .expect("events ends when the daemon goes away")
        .expect("wait");
    assert_eq!(status.code(), Some(69));
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_valid_prometheus_text_and_say_when_the_daemon_is_down() {
    const N: &str = "15550008888";
    let mut env = Env::new(&[]).await;
    env.pair(N).await;
    let out = env.wactl(&["metrics"]).await;
    assert!(out.status.success(), "{}", text(&out));
    let body = String::from_utf8(out.stdout).expect("utf-8");
    let samples = parse_exposition(&body);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let generated = |samples: &[(String, String, f64)]| {
        samples
            .iter()
            .find(|(n, _, _)| n == "waconn_metrics_generated_timestamp_seconds")
            .map(|(_, _, v)| *v)
            .expect("a generated-at timestamp")
    };
    assert!((generated(&samples) - now).abs() < 60.0, "{body}");
    let get = |name: &str, labels: &str| {
        samples
            .iter()
            .find(|(n, l, _)| n == name && l == labels)
            .map(|(_, _, v)| *v)
            .unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{body}"))
    };
    assert_eq!(get("waconn_sessions", "state=\"CONNECTED\""), 1.0);
    assert_eq!(get("waconn_sessions", "state=\"PAIRING\""), 0.0);
    assert!(
        !samples.iter().any(|(_, labels, _)| labels.contains(N)),
        "a connected number is counted, not listed:\n{body}"
    );
    assert!(get("waconn_daemon_uptime_seconds", "") >= 0.0);
    assert_eq!(
        get(
            "waconn_build_info",
            &format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))
        ),
        1.0
    );
    assert_eq!(get("waconn_up", ""), 1.0);

    // Down: still a valid exposition (so a textfile job replaces the old
    // file), saying so, and exit 69.
    env.kill().await;
    let out = env.wactl(&["metrics"]).await;
    assert_eq!(out.status.code(), Some(69), "{}", text(&out));
    assert!(
        !out.stderr.is_empty(),
        "the reason on stderr: {}",
        text(&out)
    );
    let body = String::from_utf8(out.stdout).expect("utf-8");
    let samples = parse_exposition(&body);
    let names: Vec<&str> = samples.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["waconn_up", "waconn_metrics_generated_timestamp_seconds"],
        "nothing stale about the sessions:\n{body}"
    );
    assert_eq!(samples[0].2, 0.0, "{body}");
    assert!((generated(&samples) - now).abs() < 60.0, "{body}");
}

/// Parses the text exposition format (0.0.4) strictly enough to catch
/// mistakes: every sample belongs to a family announced by HELP then TYPE
/// just before its samples, names and labels are well formed, label values
/// quoted with their escapes, no series twice, values are numbers, the body
/// ends with a newline. Returns (name, labels, value).
fn parse_exposition(body: &str) -> Vec<(String, String, f64)> {
    assert!(body.ends_with('\n'), "the exposition ends with a newline");
    let mut announced: Option<String> = None;
    let mut series = std::collections::HashSet::new();
    for line in body.lines() {
        assert!(
            !line.is_empty() && !line.ends_with(' '),
            "stray blank: {line:?}"
        );
        if let Some(rest) = line.strip_prefix("# HELP ") {
            announced = rest.split(' ').next().map(str::to_string);
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().expect("name");
            assert_eq!(
                announced.as_deref(),
                Some(name),
                "TYPE right after its HELP: {line}"
            );
        } else {
            assert!(!line.starts_with('#'), "unknown comment: {line}");
            let (series_name, _) = line.rsplit_once(' ').expect("sample");
            assert!(
                series.insert(series_name.to_string()),
                "series twice: {line}"
            );
            let name = series_name.split('{').next().expect("name");
            assert_eq!(
                announced.as_deref(),
                Some(name),
                "sample under its own family: {line}"
            );
            if let Some(labels) = series_name.split_once('{').map(|(_, l)| l) {
                let mut rest = labels.strip_suffix('}').expect("labels end with }");
                while !rest.is_empty() {
                    let (key, value) = rest.split_once("=\"").expect("key=\"value\"");
                    assert!(!key.is_empty(), "{line}");
                    let mut end = None;
                    let mut escaped = false;
                    for (i, c) in value.char_indices() {
                        match (escaped, c) {
                            (true, '\\' | '"' | 'n') => escaped = false,
                            (true, _) => panic!("bad escape in {line}"),
                            (false, '\\') => escaped = true,
                            (false, '"') => {
                                end = Some(i);
                                break;
                            }
                            (false, '\n') => panic!("raw newline in {line}"),
                            _ => {}
                        }
                    }
                    let end = end.unwrap_or_else(|| panic!("unterminated label in {line}"));
                    rest = value[end + 1..]
                        .strip_prefix(',')
                        .unwrap_or(&value[end + 1..]);
                }
            }
        }
    }
    parse_samples(body)
}

/// Names, labels and values of an exposition, each checked.
fn parse_samples(body: &str) -> Vec<(String, String, f64)> {
    let valid_name = |n: &str| {
        !n.is_empty()
            && n.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    let mut typed = std::collections::HashMap::new();
    let mut helped = std::collections::HashSet::new();
    let mut samples = Vec::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().expect("name");
            assert!(
                valid_name(name) && helped.insert(name.to_string()),
                "HELP: {line}"
            );
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let (name, kind) = (parts.next().expect("name"), parts.next().expect("type"));
            assert!(["gauge", "counter"].contains(&kind), "{line}");
            assert!(
                typed.insert(name.to_string(), kind.to_string()).is_none(),
                "TYPE twice: {line}"
            );
        } else {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("sample: {line}"));
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("value: {line}"));
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (
                    name,
                    labels
                        .strip_suffix('}')
                        .unwrap_or_else(|| panic!("labels: {line}")),
                ),
                None => (series, ""),
            };
            assert!(valid_name(name), "name: {line}");
            assert!(
                typed.contains_key(name) && helped.contains(name),
                "sample before its HELP/TYPE: {line}"
            );
            if typed[name] == "counter" {
                assert!(name.ends_with("_total"), "counters end in _total: {line}");
            }
            for pair in labels.split(',').filter(|p| !p.is_empty()) {
                let (k, v) = pair
                    .split_once('=')
                    .unwrap_or_else(|| panic!("label: {line}"));
                assert!(
                    valid_name(k) && v.starts_with('"') && v.ends_with('"'),
                    "label: {line}"
                );
            }
            samples.push((name.to_string(), labels.to_string(), value));
        }
    }
    samples
}

#[tokio::test(flavor = "multi_thread")]
async fn colors_follow_the_terminal_and_qr_images_are_written() {
    const N: &str = "15550001212";
    let env = Env::new(&[]).await;
    let png = env.dir.path().join("code.png");
    let mut pair = env.spawn_wactl(&["pair", N, "--qr", &format!("png:{}", png.display())]);
    until(
        "the QR image is written",
        Duration::from_secs(30),
        || async { png.exists() },
    )
    .await;
    let bytes = std::fs::read(&png).expect("png");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&png).expect("stat").permissions().mode() & 0o777,
        0o600,
        "a code is a secret"
    );
    pair.kill().await.expect("stop");

    let esc = |out: &std::process::Output| out.stdout.contains(&0x1b);
    assert!(!esc(&env.wactl(&["list"]).await), "no colors into a pipe");
    assert!(esc(&env.wactl(&["list", "--color", "always"]).await));
    let out = tokio::process::Command::new(bin("wactl"))
        .args(["list", "--color", "auto"])
        .env("WACONN_SOCKET", env.socket())
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "0")
        .output()
        .await
        .expect("wactl");
    assert!(!esc(&out), "{}", text(&out));
    assert!(!esc(&env.wactl(&["list", "--color", "never"]).await));
}

#[tokio::test(flavor = "multi_thread")]
async fn check_warns_from_day_12_of_a_silent_phone() {
    const N: &str = "15550001313";
    let mut env = Env::new(&[]).await;
    env.pair(N).await;
    let seen = env.json(&["status", N]).await["phoneSeenAt"].as_i64();
    assert!(seen.is_some(), "pairing is a sign of life");
    assert_eq!(env.wactl(&["check"]).await.status.code(), Some(0));

    env.stop().await;
    let path = env.data().join("sessions.json");
    let mut registry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let thirteen_days_ago = seen.expect("seen") - 13 * 86_400_000;
    registry["sessions"][0]["phone_seen_at"] = thirteen_days_ago.into();
    std::fs::write(&path, serde_json::to_vec(&registry).expect("json")).expect("write");
    env.start().await;
    env.wait_state(N, "CONNECTED", CONNECT).await;

    let out = env.wactl(&["check"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("13 days"),
        "{}",
        text(&out)
    );
    let out = env.wactl(&["inspect", N]).await;
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("warning"),
        "{}",
        text(&out)
    );
}
