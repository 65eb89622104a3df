//! Push alerts: every state change goes to each `--notify` URL (a signed,
//! retried POST) and each `--notify-exec` command. One subscriber of the
//! supervisor's event stream hands each change to every sink's bounded
//! queue and never waits; each sink delivers on its own task. A change
//! carries the number, the two states, when and why: never a QR payload, a
//! pair code or a key.

mod exec;
mod queue;
pub mod sign;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use waconn_proto::views::EventView;
use waconn_proto::{SinkKind, SinkStats, StateEvent};

use crate::secret::Secret;
use queue::{Change, Counters, Queue};

/// A `--notify` URL.
#[derive(Clone)]
pub struct Webhook {
    /// Where to POST.
    pub url: String,
    /// What logs show of it: scheme, host and port only (a path or query
    /// often holds a token).
    pub shown: String,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook({})", self.shown)
    }
}

impl Webhook {
    /// Checks `url`: `http://` or `https://` with a host.
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: ureq::http::Uri = url.parse().map_err(|e| {
            format!("a --notify URL is not a URL ({e}); write http(s)://HOST[:PORT]/PATH")
        })?;
        let scheme = uri.scheme_str().unwrap_or_default();
        let host = uri.host().unwrap_or_default();
        if !matches!(scheme, "http" | "https") || host.is_empty() {
            return Err(format!(
                "a --notify URL must be http://HOST/... or https://HOST/..., not `{}`",
                if scheme.is_empty() {
                    "a relative one"
                } else {
                    scheme
                }
            ));
        }
        let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
        Ok(Self {
            url: url.to_string(),
            shown: format!("{scheme}://{host}{port}"),
        })
    }
}

/// How a webhook retries a change it cannot deliver.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Give a change up this long after it happened.
    pub retry_for: Duration,
    /// The first wait; each one after is twice the last.
    pub backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

/// The push-alert options.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// `--notify` URLs, in order.
    pub webhooks: Vec<Webhook>,
    /// `--notify-exec` commands, in order.
    pub commands: Vec<String>,
    /// The key webhook bodies are signed with, if any.
    pub secret: Option<Secret>,
    /// How webhooks retry.
    pub retry: Retry,
    /// How long one POST or one command may take.
    pub timeout: Duration,
    /// How many changes each sink holds while it catches up.
    pub queue: usize,
}

/// One sink and its queue.
struct Sink {
    kind: SinkKind,
    index: u32,
    queue: Arc<Queue>,
}

/// The running sinks.
pub struct Alerts {
    sinks: Vec<Sink>,
}

impl Alerts {
    /// Starts a worker per sink, fed from `events` (subscribed now, before
    /// any session runs, so no change is missed). Nothing runs without
    /// sinks.
    pub fn start(settings: &AlertSettings, events: &broadcast::Sender<StateEvent>) -> Self {
        let mut sinks = Vec::new();
        for (i, target) in settings.webhooks.iter().enumerate() {
            let index = i as u32 + 1;
            let queue = Arc::new(Queue::new(settings.queue));
            tokio::spawn(webhook::run(
                index,
                target.clone(),
                Arc::clone(&queue),
                settings.retry,
                settings.timeout,
                settings.secret.clone(),
            ));
            tracing::info!(
                "notifying {} of every state change{}",
                target.shown,
                if settings.secret.is_some() {
                    ", signed"
                } else {
                    ""
                }
            );
            sinks.push(Sink {
                kind: SinkKind::Webhook,
                index,
                queue,
            });
        }
        for (i, command) in settings.commands.iter().enumerate() {
            let index = i as u32 + 1;
            let queue = Arc::new(Queue::new(settings.queue));
            tokio::spawn(exec::run(
                index,
                command.clone(),
                Arc::clone(&queue),
                settings.timeout,
            ));
            tracing::info!("running --notify-exec command {index} for every state change");
            sinks.push(Sink {
                kind: SinkKind::Exec,
                index,
                queue,
            });
        }
        if !sinks.is_empty() {
            let queues = sinks.iter().map(|s| Arc::clone(&s.queue)).collect();
            tokio::spawn(hand_out(queues, events.subscribe()));
        }
        Self { sinks }
    }

    /// What each sink did so far, in the order given.
    pub fn stats(&self) -> Vec<SinkStats> {
        self.sinks
            .iter()
            .map(|s| {
                let c = &s.queue.counters;
                SinkStats {
                    kind: s.kind,
                    index: s.index,
                    delivered: Counters::get(&c.delivered),
                    failures: Counters::get(&c.failures),
                    queued: s.queue.queued(),
                    dropped_full: Counters::get(&c.dropped_full),
                    dropped_missed: Counters::get(&c.dropped_missed),
                    dropped_expired: Counters::get(&c.dropped_expired),
                }
            })
            .collect()
    }
}

/// Hands every change to every queue; a stretch it fell behind on is
/// counted as missed by every sink.
async fn hand_out(queues: Vec<Arc<Queue>>, mut events: broadcast::Receiver<StateEvent>) {
    let boot = crate::time::now_ms();
    let mut sequence = 0u64;
    loop {
        match events.recv().await {
            Ok(event) => {
                sequence += 1;
                let body = match serde_json::to_vec(&EventView::from(&event)) {
                    Ok(body) => body,
                    Err(e) => {
                        tracing::error!("cannot write a change as JSON: {e}");
                        continue;
                    }
                };
                let change = Arc::new(Change {
                    id: format!("{boot}-{sequence}"),
                    event,
                    body,
                    seen: tokio::time::Instant::now(),
                });
                for queue in &queues {
                    queue.push(Arc::clone(&change));
                }
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!("push alerts fell behind and missed {missed} state changes");
                for queue in &queues {
                    Counters::add(&queue.counters.dropped_missed, missed);
                }
            }
            Err(RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waconn_proto::{Number, SessionState, Transition};

    fn event(at: i64) -> StateEvent {
        StateEvent {
            number: Number::from_digits("15550001111").expect("number"),
            transition: Transition {
                at,
                from: SessionState::Connected,
                to: SessionState::Disconnected,
                reason: "test".into(),
            },
        }
    }

    #[tokio::test]
    async fn a_subscriber_that_fell_behind_counts_what_it_missed() {
        let (events, subscribed) = broadcast::channel(2);
        let queues = vec![Arc::new(Queue::new(16)), Arc::new(Queue::new(16))];
        for at in 1..=5 {
            events.send(event(at)).expect("a subscriber");
        }
        drop(events);
        hand_out(queues.clone(), subscribed).await;
        for queue in &queues {
            assert_eq!(Counters::get(&queue.counters.dropped_missed), 3);
            assert_eq!(queue.queued(), 2, "the two it still had");
            let kept = queue.next().await;
            assert_eq!(kept.event.transition.at, 4);
            let body: serde_json::Value = serde_json::from_slice(&kept.body).expect("JSON");
            assert_eq!(body["state"], "DISCONNECTED");
            assert_eq!(body["from"], "CONNECTED");
        }
    }

    #[test]
    fn webhooks_show_their_host_only() {
        let hook = Webhook::parse("https://user:pw@hooks.example.com:8443/T0/B1/s3cret?token=x")
            .expect("a URL");
        assert_eq!(hook.shown, "https://hooks.example.com:8443");
        assert!(!format!("{hook:?}").contains("s3cret"));
        for bad in ["hooks.example.com/x", "ftp://example.com/", "/relative"] {
            let e = Webhook::parse(bad).expect_err(bad);
            assert!(e.contains("--notify"), "{e}");
        }
    }
}
