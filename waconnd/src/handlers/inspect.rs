//! `inspect`: one session in depth.

use waconn_proto::{ErrorReply, InspectRequest, Response, SessionDetail};

use crate::supervisor::Supervisor;

/// One session with its recent transitions and its store.
pub fn inspect(supervisor: &Supervisor, request: InspectRequest) -> Result<Response, ErrorReply> {
    let record = supervisor.record(&request.number)?;
    let store = supervisor.store_path(&request.number);
    let store_bytes = crate::fsutil::store_files(&store)
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    Ok(Response::Inspect(SessionDetail {
        info: record.info,
        transitions: record.transitions.into_iter().collect(),
        store_path: store.display().to_string(),
        store_bytes,
    }))
}
