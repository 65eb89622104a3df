//! A connection that has received nothing for longer than the silence
//! window is left for a new one, never shown as connected.
//!
//! whatsapp-rust's keepalive finds most silent sockets by itself: it pings
//! every 15-30 s and gives the socket up 20 s after a ping goes unanswered
//! (`keepalive.rs`, `keepalive_loop`). But it skips the ping while any
//! request of the client awaits its answer (`send_keepalive`, "Skipping
//! ping: IQ responses pending"), and a request waits 75 s for it
//! (`request.rs`, `DEFAULT_IQ_TIMEOUT`): a server that falls silent just
//! after a login, with the login's requests outstanding, would be called
//! connected for two minutes. A healthy idle connection receives something
//! at least every 45 s (a skipped ping when data came in the last 15 s,
//! then a 30 s interval), so the default window (75 s, `--silence-window`)
//! leaves it a wide margin.

use std::time::Duration;

use waconn_proto::SessionState;

use super::Effect;
use crate::session::model::{Model, Phase};
use crate::time::after;

use SessionState as S;

/// Whether a connection that last received data at `last_data` (epoch ms)
/// is silent at `now` for `window`.
pub fn is_silent(last_data: i64, now: i64, window: Duration) -> bool {
    now >= after(last_data, window)
}

/// How often the daemon looks for silent connections: often enough that
/// one is left at most a sixth of the window late, at most every 10 s.
pub fn sweep_every(window: Duration) -> Duration {
    (window / 6).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

/// The current connection last received data at `last_data`: when that is
/// longer ago than `window` and the session is connected, it leaves the
/// connection for a new one, as after a loss.
pub fn heard_last(m: &mut Model, last_data: i64, window: Duration, now: i64, fx: &mut Vec<Effect>) {
    if m.state() != S::Connected || m.phase != Phase::Running {
        return;
    }
    if !is_silent(last_data, now, window) {
        return;
    }
    let why = format!(
        "nothing received from WhatsApp for {}s; leaving the silent connection for a new one",
        (now - last_data) / 1000
    );
    m.set(S::Disconnected, why.clone(), now);
    m.failure = Some(why);
    fx.push(Effect::EndLink);
}
