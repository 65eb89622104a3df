//! One connection after its handshake: the channel to the client, the
//! commands from outside, and the wait for whichever comes next.

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use wacore_binary::Node;

use crate::state::Shared;
use crate::state::command::{Command, PhoneCommand};
use crate::wire::transport::NoiseIo;

/// How a connection ended.
pub(crate) enum End {
    /// Closed in order: by the client, or by the server with a close frame.
    Closed,
    /// To be cut without a close frame.
    Abort,
}

/// What woke a session up.
pub(crate) enum Step {
    /// A stanza from the client.
    Node(Node),
    /// The phone did something only a registering connection can serve.
    Phone(PhoneCommand),
    /// The deadline the caller gave passed.
    Wake,
    /// The connection is over.
    End(End),
}

/// One connection after its handshake.
pub(crate) struct Session<'a> {
    pub shared: &'a Shared,
    pub id: u64,
    pub io: NoiseIo,
    /// The client's static Noise key.
    pub client_static: [u8; 32],
    rx: mpsc::UnboundedReceiver<Command>,
    shutdown: watch::Receiver<bool>,
}

impl<'a> Session<'a> {
    /// A session over `io`, obeying the commands on `rx`.
    pub fn new(
        shared: &'a Shared,
        id: u64,
        io: NoiseIo,
        client_static: [u8; 32],
        rx: mpsc::UnboundedReceiver<Command>,
    ) -> Self {
        Self {
            shared,
            id,
            io,
            client_static,
            rx,
            shutdown: shared.shutdown.clone(),
        }
    }

    /// Waits for the next stanza, the phone's next action, `wake` or the end
    /// of the connection; carries out the commands that need no caller.
    pub async fn next(&mut self, wake: Option<Instant>) -> anyhow::Result<Step> {
        tokio::select! {
            node = self.io.recv() => Ok(node?.map_or(Step::End(End::Closed), Step::Node)),
            command = self.rx.recv() => Ok(match command {
                None | Some(Command::Abort) => Step::End(End::Abort),
                Some(Command::StreamError(node)) => {
                    self.io.send_and_close(&node).await;
                    Step::End(End::Closed)
                }
                Some(Command::Phone(action)) => Step::Phone(action),
            }),
            () = sleep_until(wake) => Ok(Step::Wake),
            _ = self.shutdown.changed() => Ok(Step::End(End::Abort)),
        }
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
