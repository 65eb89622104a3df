//! `list`: every session; on a shared database, every number of the fleet
//! with the node that runs it.

use waconn_proto::{ErrorReply, ListRequest, Response, SessionInfo};

use crate::session::record::Record;
use crate::supervisor::Supervisor;

/// Every session, by number.
pub async fn list(supervisor: &Supervisor, _: ListRequest) -> Response {
    match fleet(supervisor).await {
        Ok(infos) => Response::Sessions(infos),
        Err(e) => Response::Error(e),
    }
}

/// This node's sessions as they are now, and on a shared database the
/// others' numbers as their registry rows say.
async fn fleet(supervisor: &Supervisor) -> Result<Vec<SessionInfo>, ErrorReply> {
    let mut infos = supervisor.table().infos();
    let Some(cluster) = supervisor.cluster() else {
        return Ok(infos);
    };
    for info in &mut infos {
        info.node = Some(cluster.node.clone());
    }
    // The database may not answer: this node's own numbers are still
    // listed (a cron check must not fail on what it can see).
    let rows = match tokio::time::timeout(crate::cluster::ANSWER_WAIT, cluster.fleet()).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => {
            tracing::debug!("cannot list the other nodes' numbers: {e:#}");
            return Ok(infos);
        }
        Err(_) => {
            tracing::debug!(
                "the database did not answer within {:?}: listing this node's numbers only",
                crate::cluster::ANSWER_WAIT
            );
            return Ok(infos);
        }
    };
    let local: std::collections::HashSet<_> = infos.iter().map(|i| i.number.clone()).collect();
    for (entry, node) in rows {
        if local.contains(&entry.number) {
            continue;
        }
        let mut info = Record::from(entry).info;
        info.node = node;
        infos.push(info);
    }
    Ok(infos)
}
