//! One session per number: an actor that alone owns the number's client,
//! and the handle the supervisor keeps to talk to it.

mod actor;
mod backoff;
pub mod context;
pub mod liveness;
mod model;
pub mod policy;
pub mod record;
pub mod signal;
pub mod table;

use tokio::sync::{mpsc, oneshot, watch};
use waconn_proto::{ErrorReply, PairingUpdate};

pub use actor::spawn;
use record::Record;

pub use crate::time::STOP_TIMEOUT;

/// The answer to a command that changes a session.
pub type Reply = oneshot::Sender<Result<String, ErrorReply>>;

/// What the supervisor asks of a session.
pub enum Command {
    /// Someone follows the pairing: updates go to `updates`; `accepted`
    /// says whether pairing makes sense in the current state.
    Pair {
        /// Where pairing updates go.
        updates: mpsc::UnboundedSender<PairingUpdate>,
        /// Accepted, or why not.
        accepted: oneshot::Sender<Result<(), ErrorReply>>,
        /// Link with a code typed on the phone rather than a QR scan.
        by_code: bool,
    },
    /// Reconnect now with a fresh backoff.
    Reconnect(Reply),
    /// The connection looked silent: look again, and leave it if it is.
    CheckSilence,
    /// Unlink the device, delete the credentials, forget the number.
    Drop(Reply),
    /// Close the connection gracefully (never log out) and stop.
    Shutdown(oneshot::Sender<()>),
    /// Another node runs the number from now on: stop, writing nothing
    /// more, and forget it here.
    Release {
        /// Why, for the log.
        why: String,
        /// The node keeps its claim until it hands the number over itself.
        handing: bool,
        /// Told once the session stopped.
        done: oneshot::Sender<()>,
    },
}

impl SessionHandle {
    /// The session's public view, with when it last received data.
    pub fn info(&self) -> waconn_proto::SessionInfo {
        let mut info = self.record.borrow().info.clone();
        self.liveness.fill(&mut info);
        info
    }

    /// The session's record, with what its liveness knows now.
    pub fn record(&self) -> Record {
        let mut record = self.record.borrow().clone();
        self.liveness.fill(&mut record.info);
        record
    }
}

/// The supervisor's end of a session.
pub struct SessionHandle {
    /// Commands to the actor.
    pub commands: mpsc::UnboundedSender<Command>,
    /// The session's record, as of its last change.
    pub record: watch::Receiver<Record>,
    /// When its connection last received data.
    pub liveness: std::sync::Arc<liveness::Liveness>,
}
