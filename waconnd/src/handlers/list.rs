//! `list`: every session.

use waconn_proto::{ListRequest, Response};

use crate::supervisor::Supervisor;

/// Every session, by number.
pub fn list(supervisor: &Supervisor, _: ListRequest) -> Response {
    Response::Sessions(supervisor.table().infos())
}
