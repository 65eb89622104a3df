//! This node's lease: its heartbeat renewed every [`super::Timings::renew`],
//! and the lease closed when none went through for the self-fence time.

use tokio::time::Instant;

use super::{Cluster, sql};

impl Cluster {
    /// Renews the heartbeat; closes the lease when none went through for
    /// the self-fence time (a hung database included: the check does not
    /// wait on the renewal).
    pub(super) async fn heartbeats(&self) {
        let mut last_ok = Instant::now();
        let mut tick = tokio::time::interval(self.timings.renew / 2);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // A renewal and when it was sent: the lease runs from then, not
        // from its answer (a process frozen in between must not count the
        // pause as renewed).
        let mut renewal: Option<(Instant, tokio::task::JoinHandle<sqlx::Result<bool>>)> = None;
        let mut complained = false;
        let mut next_renewal = Instant::now();
        loop {
            tick.tick().await;
            if let Some((sent, pending)) = renewal.take_if(|(_, r)| r.is_finished()) {
                match pending.await {
                    Ok(Ok(true)) => {
                        last_ok = sent;
                        if complained {
                            tracing::info!("the database answers again: lease renewed");
                            complained = false;
                        }
                    }
                    Ok(Ok(false)) => tracing::error!(
                        "another process took node `{}` over: this one stops its numbers",
                        self.node
                    ),
                    Ok(Err(e)) if !complained => {
                        tracing::warn!(
                            "cannot renew the lease of node `{}` in {}: {e}",
                            self.node,
                            self.pg.url()
                        );
                        complained = true;
                    }
                    _ => {}
                }
            }
            if renewal.is_none() && Instant::now() >= next_renewal {
                let (pool, node, incarnation) = (
                    self.pg.pool().clone(),
                    self.node.clone(),
                    self.incarnation.clone(),
                );
                let limit = self.timings.renew;
                renewal = Some((
                    Instant::now(),
                    tokio::spawn(async move {
                        match tokio::time::timeout(
                            limit,
                            sql::heartbeat(&pool, &node, &incarnation),
                        )
                        .await
                        {
                            Ok(result) => result,
                            Err(_) => Err(sqlx::Error::PoolTimedOut),
                        }
                    }),
                ));
                next_renewal = Instant::now() + self.timings.renew;
            }
            let holds = last_ok.elapsed() < self.timings.self_fence;
            if *self.lease.borrow() != holds {
                if holds {
                    tracing::info!("node `{}` holds its lease again", self.node);
                } else {
                    tracing::warn!(
                        "node `{}` could not renew its lease for {}: closing every session (no number may run on two nodes); they come back when the database answers",
                        self.node,
                        waconn_proto::duration::format(self.timings.self_fence)
                    );
                }
                self.lease.send_replace(holds);
            }
        }
    }
}
