//! `status`: one session, or the daemon itself.

use waconn_proto::{DaemonInfo, ErrorReply, Response, StatusRequest};

use crate::supervisor::Supervisor;

/// One session, or the daemon when no number is asked for.
pub fn status(supervisor: &Supervisor, request: StatusRequest) -> Result<Response, ErrorReply> {
    match request.number {
        None => Ok(Response::Daemon(daemon(supervisor))),
        Some(number) => supervisor
            .record(&number)
            .map(|record| Response::Session(record.info)),
    }
}

/// The daemon itself.
pub fn daemon(supervisor: &Supervisor) -> DaemonInfo {
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
    }
}
