//! The client side of the socket, shared by `wactl` and the benchmarks:
//! connect, greet, send a request, read its answers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use interprocess::local_socket::tokio::Stream;
use interprocess::local_socket::traits::tokio::Stream as _;
use interprocess::local_socket::{GenericFilePath, ToFsName};

use crate::codec::{self, CodecError};
use crate::error::ErrorReply;
use crate::message::{
    DaemonInfo, Hello, ListRequest, Request, Response, SessionInfo, StatusRequest,
};
use crate::{PROTOCOL, VERSION};

/// How long the daemon may take to greet: a daemon that accepts nobody
/// (stuck, or out of file descriptors) must not hang a script.
pub const GREETING_TIMEOUT: Duration = Duration::from_secs(15);

/// An open conversation with the daemon. Each connection carries one
/// request (and its stream of answers).
#[derive(Debug)]
pub struct Client {
    stream: Stream,
    socket: PathBuf,
}

/// Why talking to the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens at the socket, or the connection broke.
    #[error("cannot reach waconnd at `{}`: {why}", socket.display())]
    Unreachable {
        /// The socket.
        socket: PathBuf,
        /// What the system said.
        why: String,
    },
    /// The daemon took the connection but did not greet in time.
    #[error("waconnd at `{}` did not answer within {}s", socket.display(), after.as_secs())]
    Silent {
        /// The socket.
        socket: PathBuf,
        /// How long the client waited.
        after: Duration,
    },
    /// An answer that is not a message of this protocol.
    #[error("cannot understand waconnd's answer ({0})")]
    Malformed(String),
    /// The daemon refused the request.
    #[error("{0}")]
    Refused(ErrorReply),
    /// An answer of the wrong kind for the request.
    #[error("unexpected answer from waconnd: {0}")]
    Unexpected(&'static str),
}

impl Client {
    /// Connects to the daemon at `socket` and exchanges hellos, within
    /// [`GREETING_TIMEOUT`].
    pub async fn connect(socket: &Path) -> Result<Self, ClientError> {
        tokio::time::timeout(GREETING_TIMEOUT, Self::greet(socket))
            .await
            .unwrap_or_else(|_| {
                Err(ClientError::Silent {
                    socket: socket.to_path_buf(),
                    after: GREETING_TIMEOUT,
                })
            })
    }

    async fn greet(socket: &Path) -> Result<Self, ClientError> {
        let unreachable = |why: String| ClientError::Unreachable {
            socket: socket.to_path_buf(),
            why,
        };
        let name = socket
            .to_fs_name::<GenericFilePath>()
            .map_err(|e| unreachable(format!("not a socket path: {e}")))?;
        let stream = Stream::connect(name)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let mut client = Self {
            stream,
            socket: socket.to_path_buf(),
        };
        codec::write(
            &mut &client.stream,
            &Hello {
                protocol: PROTOCOL,
                version: VERSION.into(),
            },
        )
        .await
        .map_err(|e| client.lost(e))?;
        match client.next().await? {
            Response::Hello(_) => Ok(client),
            other => Err(unexpected(&other)),
        }
    }

    /// The socket this client talks to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Sends `request`.
    pub async fn send(&mut self, request: &Request) -> Result<(), ClientError> {
        codec::write(&mut &self.stream, request)
            .await
            .map_err(|e| self.lost(e))
    }

    /// Sends `request` and reads its one answer.
    pub async fn ask(&mut self, request: &Request) -> Result<Response, ClientError> {
        self.send(request).await?;
        self.next().await
    }

    /// Reads the next answer; an error answer is [`ClientError::Refused`].
    /// Not cancel-safe: a read dropped halfway loses its frame.
    pub async fn next(&mut self) -> Result<Response, ClientError> {
        match codec::read::<_, Response>(&mut &self.stream, codec::MAX_RESPONSE).await {
            Ok(Some(Response::Error(e))) => Err(ClientError::Refused(e)),
            Ok(Some(response)) => Ok(response),
            Ok(None) => Err(ClientError::Unreachable {
                socket: self.socket.clone(),
                why: "the daemon closed the connection".into(),
            }),
            Err(e) => Err(self.lost(e)),
        }
    }

    /// Every session (this connection's one request).
    pub async fn sessions(&mut self) -> Result<Vec<SessionInfo>, ClientError> {
        match self.ask(&Request::List(ListRequest {})).await? {
            Response::Sessions(sessions) => Ok(sessions),
            other => Err(unexpected(&other)),
        }
    }

    /// The daemon itself (this connection's one request).
    pub async fn daemon(&mut self) -> Result<DaemonInfo, ClientError> {
        match self
            .ask(&Request::Status(StatusRequest { number: None }))
            .await?
        {
            Response::Daemon(daemon) => Ok(daemon),
            other => Err(unexpected(&other)),
        }
    }

    fn lost(&self, e: CodecError) -> ClientError {
        match e {
            CodecError::Malformed(m) => ClientError::Malformed(m),
            other => ClientError::Unreachable {
                socket: self.socket.clone(),
                why: other.to_string(),
            },
        }
    }
}

/// The error for an answer of the wrong kind. It names the kind only: an
/// answer may carry a secret (a QR code).
pub fn unexpected(response: &Response) -> ClientError {
    ClientError::Unexpected(match response {
        Response::Hello(_) => "a greeting",
        Response::Done(_) => "a confirmation",
        Response::Sessions(_) => "a list of sessions",
        Response::Session(_) => "a session",
        Response::Daemon(_) => "the daemon's status",
        Response::Inspect(_) => "a session's details",
        Response::Pairing(_) => "a pairing update",
        Response::Error(_) => "an error",
        Response::Event(_) => "an event",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_daemon_is_unreachable_and_names_the_socket() {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("none.sock");
        let err = Client::connect(&socket).await.expect_err("nothing listens");
        assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains("none.sock"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_daemon_that_accepts_and_says_nothing_is_silent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("mute.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
        let err = Client::connect(&socket).await.expect_err("no greeting");
        assert!(matches!(err, ClientError::Silent { .. }), "{err}");
    }

    #[test]
    fn an_unexpected_answer_carries_no_payload() {
        let qr = Response::Pairing(crate::message::PairingUpdate::Qr(crate::message::QrCode {
            code: "2@secret-ref,key,key,adv".into(),
            expires_at: 0,
        }));
        let text = unexpected(&qr).to_string();
        assert!(!text.contains("secret"), "{text}");
    }
}
