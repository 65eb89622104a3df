//! A login: the server's verdict, `<success>` or `<failure>` (or a rate
//! limit), then the live session.

use std::time::{Duration, Instant};

use anyhow::Context;
use waproto::whatsapp as wa;

use super::live;
use super::session::{End, Session, Step};
use crate::state::admission::Admission;
use crate::state::command::{Close, Command, Ending, ScanError};
use crate::state::stats::bump;
use crate::version::AppVersion;
use crate::wire::nodes::{self, attr};
use crate::wire::stream_error::StreamError;

/// How often a login held by a mute checks whether the mute was lifted.
const MUTE_POLL: Duration = Duration::from_millis(200);

/// Serves a login from a client of `version` until the connection ends.
pub(crate) async fn run(
    s: &mut Session<'_>,
    payload: &wa::ClientPayload,
    version: AppVersion,
) -> anyhow::Result<End> {
    let phone = payload
        .username
        .context("login payload without username")?
        .to_string();
    let device = u16::try_from(payload.device.unwrap_or(0)).context("device number")?;
    // A muted server sits on the login until the mute ends.
    if let Some(end) = wait_unmuted(s, &phone).await? {
        return Ok(end);
    }
    let lid = match s
        .shared
        .admit_login(&phone, device, &s.client_static, version)
    {
        Admission::Accepted(lid) => lid,
        Admission::RateLimited => {
            bump(&s.shared.stats.rate_limited);
            tracing::info!(phone, device, "login over the cap, rate-limited");
            let ending = Ending::new(StreamError::RateLimited, Close::Now);
            return Ok(s.end_stream(ending).await.unwrap_or(End::Closed));
        }
        Admission::Refused(failure) => {
            bump(&s.shared.stats.login_failures);
            tracing::info!(
                phone,
                device,
                reason = attr(&failure, "reason"),
                %version,
                "login refused"
            );
            s.io.send_and_close(&failure).await;
            return Ok(End::Closed);
        }
    };
    let concurrent = {
        let mut live = s.shared.live();
        let account = (phone.clone(), device);
        let concurrent = live.logged_in(s.id, account.clone());
        live.replace_others(s.id, &account, || {
            Command::StreamError(Ending::now(crate::wire::stream_error::replaced()))
        });
        concurrent
    };
    s.shared
        .registry()
        .record_login(&phone, device, nodes::unix_now_ms(), concurrent);
    bump(&s.shared.stats.logins);
    tracing::info!(phone, device, "logged in");
    s.io.send(&nodes::success(&lid)).await?;
    live::run(s, &phone, device).await
}

/// Discards what the client sends while `phone` is muted; `Some` if the
/// connection ended meanwhile.
async fn wait_unmuted(s: &mut Session<'_>, phone: &str) -> anyhow::Result<Option<End>> {
    // Polled, so that lifting a mute early releases waiting logins too.
    while s.shared.faults().mute.left(phone, Instant::now()).is_some() {
        let wake = tokio::time::Instant::now() + MUTE_POLL;
        match s.next(Some(wake)).await? {
            Step::End(end) => return Ok(Some(end)),
            Step::Phone(action) => action.refuse(ScanError::UnknownRef),
            Step::Node(_) | Step::Wake | Step::Outbox => {}
        }
    }
    Ok(None)
}
