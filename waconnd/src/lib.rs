//! `waconnd`: keeps many WhatsApp Web multi-device sessions (one per phone
//! number) connected, persists them so a QR code is scanned once, and answers
//! `wactl` on a Unix socket.
//!
//! Data flows one way: socket ([`server`]) or HTTP ([`http`]) → the
//! per-verb [`handlers`] → [`supervisor`] → one session actor per number →
//! its whatsapp-rust client. State changes flow back as published records →
//! the registry writer, pairing watchers, event followers and push
//! [`alerts`].

mod alerts;
pub mod cli;
pub mod cluster;
pub mod engine;
mod fdlimit;
mod fsutil;
mod handlers;
mod http;
mod limiter;
mod link;
mod lock;
pub mod migrate;
mod notify;
mod pushback;
mod registry;
mod secret;
mod server;
mod session;
mod store;
mod supervisor;
mod time;
mod version;

use std::sync::Arc;

use anyhow::Context;

pub use cli::{Args, Config};

/// Runs the daemon until SIGTERM or SIGINT; returns once sessions are closed,
/// the registry saved and the socket removed.
pub async fn run(config: Config) -> anyhow::Result<()> {
    // Everything the daemon creates (stores, registry, socket) is private.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    fdlimit::raise();
    // Handlers in place before the socket answers: a SIGTERM sent as soon as
    // the daemon is seen running must still close it gracefully.
    let shutdown = shutdown_signal()?;
    fsutil::private_dir(&config.data_dir)
        .with_context(|| format!("cannot use data directory `{}`", config.data_dir.display()))?;
    let lock = lock::DataDirLock::acquire(&config.data_dir)?;
    if lock.unclean {
        tracing::warn!(
            "the last waconnd on `{}` did not stop cleanly (killed, crashed or a power cut): restoring every number from the registry and the stores",
            config.data_dir.display()
        );
    }
    let listener = server::bind(&config.socket)?;
    // HTTP listens before the restore: `/healthz` answers at once and
    // `/readyz` says when the sessions are back.
    let face = match &config.http {
        Some(settings) => Some(http::bind(settings).await?.serve()),
        None => None,
    };
    let supervisor = supervisor::Supervisor::start(config.clone()).await?;
    if let Some(face) = &face {
        face.ready(Arc::clone(&supervisor));
    }
    tracing::info!(
        socket = %config.socket.display(),
        data_dir = %config.data_dir.display(),
        "waconnd {} ready",
        waconn_proto::VERSION
    );
    if supervisor.table().lock().is_empty() {
        tracing::info!("no numbers yet: pair one with `wactl pair NUMBER`");
    }
    let accept = tokio::spawn(server::serve(listener, Arc::clone(&supervisor)));
    let notifier = Arc::new(notify::Notifier::from_env());
    notifier.send(&format!("READY=1\nSTATUS={}", status(&supervisor)));
    let reporter = tokio::spawn(report(Arc::clone(&supervisor), Arc::clone(&notifier)));
    shutdown.await;
    if config.database.as_ref().is_some_and(|db| db.handoff) {
        tracing::info!("shutting down: handing every number to the other nodes first");
        notifier.send("STATUS=handing numbers over");
        match supervisor.drain().await {
            Ok(done) => tracing::info!("{done}"),
            Err(e) => tracing::warn!("cannot hand the numbers over: {}", e.message),
        }
    }
    tracing::info!("shutting down: closing sessions (no logout)");
    notifier.send("STOPPING=1\nSTATUS=closing sessions");
    reporter.abort();
    accept.abort();
    if let Some(face) = face {
        face.stop().await;
    }
    let saved = supervisor.shutdown().await;
    server::remove_socket(&config.socket);
    match saved {
        Ok(sessions) => {
            lock.release_cleanly();
            tracing::info!("stopped: {sessions} number(s) saved, none logged out");
            Ok(())
        }
        Err(e) => anyhow::bail!("stopped without saving the last changes: {e}"),
    }
}

fn status(supervisor: &supervisor::Supervisor) -> String {
    notify::status_line(&supervisor.table().counts())
}

/// Tells systemd how the sessions stand after every change, and pings its
/// watchdog when it keeps one.
async fn report(supervisor: Arc<supervisor::Supervisor>, notifier: Arc<notify::Notifier>) {
    let mut changes = supervisor.events.subscribe();
    let watchdog = notify::Notifier::watchdog_interval();
    let mut ping = tokio::time::interval(watchdog.unwrap_or(std::time::Duration::from_secs(3600)));
    let mut last = String::new();
    loop {
        tokio::select! {
            changed = changes.recv() => {
                if let Err(tokio::sync::broadcast::error::RecvError::Closed) = changed {
                    return;
                }
                let line = status(&supervisor);
                if line != last {
                    notifier.send(&format!("STATUS={line}"));
                    last = line;
                }
            }
            _ = ping.tick(), if watchdog.is_some() => notifier.send("WATCHDOG=1"),
        }
    }
}

/// Listens for SIGTERM and SIGINT from now on; the future ends at the first.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
