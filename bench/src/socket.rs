//! The daemon's socket, spoken directly: many pairings at once cost no
//! process per number.

use std::path::Path;

use anyhow::{Context, bail};
use interprocess::local_socket::tokio::Stream;
use interprocess::local_socket::traits::tokio::Stream as _;
use interprocess::local_socket::{GenericFilePath, ToFsName};
use mockwa::MockWa;
use waconn_proto::{
    Hello, ListRequest, Number, PROTOCOL, PairRequest, PairingUpdate, Request, Response,
    SessionInfo, SessionState, VERSION, codec,
};

/// One conversation with the daemon.
struct Conn(Stream);

impl Conn {
    async fn open(socket: &Path) -> anyhow::Result<Self> {
        let stream = Stream::connect(socket.to_fs_name::<GenericFilePath>()?).await?;
        let conn = Self(stream);
        conn.send_hello().await?;
        match conn.next().await? {
            Response::Hello(_) => Ok(conn),
            other => bail!("unexpected greeting {other:?}"),
        }
    }

    async fn send_hello(&self) -> anyhow::Result<()> {
        let hello = Hello {
            protocol: PROTOCOL,
            version: VERSION.into(),
        };
        codec::write(&mut &self.0, &hello).await?;
        Ok(())
    }

    async fn send(&self, request: &Request) -> anyhow::Result<()> {
        codec::write(&mut &self.0, request).await?;
        Ok(())
    }

    async fn next(&self) -> anyhow::Result<Response> {
        match codec::read::<_, Response>(&mut &self.0, codec::MAX_RESPONSE).await? {
            Some(Response::Error(e)) => bail!("{e}"),
            Some(response) => Ok(response),
            None => bail!("the daemon closed the connection"),
        }
    }
}

/// Every session, or an error while the daemon is not up.
pub async fn list(socket: &Path) -> anyhow::Result<Vec<SessionInfo>> {
    let conn = Conn::open(socket).await?;
    conn.send(&Request::List(ListRequest {})).await?;
    match conn.next().await? {
        Response::Sessions(sessions) => Ok(sessions),
        other => bail!("unexpected answer {other:?}"),
    }
}

/// How many sessions are CONNECTED; `None` while the daemon does not answer.
pub async fn connected(socket: &Path) -> Option<usize> {
    let sessions = list(socket).await.ok()?;
    Some(
        sessions
            .iter()
            .filter(|s| s.state == SessionState::Connected)
            .count(),
    )
}

/// Pairs `number`: asks for it, has mockwa's phone scan the first QR code,
/// returns once the daemon says it is connected.
pub async fn pair(socket: &Path, mock: &MockWa, number: &str) -> anyhow::Result<()> {
    let conn = Conn::open(socket).await?;
    let number_parsed = Number::parse(number).context("bad number")?;
    conn.send(&Request::Pair(PairRequest {
        number: number_parsed,
    }))
    .await?;
    let mut scanned = false;
    loop {
        match conn.next().await? {
            Response::Pairing(PairingUpdate::Qr(qr)) if !scanned => {
                mock.scan(&qr.code, number, Some("Bench"))
                    .await
                    .map_err(|e| anyhow::anyhow!("scan of {number}: {e}"))?;
                scanned = true;
            }
            Response::Pairing(PairingUpdate::Connected(_)) => return Ok(()),
            _ => {}
        }
    }
}
