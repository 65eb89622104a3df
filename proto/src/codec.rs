//! Frames on the socket: a 4-byte big-endian length, then a bincode 2 (serde)
//! payload of at most [`MAX_FRAME`] bytes. The one place that knows the
//! encoding, so it can be swapped.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest payload either side reads or writes.
pub const MAX_FRAME: usize = 1 << 20;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The socket failed.
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    /// The length prefix announces more than [`MAX_FRAME`].
    #[error("frame of {len} bytes is over the {MAX_FRAME}-byte limit")]
    TooLarge {
        /// The announced length.
        len: usize,
    },
    /// The peer closed in the middle of a frame.
    #[error("connection closed in the middle of a frame")]
    Truncated,
    /// The payload is not a valid message.
    #[error("malformed message: {0}")]
    Malformed(String),
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_FRAME>()
}

/// Encodes `message` as one whole frame, length prefix included.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, CodecError> {
    let payload = bincode::serde::encode_to_vec(message, config())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if payload.len() > MAX_FRAME {
        return Err(CodecError::TooLarge { len: payload.len() });
    }
    let len =
        u32::try_from(payload.len()).map_err(|_| CodecError::TooLarge { len: payload.len() })?;
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

/// Reads one frame; `None` when the peer closed cleanly between frames.
pub async fn read<R: AsyncRead + Unpin, T: DeserializeOwned>(
    reader: &mut R,
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
    if len > MAX_FRAME {
        return Err(CodecError::TooLarge { len });
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
    use crate::message::{Hello, Request, StatusRequest};

    #[tokio::test]
    async fn round_trip_through_a_pipe() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let hello = Hello {
            protocol: 1,
            version: "0.1.0".into(),
        };
        let sent = hello.clone();
        let writer = tokio::spawn(async move { write(&mut a, &sent).await });
        let got: Option<Hello> = read(&mut b).await.expect("read");
        writer.await.expect("join").expect("write");
        assert_eq!(got, Some(hello));
    }

    #[tokio::test]
    async fn oversized_prefix_is_refused_before_allocating() {
        let bytes = ((MAX_FRAME + 1) as u32).to_be_bytes();
        let mut reader = &bytes[..];
        let err = read::<_, Hello>(&mut reader).await.expect_err("too large");
        assert!(matches!(err, CodecError::TooLarge { len } if len == MAX_FRAME + 1));
    }

    #[tokio::test]
    async fn truncated_frames_are_reported() {
        let frame = encode(&Request::Status(StatusRequest { number: None })).expect("encode");
        for cut in [2, frame.len() - 1] {
            let mut reader = &frame[..cut];
            let err = read::<_, Request>(&mut reader)
                .await
                .expect_err("truncated");
            assert!(matches!(err, CodecError::Truncated), "cut at {cut}: {err}");
        }
        let mut empty: &[u8] = &[];
        assert!(
            read::<_, Request>(&mut empty)
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
