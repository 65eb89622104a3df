//! The listener: each TCP connection is either a WebSocket upgrade (a
//! client) or a plain HTTP request, to the admin API or for `/sw.js`.

mod request;
mod sw_js;
pub(crate) mod tls;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_websockets::ServerBuilder;

use crate::admin::Answer;
use crate::state::Shared;
use crate::wire::stream::Stream;
use request::{read_head, respond};
use tls::Tls;

const MAX_BODY: usize = 64 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Accepts connections until the mock shuts down; with `tls`, a client may
/// speak TLS on the same port.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tls: Option<Arc<Tls>>) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        if let Err(e) = handle(shared, tls.as_deref(), stream).await {
                            tracing::debug!("request failed: {e:#}");
                        }
                    });
                }
                Err(e) => {
                    // Out of descriptors, typically: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

async fn handle(shared: Arc<Shared>, tls: Option<&Tls>, stream: TcpStream) -> anyhow::Result<()> {
    let _ = stream.set_nodelay(true);
    let stream = tokio::time::timeout(READ_TIMEOUT, tls::accept(tls, stream))
        .await
        .context("TLS handshake timed out")??;
    let mut reader = BufReader::new(stream);
    let head = tokio::time::timeout(READ_TIMEOUT, read_head(&mut reader))
        .await
        .context("request head timed out")??;
    if let Some(key) = &head.websocket_key {
        return upgrade(shared, reader, key).await;
    }
    let path = head.path.split('?').next().unwrap_or_default();
    let path = path.trim_end_matches('/');
    let answer = match (head.method.as_str(), path) {
        ("GET", "/sw.js") => return sw_js::serve(&shared, &mut reader).await,
        (method, "/sw.js") => Answer::wrong_method(method, path, "GET"),
        (_, p) if p.starts_with("/admin/") => {
            if head.content_length > MAX_BODY {
                Answer::error(413, &format!("body over {MAX_BODY} bytes"))
            } else {
                let mut body = vec![0u8; head.content_length];
                tokio::time::timeout(READ_TIMEOUT, reader.read_exact(&mut body))
                    .await
                    .context("request body timed out")??;
                crate::admin::route(&shared, &head.method, path, &body).await
            }
        }
        _ => Answer::error(
            404,
            "not found: clients connect with a WebSocket upgrade, the admin API is under /admin/",
        ),
    };
    let Answer {
        status,
        body,
        allow,
    } = answer;
    respond(
        &mut reader,
        status,
        "application/json",
        body.as_bytes(),
        allow,
    )
    .await
}

/// Serves a WebSocket upgrade: a client, unless connections are refused.
async fn upgrade(
    shared: Arc<Shared>,
    mut reader: BufReader<Stream>,
    key: &str,
) -> anyhow::Result<()> {
    shared.stats.connect_attempt();
    if shared.faults().refusing(Instant::now()) {
        crate::state::stats::bump(&shared.stats.refused);
        let body = "refusing connections\n";
        return respond(&mut reader, 503, "text/plain", body.as_bytes(), None).await;
    }
    let accept = BASE64_STANDARD.encode(ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("{key}{WS_GUID}").as_bytes(),
    ));
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    reader.get_mut().write_all(response.as_bytes()).await?;
    let ws = ServerBuilder::new().serve(reader);
    crate::conn::serve(shared, ws).await;
    Ok(())
}
