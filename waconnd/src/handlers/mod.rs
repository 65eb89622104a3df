//! The daemon's answers, one file per verb: each takes the supervisor and
//! its request and gives the answer. A front-end (the socket, HTTP) only
//! decodes a request, calls [`handle`] and encodes what comes back.

mod drop;
mod events;
mod inspect;
mod list;
mod pair;
mod reconnect;
mod status;

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc};
use waconn_proto::{Done, ErrorReply, Number, PairingUpdate, Request, Response, StateEvent};

use crate::supervisor::Supervisor;
pub use crate::supervisor::unknown;

pub use drop::drop;
pub use events::events;
pub use inspect::inspect;
pub use list::list;
pub use pair::pair;
pub use reconnect::reconnect;
pub use status::status;

/// What a request gets.
pub enum Reply {
    /// One answer.
    Once(Box<Response>),
    /// The steps of a pairing of a number, until it ends.
    Pairing(Number, mpsc::UnboundedReceiver<PairingUpdate>),
    /// State changes of these numbers (every number when empty).
    Events(Vec<Number>, broadcast::Receiver<StateEvent>),
}

/// Answers `request`.
pub async fn handle(supervisor: &Arc<Supervisor>, request: Request) -> Reply {
    let once = |result: Result<Response, ErrorReply>| {
        Reply::Once(Box::new(result.unwrap_or_else(Response::Error)))
    };
    match request {
        Request::List(r) => Reply::Once(Box::new(list(supervisor, r).await)),
        Request::Status(r) => once(status(supervisor, r).await),
        Request::Drain(_) => once(supervisor.drain().await.map(done)),
        Request::Inspect(r) => once(inspect(supervisor, r).await),
        Request::Reconnect(r) => once(reconnect(supervisor, r).await),
        Request::Drop(r) => once(drop(supervisor, r).await),
        Request::Pair(r) => pairing(r.number.clone(), pair(supervisor, r, false).await),
        Request::PairCode(r) => pairing(r.number.clone(), pair(supervisor, r, true).await),
        Request::Events(r) => {
            let (numbers, events) = events(supervisor, r);
            Reply::Events(numbers, events)
        }
    }
}

fn pairing(
    number: Number,
    result: Result<mpsc::UnboundedReceiver<PairingUpdate>, ErrorReply>,
) -> Reply {
    match result {
        Ok(updates) => Reply::Pairing(number, updates),
        Err(e) => Reply::Once(Box::new(Response::Error(e))),
    }
}

/// A request carried out, said for people.
fn done(message: String) -> Response {
    Response::Done(Done { message })
}
