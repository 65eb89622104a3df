//! Frames on the socket: a 4-byte big-endian length, then a bincode 2 (serde)
//! payload. A daemon reads at most [`MAX_REQUEST`] bytes from its clients
//! (any local process of the user may connect); a client reads at most
//! [`MAX_RESPONSE`] from its daemon. The one place that knows the encoding,
//! so it can be swapped.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest payload a daemon reads: requests are a few bytes.
pub const MAX_REQUEST: usize = 1 << 20;

/// The largest payload a client reads or anyone writes: the `List` of
/// 10,000 numbers is about 1.7 MiB, so this carries some 400,000.
pub const MAX_RESPONSE: usize = 64 << 20;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The socket failed.
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    /// The length prefix announces more than the reader's limit.
    #[error("frame of {len} bytes is over the {max}-byte limit")]
    TooLarge {
        /// The announced length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The peer closed in the middle of a frame.
    #[error("connection closed in the middle of a frame")]
    Truncated,
    /// The payload is not a valid message.
    #[error("malformed message: {0}")]
    Malformed(String),
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_RESPONSE>()
}

/// Encodes `message` as one whole frame, length prefix included.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, CodecError> {
    let payload = bincode::serde::encode_to_vec(message, config())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    let too_large = || CodecError::TooLarge {
        len: payload.len(),
        max: MAX_RESPONSE,
    };
    if payload.len() > MAX_RESPONSE {
        return Err(too_large());
    }
    let len = u32::try_from(payload.len()).map_err(|_| too_large())?;
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&payload);
    Ok(frame)
}

/// Decodes one payload (without its length prefix); trailing bytes are an
/// error.
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, CodecError> {
    let (message, used) = bincode::serde::decode_from_slice(payload, config())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if used != payload.len() {
        return Err(CodecError::Malformed(format!(
            "{} bytes left over after the message",
            payload.len() - used
        )));
    }
    Ok(message)
}

/// Writes one frame.
pub async fn write<W: AsyncWrite + Unpin, T: Serialize>(
    writer: &mut W,
    message: &T,
) -> Result<(), CodecError> {
    writer.write_all(&encode(message)?).await?;
    writer.flush().await?;
    Ok(())
}

/// Reads one frame of at most `max` bytes ([`MAX_REQUEST`] or
/// [`MAX_RESPONSE`]), refused before anything is allocated; `None` when the
/// peer closed cleanly between frames.
pub async fn read<R: AsyncRead + Unpin, T: DeserializeOwned>(
    reader: &mut R,
    max: usize,
) -> Result<Option<T>, CodecError> {
    let mut prefix = [0u8; 4];
    let mut got = 0;
    while got < prefix.len() {
        match reader.read(&mut prefix[got..]).await? {
            0 if got == 0 => return Ok(None),
            0 => return Err(CodecError::Truncated),
            n => got += n,
        }
    }
    let len = u32::from_be_bytes(prefix) as usize;
    if len > max {
        return Err(CodecError::TooLarge { len, max });
    }
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            CodecError::Truncated
        } else {
            CodecError::Io(e)
        }
    })?;
    decode(&payload).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Hello, Request, Response, StatusRequest};

    #[tokio::test]
    async fn round_trip_through_a_pipe() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let hello = Hello {
            protocol: 1,
            version: "0.1.0".into(),
        };
        let sent = hello.clone();
        let writer = tokio::spawn(async move { write(&mut a, &sent).await });
        let got: Option<Hello> = read(&mut b, MAX_REQUEST).await.expect("read");
        writer.await.expect("join").expect("write");
        assert_eq!(got, Some(hello));
    }

    #[tokio::test]
    async fn oversized_prefix_is_refused_before_allocating() {
        for max in [MAX_REQUEST, MAX_RESPONSE] {
            let bytes = ((max + 1) as u32).to_be_bytes();
            let mut reader = &bytes[..];
            let err = read::<_, Hello>(&mut reader, max)
                .await
                .expect_err("too large");
            assert!(matches!(err, CodecError::TooLarge { len, .. } if len == max + 1));
        }
    }

    #[tokio::test]
    async fn the_list_of_ten_thousand_numbers_reaches_a_client_but_no_daemon() {
        let info = |i: u64| crate::message::SessionInfo {
            number: crate::Number::parse(&format!("1555{i:07}")).expect("number"),
            state: crate::SessionState::Connected,
            reason: "logged in".into(),
            since: 1_700_000_000_000,
            has_qr: false,
            created_at: 1_700_000_000_000,
            paired_at: Some(1_700_000_000_000),
            connected_at: Some(1_700_000_000_000),
            disconnected_at: Some(1_700_000_000_000),
            last_seen: Some(1_700_000_000_000),
            jid: Some(format!("1555{i:07}:1@s.whatsapp.net")),
            push_name: Some("A push name".into()),
            pairing_deadline: None,
            retry_at: None,
            forget_at: None,
            disconnects: 3,
            phone_seen_at: Some(1_700_000_000_000),
            messages_received: 0,
            last_message_at: None,
            node: None,
        };
        let list = Response::Sessions((0..10_000).map(info).collect());
        let frame = encode(&list).expect("encode");
        assert!(frame.len() > MAX_REQUEST, "{} bytes", frame.len());
        let got: Option<Response> = read(&mut &frame[..], MAX_RESPONSE).await.expect("read");
        assert_eq!(got, Some(list));
        let refused = read::<_, Response>(&mut &frame[..], MAX_REQUEST).await;
        assert!(matches!(refused, Err(CodecError::TooLarge { .. })));
    }

    #[tokio::test]
    async fn truncated_frames_are_reported() {
        let frame = encode(&Request::Status(StatusRequest { number: None })).expect("encode");
        for cut in [2, frame.len() - 1] {
            let mut reader = &frame[..cut];
            let err = read::<_, Request>(&mut reader, MAX_REQUEST)
                .await
                .expect_err("truncated");
            assert!(matches!(err, CodecError::Truncated), "cut at {cut}: {err}");
        }
        let mut empty: &[u8] = &[];
        assert!(
            read::<_, Request>(&mut empty, MAX_REQUEST)
                .await
                .expect("clean eof")
                .is_none()
        );
    }

    #[test]
    fn garbage_and_trailing_bytes_are_malformed() {
        assert!(matches!(
            decode::<Request>(&[0xff, 0xff, 0xff]),
            Err(CodecError::Malformed(_))
        ));
        let mut frame = encode(&Hello {
            protocol: 1,
            version: "x".into(),
        })
        .expect("encode");
        frame.push(0);
        assert!(matches!(
            decode::<Hello>(&frame[4..]),
            Err(CodecError::Malformed(_))
        ));
    }
}
