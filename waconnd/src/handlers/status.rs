//! `status`: one session, or the daemon itself.

use waconn_proto::{DaemonInfo, ErrorReply, NodeInfo, Response, StatusRequest};

use crate::supervisor::Supervisor;

/// One session, or the daemon when no number is asked for.
pub async fn status(
    supervisor: &Supervisor,
    request: StatusRequest,
) -> Result<Response, ErrorReply> {
    match request.number {
        None => Ok(Response::Daemon(daemon(supervisor).await)),
        Some(number) => match (supervisor.record(&number), supervisor.cluster()) {
            (Ok(record), cluster) => {
                let mut info = record.info;
                info.node = cluster.map(|c| c.node.clone());
                Ok(Response::Session(info))
            }
            // Another node's number: as its registry row says.
            (Err(unknown), Some(cluster)) => match cluster.fleet_entry(&number).await {
                Ok(Some((entry, node))) => {
                    let mut info = crate::session::record::Record::from(entry).info;
                    info.node = node;
                    Ok(Response::Session(info))
                }
                _ => Err(unknown),
            },
            (Err(unknown), None) => Err(unknown),
        },
    }
}

/// The nodes sharing the database, as it sees them; none on the files
/// engine or while it does not answer.
async fn nodes(supervisor: &Supervisor) -> Vec<NodeInfo> {
    let Some(cluster) = supervisor.cluster() else {
        return Vec::new();
    };
    let rows = match tokio::time::timeout(crate::cluster::ANSWER_WAIT, cluster.nodes()).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => {
            tracing::debug!("cannot list the nodes: {e:#}");
            return Vec::new();
        }
        Err(_) => return Vec::new(),
    };
    rows.into_iter()
        .map(|n| NodeInfo {
            status: if n.stopped {
                "stopped"
            } else if !n.renewed_within(cluster.timings.takeover) {
                "lapsed"
            } else if n.draining {
                "draining"
            } else {
                "live"
            }
            .to_string(),
            numbers: u64::try_from(n.numbers).unwrap_or(0),
            heartbeat_age_ms: n.heartbeat_age_ms,
            name: n.name,
        })
        .collect()
}

/// The daemon itself.
pub async fn daemon(supervisor: &Supervisor) -> DaemonInfo {
    let nodes = nodes(supervisor).await;
    let cluster = supervisor.cluster();
    let version = supervisor.version().status();
    let rate = supervisor.pushback().status();
    let config = &supervisor.config;
    DaemonInfo {
        version: waconn_proto::VERSION.to_string(),
        pid: std::process::id(),
        started_at: supervisor.started_at(),
        socket: config.socket.display().to_string(),
        data_dir: config.data_dir.display().to_string(),
        counts: supervisor.table().counts(),
        wa_version: version.version.to_string(),
        wa_version_source: version.origin.as_str().to_string(),
        wa_version_fetched_at: version.fetched_at,
        wa_version_error_at: version.error.as_ref().map(|(_, at)| *at),
        wa_version_error: version.error.map(|(why, _)| why),
        connect_rate: rate.rate,
        connect_rate_configured: rate.configured,
        connect_rate_reason: rate.reason,
        notifications: supervisor.alerts.stats(),
        engine: if cluster.is_some() {
            "postgres"
        } else {
            "files"
        }
        .to_string(),
        database: cluster.map(|c| c.engine().url().to_string()),
        node: cluster.map(|c| c.node.clone()),
        nodes,
    }
}
