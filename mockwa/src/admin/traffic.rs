//! The requests that make traffic: one message, steady traffic, a
//! backlog, lost acks, and the reset of the ack latency.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::bodies::{BacklogBody, FaultBody, MessageBody, TrafficBody};
use super::{Answer, parse};
use crate::state::Shared;
use crate::state::generator::Rate;
use crate::state::traffic::PostError;

/// Serves `POST /admin/{name}`.
pub(super) fn serve(shared: &Shared, name: &str, body: &[u8]) -> Answer {
    let answer = match name {
        "message" => parse::<MessageBody>(name, body).and_then(|b| message(shared, &b)),
        "traffic" => parse::<TrafficBody>(name, body).and_then(|b| traffic(shared, &b)),
        "lose-acks" => parse::<FaultBody>(name, body).and_then(|b| {
            let seconds = b
                .seconds
                .ok_or_else(|| Answer::error(400, "`seconds` is required (0 ends the fault)"))?;
            shared.lose_acks(b.phone.as_deref(), Duration::from_secs(seconds));
            Ok(Answer::ok(json!({ "affected": 0 })))
        }),
        _ => {
            shared.stats.reset_latency();
            Ok(Answer::ok(json!({})))
        }
    };
    answer.unwrap_or_else(|answer| answer)
}

/// Serves `POST /admin/backlog` off the runtime's workers: a backlog for
/// every account is many thousands of encryptions.
pub(super) async fn backlog(shared: &Arc<Shared>, body: &[u8]) -> Answer {
    let b = match parse::<BacklogBody>("backlog", body) {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let shared = Arc::clone(shared);
    let done =
        tokio::task::spawn_blocking(move || shared.backlog(b.phone.as_deref(), b.count)).await;
    match done {
        Ok(done) => Answer::ok(json!({ "queued": done.queued, "cut": done.cut })),
        Err(e) => Answer::error(500, &format!("the backlog was not queued: {e}")),
    }
}

fn message(shared: &Shared, b: &MessageBody) -> Result<Answer, Answer> {
    let posted = shared
        .message(
            &b.to,
            b.from.as_deref(),
            b.text.as_deref(),
            b.group.as_deref(),
        )
        .map_err(|e| match e {
            PostError::NoDevice(_) => Answer::error(404, &e.to_string()),
            PostError::Invalid(_) => Answer::error(400, &e.to_string()),
        })?;
    Ok(Answer::ok(
        json!({ "ids": [posted.id], "devices": posted.devices }),
    ))
}

fn traffic(shared: &Shared, b: &TrafficBody) -> Result<Answer, Answer> {
    if !b.per_minute.is_finite() || b.per_minute < 0.0 {
        return Err(Answer::error(
            400,
            "`per_minute` is a number of messages per account per minute, 0 or more",
        ));
    }
    if !(0.0..=1.0).contains(&b.group_share) {
        return Err(Answer::error(
            400,
            "`group_share` is the fraction of group messages, from 0 to 1",
        ));
    }
    let rate = Rate {
        per_minute: b.per_minute,
        group_share: b.group_share,
    };
    shared.set_traffic(b.phone.as_deref(), rate);
    Ok(Answer::ok(
        json!({ "per_minute": b.per_minute, "group_share": b.group_share }),
    ))
}
