//! `inspect`: one session in depth.

use waconn_proto::{ErrorReply, InspectRequest, Response, SessionDetail};

use crate::supervisor::Supervisor;

/// One session with its recent transitions and where its credentials are.
pub async fn inspect(
    supervisor: &Supervisor,
    request: InspectRequest,
) -> Result<Response, ErrorReply> {
    let record = supervisor.record(&request.number)?;
    let (store_path, store_bytes) = supervisor.stores().describe(&request.number).await;
    Ok(Response::Inspect(SessionDetail {
        info: record.info,
        transitions: record.transitions.into_iter().collect(),
        store_path,
        store_bytes,
    }))
}
