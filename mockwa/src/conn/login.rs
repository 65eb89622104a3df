//! A login: the server's verdict, `<success>` or `<failure>`, then the live
//! session.

use std::time::{Duration, Instant};

use anyhow::Context;
use waproto::whatsapp as wa;

use super::live;
use super::session::{End, Session, Step};
use crate::state::registry::LoginCheck;
use crate::state::stats::bump;
use crate::wire::nodes::{self, attr};

/// How often a login held by a mute checks whether the mute was lifted.
const MUTE_POLL: Duration = Duration::from_millis(200);

/// Serves a login until the connection ends.
pub(crate) async fn run(s: &mut Session<'_>, payload: &wa::ClientPayload) -> anyhow::Result<End> {
    let phone = payload
        .username
        .context("login payload without username")?
        .to_string();
    let device = u16::try_from(payload.device.unwrap_or(0)).context("device number")?;
    // A muted server sits on the login until the mute ends.
    if let Some(end) = wait_unmuted(s, &phone).await? {
        return Ok(end);
    }
    let now = Instant::now();
    let verdict = {
        let faults = s.shared.faults();
        if faults.outdated {
            Err(nodes::failure(405))
        } else if let Some(left) = faults.ban.left(&phone, now) {
            Err(nodes::ban_failure(left.as_secs().max(1)))
        } else {
            match s
                .shared
                .registry()
                .check_login(&phone, device, &s.client_static)
            {
                LoginCheck::Valid { lid } => Ok(lid),
                LoginCheck::NotLinked => Err(nodes::failure(401)),
            }
        }
    };
    let lid = match verdict {
        Err(failure) => {
            bump(&s.shared.stats.login_failures);
            tracing::info!(
                phone,
                device,
                reason = attr(&failure, "reason"),
                "login refused"
            );
            s.io.send_and_close(&failure).await;
            return Ok(End::Closed);
        }
        Ok(lid) => lid,
    };
    s.shared.registry().record_login(&phone, device);
    s.shared.live().logged_in(s.id, (phone.clone(), device));
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
            Step::Phone(action) => action.refuse(crate::state::command::ScanError::UnknownRef),
            Step::Node(_) | Step::Wake => {}
        }
    }
    Ok(None)
}
