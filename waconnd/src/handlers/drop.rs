//! `drop`: unlink a number's device, delete its credentials, forget it.

use waconn_proto::{DropRequest, ErrorReply, Response};

use crate::session::Command;
use crate::supervisor::Supervisor;

/// Unlinks and forgets the number.
pub async fn drop(supervisor: &Supervisor, request: DropRequest) -> Result<Response, ErrorReply> {
    supervisor
        .ask(&request.number, Command::Drop)
        .await
        .map(super::done)
}
