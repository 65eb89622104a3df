//! Delivering a device's outbox on its connection: nothing until the
//! client says it is active, then the offline drain the client pulls in
//! batches, then every stanza as it comes. The drain is the real server's
//! (whatsapp-rust `handlers/ib.rs` and `client/offline_resume.rs`, after
//! WA Web's `WAWebOfflineHandler`; Baileys `Socket/socket.ts`):
//! `<ib><offline_preview/>`, a primer of about five stanzas, then as many
//! as each `<ib><offline_batch count/>` asks for, then
//! `<ib><offline count/>`.

use super::session::Session;
use crate::state::live::Account;
use crate::wire::traffic;

/// Stanzas the server sends unasked after the preview (whatsapp-rust
/// `handlers/ib.rs`: "the server stops after the ~5-stanza primer").
const PRIMER: usize = 5;

/// Stanzas written per outbox lock while live.
const LIVE_BATCH: usize = 64;

/// Where a connection is in delivering its device's outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drain {
    /// Before the client's `passive` IQ: nothing goes out.
    Waiting,
    /// The offline drain, `sent` stanzas so far.
    Draining { sent: usize },
    /// Drained: stanzas go out as they come.
    Live,
}

impl Drain {
    /// The client is active: announce what waited for it and send the
    /// primer, or say at once that nothing did.
    pub async fn start(&mut self, s: &mut Session<'_>, account: &Account) -> anyhow::Result<()> {
        if *self != Drain::Waiting {
            return Ok(());
        }
        let kinds = s.shared.outbox().kinds(account);
        if kinds.messages + kinds.notifications + kinds.receipts == 0 {
            s.io.send(&traffic::offline_done(0)).await?;
            *self = Drain::Live;
            return Ok(());
        }
        s.io.send(&traffic::offline_preview(
            kinds.messages,
            kinds.notifications,
            kinds.receipts,
        ))
        .await?;
        *self = Drain::Draining { sent: 0 };
        self.pull(s, account, PRIMER).await
    }

    /// The client pulls up to `count` more; once the queue is empty the
    /// drain ends.
    pub async fn pull(
        &mut self,
        s: &mut Session<'_>,
        account: &Account,
        count: usize,
    ) -> anyhow::Result<()> {
        let Drain::Draining { sent } = *self else {
            return Ok(());
        };
        let nodes = s.shared.take_queued(account, s.id, count);
        for node in &nodes {
            s.io.send(&traffic::offline(node)).await?;
        }
        let sent = sent + nodes.len();
        *self = if s.shared.outbox().has_queued(account) {
            Drain::Draining { sent }
        } else {
            s.io.send(&traffic::offline_done(sent)).await?;
            tracing::debug!(
                phone = account.0,
                device = account.1,
                sent,
                "offline drain done"
            );
            Drain::Live
        };
        Ok(())
    }

    /// Live: writes everything queued.
    pub async fn flush(&self, s: &mut Session<'_>, account: &Account) -> anyhow::Result<()> {
        if *self != Drain::Live {
            return Ok(());
        }
        loop {
            let nodes = s.shared.take_queued(account, s.id, LIVE_BATCH);
            if nodes.is_empty() {
                return Ok(());
            }
            for node in &nodes {
                s.io.send(node).await?;
            }
        }
    }
}
