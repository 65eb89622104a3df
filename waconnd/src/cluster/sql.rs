//! The statements of the lease protocol, on the database's clock: nodes and
//! their heartbeats, owner rows and their epochs, the registry's rows.

use std::time::Duration;

use sqlx::PgPool;

/// A node as the database sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRow {
    /// Its name.
    pub name: String,
    /// Milliseconds since its last heartbeat, on the database's clock.
    pub heartbeat_age_ms: i64,
    /// Whether it is handing its numbers over.
    pub draining: bool,
    /// Whether it stopped cleanly (its numbers are free at once).
    pub stopped: bool,
    /// How many numbers it owns.
    pub numbers: i64,
}

impl NodeRow {
    /// Whether its heartbeat is younger than `limit`.
    pub fn renewed_within(&self, limit: Duration) -> bool {
        self.heartbeat_age_ms < i64::try_from(limit.as_millis()).unwrap_or(i64::MAX)
    }

    /// Whether it runs and takes numbers: not stopped, not draining, and
    /// renewed within `limit`.
    pub fn takes_numbers(&self, limit: Duration) -> bool {
        !self.stopped && !self.draining && self.renewed_within(limit)
    }
}

/// An owner row and the health of its node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// The number.
    pub number: String,
    /// Its owner row, if it has one: node and epoch.
    pub owner: Option<(String, i64)>,
}

fn interval(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Takes the name `name` for this process (`incarnation`): a new row, a
/// row whose process stopped cleanly, or one whose heartbeat is older than
/// `takeover`. `false` while another live process holds it.
pub async fn join(
    pool: &PgPool,
    name: &str,
    incarnation: &str,
    takeover: Duration,
) -> sqlx::Result<bool> {
    let taken: Option<String> = sqlx::query_scalar(
        "INSERT INTO nodes (name, incarnation, heartbeat_at, started_at, draining)
         VALUES ($1, $2, now(), now(), FALSE)
         ON CONFLICT (name) DO UPDATE
            SET incarnation = EXCLUDED.incarnation, heartbeat_at = now(),
                started_at = now(), draining = FALSE
            WHERE nodes.incarnation = '' OR nodes.incarnation = EXCLUDED.incarnation
               OR nodes.heartbeat_at < now() - make_interval(secs => $3)
         RETURNING name",
    )
    .bind(name)
    .bind(incarnation)
    .bind(interval(takeover))
    .fetch_optional(pool)
    .await?;
    Ok(taken.is_some())
}

/// Renews this process's heartbeat; `false` if another process took the
/// name meanwhile.
pub async fn heartbeat(pool: &PgPool, name: &str, incarnation: &str) -> sqlx::Result<bool> {
    let renewed =
        sqlx::query("UPDATE nodes SET heartbeat_at = now() WHERE name = $1 AND incarnation = $2")
            .bind(name)
            .bind(incarnation)
            .execute(pool)
            .await?;
    Ok(renewed.rows_affected() == 1)
}

/// Marks this process as handing its numbers over (or no longer).
pub async fn set_draining(
    pool: &PgPool,
    name: &str,
    incarnation: &str,
    draining: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE nodes SET draining = $3 WHERE name = $1 AND incarnation = $2")
        .bind(name)
        .bind(incarnation)
        .bind(draining)
        .execute(pool)
        .await
        .map(drop)
}

/// This process stopped cleanly, its sessions closed: its numbers are free
/// for the others at once, and its name for its next start.
pub async fn leave(pool: &PgPool, name: &str, incarnation: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE nodes SET incarnation = '' WHERE name = $1 AND incarnation = $2")
        .bind(name)
        .bind(incarnation)
        .execute(pool)
        .await
        .map(drop)
}

/// Every node, with its heartbeat's age and how many numbers it owns.
pub async fn nodes(pool: &PgPool) -> sqlx::Result<Vec<NodeRow>> {
    let rows: Vec<(String, f64, bool, bool, i64)> = sqlx::query_as(
        "SELECT n.name,
                extract(epoch FROM now() - n.heartbeat_at)::float8 * 1000,
                n.draining, n.incarnation = '',
                (SELECT count(*) FROM owners o WHERE o.node = n.name)
         FROM nodes n ORDER BY n.name",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, age, draining, stopped, numbers)| NodeRow {
            name,
            heartbeat_age_ms: age as i64,
            draining,
            stopped,
            numbers,
        })
        .collect())
}

/// The numbers `node` owns, with their epochs.
pub async fn owned_by(pool: &PgPool, node: &str) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT number, epoch FROM owners WHERE node = $1")
        .bind(node)
        .fetch_all(pool)
        .await
}

/// Claims again, at a new epoch, a number `node` owns at `epoch` (a row of
/// an earlier run, or one handed over): whoever wrote with the old epoch is
/// fenced out.
pub async fn reclaim(
    pool: &PgPool,
    number: &str,
    node: &str,
    epoch: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE owners SET epoch = epoch + 1
         WHERE number = $1 AND node = $2 AND epoch = $3 RETURNING epoch",
    )
    .bind(number)
    .bind(node)
    .bind(epoch)
    .fetch_optional(pool)
    .await
}

/// Numbers nobody runs: a registry entry without an owner row, or owned by
/// a node that stopped cleanly, is gone, or whose heartbeat is older than
/// `takeover`. At most `limit`.
pub async fn orphans(pool: &PgPool, takeover: Duration, limit: i64) -> sqlx::Result<Vec<Orphan>> {
    let rows: Vec<(String, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT r.number, o.node, o.epoch FROM registry r
         LEFT JOIN owners o ON o.number = r.number
         LEFT JOIN nodes n ON n.name = o.node
         WHERE o.number IS NULL OR n.name IS NULL OR n.incarnation = ''
            OR n.heartbeat_at < now() - make_interval(secs => $1)
         ORDER BY r.number LIMIT $2",
    )
    .bind(interval(takeover))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(number, node, epoch)| Orphan {
            number,
            owner: node.zip(epoch),
        })
        .collect())
}

/// Claims `orphan` for `me`, if nobody did meanwhile and its owner is still
/// dead (checked in the same statement, on the database's clock); the new
/// epoch if it is ours.
pub async fn claim(
    pool: &PgPool,
    orphan: &Orphan,
    me: &str,
    takeover: Duration,
) -> sqlx::Result<Option<i64>> {
    match &orphan.owner {
        None => {
            sqlx::query_scalar(
                "INSERT INTO owners (number, node, epoch) VALUES ($1, $2, 1)
                 ON CONFLICT (number) DO NOTHING RETURNING epoch",
            )
            .bind(&orphan.number)
            .bind(me)
            .fetch_optional(pool)
            .await
        }
        Some((node, epoch)) => {
            sqlx::query_scalar(
                "UPDATE owners SET node = $2, epoch = epoch + 1
                 WHERE number = $1 AND node = $3 AND epoch = $4
                   AND NOT EXISTS (
                       SELECT 1 FROM nodes n WHERE n.name = $3 AND n.incarnation <> ''
                          AND n.heartbeat_at >= now() - make_interval(secs => $5))
                 RETURNING epoch",
            )
            .bind(&orphan.number)
            .bind(me)
            .bind(node)
            .bind(epoch)
            .bind(interval(takeover))
            .fetch_optional(pool)
            .await
        }
    }
}

/// Hands `number` from `me` (at `epoch`) to `to`, at a new epoch.
pub async fn hand_over(
    pool: &PgPool,
    number: &str,
    me: &str,
    epoch: i64,
    to: &str,
) -> sqlx::Result<bool> {
    let moved = sqlx::query(
        "UPDATE owners SET node = $4, epoch = epoch + 1
         WHERE number = $1 AND node = $2 AND epoch = $3",
    )
    .bind(number)
    .bind(me)
    .bind(epoch)
    .bind(to)
    .execute(pool)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// The owner row of `number`: node and epoch.
pub async fn owner(pool: &PgPool, number: &str) -> sqlx::Result<Option<(String, i64)>> {
    sqlx::query_as("SELECT node, epoch FROM owners WHERE number = $1")
        .bind(number)
        .fetch_optional(pool)
        .await
}

/// Registers a new number for `me`: its owner row and its registry entry in
/// one transaction; `Err(Some(owner))` when another node owns it already.
pub async fn register(
    pool: &PgPool,
    number: &str,
    me: &str,
    entry_json: &str,
) -> sqlx::Result<Result<i64, Option<String>>> {
    let mut tx = pool.begin().await?;
    let epoch: Option<i64> = sqlx::query_scalar(
        "INSERT INTO owners (number, node, epoch) VALUES ($1, $2, 1)
         ON CONFLICT (number) DO NOTHING RETURNING epoch",
    )
    .bind(number)
    .bind(me)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(epoch) = epoch else {
        let node: Option<String> = sqlx::query_scalar("SELECT node FROM owners WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
        return Ok(Err(node));
    };
    sqlx::query(
        "INSERT INTO registry (number, entry, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (number) DO UPDATE SET entry = EXCLUDED.entry, updated_at = now()",
    )
    .bind(number)
    .bind(entry_json)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(epoch))
}

/// The registry entry of `number`, as JSON.
pub async fn entry(pool: &PgPool, number: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT entry::text FROM registry WHERE number = $1")
        .bind(number)
        .fetch_optional(pool)
        .await
}

/// Every registry entry not owned by node `beyond`, as JSON, with the node
/// that owns it and whether that node renewed its lease within `fresh`.
pub async fn fleet(
    pool: &PgPool,
    beyond: &str,
    fresh: Duration,
) -> sqlx::Result<Vec<(String, Option<String>, bool)>> {
    sqlx::query_as(
        "SELECT r.entry::text, o.node,
                coalesce(n.incarnation <> '' AND n.heartbeat_at >= now() - make_interval(secs => $1), FALSE)
         FROM registry r
         LEFT JOIN owners o ON o.number = r.number
         LEFT JOIN nodes n ON n.name = o.node
         WHERE o.node IS DISTINCT FROM $2
         ORDER BY r.number",
    )
    .bind(interval(fresh))
    .bind(beyond)
    .fetch_all(pool)
    .await
}
