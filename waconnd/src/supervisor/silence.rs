//! The daemon's look for silent connections
//! ([`crate::session::policy::silence`]): one task for every session, a
//! pass over the table every few seconds reading what each client last
//! received. An idle session costs no wake-up of its own; a silent one is
//! told, and decides with what its client says then.

use std::sync::Arc;
use std::time::Duration;

use waconn_proto::SessionState;

use crate::session::Command;
use crate::session::policy::silence::{is_silent, sweep_every};
use crate::session::table::SessionTable;
use crate::time::now_ms;

/// Tells every connected session whose connection received nothing for
/// `window` so, until the runtime ends.
pub fn watch(table: Arc<SessionTable>, window: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(sweep_every(window));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = now_ms();
            for handle in table.lock().values() {
                if handle.record.borrow().info.state != SessionState::Connected {
                    continue;
                }
                if let Some(at) = handle.liveness.last_data()
                    && is_silent(at, now, window)
                {
                    let _ = handle.commands.send(Command::CheckSilence);
                }
            }
        }
    });
}
