//! The logged-in session: answer what the client asks, deliver what its
//! device is owed, and hold it to its acks, until the connection ends.

use std::time::Instant;

use super::delivery::Drain;
use super::requests;
use super::session::{End, Session, Step};
use crate::state::command::{Close, Ending, ScanError};
use crate::state::live::Account;
use crate::wire::nodes::{self, attr};
use crate::wire::stream_error;
use crate::wire::traffic;

/// Serves the logged-in device `phone:device` until the connection ends;
/// what it left unacked is redelivered at its next login.
pub(crate) async fn run(s: &mut Session<'_>, phone: &str, device: u16) -> anyhow::Result<End> {
    let account: Account = (phone.to_string(), device);
    let result = serve(s, &account).await;
    s.shared.requeue(&account, s.id);
    result
}

async fn serve(s: &mut Session<'_>, account: &Account) -> anyhow::Result<End> {
    let mut drain = Drain::Waiting;
    loop {
        let muted = s.shared.faults().mute.left(&account.0, Instant::now());
        // A muted server sends nothing, ack errors included: it wakes when
        // the mute ends instead.
        let wake = match muted {
            Some(left) => Some(Instant::now() + left),
            None => owed_deadline(s, account),
        };
        match s.next(wake.map(tokio::time::Instant::from_std)).await? {
            Step::Node(node) => {
                if muted.is_some() {
                    continue;
                }
                if attr(&node, "xmlns").as_deref() == Some("passive") && node.tag == "iq" {
                    s.io.send(&nodes::iq_result(&attr(&node, "id").unwrap_or_default()))
                        .await?;
                    drain.start(s, account).await?;
                } else if let Some(count) = traffic::offline_batch(&node) {
                    drain.pull(s, account, count).await?;
                } else {
                    for reply in requests::answer(s.shared, account, &node) {
                        s.io.send(&reply).await?;
                    }
                }
            }
            Step::Outbox => {}
            Step::Wake => {
                if muted.is_none()
                    && let Some(end) = overdue(s, account).await
                {
                    return Ok(end);
                }
            }
            // Scans reach only registration connections: here they find no ref.
            Step::Phone(action) => action.refuse(ScanError::UnknownRef),
            Step::End(end) => return Ok(end),
        }
        if muted.is_none() {
            drain.flush(s, account).await?;
        }
    }
}

/// When the oldest stanza this connection delivered without an ack is
/// overdue.
fn owed_deadline(s: &Session<'_>, account: &Account) -> Option<Instant> {
    let outbox = s.shared.outbox();
    let (at, _) = outbox.oldest_owed(account, s.id)?;
    Some(at + s.shared.config.ack_timeout)
}

/// If an ack is overdue, the server sends `<stream:error><ack/>` naming
/// the stanza and recycles the stream (`<xmlstreamend/>`, then the close),
/// as whatsapp-rust `client/node_io.rs` `handle_stream_error` expects.
async fn overdue(s: &mut Session<'_>, account: &Account) -> Option<End> {
    let error = {
        let outbox = s.shared.outbox();
        let (at, node) = outbox.oldest_owed(account, s.id)?;
        if at + s.shared.config.ack_timeout > Instant::now() {
            return None;
        }
        traffic::owed_ack(node)
    };
    tracing::info!(
        phone = account.0,
        device = account.1,
        "an ack is overdue: recycling the stream"
    );
    let ending = Ending {
        error,
        on_close: Some(stream_error::stream_end()),
        close: Close::Now,
    };
    s.end_stream(ending).await
}
