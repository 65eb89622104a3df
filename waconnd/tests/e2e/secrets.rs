//! Nothing secret leaves the daemon: not in its log at info level, not in
//! any `--json` answer.

use crate::harness::Env;

const N: &str = "15550008008";

#[tokio::test(flavor = "multi_thread")]
async fn a_full_pairing_leaves_no_qr_payload_or_key_in_logs_or_json() {
    // Every crate at info: stricter than the default filter.
    let mut env = Env::with_vars(&[], &[("RUST_LOG", "info")]).await;
    let (qr, _) = env.pair_showing(N).await;
    // ref, noise public key, identity public key, ADV secret, platform.
    let parts: Vec<&str> = qr.split(',').collect();
    assert_eq!(parts.len(), 5, "{qr}");
    let secrets = &parts[..4];
    assert!(secrets.iter().all(|s| s.len() >= 16), "{qr}");

    let mut seen = Vec::new();
    for args in [
        ["list", "--json"].as_slice(),
        &["status", N, "--json"],
        &["status", "--json"],
        &["inspect", N, "--json"],
    ] {
        let out = env.wactl(args).await;
        assert!(out.status.success(), "{}", crate::harness::text(&out));
        seen.push((args.join(" "), String::from_utf8_lossy(&out.stdout).into()));
    }
    // Events of a reconnect, then of a restart from the store.
    let mut events = env.spawn_wactl(&["events", "--json"]);
    let connected_at = || async { env.json(&["status", N]).await["connectedAt"].as_i64() };
    let before = connected_at().await;
    assert!(env.wactl(&["reconnect", N]).await.status.success());
    // The reconnect's events have happened before the daemon stops.
    crate::harness::until("reconnected", crate::harness::CONNECT, || async {
        env.state(N).await == "CONNECTED" && connected_at().await > before
    })
    .await;
    env.stop().await;
    env.start().await;
    env.wait_state(N, "CONNECTED", crate::harness::CONNECT)
        .await;
    events.start_kill().expect("stop wactl events");
    let out = events.wait_with_output().await.expect("events");
    seen.push((
        "events --json".into(),
        String::from_utf8_lossy(&out.stdout).into(),
    ));
    seen.push(("daemon log".into(), env.log()));

    for (source, text) in &seen {
        assert!(!text.is_empty(), "{source} said something");
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{source} holds a part of the QR payload"
            );
        }
    }
}
