//! The listener: each TCP connection is either a WebSocket upgrade (a
//! client) or a plain HTTP request to the admin API.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_websockets::ServerBuilder;

use crate::server::Shared;

const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 64 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Accepts connections until the mock shuts down.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    tokio::spawn(async move {
                        if let Err(e) = handle(shared, stream).await {
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

/// A parsed request head.
struct Head {
    method: String,
    path: String,
    websocket_key: Option<String>,
    content_length: usize,
}

async fn handle(shared: Arc<Shared>, stream: TcpStream) -> anyhow::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream);
    let head = tokio::time::timeout(READ_TIMEOUT, read_head(&mut reader))
        .await
        .context("request head timed out")??;
    if let Some(key) = head.websocket_key {
        shared.stats.connect_attempt();
        if shared.faults().refusing(Instant::now()) {
            crate::stats::bump(&shared.stats.refused);
            let body = "refusing connections\n";
            respond(&mut reader, 503, "text/plain", body.as_bytes()).await?;
            return Ok(());
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
        return Ok(());
    }
    if head.content_length > MAX_BODY {
        return respond(
            &mut reader,
            413,
            "application/json",
            br#"{"error":"body too large"}"#,
        )
        .await;
    }
    let mut body = vec![0u8; head.content_length];
    tokio::time::timeout(READ_TIMEOUT, reader.read_exact(&mut body))
        .await
        .context("request body timed out")??;
    let (status, json) = crate::admin::route(&shared, &head.method, &head.path, &body).await;
    respond(&mut reader, status, "application/json", json.as_bytes()).await
}

async fn read_head(reader: &mut BufReader<TcpStream>) -> anyhow::Result<Head> {
    let mut raw = Vec::new();
    loop {
        let before = raw.len();
        reader.read_until(b'\n', &mut raw).await?;
        if raw.len() == before {
            bail!("connection closed inside the request head");
        }
        if raw.ends_with(b"\r\n\r\n") || raw == b"\r\n" {
            break;
        }
        if raw.len() > MAX_HEAD {
            bail!("request head over {MAX_HEAD} bytes");
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    request.parse(&raw).context("malformed HTTP request")?;
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::trim)
    };
    let upgrade = header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    Ok(Head {
        method: request.method.unwrap_or("GET").to_string(),
        path: request.path.unwrap_or("/").to_string(),
        websocket_key: upgrade
            .then(|| header("sec-websocket-key").map(str::to_string))
            .flatten(),
        content_length: header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    })
}

async fn respond(
    reader: &mut BufReader<TcpStream>,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> anyhow::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let stream = reader.get_mut();
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await?;
    Ok(())
}
