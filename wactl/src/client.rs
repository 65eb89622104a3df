//! Finding and greeting the daemon: the shared `waconn_proto::Client`, its
//! errors turned into wactl's failures.

use std::path::Path;

use waconn_proto::{Client, Response, paths};

use crate::exit::Failure;

/// Connects to the daemon at `explicit` (`--socket` / `WACONN_SOCKET`), else
/// at the first place a daemon of this user listens.
pub async fn connect(explicit: Option<&Path>) -> Result<Client, Failure> {
    let socket = paths::find_socket(explicit)?;
    Ok(Client::connect(&socket).await?)
}

/// The failure for an answer of the wrong kind.
pub fn unexpected(response: &Response) -> Failure {
    waconn_proto::client::unexpected(response).into()
}
