//! What a session may use of the daemon: its settings, the shared link
//! settings, the version source, the pushback watch, the registry, the
//! credential stores, the event stream and the table it leaves when it
//! ends. Nothing more.

use std::sync::Arc;

use tokio::sync::broadcast;
use waconn_proto::StateEvent;

use super::policy::Settings;
use super::table::SessionTable;
use crate::link::LinkSettings;
use crate::pushback::Pushback;
use crate::registry::Registry;
use crate::store::Stores;
use crate::version::VersionSource;

/// The presence a number announces after each login and name change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Presence {
    /// Online: the phone stops showing its owner notifications while a
    /// linked device is online.
    Available,
    /// Offline: the phone keeps notifying its owner.
    Unavailable,
}

/// The narrow view of the daemon every session shares.
pub struct SessionContext {
    /// The policy's settings.
    pub settings: Settings,
    /// The presence to announce.
    pub presence: Presence,
    /// What every link shares.
    pub link: LinkSettings,
    /// The WhatsApp Web version.
    pub version: Arc<VersionSource>,
    /// The watch on WhatsApp's pushback.
    pub pushback: Arc<Pushback>,
    /// The registry.
    pub registry: Arc<Registry>,
    /// Where the credentials live.
    pub stores: Stores,
    /// Every state change, for `wactl events`.
    pub events: broadcast::Sender<StateEvent>,
    /// The table a session leaves when it ends.
    pub table: Arc<SessionTable>,
}
