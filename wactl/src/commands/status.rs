//! `wactl status [NUMBER]`: a number's state (exit code from it), or the
//! daemon's.

use std::io::Write;

use waconn_proto::time::now_ms;
use waconn_proto::{Client, Number, Request, Response, SessionInfo, SessionState, StatusRequest};

use crate::cli::StatusArgs;
use crate::client::unexpected;
use crate::exit::{self, Failure};
use crate::output::{ago, elapsed, from_now, one_line};
use waconn_proto::views::{SessionView, SystemView};

pub async fn run(
    mut client: Client,
    number: Option<Number>,
    args: StatusArgs,
) -> Result<u8, Failure> {
    let request = Request::Status(StatusRequest { number });
    match client.ask(&request).await? {
        Response::Session(info) => {
            if args.json {
                super::print_json(&SessionView::from(&info))?;
            } else {
                print_session(&info)?;
            }
            Ok(exit::for_state(info.state))
        }
        Response::Daemon(daemon) => {
            let view = SystemView::new(&daemon, now_ms());
            if args.json {
                super::print_json(&view)?;
                return Ok(exit::OK);
            }
            let mut out = anstream::stdout().lock();
            writeln!(
                out,
                "waconnd {} (pid {}), up {}",
                one_line(&view.version),
                view.pid,
                elapsed(view.started_at)
            )?;
            writeln!(
                out,
                "{} numbers, {} connected",
                view.total_clients, view.connected_clients
            )?;
            for (state, n) in &view.states {
                writeln!(out, "  {state:<12} {n}")?;
            }
            let fetched = view
                .wa_version_fetched_at
                .map(|at| format!(", fetched {}", ago(at)))
                .unwrap_or_default();
            writeln!(
                out,
                "WhatsApp Web {} ({}{fetched})",
                view.wa_version, view.wa_version_source
            )?;
            if let (Some(why), Some(at)) = (&view.wa_version_error, daemon.wa_version_error_at) {
                writeln!(out, "  last fetch failed {}: {why}", ago(at))?;
            }
            match &view.connect_rate_reason {
                Some(why) if view.connect_rate < view.connect_rate_configured => writeln!(
                    out,
                    "connect rate {}/s, lowered from {}/s: {why}",
                    view.connect_rate, view.connect_rate_configured
                )?,
                _ => writeln!(out, "connect rate {}/s", view.connect_rate)?,
            }
            if let (Some(node), Some(database)) = (&view.node, &view.database) {
                writeln!(out, "node {} on {}", one_line(node), one_line(database))?;
                for n in &view.nodes {
                    writeln!(
                        out,
                        "  {:<20} {:<9} {:>6} numbers  heartbeat {} ago",
                        one_line(&n.name),
                        n.status,
                        n.numbers,
                        waconn_proto::duration::format(std::time::Duration::from_millis(
                            u64::try_from(n.heartbeat_age_ms).unwrap_or(0)
                        ))
                    )?;
                }
            }
            if args.verbose {
                writeln!(out, "socket    {}", client.socket().display())?;
                writeln!(out, "data dir  {}", one_line(&view.data_dir))?;
            }
            Ok(exit::OK)
        }
        other => Err(unexpected(&other)),
    }
}

/// The human summary of one session, shared with `inspect`.
pub(crate) fn print_session(info: &SessionInfo) -> Result<(), Failure> {
    let mut out = anstream::stdout().lock();
    writeln!(
        out,
        "{}  {} since {} {}",
        info.number,
        crate::style::state(info.state, 0),
        ago(crate::output::since(info)),
        crate::style::dim(&format!("({})", one_line(&info.reason)))
    )?;
    if let Some(name) = &info.push_name {
        writeln!(out, "  name            {}", one_line(name))?;
    }
    if let Some(at) = info.connected_at {
        writeln!(out, "  connected       {}", ago(at))?;
    }
    if let Some(at) = info.disconnected_at {
        writeln!(out, "  disconnected    {}", ago(at))?;
    }
    if let Some(at) = info.last_seen {
        writeln!(out, "  last data       {}", ago(at))?;
    }
    match info.state {
        SessionState::Pairing => {
            if let Some(at) = info.pairing_deadline {
                writeln!(
                    out,
                    "  removed         {} unless paired: run `wactl pair {}`",
                    from_now(at),
                    info.number
                )?;
            }
        }
        SessionState::LoggedOut => {
            if let Some(at) = info.forget_at {
                writeln!(
                    out,
                    "  forgotten       {}; pair again with `wactl pair {}`",
                    from_now(at),
                    info.number
                )?;
            }
        }
        _ => {
            if let Some(at) = info.retry_at {
                writeln!(out, "  next retry      {}", from_now(at))?;
            }
        }
    }
    Ok(())
}
