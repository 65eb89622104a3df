//! `--notify URL`: every change POSTed as JSON, in order, each retried
//! with growing waits until it is accepted (a 2xx answer) or has been
//! retried for `--notify-retry-for`. The changes behind it wait in the
//! sink's bounded queue; nothing here ever holds up a session.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, sleep};

use super::queue::{Change, Counters, Queue};
use super::{Retry, Webhook};
use crate::secret::Secret;

/// One webhook's worker: delivers its queue until the daemon stops.
pub async fn run(
    index: u32,
    target: Webhook,
    queue: Arc<Queue>,
    retry: Retry,
    timeout: Duration,
    secret: Option<Secret>,
) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        // A redirected POST would lose its body: a 3xx is a failure.
        .max_redirects(0)
        .user_agent(format!("waconnd/{}", waconn_proto::VERSION))
        .build()
        .into();
    let name = format!("webhook {index} ({})", target.shown);
    loop {
        let change = queue.next().await;
        deliver(
            &name,
            &agent,
            &target,
            &queue,
            &change,
            retry,
            secret.as_ref(),
        )
        .await;
        queue.done();
    }
}

/// Tries `change` until it is accepted or its time is up.
async fn deliver(
    name: &str,
    agent: &ureq::Agent,
    target: &Webhook,
    queue: &Queue,
    change: &Change,
    retry: Retry,
    secret: Option<&Secret>,
) {
    let deadline = change.seen + retry.retry_for;
    let mut wait = retry.backoff;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let sent = post(agent, target, change, secret).await;
        let counters = &queue.counters;
        let Err(why) = sent else {
            Counters::add(&counters.delivered, 1);
            if attempts > 1 {
                tracing::info!(
                    "{name}: delivered {} after {attempts} attempts",
                    change.describe()
                );
            }
            return;
        };
        Counters::add(&counters.failures, 1);
        let now = Instant::now();
        if now >= deadline {
            Counters::add(&counters.dropped_expired, 1);
            tracing::warn!(
                "{name}: gave up on {} after {attempts} attempts over {}: {why}",
                change.describe(),
                waconn_proto::duration::format(retry.retry_for)
            );
            return;
        }
        if attempts == 1 {
            tracing::warn!(
                "{name}: cannot deliver {}: {why}; retrying with growing waits for up to {} (later changes wait behind it)",
                change.describe(),
                waconn_proto::duration::format(retry.retry_for)
            );
        } else {
            tracing::debug!("{name}: attempt {attempts} failed: {why}");
        }
        sleep(wait.min(deadline - now)).await;
        wait = (wait * 2).min(retry.max_backoff);
    }
}

/// One POST of `change`, signed when there is a secret.
async fn post(
    agent: &ureq::Agent,
    target: &Webhook,
    change: &Change,
    secret: Option<&Secret>,
) -> Result<(), String> {
    let timestamp = waconn_proto::time::now_ms() / 1000;
    let mut request = agent
        .post(target.url.as_str())
        .header("content-type", "application/json")
        .header("x-waconn-delivery", change.id.as_str())
        .header(super::sign::TIMESTAMP_HEADER, timestamp.to_string());
    if let Some(secret) = secret {
        request = request.header(
            super::sign::SIGNATURE_HEADER,
            super::sign::signature(secret, timestamp, &change.body),
        );
    }
    let body = change.body.clone();
    // ureq blocks: the request runs on the blocking pool, bounded by the
    // agent's timeout.
    let answered = tokio::task::spawn_blocking(move || request.send(&body[..]))
        .await
        .map_err(|e| format!("the request task failed: {e}"))?;
    match answered {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("it answered HTTP {}", response.status().as_u16())),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waconn_proto::{Number, SessionState, StateEvent, Transition};

    #[tokio::test]
    async fn a_change_nobody_takes_is_given_up_after_its_time_and_counted() {
        // A port nothing listens on: every attempt is refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let target = Webhook::parse(&format!("http://127.0.0.1:{port}/hook")).expect("url");
        let queue = Queue::new(4);
        let change = Change {
            id: "1-1".into(),
            event: StateEvent {
                number: Number::from_digits("15550001111").expect("number"),
                transition: Transition {
                    at: 0,
                    from: SessionState::Connected,
                    to: SessionState::LoggedOut,
                    reason: "test".into(),
                },
            },
            body: b"{}".to_vec(),
            seen: Instant::now(),
        };
        let retry = Retry {
            retry_for: Duration::from_millis(400),
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(100),
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        deliver("webhook 1", &agent, &target, &queue, &change, retry, None).await;
        let c = &queue.counters;
        assert_eq!(Counters::get(&c.dropped_expired), 1);
        assert_eq!(Counters::get(&c.delivered), 0);
        // 50, 100, 100, 100 ms waits, then the last try at the deadline.
        assert!(
            Counters::get(&c.failures) >= 4,
            "{}",
            Counters::get(&c.failures)
        );
        assert!(change.seen.elapsed() >= retry.retry_for);
    }
}
