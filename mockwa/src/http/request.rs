//! Reading an HTTP request head and writing a response, on the raw socket
//! the listener accepted.

use crate::wire::stream::Stream;
use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const MAX_HEAD: usize = 16 * 1024;

/// A parsed request head.
pub(super) struct Head {
    pub method: String,
    pub path: String,
    pub websocket_key: Option<String>,
    pub content_length: usize,
}

/// Reads and parses the request head.
pub(super) async fn read_head(reader: &mut BufReader<Stream>) -> anyhow::Result<Head> {
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

/// Writes a whole response and ends the connection.
/// `allow` names the method to use instead, on a 405.
pub(super) async fn respond(
    reader: &mut BufReader<Stream>,
    status: u16,
    content_type: &str,
    body: &[u8],
    allow: Option<&str>,
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
    let allow = allow.map_or_else(String::new, |method| format!("Allow: {method}\r\n"));
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    );
    let stream = reader.get_mut();
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await?;
    Ok(())
}
