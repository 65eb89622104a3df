//! Carrying out what the policy decided.

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;
use waconn_proto::{ErrorReply, PairingUpdate};

use super::{Actor, LOGIN_WAIT, Turned};
use crate::cluster::ANSWER_WAIT;
use crate::session::context::Presence;
use crate::session::context::SessionContext;
use crate::session::liveness::Liveness;
use crate::session::policy::Effect;
use crate::session::signal::Signal;
use crate::store::Store;

/// How long an announced change of name waits before the presence is set
/// again: whatsapp-rust announces `available` itself right after it tells
/// of the new name (`client/accessors.rs`, `update_push_name_and_notify`;
/// `client/app_state.rs`), and ours must come after.
const PRESENCE_SETTLE: Duration = Duration::from_secs(2);

/// How often a turn is tried while the shared database does not answer.
const HELD_ATTEMPTS: u32 = 10;

/// Opens the store (unless open), builds the client, takes the turn in the
/// connect queue and, on a shared database, confirms the owner.
async fn take_turn(
    ctx: &Arc<SessionContext>,
    number: &waconn_proto::Number,
    opened: Option<Store>,
    generation: u64,
    signals: &crate::link::SignalSender,
    liveness: &Arc<Liveness>,
) -> anyhow::Result<Turned> {
    let building = ctx.link.builds.acquire().await?;
    let (store, fence) = match opened {
        Some(store) => (store, None),
        None => {
            // A claim that went while the store was closed (a reopen, a
            // hold) lets the number go, as the owner check below would.
            if let Some(cluster) = ctx.stores.cluster()
                && cluster.fence(number).is_none()
            {
                return Ok(Turned::NotOwned(cluster.owner_of(number).await?));
            }
            let opened = ctx.stores.open(number).await?;
            (opened.store, opened.fence)
        }
    };
    let version = ctx.version.current();
    let ready = crate::link::build(
        &ctx.link,
        Arc::clone(&store),
        number.as_str(),
        version,
        generation,
        signals.clone(),
        Arc::clone(liveness),
    )
    .await?;
    drop(building);
    // On a database, the owner row is read once the turn came, inside it:
    // a slow answer delays the attempts behind it instead of bunching them.
    let cluster = ctx.stores.cluster();
    let owned = ctx
        .link
        .limiter
        .acquire_checked(
            async {
                match cluster {
                    Some(cluster) => tokio::time::timeout(ANSWER_WAIT, cluster.confirm(number))
                        .await
                        .unwrap_or_else(|_| {
                            Err(anyhow::anyhow!(
                                "the database did not say within {ANSWER_WAIT:?} who owns {number}"
                            ))
                        }),
                    None => Ok(true),
                }
            },
            |owned| matches!(owned, Ok(true)),
        )
        .await?;
    if !owned && let Some(cluster) = cluster {
        return Ok(Turned::NotOwned(cluster.owner_of(number).await?));
    }
    Ok(Turned::Ready(Box::new(ready), store, fence))
}

/// How an effect went.
pub(super) enum Done {
    /// Go on with the next.
    Next,
    /// The answer to the request.
    Answer(Result<String, ErrorReply>),
    /// The session is over.
    Stop,
}

impl Actor {
    /// Carries out `effect`.
    pub(super) async fn carry_out(&mut self, effect: Effect) -> Done {
        match effect {
            Effect::Connect { after } => self.ready_client(after),
            Effect::StopLink => self.stop_link().await,
            Effect::EndLink => {
                if let Some(link) = &self.link {
                    let client = Arc::clone(&link.client);
                    let span = link.span.clone();
                    tokio::spawn(async move { client.disconnect().await }.instrument(span));
                }
            }
            Effect::DeleteStore => self.delete_store().await,
            Effect::CloseStore => {
                // The next turn opens it (and, on a database, its fence)
                // again; the stopped client held the last other reference.
                self.backend = None;
                self.fence = None;
                tracing::debug!("{}: store closed; the next connect opens it", self.number());
            }
            Effect::Remove(why) => {
                let _ = self.remove(&why).await;
                return Done::Stop;
            }
            Effect::RequestCode => self.request_code(),
            Effect::UnlinkOtherPhone => self.unlink_other_phone(),
            Effect::Presence { settle } => self.set_presence(settle),
            Effect::ShowQr(qr) => {
                self.watchers
                    .retain(|w| w.send(PairingUpdate::Qr(qr.clone())).is_ok());
                self.qr = Some(qr);
            }
            Effect::ShowCode(code) => {
                self.watchers
                    .retain(|w| w.send(PairingUpdate::Code(code.clone())).is_ok());
            }
            Effect::EndPairing(why) => {
                for w in self.watchers.drain(..) {
                    let _ = w.send(PairingUpdate::Ended(why.clone()));
                }
            }
            Effect::RefreshVersion => self.ctx.version.outdated(),
            Effect::Pushback => self.ctx.pushback.report(self.number()),
            Effect::Answer(answer) => return Done::Answer(answer),
        }
        Done::Next
    }

    /// Readies a client after `wait`: its build, then its turn in the
    /// connect queue, then (on a shared database) a look that this node
    /// still owns the number. A request or a stop cancels it.
    fn ready_client(&mut self, wait: Duration) {
        self.generation += 1;
        tracing::debug!(
            "{}: next client (link {}) in {wait:?}",
            self.number(),
            self.generation
        );
        let ctx = Arc::clone(&self.ctx);
        let opened = self.backend.clone();
        let number = self.number().clone();
        let (generation, signals) = (self.generation, self.signals.clone());
        let liveness = Arc::clone(&self.liveness);
        let lease = self.lease.clone();
        self.turn = Some(Box::pin(async move {
            tokio::time::sleep(wait).await;
            let mut attempt = 0;
            loop {
                attempt += 1;
                if let Some(mut lease) = lease.clone() {
                    lease.wait_for(|held| *held).await?;
                }
                match take_turn(
                    &ctx,
                    &number,
                    opened.clone(),
                    generation,
                    &signals,
                    &liveness,
                )
                .await
                {
                    // A database that does not answer for a moment is no
                    // reason to fail the number: tried again while the
                    // lease holds (it lapses when the outage lasts).
                    Err(e) if ctx.stores.cluster().is_some() && attempt < HELD_ATTEMPTS => {
                        tracing::debug!("{number}: cannot take the turn yet: {e:#}");
                        let renew = ctx.stores.cluster().map(|c| c.timings.renew);
                        tokio::time::sleep(renew.unwrap_or(Duration::from_secs(1))).await;
                    }
                    taken => return taken,
                }
            }
        }));
    }
    /// Asks the client for a pair code once its socket is up; the code
    /// arrives as a signal, a failure as a pairing error.
    fn request_code(&self) {
        let Some(link) = &self.link else { return };
        let client = Arc::clone(&link.client);
        let (signals, generation) = (self.signals.clone(), self.generation);
        let options = whatsapp_rust::pair_code::PairCodeOptions {
            phone_number: self.number().to_string(),
            ..Default::default()
        };
        tokio::spawn(async move {
            let result = match client.wait_for_socket(LOGIN_WAIT).await {
                // A refusal also arrives as `PairingCodeError`, which the
                // policy answers.
                Ok(()) => client
                    .pair_with_code(options)
                    .await
                    .map(drop)
                    .map_err(|_| ()),
                Err(e) => {
                    let _ = signals.send((
                        generation,
                        Signal::PairError(format!(
                            "no connection to WhatsApp for a pair code: {e}"
                        )),
                    ));
                    Err(())
                }
            };
            let _ = result;
        });
    }

    /// Another phone scanned the code: unlink the device it linked.
    fn unlink_other_phone(&self) {
        let Some(link) = &self.link else { return };
        let client = Arc::clone(&link.client);
        // Unlinking needs a logged-in socket: the client reconnects (515)
        // right after pairing, so wait for that first.
        tokio::spawn(async move {
            let _ = client.wait_for_connected(LOGIN_WAIT).await;
            client.logout().await;
        });
    }

    /// Announces the configured presence; `settle` lets the client's own
    /// announcement go first.
    fn set_presence(&self, settle: bool) {
        let Some(link) = &self.link else { return };
        let client = Arc::clone(&link.client);
        let presence = self.ctx.presence;
        let number = self.number().clone();
        tokio::spawn(async move {
            if settle {
                tokio::time::sleep(PRESENCE_SETTLE).await;
            }
            let set = match presence {
                Presence::Unavailable => client.presence().set_unavailable().await,
                Presence::Available => client.presence().set_available().await,
            };
            if let Err(e) = set {
                tracing::debug!("{number}: cannot set presence: {e}");
            }
        });
    }
}
