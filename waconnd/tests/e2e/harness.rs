//! Starting daemons, running wactl, and waiting on conditions.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use mockwa::{Config, MockWa, ScanOptions};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Long enough for a first login after pairing (the client waits 10 s for
/// an app-state key) on a busy 2-core machine.
pub const CONNECT: Duration = Duration::from_secs(90);

/// A built binary of this workspace: `waconnd` is this package's own;
/// `wactl` is built by its package's tests, next to ours.
pub fn bin(name: &str) -> PathBuf {
    if name == "waconnd" {
        return PathBuf::from(env!("CARGO_BIN_EXE_waconnd"));
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "`{}` is missing: run the tests with `cargo nextest run --workspace --all-features`",
        path.display()
    );
    path
}

/// A mock server, a data dir, a socket, and the daemon when it runs.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub mock: MockWa,
    pub daemon: Option<Child>,
    pub args: Vec<String>,
    /// Extra environment for every daemon start.
    pub vars: Vec<(String, String)>,
    /// A command the daemon is started through (`prlimit ... --`), if any.
    pub launcher: Vec<String>,
    /// The WhatsApp socket URL when it is not this env's mock (nodes of a
    /// fleet share one).
    pub wa_url: Option<String>,
}

impl Env {
    /// A fresh environment with `args` for every daemon start.
    pub async fn new(args: &[&str]) -> Self {
        Self::with_vars(args, &[]).await
    }

    /// [`Env::new`] with extra environment variables for the daemon.
    pub async fn with_vars(args: &[&str], vars: &[(&str, &str)]) -> Self {
        let mut env = Self::prepare(args, vars).await;
        env.start().await;
        env
    }

    /// mockwa and a directory, the daemon not started yet.
    pub async fn prepare(args: &[&str], vars: &[(&str, &str)]) -> Self {
        Self::prepare_with(
            tempfile::tempdir().expect("tempdir"),
            Config::default(),
            args,
            vars,
        )
        .await
    }

    /// [`Env::prepare`] in `dir`, with mockwa started from `config`.
    pub async fn prepare_with(
        dir: tempfile::TempDir,
        config: Config,
        args: &[&str],
        vars: &[(&str, &str)],
    ) -> Self {
        let mock = MockWa::start(config).await.expect("start mockwa");
        Self {
            dir,
            mock,
            daemon: None,
            args: args.iter().map(|s| s.to_string()).collect(),
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            launcher: Vec::new(),
            wa_url: None,
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("run").join("waconnd.sock")
    }

    pub fn store(&self, number: &str) -> PathBuf {
        self.data().join("sessions").join(format!("{number}.db"))
    }

    /// Starts the daemon and waits until it answers.
    pub async fn start(&mut self) {
        self.spawn_daemon();
        until("the daemon answers", Duration::from_secs(30), || async {
            self.wactl(&["status"]).await.status.success()
        })
        .await;
    }

    /// Starts the daemon without waiting for it.
    pub fn spawn_daemon(&mut self) {
        let mut command = self.daemon_command();
        command.arg("--socket").arg(self.socket());
        self.daemon = Some(command.spawn().expect("spawn waconnd"));
    }

    /// The daemon's command line, without `--socket` (it then binds where
    /// its environment says).
    pub fn daemon_command(&self) -> Command {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("waconnd.log"))
            .expect("log file");
        let mut command = match self.launcher.split_first() {
            Some((first, rest)) => {
                let mut command = Command::new(first);
                command.args(rest).arg(bin("waconnd"));
                command
            }
            None => Command::new(bin("waconnd")),
        };
        command
            .arg("--data-dir")
            .arg(self.data())
            .arg("--wa-url")
            .arg(self.wa_url.clone().unwrap_or_else(|| self.mock.url()))
            .args(&self.args)
            .env("RUST_LOG", "waconnd=debug")
            // A pairing's reopen from disk comes a second after its first
            // login, not half a minute: [`Env::pair`] waits for it.
            .env("WACONN_PAIRING_SETTLE", "1s")
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        command
    }

    /// SIGKILLs the daemon.
    pub async fn kill(&mut self) {
        let mut child = self.daemon.take().expect("daemon running");
        child.kill().await.expect("kill");
    }

    /// SIGTERMs the daemon and returns its exit status.
    pub async fn stop(&mut self) -> std::process::ExitStatus {
        self.stop_within(Duration::from_secs(30)).await
    }

    /// [`Env::stop`]; panics if the daemon takes longer than `limit`.
    pub async fn stop_within(&mut self, limit: Duration) -> std::process::ExitStatus {
        let mut child = self.daemon.take().expect("daemon running");
        let pid = child.id().expect("pid").to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill -TERM");
        assert!(status.success());
        tokio::time::timeout(limit, child.wait())
            .await
            .unwrap_or_else(|_| panic!("the daemon did not stop within {limit:?} of SIGTERM"))
            .expect("wait")
    }

    /// Runs wactl against this daemon.
    pub async fn wactl(&self, args: &[&str]) -> Output {
        Command::new(bin("wactl"))
            .args(args)
            .env("WACONN_SOCKET", self.socket())
            .output()
            .await
            .expect("run wactl")
    }

    /// Starts wactl against this daemon with stdout piped (for streaming
    /// verbs); it is killed when dropped.
    pub fn spawn_wactl(&self, args: &[&str]) -> Child {
        Command::new(bin("wactl"))
            .args(args)
            .env("WACONN_SOCKET", self.socket())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn wactl")
    }

    /// `wactl ARGS --json`, parsed; panics on a non-JSON answer.
    pub async fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.wactl(&all).await;
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "wactl {args:?} --json: {e}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// The state of `number` per `wactl status --json`.
    pub async fn state(&self, number: &str) -> String {
        self.json(&["status", number]).await["state"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// When `number`'s connection attempts started, per `wactl inspect`.
    pub async fn attempt_times(&self, number: &str) -> Vec<i64> {
        let inspect = self.json(&["inspect", number]).await;
        inspect["transitions"]
            .as_array()
            .expect("transitions")
            .iter()
            .filter(|t| t["to"] == "RECONNECTING")
            .map(|t| t["at"].as_i64().expect("at"))
            .collect()
    }

    /// Waits until `number` is in `state`.
    pub async fn wait_state(&self, number: &str, state: &str, within: Duration) {
        until(&format!("{number} {state}"), within, || async {
            self.state(number).await == state
        })
        .await;
    }

    /// Waits until `number`, paired on this daemon, has reopened its store
    /// from disk (the reopen itself, or a reconnect that came first) and is
    /// CONNECTED on the reopened client.
    pub async fn wait_reopened(&self, number: &str) {
        until(&format!("{number} reopened"), CONNECT, || async {
            let inspect = self.json(&["inspect", number]).await;
            let transitions = inspect["transitions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let paired = transitions.iter().rposition(|t| {
                t["reason"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("paired as"))
            });
            let reopened = paired.and_then(|i| {
                transitions[i + 1..]
                    .iter()
                    .rev()
                    .find(|t| t["to"] == "CONNECTING" || t["to"] == "DISCONNECTED")
                    .and_then(|t| t["at"].as_i64())
            });
            inspect["state"] == "CONNECTED"
                && reopened.is_some_and(|at| inspect["connectedAt"].as_i64() >= Some(at))
        })
        .await;
    }

    /// Cuts `number`'s socket at mockwa and waits until it is CONNECTED on
    /// a new connection (not still on the old one, before the daemon
    /// noticed the cut).
    pub async fn drop_and_reconnect(&self, number: &str) {
        let connected_at =
            || async { self.json(&["status", number]).await["connectedAt"].as_i64() };
        let before = connected_at().await;
        assert_eq!(
            self.mock.drop_connections(Some(number)),
            1,
            "{number} had no socket"
        );
        until(
            &format!("{number} on a new connection"),
            CONNECT,
            || async { self.state(number).await == "CONNECTED" && connected_at().await > before },
        )
        .await;
    }

    /// Pairs `number`, cuts its socket until it is back on a new one, then
    /// has the phone log it out; returns the QR payload the phone scanned.
    pub async fn pair_drop_and_logout(&self, number: &str) -> String {
        let (qr, _) = self.pair_showing(number).await;
        self.drop_and_reconnect(number).await;
        // Let the reconnection settle before the phone logs it out.
        until("connected again", CONNECT, || async {
            self.mock.devices()[0].connected
        })
        .await;
        self.mock.logout(Some(number));
        self.wait_state(number, "LOGGED_OUT", CONNECT).await;
        qr
    }

    /// Pairs `number` as a user would: `wactl pair N --qr text`, the phone
    /// scans the first code, wactl exits 0 once connected; then waits for
    /// the number's reopen from disk.
    pub async fn pair(&self, number: &str) -> String {
        self.pair_showing(number).await.1
    }

    /// [`Env::pair`], also returning the QR payload the phone scanned.
    pub async fn pair_showing(&self, number: &str) -> (String, String) {
        self.pair_as(&[number], number, "E2E").await
    }

    /// Pairs `number`, typed as `words` (`wactl pair WORDS --qr text`); the
    /// phone's account is a business account called `push_name` (its
    /// first login waits for no app-state key). Returns the QR payload the
    /// phone scanned and the device's JID.
    pub async fn pair_as(&self, words: &[&str], number: &str, push_name: &str) -> (String, String) {
        let business = ScanOptions {
            business: true,
            ..ScanOptions::default()
        };
        let (code, jid, mut child) = self.scan_as(words, number, push_name, business).await;
        let status = tokio::time::timeout(CONNECT, child.wait())
            .await
            .expect("wactl pair exits once connected")
            .expect("wait");
        assert!(status.success(), "wactl pair exited {status}");
        self.wait_reopened(number).await;
        (code, jid)
    }

    /// Starts `wactl pair WORDS --qr text` and has the phone of `number`
    /// (its account called `push_name`, as `options` say) scan the first
    /// code; returns the code, the device's JID and the still running
    /// `wactl pair`.
    pub async fn scan_as(
        &self,
        words: &[&str],
        number: &str,
        push_name: &str,
        options: ScanOptions,
    ) -> (String, String, Child) {
        let mut child = Command::new(bin("wactl"))
            .arg("pair")
            .args(words)
            .args(["--qr", "text"])
            .env("WACONN_SOCKET", self.socket())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn wactl pair");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let code = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("a QR code within 30 s")
            .expect("read")
            .expect("wactl pair printed a code");
        assert_eq!(code.split(',').count(), 5, "a QR payload: {code}");
        let jid = self
            .mock
            .scan_with(&code, number, Some(push_name), options)
            .await
            .expect("scan");
        (code, jid, child)
    }

    /// The base URL of the daemon's HTTP face (`http://127.0.0.1:PORT`),
    /// as its log announces it (tests listen on port 0).
    pub async fn http_base(&self) -> String {
        let mut base = None;
        until(
            "the daemon announces its HTTP face",
            Duration::from_secs(30),
            || {
                base = self.log().lines().rev().find_map(|line| {
                    let (_, rest) = line.split_once("HTTP on http://")?;
                    let addr = rest.split_whitespace().next()?;
                    Some(format!("http://{}", addr.replace("0.0.0.0", "127.0.0.1")))
                });
                std::future::ready(base.is_some())
            },
        )
        .await;
        base.expect("announced")
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("waconnd.log")).unwrap_or_default()
    }
}

impl Env {
    /// `POST`s `body` to mockwa's admin API at `path` (`/admin/...`);
    /// panics unless it answers 200.
    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let (status, text) = self.admin_answer(path, body).await;
        assert_eq!(status, 200, "mockwa {path}: {text}");
        serde_json::from_str(&text).expect("mockwa answers JSON")
    }

    /// `POST`s `body` to mockwa's admin API at `path`; its status and body.
    pub async fn admin_answer(&self, path: &str, body: Value) -> (u16, String) {
        let url = format!("http://{}{path}", self.mock.addr());
        let (status, text) = tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let mut response = agent
                .post(&url)
                .header("content-type", "application/json")
                .send(body.to_string())
                .expect("mockwa answers");
            let status = response.status().as_u16();
            (status, response.body_mut().read_to_string().expect("body"))
        })
        .await
        .expect("admin request");
        (status, text)
    }

    /// The device of `number` at mockwa.
    pub fn device(&self, number: &str) -> mockwa::DeviceInfo {
        self.mock
            .devices()
            .into_iter()
            .find(|d| d.phone == number)
            .unwrap_or_else(|| panic!("{number} has no device at mockwa"))
    }
}

/// Polls `cond` every 100 ms until it holds; panics after `within`.
pub async fn until<F, Fut>(what: &str, within: Duration, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if cond().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {within:?}"
        );
        // Poll interval, not a wait: the deadline above bounds it.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stdout and stderr of a run, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Drop for Env {
    /// A failing test shows what the daemon said.
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- waconnd log ----\n{}\n---- end of log ----",
                self.log()
            );
            eprintln!(
                "mockwa devices: {:?}\nmockwa stats: {:?}",
                self.mock.devices(),
                self.mock.stats()
            );
        }
    }
}

/// An HTTP answer: status, headers, body.
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpAnswer {
    /// The body as JSON; panics with the answer when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// The value of header `name`, if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A real HTTP request (`method` `url`, with `token` as a bearer token).
pub async fn http(method: &str, url: &str, token: Option<&str>) -> HttpAnswer {
    let (method, url, token) = (
        method.to_string(),
        url.to_string(),
        token.map(str::to_string),
    );
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let request = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str());
        let request = match &token {
            Some(token) => request.header("authorization", format!("Bearer {token}")),
            None => request,
        };
        let mut response = agent
            .run(request.body(()).expect("request"))
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        HttpAnswer {
            status: response.status().as_u16(),
            headers,
            body: response.body_mut().read_to_string().expect("body"),
        }
    })
    .await
    .expect("request task")
}

/// `GET url` without a token.
pub async fn get(url: &str) -> HttpAnswer {
    http("GET", url, None).await
}
