//! One module per verb; each returns the exit code or a failure.

mod check;
mod drop;
mod events;
mod inspect;
mod list;
mod metrics;
mod pair;
mod reconnect;
mod status;

use std::io::Write;

use crate::cli::{Cli, Command};
use crate::client::Client;
use crate::exit::Failure;

/// Runs the verb `cli` names.
pub async fn run(cli: Cli) -> Result<u8, Failure> {
    if let Command::Completions(args) = &cli.command {
        let script = crate::docs::completion(args.shell, <Cli as clap::CommandFactory>::command());
        anstream::stdout().lock().write_all(script.as_bytes())?;
        return Ok(crate::exit::OK);
    }
    let socket = waconn_proto::paths::socket_path(cli.socket.as_deref());
    let mut client = Client::connect(&socket).await?;
    match cli.command {
        Command::Pair(args) => pair::run(&mut client, args).await,
        Command::List(args) => list::run(&mut client, args.json).await,
        Command::Status(args) => status::run(&mut client, args, &socket).await,
        Command::Inspect(args) => inspect::run(&mut client, args).await,
        Command::Reconnect(args) => reconnect::run(&mut client, args.number).await,
        Command::Drop(args) => drop::run(&mut client, args.number).await,
        Command::Check(args) => check::run(&mut client, args).await,
        Command::Events(args) => events::run(&mut client, args).await,
        Command::Metrics => metrics::run(&mut client, &socket).await,
        Command::Completions(_) => unreachable!("answered before connecting"),
    }
}

/// Every session the daemon has.
pub(crate) async fn sessions(
    client: &mut Client,
) -> Result<Vec<waconn_proto::SessionInfo>, Failure> {
    match client
        .ask(&waconn_proto::Request::List(waconn_proto::ListRequest {}))
        .await?
    {
        waconn_proto::Response::Sessions(sessions) => Ok(sessions),
        other => Err(client.unexpected(other)),
    }
}

/// Prints `value` as one line of JSON on stdout.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let mut json = serde_json::to_vec(value).map_err(|e| Failure::internal(e.to_string()))?;
    json.push(b'\n');
    // One write, around anstream: JSON escapes every control character, so
    // there is nothing to strip, and stripping 10,000 sessions' worth of
    // small writes cost more than building them (86 ms against 12 ms).
    std::io::stdout().lock().write_all(&json)?;
    Ok(())
}
