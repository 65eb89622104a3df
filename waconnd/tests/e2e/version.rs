//! The WhatsApp Web version: one source for the daemon, read from the
//! server's `sw.js` (mockwa's here), kept on disk, never waited on.

use std::time::{Duration, Instant};

use mockwa::AppVersion;
use serde_json::json;

use crate::harness::{CONNECT, Env, text, until};

/// The daemon's version, where it came from, and why the last fetch failed.
async fn version(env: &Env) -> (String, String, Option<String>) {
    let status = env.json(&["status"]).await;
    (
        status["waVersion"].as_str().unwrap_or_default().to_string(),
        status["waVersionSource"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        status["waVersionError"].as_str().map(str::to_string),
    )
}

/// A daemon reading its version from `env`'s mockwa.
async fn env_reading_sw_js(extra: &[&str]) -> Env {
    let mut env = Env::prepare(&[], &[]).await;
    let url = env.mock.sw_js_url();
    env.args = ["--version-url", url.as_str()]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    env
}

async fn version_error(env: &Env) -> Option<String> {
    version(env).await.2
}

async fn sw_js(env: &Env, body: serde_json::Value) {
    env.admin("/admin/sw-js", body).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_sw_js_never_stops_a_number_from_connecting() {
    const N: &str = "15550041001";
    let mut env = env_reading_sw_js(&[]).await;
    // Broken from the start: the built-in version serves.
    sw_js(&env, json!({"fault": "404"})).await;
    env.start().await;
    until("the fetch failed", CONNECT, || async {
        version(&env).await.2.is_some()
    })
    .await;
    let (built_in, source, error) = version(&env).await;
    assert_eq!(source, "built-in");
    assert!(error.is_some_and(|e| e.contains("404")));
    env.pair(N).await;

    // A good fetch is kept on disk.
    sw_js(
        &env,
        json!({"fault": "none", "version": "2.3000.1000000007"}),
    )
    .await;
    env.stop().await;
    env.start().await;
    until("fetched", CONNECT, || async {
        version(&env).await.1 == "fetched"
    })
    .await;
    assert_eq!(version(&env).await.0, "2.3000.1000000007");
    env.wait_state(N, "CONNECTED", CONNECT).await;

    // An anti-bot page, then a server that never answers: the kept one
    // serves and nothing waits on the fetch.
    for fault in ["challenge", "hang"] {
        sw_js(
            &env,
            json!({"fault": fault, "version": "2.3000.1000000009"}),
        )
        .await;
        env.stop().await;
        let started = Instant::now();
        env.start().await;
        env.wait_state(N, "CONNECTED", CONNECT).await;
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{fault}: nothing waited on the fetch"
        );
        let (version, source, _) = version(&env).await;
        assert_eq!(
            (version.as_str(), source.as_str()),
            ("2.3000.1000000007", "persisted")
        );
        if fault == "challenge" {
            until("the page without a version is named", CONNECT, || async {
                version_error(&env)
                    .await
                    .is_some_and(|e| e.contains("no client_revision"))
            })
            .await;
        }
    }
    assert_ne!(built_in, "2.3000.1000000007");
    let out = env.wactl(&["status"]).await;
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("WhatsApp Web 2.3000.1000000007 (persisted"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_version_is_fetched_once_and_every_number_comes_back_on_its_own() {
    let numbers = ["15550042001", "15550042002", "15550042003"];
    let mut env = env_reading_sw_js(&[]).await;
    sw_js(&env, json!({"version": "2.3000.1000000001"})).await;
    env.start().await;
    futures_util::future::join_all(numbers.iter().map(|n| env.pair(n))).await;
    assert_eq!(version(&env).await.0, "2.3000.1000000001");
    let fetched = env.mock.stats().sw_js_fetches;
    assert_eq!(fetched, 1, "one fetch at start, none per number");

    // WhatsApp moves on: older clients are refused with 405.
    sw_js(&env, json!({"version": "2.3000.1000000002"})).await;
    let cut = env
        .mock
        .set_min_version(Some(AppVersion(2, 3000, 1_000_000_002)));
    assert_eq!(cut, numbers.len());
    for n in numbers {
        until(
            &format!("{n} connected on the new version"),
            CONNECT,
            || async {
                env.state(n).await == "CONNECTED"
                    && env.json(&["inspect", n]).await["transitions"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t["to"] == "OUTDATED"))
            },
        )
        .await;
    }
    assert_eq!(version(&env).await.0, "2.3000.1000000002");
    assert_eq!(
        env.mock.stats().sw_js_fetches,
        fetched + 1,
        "one fetch for every number refused"
    );
    assert!(env.log().contains("405"), "{}", env.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn fetches_stay_at_one_an_interval_whatever_the_number_of_sessions() {
    let numbers = ["15550043001", "15550043002", "15550043003", "15550043004"];
    let mut env = env_reading_sw_js(&["--version-refresh", "2s"]).await;
    env.start().await;
    let started = Instant::now();
    futures_util::future::join_all(numbers.iter().map(|n| env.pair(n))).await;
    until("a few intervals", CONNECT, || async {
        env.mock.stats().sw_js_fetches >= 4
    })
    .await;
    let fetches = env.mock.stats().sw_js_fetches;
    let intervals = started.elapsed().as_secs() / 2 + 1;
    assert!(
        fetches <= intervals + 1,
        "{fetches} fetches in {intervals} intervals with {} sessions",
        numbers.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pinned_version_is_used_and_never_fetched() {
    let mut env = env_reading_sw_js(&["--wa-version", "2.3000.1000000005"]).await;
    env.start().await;
    env.pair("15550044001").await;
    let (version, source, _) = version(&env).await;
    assert_eq!(
        (version.as_str(), source.as_str()),
        ("2.3000.1000000005", "pinned")
    );
    assert_eq!(env.mock.stats().sw_js_fetches, 0);

    let out = tokio::process::Command::new(crate::harness::bin("waconnd"))
        .args(["--wa-version", "2.3000", "--data-dir"])
        .arg(env.dir.path().join("other"))
        .output()
        .await
        .expect("run waconnd");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("three numbers separated by dots"), "{err}");
}
