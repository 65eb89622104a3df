//! The WhatsApp Web version every client of the daemon speaks: one source
//! for the whole daemon, never one fetch per store. It is fetched from
//! WhatsApp's `sw.js` at start and every 12 hours (one request at a time),
//! parsed with whatsapp-rust's own parser, and the last good value is kept
//! in the data directory; until one is fetched the kept one serves, else the
//! version this build of whatsapp-rust ships. Nothing ever waits on a fetch.
//! A person can pin it by hand.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::time::now_ms;

/// Where WhatsApp Web publishes its version.
pub const SW_JS: &str = "https://web.whatsapp.com/sw.js";

/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// A WhatsApp Web version, `primary.secondary.tertiary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WaVersion(pub u32, pub u32, pub u32);

impl WaVersion {
    /// Parses `X.Y.Z`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
        match numbers.as_deref() {
            Some(&[a, b, c]) => Ok(Self(a, b, c)),
            _ => Err(format!(
                "`{text}` is not a WhatsApp Web version: give three numbers separated by dots, such as 2.3000.1023456789 (the `client_revision` of https://web.whatsapp.com/sw.js is the last)"
            )),
        }
    }

    /// The version as whatsapp-rust takes it.
    pub fn parts(self) -> (u32, u32, u32) {
        (self.0, self.1, self.2)
    }

    /// The version this build of whatsapp-rust ships as its default.
    pub fn built_in() -> Self {
        let device = whatsapp_rust::wacore::store::Device::new();
        Self(
            device.app_version_primary,
            device.app_version_secondary,
            device.app_version_tertiary,
        )
    }
}

impl std::fmt::Display for WaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Where the version in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Fetched from WhatsApp since the daemon started.
    Fetched,
    /// Fetched earlier and kept in the data directory.
    Persisted,
    /// The version this build ships.
    BuiltIn,
    /// Given by a person (`--wa-version`), or pinned by a test build.
    Pinned,
}

impl Origin {
    /// The word `wactl status` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fetched => "fetched",
            Self::Persisted => "persisted",
            Self::BuiltIn => "built-in",
            Self::Pinned => "pinned",
        }
    }
}

/// The version in use and how its source fares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The version every new client speaks.
    pub version: WaVersion,
    /// Where it came from.
    pub origin: Origin,
    /// When it was fetched (epoch ms), if it was.
    pub fetched_at: Option<i64>,
    /// Why the last fetch failed, if it did, and when (epoch ms).
    pub error: Option<(String, i64)>,
}

/// How the daemon learns its version.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Always this one; nothing is fetched.
    Pinned(WaVersion),
    /// Fetched from `url` every `interval`; a refused version asks for a
    /// fetch at most once per `outdated_spacing`.
    Fetch {
        /// The `sw.js` to read.
        url: String,
        /// Between two regular fetches.
        interval: Duration,
        /// Between two fetches a refused version asks for.
        outdated_spacing: Duration,
    },
}

/// The kept version, in `<data>/wa-version.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Kept {
    version: String,
    fetched_at: i64,
}

/// The daemon's one version source.
pub struct VersionSource {
    status: watch::Sender<Status>,
    plan: Plan,
    kept: PathBuf,
    wake: Notify,
    last_outdated: Mutex<Option<tokio::time::Instant>>,
}

impl VersionSource {
    /// The source for `plan`, keeping its value in `data_dir`; starts
    /// fetching in the background when the plan says so.
    pub fn start(plan: Plan, data_dir: &Path) -> Arc<Self> {
        let kept = data_dir.join("wa-version.json");
        let status = match &plan {
            Plan::Pinned(version) => Status {
                version: *version,
                origin: Origin::Pinned,
                fetched_at: None,
                error: None,
            },
            Plan::Fetch { .. } => match read_kept(&kept) {
                Some((version, at)) => Status {
                    version,
                    origin: Origin::Persisted,
                    fetched_at: Some(at),
                    error: None,
                },
                None => Status {
                    version: WaVersion::built_in(),
                    origin: Origin::BuiltIn,
                    fetched_at: None,
                    error: None,
                },
            },
        };
        tracing::info!(
            "WhatsApp Web version {} ({})",
            status.version,
            status.origin.as_str()
        );
        let source = Arc::new(Self {
            status: watch::channel(status).0,
            plan,
            kept,
            wake: Notify::new(),
            last_outdated: Mutex::new(None),
        });
        if let Plan::Fetch { url, interval, .. } = &source.plan {
            let (url, interval) = (url.clone(), *interval);
            let fetcher = Arc::clone(&source);
            tokio::spawn(async move { fetcher.fetch_loop(url, interval).await });
        }
        source
    }

    /// The version new clients speak.
    pub fn current(&self) -> WaVersion {
        self.status.borrow().version
    }

    /// The version and how its source fares.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Follows changes of the version.
    pub fn subscribe(&self) -> watch::Receiver<Status> {
        self.status.subscribe()
    }

    /// WhatsApp refused the version in use: fetch again, unless a refusal
    /// already asked for a fetch within the spacing.
    pub fn outdated(&self) {
        let Plan::Fetch {
            outdated_spacing, ..
        } = &self.plan
        else {
            return;
        };
        let mut last = self.last_outdated.lock().unwrap_or_else(|e| e.into_inner());
        let now = tokio::time::Instant::now();
        if last.is_some_and(|at| now < at + *outdated_spacing) {
            return;
        }
        *last = Some(now);
        drop(last);
        tracing::info!(
            "WhatsApp refused version {}; fetching it again",
            self.current()
        );
        self.wake.notify_one();
    }

    async fn fetch_loop(&self, url: String, interval: Duration) {
        loop {
            self.fetch_once(&url).await;
            // A refusal in between asks for the next fetch early.
            let _ = tokio::time::timeout(interval, self.wake.notified()).await;
        }
    }

    async fn fetch_once(&self, url: &str) {
        let fetched = {
            let url = url.to_string();
            tokio::task::spawn_blocking(move || fetch(&url))
                .await
                .unwrap_or_else(|e| Err(format!("the fetch stopped: {e}")))
        };
        let now = now_ms();
        match fetched {
            Ok(version) => {
                let before = self.current();
                self.status.send_modify(|s| {
                    s.version = version;
                    s.origin = Origin::Fetched;
                    s.fetched_at = Some(now);
                    s.error = None;
                });
                if version != before {
                    tracing::info!("WhatsApp Web version {version} (fetched, was {before})");
                }
                if let Err(e) = write_kept(&self.kept, version, now) {
                    tracing::warn!(
                        "cannot keep the WhatsApp Web version in `{}`: {e:#}",
                        self.kept.display()
                    );
                }
            }
            Err(why) => {
                let status = self.status();
                tracing::warn!(
                    "cannot fetch the WhatsApp Web version from {url}: {why}; keeping {} ({}); trying again in at most 12h, or pin one with --wa-version",
                    status.version,
                    status.origin.as_str()
                );
                self.status.send_modify(|s| s.error = Some((why, now)));
            }
        }
    }
}

/// One GET of `url`, parsed as `sw.js`.
fn fetch(url: &str) -> Result<WaVersion, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(FETCH_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    // The headers whatsapp-rust's own fetch sends (`version.rs`).
    let response = agent
        .get(url)
        .header("sec-fetch-site", "none")
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        )
        .call()
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    if status >= 300 {
        return Err(format!("the server answered HTTP {status}"));
    }
    let body = response
        .into_body()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    match whatsapp_rust::wacore::version::parse_sw_js(&body) {
        Some((a, b, c)) if c != 0 => Ok(WaVersion(a, b, c)),
        _ => Err(
            "the answer names no client_revision (an anti-bot page, or WhatsApp changed the file)"
                .into(),
        ),
    }
}

fn read_kept(path: &Path) -> Option<(WaVersion, i64)> {
    let bytes = std::fs::read(path).ok()?;
    let kept: Kept = match serde_json::from_slice(&bytes) {
        Ok(kept) => kept,
        Err(e) => {
            tracing::warn!("ignoring `{}`: {e}", path.display());
            return None;
        }
    };
    match WaVersion::parse(&kept.version) {
        Ok(version) => Some((version, kept.fetched_at)),
        Err(e) => {
            tracing::warn!("ignoring `{}`: {e}", path.display());
            None
        }
    }
}

fn write_kept(path: &Path, version: WaVersion, at: i64) -> anyhow::Result<()> {
    let kept = Kept {
        version: version.to_string(),
        fetched_at: at,
    };
    crate::fsutil::write_atomically(path, &serde_json::to_vec_pretty(&kept)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_compare() {
        let v = WaVersion::parse("2.3000.1023456789").unwrap();
        assert_eq!(v.parts(), (2, 3000, 1_023_456_789));
        assert_eq!(v.to_string(), "2.3000.1023456789");
        assert!(WaVersion::parse("2.3001.1").unwrap() > v);
        for bad in ["", "2.3000", "2.3000.x", "2.3000.1.4", "v2.3000.1"] {
            let e = WaVersion::parse(bad).unwrap_err();
            assert!(e.contains("three numbers"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_built_in_version_is_the_librarys() {
        let v = WaVersion::built_in();
        assert_eq!((v.0, v.1), (2, 3000));
        assert!(v.2 > 1_000_000_000, "{v}");
    }

    #[test]
    fn a_kept_version_survives_and_a_bad_one_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wa-version.json");
        write_kept(&path, WaVersion(2, 3000, 7), 42).unwrap();
        assert_eq!(read_kept(&path), Some((WaVersion(2, 3000, 7), 42)));
        std::fs::write(&path, b"{\"version\": \"nonsense\", \"fetchedAt\": 1}").unwrap();
        assert_eq!(read_kept(&path), None);
    }
}
