//! The connection to waconnd: connect, greet, ask, read answers.

use std::path::{Path, PathBuf};

use interprocess::local_socket::tokio::Stream;
use interprocess::local_socket::traits::tokio::Stream as _;
use interprocess::local_socket::{GenericFilePath, ToFsName};
use waconn_proto::{CodecError, Hello, PROTOCOL, Request, Response, VERSION, codec};

use crate::exit::{self, Failure};

/// An open conversation with the daemon.
pub struct Client {
    stream: Stream,
    socket: PathBuf,
}

/// How long the daemon may take to greet: a daemon that accepts nobody
/// (stuck, or out of file descriptors) must not hang a script.
const GREETING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

impl Client {
    /// Connects to the daemon at `socket` and exchanges hellos.
    pub async fn connect(socket: &Path) -> Result<Self, Failure> {
        tokio::time::timeout(GREETING_TIMEOUT, Self::greet(socket))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::new(
                    exit::UNREACHABLE,
                    format!(
                        "waconnd at `{}` did not answer within {}s; it may be stuck or out of file descriptors: see its log (`journalctl --user -u waconnd`)",
                        socket.display(),
                        GREETING_TIMEOUT.as_secs()
                    ),
                ))
            })
    }

    async fn greet(socket: &Path) -> Result<Self, Failure> {
        let name = socket.to_fs_name::<GenericFilePath>().map_err(|e| {
            Failure::new(
                exit::USAGE,
                format!("bad socket path `{}`: {e}", socket.display()),
            )
        })?;
        let stream = Stream::connect(name)
            .await
            .map_err(|e| unreachable(socket, &e.to_string()))?;
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
            other => Err(client.unexpected(other)),
        }
    }

    /// Sends the request.
    pub async fn send(&mut self, request: &Request) -> Result<(), Failure> {
        codec::write(&mut &self.stream, request)
            .await
            .map_err(|e| self.lost(e))
    }

    /// Sends `request` and reads its one answer; an error answer becomes a
    /// [`Failure`].
    pub async fn ask(&mut self, request: &Request) -> Result<Response, Failure> {
        self.send(request).await?;
        self.next().await
    }

    /// Reads the next answer; an error answer becomes a [`Failure`].
    pub async fn next(&mut self) -> Result<Response, Failure> {
        match codec::read::<_, Response>(&mut &self.stream, codec::MAX_RESPONSE).await {
            Ok(Some(Response::Error(e))) => Err(e.into()),
            Ok(Some(response)) => Ok(response),
            Ok(None) => Err(unreachable(
                &self.socket,
                "the daemon closed the connection",
            )),
            Err(e) => Err(self.lost(e)),
        }
    }

    fn lost(&self, e: CodecError) -> Failure {
        match e {
            CodecError::Malformed(m) => Failure::new(
                exit::PROTOCOL,
                format!(
                    "cannot understand waconnd's answer ({m}); are wactl and waconnd the same version?"
                ),
            ),
            other => unreachable(&self.socket, &other.to_string()),
        }
    }

    /// The failure for an answer of the wrong kind.
    pub fn unexpected(&self, response: Response) -> Failure {
        Failure::internal(format!("unexpected answer from waconnd: {response:?}"))
    }
}

fn unreachable(socket: &Path, why: &str) -> Failure {
    Failure::new(
        exit::UNREACHABLE,
        format!(
            "cannot reach waconnd at `{}`: {why}\nhint: is waconnd running? start it with `waconnd` (or `systemctl --user start waconnd`), or point --socket / WACONN_SOCKET at its socket",
            socket.display()
        ),
    )
}
