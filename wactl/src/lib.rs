//! `wactl`: the command that drives `waconnd` over its Unix socket, from a
//! terminal, shell scripts and cron. One file per verb under [`commands`];
//! exit codes in [`exit`]; the JSON views are `waconn_proto::views`, shared
//! with the daemon's HTTP face.

pub mod cli;
mod client;
pub mod commands;
pub mod docs;
pub mod exit;
mod output;
mod qr_image;
mod qr_screen;
mod style;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::exit::Failure;

/// Parses the command line, runs the verb, and turns the outcome into an
/// exit code (errors are printed to stderr, and as one JSON object on
/// stdout under `--json`).
pub fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    match cli.color {
        cli::ColorWhen::Auto => anstream::ColorChoice::Auto,
        cli::ColorWhen::Always => anstream::ColorChoice::Always,
        cli::ColorWhen::Never => anstream::ColorChoice::Never,
    }
    .write_global();
    let json = cli.json();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return report(&Failure::internal(format!("cannot start: {e}")), json),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => report(&failure, json),
    }
}

/// A command line clap refused (or `--help` / `--version`, which are no
/// failure).
fn usage_error(e: &clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::from(exit::OK);
    }
    let _ = e.print();
    if asks_for_json(std::env::args_os().skip(1)) {
        let rendered = e.render().to_string();
        let first = rendered.lines().next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first);
        print_json_failure(&Failure::usage(message));
    }
    ExitCode::from(exit::USAGE)
}

/// Whether `--json` is among the options (before a `--`).
fn asks_for_json(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.take_while(|a| a != "--").any(|a| a == "--json")
}

fn report(failure: &Failure, json: bool) -> ExitCode {
    if !failure.quiet {
        eprintln!("wactl: {failure}");
        if json {
            print_json_failure(failure);
        }
    }
    ExitCode::from(failure.code)
}

fn print_json_failure(failure: &Failure) {
    if let Ok(mut line) = serde_json::to_vec(&failure.json()) {
        line.push(b'\n');
        let _ = std::io::stdout().lock().write_all(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_asked_before_a_double_dash_only() {
        let args = |list: &[&str]| {
            list.iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>()
        };
        assert!(asks_for_json(args(&["status", "x", "--json"]).into_iter()));
        assert!(!asks_for_json(
            args(&["status", "--", "--json"]).into_iter()
        ));
        assert!(!asks_for_json(args(&["list"]).into_iter()));
    }
}
