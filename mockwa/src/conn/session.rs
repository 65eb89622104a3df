//! One connection after its handshake: the channel to the client, the
//! commands from outside, and the wait for whichever comes next.

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use wacore_binary::Node;

use crate::state::Shared;
use crate::state::command::{Close, Command, Ending, PhoneCommand};
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
    /// The device's outbox has more to deliver.
    Outbox,
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
    /// A stream error was sent: the socket closes then, after this stanza.
    closing: Option<(Instant, Option<Node>)>,
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
            closing: None,
        }
    }

    /// Waits for the next stanza, the phone's next action, `wake` or the end
    /// of the connection; carries out the commands that need no caller.
    pub async fn next(&mut self, wake: Option<Instant>) -> anyhow::Result<Step> {
        loop {
            let closing = self.closing.as_ref().map(|(at, _)| *at);
            tokio::select! {
                node = self.io.recv() => return Ok(node?.map_or(Step::End(End::Closed), Step::Node)),
                command = self.rx.recv() => match command {
                    None | Some(Command::Abort) => return Ok(Step::End(End::Abort)),
                    Some(Command::StreamError(ending)) => {
                        if let Some(end) = self.end_stream(ending).await {
                            return Ok(Step::End(end));
                        }
                    }
                    Some(Command::Send(node)) => self.io.send(&node).await?,
                    Some(Command::Phone(action)) => return Ok(Step::Phone(action)),
                    Some(Command::Outbox) => return Ok(Step::Outbox),
                },
                () = sleep_until(closing) => {
                    let last = self.closing.take().and_then(|(_, last)| last);
                    self.close(last).await;
                    return Ok(Step::End(End::Closed));
                }
                () = sleep_until(wake) => return Ok(Step::Wake),
                _ = self.shutdown.changed() => return Ok(Step::End(End::Abort)),
            }
        }
    }

    /// Sends a stream error; `Some` if that closed the connection.
    pub async fn end_stream(&mut self, ending: Ending) -> Option<End> {
        if self.io.send(&ending.error).await.is_err() {
            return Some(End::Abort);
        }
        match ending.close {
            Close::Now => {
                self.close(ending.on_close).await;
                return Some(End::Closed);
            }
            Close::After(delay) => self.closing = Some((Instant::now() + delay, ending.on_close)),
            Close::Never => {}
        }
        None
    }

    /// Sends `last` if given, then a close frame.
    async fn close(&mut self, last: Option<Node>) {
        match last {
            Some(node) => self.io.send_and_close(&node).await,
            None => self.io.close().await,
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
