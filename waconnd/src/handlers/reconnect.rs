//! `reconnect`: a number reconnects now, with a fresh backoff.

use waconn_proto::{ErrorReply, ReconnectRequest, Response};

use crate::session::Command;
use crate::supervisor::Supervisor;

/// Reconnects the number now.
pub async fn reconnect(
    supervisor: &Supervisor,
    request: ReconnectRequest,
) -> Result<Response, ErrorReply> {
    supervisor
        .ask(&request.number, Command::Reconnect)
        .await
        .map(super::done)
}
