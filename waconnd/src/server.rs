//! The Unix socket: a guarded directory, a private socket, the peer's uid
//! checked before a byte is read, then one request per connection.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use interprocess::local_socket::tokio::{Listener, Stream};
use interprocess::local_socket::traits::StreamCommon as _;
use interprocess::local_socket::traits::tokio::Listener as _;
use interprocess::local_socket::{GenericFilePath, ListenerOptions, ToFsName};
use tokio::io::AsyncReadExt;
use waconn_proto::{
    CodecError, ErrorCode, ErrorReply, Hello, PROTOCOL, PairingUpdate, Request, Response, VERSION,
    codec,
};

use crate::handlers::Reply;
use crate::supervisor::Supervisor;

/// How long a client may take to send its hello and its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds the socket at `path`, refusing to steal one another daemon serves.
pub fn bind(path: &Path) -> anyhow::Result<Listener> {
    let dir = path.parent().context("socket path has no directory")?;
    crate::fsutil::guarded_dir(dir)?;
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            bail!(
                "another waconnd is already listening on `{}`; stop it, or give this one another --socket",
                path.display()
            );
        }
        crate::fsutil::remove_if_exists(path)
            .with_context(|| format!("cannot remove stale socket `{}`", path.display()))?;
    }
    let name = path.to_fs_name::<GenericFilePath>()?;
    ListenerOptions::new()
        .name(name)
        .create_tokio()
        .with_context(|| format!("cannot listen on `{}`", path.display()))
}

/// Removes the daemon's socket at shutdown.
pub fn remove_socket(path: &Path) {
    if let Err(e) = crate::fsutil::remove_if_exists(path) {
        tracing::warn!("cannot remove socket `{}`: {e}", path.display());
    }
}

/// Accepts clients until aborted.
pub async fn serve(listener: Listener, supervisor: Arc<Supervisor>) {
    let uid = rustix::process::getuid().as_raw();
    // One descriptor kept in reserve: out of descriptors, it is given up to
    // accept a client and tell it so, instead of leaving it hanging.
    let mut spare = std::fs::File::open("/dev/null").ok();
    loop {
        if spare.is_none() {
            spare = std::fs::File::open("/dev/null").ok();
        }
        match listener.accept().await {
            Ok(stream) => {
                let peer = stream.peer_creds().ok().and_then(|c| c.euid());
                if peer != Some(uid) {
                    let peer = peer.map_or("unknown".to_owned(), |p| p.to_string());
                    tracing::warn!(
                        "refused a client of uid {peer}: only uid {uid} may use this socket"
                    );
                    continue;
                }
                let supervisor = Arc::clone(&supervisor);
                tokio::spawn(async move {
                    if let Err(e) = handle(stream, supervisor).await {
                        tracing::debug!("client connection ended: {e}");
                    }
                });
            }
            Err(e) if crate::fdlimit::is_emfile(&e) => {
                let message = crate::fdlimit::explain();
                if spare.take().is_some()
                    && let Ok(stream) = listener.accept().await
                {
                    let _ = error(&mut &stream, ErrorCode::Internal, message).await;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => {
                tracing::error!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn read_timed<T: serde::de::DeserializeOwned>(
    rx: &mut &Stream,
) -> Result<Option<T>, CodecError> {
    tokio::time::timeout(REQUEST_TIMEOUT, codec::read(rx, codec::MAX_REQUEST))
        .await
        .map_err(|_| CodecError::Io(std::io::ErrorKind::TimedOut.into()))?
}

async fn handle(stream: Stream, supervisor: Arc<Supervisor>) -> Result<(), CodecError> {
    // `&Stream` reads and writes, so one reference of each kind does.
    let (mut rx, mut tx) = (&stream, &stream);
    let Some(hello) = read_timed::<Hello>(&mut rx).await? else {
        return Ok(());
    };
    if hello.protocol != PROTOCOL {
        let message = format!(
            "wactl {} speaks protocol {}, this waconnd {VERSION} speaks {PROTOCOL}: use the wactl that came with this waconnd",
            hello.version, hello.protocol
        );
        return error(&mut tx, ErrorCode::ProtocolMismatch, message).await;
    }
    codec::write(
        &mut tx,
        &Response::Hello(Hello {
            protocol: PROTOCOL,
            version: VERSION.into(),
        }),
    )
    .await?;
    let request = match read_timed::<Request>(&mut rx).await {
        Ok(Some(request)) => request,
        Ok(None) => return Ok(()),
        Err(CodecError::Malformed(e)) => {
            return error(
                &mut tx,
                ErrorCode::BadRequest,
                format!("cannot read the request: {e}"),
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    match crate::handlers::handle(&supervisor, request).await {
        Reply::Once(answer) => codec::write(&mut tx, &answer).await,
        Reply::Pairing(number, updates) => pair(number, updates, rx, tx).await,
        Reply::Events(numbers, events) => stream_events(&numbers, events, rx, tx).await,
    }
}

async fn error(tx: &mut &Stream, code: ErrorCode, message: String) -> Result<(), CodecError> {
    codec::write(tx, &Response::Error(ErrorReply::new(code, message))).await
}

/// Streams pairing updates until the number is connected, the pairing ends,
/// or the client goes away (pairing then goes on in the daemon).
async fn pair(
    number: waconn_proto::Number,
    mut updates: tokio::sync::mpsc::UnboundedReceiver<PairingUpdate>,
    mut rx: &Stream,
    mut tx: &Stream,
) -> Result<(), CodecError> {
    let mut probe = [0u8; 1];
    let mut failure = None;
    loop {
        tokio::select! {
            update = updates.recv() => match update {
                Some(PairingUpdate::Ended(why)) => {
                    return error(&mut tx, ErrorCode::PairingFailed, format!("pairing of {number} ended: {why}")).await;
                }
                Some(update) => {
                    if let PairingUpdate::State(info) = &update {
                        failure = (info.state == waconn_proto::SessionState::Failed)
                            .then(|| info.reason.clone());
                    }
                    let last = matches!(update, PairingUpdate::Connected(_));
                    codec::write(&mut tx, &Response::Pairing(update)).await?;
                    if last {
                        return Ok(());
                    }
                }
                None => {
                    let message = match failure {
                        Some(reason) => format!("pairing of {number} failed: {reason}"),
                        None => format!("pairing of {number} ended without a linked device (its deadline passed or it was dropped)"),
                    };
                    return error(&mut tx, ErrorCode::PairingFailed, message).await;
                }
            },
            // The client only ever closes: any read result means it left.
            _ = rx.read(&mut probe) => return Ok(()),
        }
    }
}

/// Streams state changes of `numbers` (all when empty) until the client
/// goes away.
async fn stream_events(
    numbers: &[waconn_proto::Number],
    mut events: tokio::sync::broadcast::Receiver<waconn_proto::StateEvent>,
    mut rx: &Stream,
    mut tx: &Stream,
) -> Result<(), CodecError> {
    let mut probe = [0u8; 1];
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) if numbers.is_empty() || numbers.contains(&event.number) => {
                    codec::write(&mut tx, &Response::Event(event)).await?;
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!("an events client fell behind and missed {missed} changes");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
            },
            _ = rx.read(&mut probe) => return Ok(()),
        }
    }
}
