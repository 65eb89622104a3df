//! `events`: state changes as they happen.

use tokio::sync::broadcast;
use waconn_proto::{EventsRequest, Number, StateEvent};

use crate::supervisor::Supervisor;

/// Every state change from now on, and the numbers to keep (all when
/// empty).
pub fn events(
    supervisor: &Supervisor,
    request: EventsRequest,
) -> (Vec<Number>, broadcast::Receiver<StateEvent>) {
    (request.numbers, supervisor.events.subscribe())
}
