//! Several nodes on one PostgreSQL database: each node renews a heartbeat
//! row; each number has one owner row with an epoch, the fence its
//! credential and registry writes are checked against. A node that cannot
//! renew for the self-fence time closes every session itself; its peers
//! claim its numbers only after the takeover time, longer by a margin, on
//! the database's clock. Nothing here runs a session: what the node must
//! start or stop comes out as [`ClusterEvent`]s for the supervisor.

mod lease;
pub mod settings;
mod sink;
pub mod sql;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use waconn_proto::{Number, SessionState};

use crate::engine::postgres::{Fence, PgEngine};
use crate::registry::Entry;

pub use sink::PgSink;

/// How long an answer to `wactl` waits for the database before it says
/// what this node knows alone; and the owner check before a connect, which
/// holds the connect queue, before it is tried again.
pub const ANSWER_WAIT: Duration = Duration::from_secs(2);

/// How the reason of a number taken over from a lapsed node begins.
pub const TAKEN_OVER: &str = "taken over from node";

/// How often, and how long, the lease protocol waits.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Between two heartbeats (and two looks at the owner rows).
    pub renew: Duration,
    /// A node that could not renew for this long closes all its sessions.
    pub self_fence: Duration,
    /// Peers take a node's numbers once its heartbeat is this old.
    pub takeover: Duration,
}

/// What the supervisor must do for the cluster.
#[derive(Debug)]
pub enum ClusterEvent {
    /// Run this number from now on (taken over, handed over, or left by an
    /// earlier run of this node).
    Adopt {
        /// Its registry entry.
        entry: Box<Entry>,
        /// Why, for the log and its reason.
        why: String,
    },
    /// Stop running this number at once, writing nothing: another node
    /// owns it now.
    Lost {
        /// The number.
        number: Number,
        /// Who owns it now, if anyone.
        owner: Option<String>,
    },
}

/// This node in the cluster.
pub struct Cluster {
    pg: PgEngine,
    /// This node's name.
    pub node: String,
    incarnation: String,
    /// The lease protocol's timings.
    pub timings: Timings,
    /// Whether this node's lease holds: its last heartbeat is younger than
    /// the self-fence time.
    lease: watch::Sender<bool>,
    /// The numbers this node runs, at their epochs.
    owned: Mutex<HashMap<Number, i64>>,
    draining: AtomicBool,
    events: mpsc::UnboundedSender<ClusterEvent>,
}

impl Cluster {
    /// Joins the cluster on `pg` as `node`, waiting while another live
    /// process holds that name; returns the cluster, the events to serve
    /// and nothing running yet (what this node owned before arrives as
    /// adoptions).
    pub async fn join(
        pg: PgEngine,
        node: String,
        timings: Timings,
    ) -> anyhow::Result<(Arc<Self>, mpsc::UnboundedReceiver<ClusterEvent>)> {
        let incarnation = format!("{}-{}", std::process::id(), crate::time::now_ms());
        let started = Instant::now();
        let mut told = false;
        loop {
            let joined = sql::join(pg.pool(), &node, &incarnation, timings.takeover)
                .await
                .with_context(|| format!("cannot join the cluster in {}", pg.url()))?;
            if joined {
                break;
            }
            if !told {
                tracing::warn!(
                    "node `{node}` is held by a process that renewed it less than {} ago; waiting for it to stop or lapse (another waconnd with the same --node would be refused)",
                    waconn_proto::duration::format(timings.takeover)
                );
                told = true;
            }
            anyhow::ensure!(
                started.elapsed() < timings.takeover * 2,
                "another waconnd runs as node `{node}` in {}: give this one another --node",
                pg.url()
            );
            tokio::time::sleep(timings.renew).await;
        }
        let (events, inbox) = mpsc::unbounded_channel();
        let cluster = Arc::new(Self {
            pg,
            node,
            incarnation,
            timings,
            lease: watch::channel(true).0,
            owned: Mutex::new(HashMap::new()),
            draining: AtomicBool::new(false),
            events,
        });
        tracing::info!(
            "joined the cluster in {} as node `{}`",
            cluster.pg.url(),
            cluster.node
        );
        Ok((cluster, inbox))
    }

    /// The database engine.
    pub fn engine(&self) -> &PgEngine {
        &self.pg
    }

    fn owned(&self) -> std::sync::MutexGuard<'_, HashMap<Number, i64>> {
        self.owned.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this node's lease holds, followed.
    pub fn lease(&self) -> watch::Receiver<bool> {
        self.lease.subscribe()
    }

    /// The fence this node writes `number` with, if it runs it.
    pub fn fence(&self, number: &Number) -> Option<Fence> {
        self.owned()
            .get(number)
            .map(|epoch| Fence::new(self.node.clone(), *epoch))
    }

    /// Whether the database still names this node, at its epoch, the owner
    /// of `number`: asked before every connection.
    pub async fn confirm(&self, number: &Number) -> anyhow::Result<bool> {
        let Some(fence) = self.fence(number) else {
            return Ok(false);
        };
        let owner = sql::owner(self.pg.pool(), number.as_str())
            .await
            .with_context(|| format!("cannot read the owner of {number} in {}", self.pg.url()))?;
        Ok(owner == Some((fence.node, fence.epoch)))
    }

    /// Who owns `number` now, if anyone.
    pub async fn owner_of(&self, number: &Number) -> anyhow::Result<Option<String>> {
        Ok(sql::owner(self.pg.pool(), number.as_str())
            .await
            .with_context(|| format!("cannot read the owner of {number} in {}", self.pg.url()))?
            .map(|(node, _)| node))
    }

    /// Registers a new number for this node; the error says who runs it
    /// when another node does.
    pub async fn register(&self, entry: &Entry) -> anyhow::Result<()> {
        let json = serde_json::to_string(entry)?;
        let number = entry.number.clone();
        match sql::register(self.pg.pool(), number.as_str(), &self.node, &json)
            .await
            .with_context(|| format!("cannot register {number} in {}", self.pg.url()))?
        {
            Ok(epoch) => {
                self.owned().insert(number, epoch);
                Ok(())
            }
            Err(Some(node)) => anyhow::bail!(
                "{number} runs on node `{node}`: run `wactl pair {number}` there, or `wactl drop {number}` there first"
            ),
            Err(None) => anyhow::bail!("{number} was registered by another node meanwhile"),
        }
    }

    /// This node no longer runs `number` (dropped, handed over, lost).
    pub fn released(&self, number: &Number) {
        self.owned().remove(number);
    }

    /// Every node, with its heartbeat's age and its count of numbers.
    pub async fn nodes(&self) -> anyhow::Result<Vec<sql::NodeRow>> {
        sql::nodes(self.pg.pool())
            .await
            .with_context(|| format!("cannot list the nodes in {}", self.pg.url()))
    }

    /// Every number of the fleet that this node does not own (its own are
    /// in its table), with the node that owns it. A number whose node is
    /// not running it (none yet, or one that stopped renewing) shows as
    /// disconnected, saying so, whatever its last row said.
    pub async fn fleet(&self) -> anyhow::Result<Vec<(Entry, Option<String>)>> {
        let rows = sql::fleet(self.pg.pool(), &self.node, self.timings.self_fence)
            .await
            .with_context(|| format!("cannot list the numbers in {}", self.pg.url()))?;
        Ok(rows
            .into_iter()
            .filter_map(|(json, node, live)| {
                let mut entry = serde_json::from_str::<Entry>(&json).ok()?;
                let running = matches!(
                    entry.state,
                    SessionState::Connected
                        | SessionState::Connecting
                        | SessionState::Reconnecting
                        | SessionState::Disconnected
                );
                if running && !live {
                    entry.state = SessionState::Disconnected;
                    entry.reason = match &node {
                        Some(node) => format!(
                            "node `{node}` is not renewing its lease: another node takes it over after {}",
                            waconn_proto::duration::format(self.timings.takeover)
                        ),
                        None => "no node runs it yet: the next one with room claims it".to_string(),
                    };
                }
                Some((entry, node))
            })
            .collect())
    }

    /// One number of the fleet, with the node that owns it.
    pub async fn fleet_entry(
        &self,
        number: &Number,
    ) -> anyhow::Result<Option<(Entry, Option<String>)>> {
        let Some(json) = sql::entry(self.pg.pool(), number.as_str()).await? else {
            return Ok(None);
        };
        let entry: Entry = serde_json::from_str(&json)?;
        Ok(Some((entry, self.owner_of(number).await?)))
    }

    /// Starts the heartbeat and the look at the owner rows, every
    /// [`Timings::renew`], until the process ends.
    pub fn start(self: &Arc<Self>) {
        let cluster = Arc::clone(self);
        tokio::spawn(async move { cluster.heartbeats().await });
        let cluster = Arc::clone(self);
        tokio::spawn(async move { cluster.claims().await });
    }

    /// Looks at the owner rows: adopts what names this node, stops what no
    /// longer does, claims what nobody runs (up to a fair share), and hands
    /// numbers over while draining.
    async fn claims(&self) {
        let mut tick = tokio::time::interval(self.timings.renew);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !*self.lease.borrow() {
                continue;
            }
            if let Err(e) = self.reconcile().await {
                tracing::debug!("cannot look at the owner rows: {e:#}");
            }
        }
    }

    async fn reconcile(&self) -> anyhow::Result<()> {
        let pool = self.pg.pool();
        // What ran here before the look: a number registered meanwhile is
        // not taken for lost.
        let before = self.owned().clone();
        let in_db: HashMap<String, i64> =
            sql::owned_by(pool, &self.node).await?.into_iter().collect();
        // Running here, but no longer ours.
        for (number, epoch) in &before {
            if in_db.get(number.as_str()) == Some(epoch) {
                continue;
            }
            let still = self.owned().get(number) == Some(epoch);
            if !still {
                continue;
            }
            self.released(number);
            let owner = self.owner_of(number).await.unwrap_or(None);
            let _ = self.events.send(ClusterEvent::Lost {
                number: number.clone(),
                owner,
            });
        }
        // Ours in the database, not running here: a row of an earlier run,
        // or handed over to us. Claimed at a new epoch.
        for (number, epoch) in &in_db {
            let running = Number::from_digits(number)
                .is_ok_and(|n| before.contains_key(&n) || self.owned().contains_key(&n));
            if running {
                continue;
            }
            if let Some(epoch) = sql::reclaim(pool, number, &self.node, *epoch).await? {
                self.adopt(number, epoch, format!("owned by node `{}`", self.node))
                    .await?;
            }
        }
        if self.draining.load(Ordering::Relaxed) {
            return Ok(());
        }
        // Nobody's: claimed up to a fair share of the live nodes.
        let nodes = sql::nodes(pool).await?;
        let alive: Vec<&sql::NodeRow> = nodes
            .iter()
            .filter(|n| n.takes_numbers(self.timings.takeover))
            .collect();
        let total: i64 = alive.iter().map(|n| n.numbers).sum();
        let orphans = sql::orphans(pool, self.timings.takeover, 10_000).await?;
        if orphans.is_empty() {
            return Ok(());
        }
        let live = i64::try_from(alive.len().max(1)).unwrap_or(1);
        let fair = (total + orphans.len() as i64 + live - 1) / live;
        let mine = self.owned().len() as i64;
        let budget = usize::try_from((fair - mine).max(0)).unwrap_or(0);
        for orphan in orphans.iter().take(budget) {
            if let Some(epoch) = sql::claim(pool, orphan, &self.node, self.timings.takeover).await?
            {
                let why = match &orphan.owner {
                    Some((node, _)) if *node != self.node => {
                        format!("{TAKEN_OVER} `{node}`, which stopped renewing its lease")
                    }
                    _ => "claimed: it had no node".to_string(),
                };
                self.adopt(&orphan.number, epoch, why).await?;
            }
        }
        Ok(())
    }

    async fn adopt(&self, number: &str, epoch: i64, why: String) -> anyhow::Result<()> {
        let Ok(parsed) = Number::from_digits(number) else {
            tracing::warn!("ignoring `{number}` in the registry: not a number");
            return Ok(());
        };
        let Some(json) = sql::entry(self.pg.pool(), number).await? else {
            tracing::warn!("{number}: owned by this node but without a registry entry; left alone");
            return Ok(());
        };
        let entry: Entry = serde_json::from_str(&json)
            .with_context(|| format!("the registry entry of {number} does not parse"))?;
        self.owned().insert(parsed, epoch);
        let _ = self.events.send(ClusterEvent::Adopt {
            entry: Box::new(entry),
            why,
        });
        Ok(())
    }

    /// The other live nodes that take numbers, fewest numbers first.
    pub async fn peers(&self) -> anyhow::Result<Vec<sql::NodeRow>> {
        let mut peers: Vec<sql::NodeRow> = self
            .nodes()
            .await?
            .into_iter()
            .filter(|n| n.name != self.node && n.takes_numbers(self.timings.self_fence))
            .collect();
        peers.sort_by_key(|n| n.numbers);
        Ok(peers)
    }

    /// Hands `number`, claimed here at `epoch` and already stopped here, to
    /// the live node with the fewest numbers, if there is one; answers it.
    pub async fn hand_over(&self, number: &Number, epoch: i64) -> anyhow::Result<Option<String>> {
        let Some(to) = self.peers().await?.into_iter().next() else {
            return Ok(None);
        };
        let moved = sql::hand_over(self.pg.pool(), number.as_str(), &self.node, epoch, &to.name)
            .await
            .with_context(|| format!("cannot hand {number} over in {}", self.pg.url()))?;
        if moved {
            self.released(number);
        }
        Ok(moved.then_some(to.name))
    }

    /// Starts (or ends) handing this node's numbers over: it claims no more.
    pub async fn set_draining(&self, draining: bool) -> anyhow::Result<()> {
        self.draining.store(draining, Ordering::Relaxed);
        sql::set_draining(self.pg.pool(), &self.node, &self.incarnation, draining)
            .await
            .with_context(|| {
                format!(
                    "cannot mark node `{}` draining in {}",
                    self.node,
                    self.pg.url()
                )
            })
    }

    /// This node stopped cleanly: its numbers are free for the others.
    pub async fn leave(&self) {
        if let Err(e) = sql::leave(self.pg.pool(), &self.node, &self.incarnation).await {
            tracing::warn!("cannot tell the cluster node `{}` stopped: {e}", self.node);
        }
    }
}
