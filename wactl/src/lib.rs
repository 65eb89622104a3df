//! `wactl`: the command that drives `waconnd` over its Unix socket, from a
//! terminal, shell scripts and cron. One file per verb under [`commands`];
//! exit codes in [`exit`]; JSON views in [`views`].

pub mod cli;
mod client;
pub mod commands;
pub mod docs;
pub mod exit;
mod output;
mod qr_image;
mod style;
pub mod views;

use std::process::ExitCode;

use clap::Parser;

use crate::exit::Failure;

/// Parses the command line, runs the verb, and turns the outcome into an
/// exit code (errors are printed to stderr).
pub fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.color {
        cli::ColorWhen::Auto => anstream::ColorChoice::Auto,
        cli::ColorWhen::Always => anstream::ColorChoice::Always,
        cli::ColorWhen::Never => anstream::ColorChoice::Never,
    }
    .write_global();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return report(&Failure::internal(format!("cannot start: {e}"))),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => report(&failure),
    }
}

fn report(failure: &Failure) -> ExitCode {
    if !failure.quiet {
        eprintln!("wactl: {failure}");
    }
    ExitCode::from(failure.code)
}
