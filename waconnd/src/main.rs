//! The `waconnd` binary: parse arguments, set up logging, run the daemon.

use std::process::ExitCode;

use clap::Parser;
use waconnd::cli::Sub;
use waconnd::{Args, Config};

fn main() -> ExitCode {
    let mut args = Args::parse();
    init_logging(args.verbose);
    let command = args.command.take();
    let result = Config::from_args(args).and_then(|config| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        match command {
            None => runtime.block_on(waconnd::run(config)),
            Some(Sub::Migrate { to }) => runtime.block_on(async {
                let to = to.check()?;
                let done = waconnd::migrate::run(&config.data_dir, &to).await?;
                println!("{}", waconnd::migrate::report(&done, &to));
                Ok(())
            }),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("waconnd: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    let level = ["info", "debug", "trace"][usize::from(verbose.min(2))];
    // The client library logs a warning for every stanza the server leaves
    // out; keep it at errors unless asked for more. Its transport's lines
    // cannot say which number they are about (its tasks are its own) and
    // repeat what the session says with its number: off.
    let default = format!(
        "waconnd={level},whatsapp_rust=error,wacore=error,whatsapp_rust_tokio_transport=off"
    );
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .init();
}
