//! The layers under the nodes: WebSocket messages carrying the `WA` header and
//! 3-byte length frames, and, once the handshake is done, AES-GCM with one
//! counter per direction.

use anyhow::{Context, bail};
use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio::io::BufReader;
use tokio_websockets::{Message, WebSocketStream};
use wacore::framing::{FrameDecoder, encode_frame};
use wacore::handshake::NoiseCipher;
use wacore_binary::consts::WA_CONN_HEADER;
use wacore_binary::{Node, marshal};

use super::stream::Stream;

/// The upgraded socket of one client.
pub(crate) type Ws = WebSocketStream<BufReader<Stream>>;

/// Frames in both directions over one WebSocket, before encryption.
pub(crate) struct FrameIo {
    ws: Ws,
    decoder: FrameDecoder,
    /// Bytes of the connection header still expected before the first frame.
    header_left: usize,
}

impl FrameIo {
    pub fn new(ws: Ws) -> Self {
        Self {
            ws,
            decoder: FrameDecoder::new(),
            header_left: WA_CONN_HEADER.len(),
        }
    }

    /// The next whole frame, `None` once the client closed. Cancel-safe:
    /// partial frames stay buffered.
    pub async fn recv(&mut self) -> anyhow::Result<Option<BytesMut>> {
        loop {
            if let Some(frame) = self.decoder.decode_frame() {
                return Ok(Some(frame));
            }
            let message = match self.ws.next().await {
                None => return Ok(None),
                Some(message) => message.context("websocket read failed")?,
            };
            if message.is_close() {
                return Ok(None);
            }
            if !message.is_binary() {
                continue;
            }
            let payload = message.into_payload();
            let mut data: &[u8] = &payload;
            if self.header_left > 0 {
                let take = self.header_left.min(data.len());
                let expected = &WA_CONN_HEADER[WA_CONN_HEADER.len() - self.header_left..];
                if data[..take] != expected[..take] {
                    bail!("connection does not start with the WA header");
                }
                self.header_left -= take;
                data = &data[take..];
            }
            self.decoder.feed(data);
        }
    }

    /// Sends one frame in its own WebSocket message.
    pub async fn send(&mut self, payload: &[u8]) -> anyhow::Result<()> {
        let frame = encode_frame(payload, None)?;
        self.ws
            .send(Message::binary(Bytes::from(frame)))
            .await
            .context("websocket write failed")
    }

    /// Ends the connection with a WebSocket close frame.
    pub async fn close(&mut self) {
        let _ = self.ws.close().await;
    }

    /// Cuts the connection as a network fault would: no close frame, and a
    /// reset rather than an orderly shutdown.
    pub fn abort(self) {
        let _ = self.ws.get_ref().get_ref().tcp().set_zero_linger();
    }
}

/// Nodes in both directions over an established Noise channel.
pub(crate) struct NoiseIo {
    io: FrameIo,
    read: NoiseCipher,
    write: NoiseCipher,
    read_counter: u32,
    write_counter: u32,
}

impl NoiseIo {
    pub fn new(io: FrameIo, read: NoiseCipher, write: NoiseCipher) -> Self {
        Self {
            io,
            read,
            write,
            read_counter: 0,
            write_counter: 0,
        }
    }

    /// The next node from the client, `None` once it closed. Cancel-safe.
    pub async fn recv(&mut self) -> anyhow::Result<Option<Node>> {
        let Some(mut frame) = self.io.recv().await? else {
            return Ok(None);
        };
        self.read
            .decrypt_in_place_with_counter(self.read_counter, &mut frame)
            .context("frame does not decrypt")?;
        self.read_counter = self.read_counter.wrapping_add(1);
        let plain = wacore_binary::util::unpack(&frame).context("frame does not unpack")?;
        let node = marshal::unmarshal_ref(&plain).context("frame is not a binary node")?;
        Ok(Some(node.to_owned()))
    }

    /// Sends one node.
    pub async fn send(&mut self, node: &Node) -> anyhow::Result<()> {
        let mut buffer = marshal::marshal(node).context("cannot encode node")?;
        self.write
            .encrypt_in_place_with_counter(self.write_counter, &mut buffer)
            .context("cannot encrypt frame")?;
        self.write_counter = self.write_counter.wrapping_add(1);
        self.io.send(&buffer).await
    }

    /// Closes the socket with a close frame.
    pub async fn close(&mut self) {
        self.io.close().await;
    }

    /// Sends `node` (a stream error, typically) then closes the socket.
    pub async fn send_and_close(&mut self, node: &Node) {
        if self.send(node).await.is_ok() {
            self.io.close().await;
        }
    }

    /// Cuts the connection without a close frame.
    pub fn abort(self) {
        self.io.abort();
    }
}
