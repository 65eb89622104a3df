//! The supervisor's part in a cluster of nodes: starting what the cluster
//! gives this node, stopping what it lost, and handing numbers over.

use std::sync::Arc;

use tokio::sync::oneshot;
use waconn_proto::{ErrorCode, ErrorReply, Number};

use super::{Supervisor, resume};
use crate::cluster::{Cluster, ClusterEvent};
use crate::registry::Entry;
use crate::session::Command;
use crate::session::record::Record;
use crate::time::now_ms;

impl Supervisor {
    /// The cluster this node belongs to, on a shared database.
    pub fn cluster(&self) -> Option<&Arc<Cluster>> {
        self.ctx.stores.cluster()
    }

    /// Starts the numbers the cluster gives this node and stops those it
    /// lost.
    pub(super) async fn serve_cluster(
        self: Arc<Self>,
        mut inbox: tokio::sync::mpsc::UnboundedReceiver<ClusterEvent>,
    ) {
        while let Some(event) = inbox.recv().await {
            match event {
                ClusterEvent::Adopt { entry, why } => {
                    let mut record = Record::from(*entry);
                    let number = record.info.number.clone();
                    if self.ctx.table.lock().contains_key(&number) {
                        continue;
                    }
                    let connect = resume(&mut record, &why, now_ms());
                    tracing::info!("{number}: runs on this node: {why}");
                    self.ctx.registry.put(Entry::from(&record));
                    self.spawn(record, connect);
                }
                ClusterEvent::Lost { number, owner } => {
                    let why = owner.map_or_else(
                        || "it has no owner in the database any more".to_string(),
                        |node| format!("node `{node}` owns it now"),
                    );
                    self.release(&number, why, false).await;
                }
            }
        }
    }

    /// Stops `number`'s session here, writing nothing more; `handing` keeps
    /// the claim for a hand-over.
    async fn release(&self, number: &Number, why: String, handing: bool) {
        let Ok(commands) = self.commands(number) else {
            return;
        };
        let (done, stopped) = oneshot::channel();
        if commands
            .send(Command::Release { why, handing, done })
            .is_ok()
        {
            let _ = stopped.await;
        }
    }

    /// Hands every number of this node to the other live nodes, one at a
    /// time, each stopped here before it is handed over; the node claims no
    /// more. Answers what it did.
    pub async fn drain(&self) -> Result<String, ErrorReply> {
        let Some(cluster) = self.cluster() else {
            return Err(ErrorReply::new(
                ErrorCode::InvalidState,
                "this waconnd keeps its numbers in its data directory: only nodes sharing a --database can hand numbers over".to_string(),
            ));
        };
        let internal = |e: anyhow::Error| ErrorReply::new(ErrorCode::Internal, format!("{e:#}"));
        let peers = cluster.peers().await.map_err(internal)?;
        if peers.is_empty() {
            return Err(ErrorReply::new(
                ErrorCode::InvalidState,
                format!(
                    "no other live node shares {}: start waconnd on another machine with the same --database first",
                    cluster.engine().url()
                ),
            ));
        }
        cluster.set_draining(true).await.map_err(internal)?;
        let mut numbers: Vec<Number> = self.ctx.table.lock().keys().cloned().collect();
        numbers.sort();
        let mut moved = 0;
        let mut to = std::collections::BTreeMap::<String, usize>::new();
        for number in numbers {
            let Some(fence) = cluster.fence(&number) else {
                continue;
            };
            self.release(&number, "handed over (drain)".into(), true)
                .await;
            match cluster.hand_over(&number, fence.epoch).await {
                Ok(Some(node)) => {
                    tracing::info!("{number}: handed over to node `{node}`");
                    moved += 1;
                    *to.entry(node).or_default() += 1;
                }
                Ok(None) | Err(_) => {
                    // Taken back by this node's next look at the owners.
                    tracing::warn!("{number}: no node took it; this node runs it again");
                    cluster.released(&number);
                }
            }
        }
        let to: Vec<String> = to
            .iter()
            .map(|(node, n)| format!("{n} to `{node}`"))
            .collect();
        Ok(format!(
            "node `{}` handed {moved} number(s) over ({}); it takes no more until it restarts",
            cluster.node,
            if to.is_empty() {
                "none".to_string()
            } else {
                to.join(", ")
            }
        ))
    }
}
