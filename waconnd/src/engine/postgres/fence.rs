//! Fencing: a backend writes only while the `owners` row of its number still
//! names its node at its epoch, checked inside every write transaction.

use std::sync::Arc;

use sqlx::{Postgres, Transaction};
use tokio::sync::watch;

/// Who may write a number's credentials: a node and the epoch of its claim.
/// The lease code bumps the epoch on every claim, so a stale owner's fence
/// never matches again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fence {
    /// The node's name.
    pub node: String,
    /// The claim's epoch.
    pub epoch: i64,
}

impl Fence {
    /// The fence of `node`'s claim at `epoch`.
    pub fn new(node: impl Into<String>, epoch: i64) -> Self {
        Self {
            node: node.into(),
            epoch,
        }
    }
}

impl std::fmt::Display for Fence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "node `{}` at epoch {}", self.node, self.epoch)
    }
}

/// A write was refused: the number's `owners` row no longer names this
/// backend's fence. Nothing of that write reached the database, and no later
/// write of the same backend will.
///
/// Find it behind a [`wacore::store::error::StoreError`] (or any error
/// chain) with [`FenceLost::find`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "number `{number}` is no longer owned by {fence} ({}): its session must stop; nothing was written",
    describe(.owner)
)]
pub struct FenceLost {
    /// The number whose write was refused.
    pub number: String,
    /// The fence the backend writes with.
    pub fence: Fence,
    /// The owner the database names now, if any.
    pub owner: Option<Fence>,
}

fn describe(owner: &Option<Fence>) -> String {
    match owner {
        Some(owner) => format!("the owner is now {owner}"),
        None => "it has no owner now".to_string(),
    }
}

impl FenceLost {
    /// The `FenceLost` somewhere in `error`'s chain of sources, if any.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a FenceLost> {
        let mut layer = Some(error);
        while let Some(error) = layer {
            if let Some(lost) = error.downcast_ref::<FenceLost>() {
                return Some(lost);
            }
            layer = error.source();
        }
        None
    }
}

/// A backend's fence and whether it was lost: once lost, lost for good.
#[derive(Debug, Clone)]
pub(crate) struct FenceGuard {
    number: Arc<str>,
    fence: Fence,
    lost: Arc<watch::Sender<Option<FenceLost>>>,
}

impl FenceGuard {
    pub(crate) fn new(number: Arc<str>, fence: Fence) -> Self {
        Self {
            number,
            fence,
            lost: Arc::new(watch::channel(None).0),
        }
    }

    pub(crate) fn fence(&self) -> &Fence {
        &self.fence
    }

    /// The loss, once a write found the fence gone.
    pub(crate) fn lost(&self) -> Option<FenceLost> {
        self.lost.borrow().clone()
    }

    /// Follows the loss: `None` until a write finds the fence gone.
    pub(crate) fn subscribe(&self) -> watch::Receiver<Option<FenceLost>> {
        self.lost.subscribe()
    }

    /// Checks, in `tx`, that the owner row still names this fence, and keeps
    /// a share lock on it until `tx` ends: a claim by another node (an
    /// `UPDATE` of that row) waits for this transaction, so no write of a
    /// stale owner can commit after the claim.
    pub(crate) async fn check(
        &self,
        tx: &mut Transaction<'static, Postgres>,
    ) -> Result<(), FenceCheck> {
        if let Some(lost) = self.lost() {
            return Err(FenceCheck::Lost(lost));
        }
        let owner: Option<(String, i64)> =
            sqlx::query_as("SELECT node, epoch FROM owners WHERE number = $1 FOR SHARE")
                .bind(&*self.number)
                .fetch_optional(&mut **tx)
                .await
                .map_err(FenceCheck::Database)?;
        let owner = owner.map(|(node, epoch)| Fence { node, epoch });
        if owner.as_ref() == Some(&self.fence) {
            return Ok(());
        }
        let lost = FenceLost {
            number: self.number.to_string(),
            fence: self.fence.clone(),
            owner,
        };
        tracing::warn!(number = %self.number, "{lost}");
        self.lost.send_replace(Some(lost.clone()));
        Err(FenceCheck::Lost(lost))
    }
}

/// Why a fence check did not pass.
#[derive(Debug)]
pub(crate) enum FenceCheck {
    /// The fence is gone.
    Lost(FenceLost),
    /// The check itself failed.
    Database(sqlx::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore::store::error::StoreError;

    #[test]
    fn is_found_behind_a_store_error() {
        let lost = FenceLost {
            number: "15550001111".into(),
            fence: Fence::new("a", 3),
            owner: Some(Fence::new("b", 4)),
        };
        let error = StoreError::Database(Box::new(lost.clone()));
        assert_eq!(FenceLost::find(&error), Some(&lost));
        let other = StoreError::Validation("x".into());
        assert_eq!(FenceLost::find(&other), None);
        assert_eq!(
            lost.to_string(),
            "number `15550001111` is no longer owned by node `a` at epoch 3 (the owner is now \
             node `b` at epoch 4): its session must stop; nothing was written"
        );
    }
}
