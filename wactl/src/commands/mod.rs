//! One module per verb; each returns the exit code or a failure.

mod check;
mod drain;
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
use crate::client::connect;
use crate::exit::Failure;

/// Runs the verb `cli` names. Numbers are checked before the daemon is
/// asked anything.
pub async fn run(cli: Cli) -> Result<u8, Failure> {
    let socket = cli.socket.as_deref();
    match cli.command {
        Command::Pair(args) => {
            let number = args.number.parse()?;
            pair::run(connect(socket).await?, number, args).await
        }
        Command::List(args) => list::run(connect(socket).await?, args.json).await,
        Command::Status(args) => {
            let number = args.parse()?;
            status::run(connect(socket).await?, number, args).await
        }
        Command::Inspect(args) => {
            let number = args.number.parse()?;
            inspect::run(connect(socket).await?, number, args.json).await
        }
        Command::Reconnect(args) => {
            let number = args.parse()?;
            reconnect::run(connect(socket).await?, number).await
        }
        Command::Drop(args) => {
            let number = args.parse()?;
            drop::run(connect(socket).await?, number).await
        }
        Command::Drain => drain::run(connect(socket).await?).await,
        Command::Check(args) => check::run(connect(socket).await?, args).await,
        Command::Events(args) => events::run(connect(socket).await?, args).await,
        Command::Metrics => metrics::run(socket).await,
        Command::Completions(args) => {
            let script =
                crate::docs::completion(args.shell, <Cli as clap::CommandFactory>::command());
            anstream::stdout().lock().write_all(script.as_bytes())?;
            Ok(crate::exit::OK)
        }
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
