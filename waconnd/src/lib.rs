//! `waconnd`: keeps many WhatsApp Web multi-device sessions (one per phone
//! number) connected, persists them so a QR code is scanned once, and answers
//! `wactl` on a Unix socket.
//!
//! Data flows one way: socket → [`server`] → [`supervisor`] → one session
//! actor per number → its whatsapp-rust client. State changes flow back as
//! published records → the registry writer and pairing watchers.

pub mod cli;
mod fsutil;
mod limiter;
mod link;
mod lock;
mod registry;
mod server;
mod session;
mod supervisor;
mod time;

use std::sync::Arc;

use anyhow::Context;

pub use cli::{Args, Config};

/// Runs the daemon until SIGTERM or SIGINT; returns once sessions are closed,
/// the registry saved and the socket removed.
pub async fn run(config: Config) -> anyhow::Result<()> {
    // Everything the daemon creates (stores, registry, socket) is private.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    fsutil::private_dir(&config.data_dir)
        .with_context(|| format!("cannot use data directory `{}`", config.data_dir.display()))?;
    let _lock = lock::DataDirLock::acquire(&config.data_dir)?;
    let listener = server::bind(&config.socket)?;
    let supervisor = supervisor::Supervisor::start(config.clone()).await?;
    tracing::info!(
        socket = %config.socket.display(),
        data_dir = %config.data_dir.display(),
        "waconnd {} ready",
        waconn_proto::VERSION
    );
    let accept = tokio::spawn(server::serve(listener, Arc::clone(&supervisor)));
    shutdown_signal().await?;
    tracing::info!("shutting down: closing sessions (no logout)");
    accept.abort();
    supervisor.shutdown().await;
    server::remove_socket(&config.socket);
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
