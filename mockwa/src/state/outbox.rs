//! What the server holds for each device: stanzas not delivered yet, those
//! delivered and not acked yet, and letters waiting for the device's keys.
//! A stanza stays until the device acks it: one delivered on a socket that
//! closed first goes back to the head of the queue, for the next login, as
//! the real server redelivers from its offline queue (whatsapp-rust
//! `message/dispatch.rs`: "the server drops it from the offline queue" on
//! the receipt; Baileys `Socket/messages-recv.ts` acks every stanza for
//! the same reason).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use wacore_binary::Node;

use super::live::Account;
use crate::phone::peers::Letter;

/// A stanza owed to a device, in the order it was queued.
struct Entry {
    seq: u64,
    node: Node,
}

/// A stanza written to a socket, waiting for its ack.
struct Sent {
    entry: Entry,
    /// The connection it went out on.
    conn: u64,
    at: Instant,
}

#[derive(Default)]
struct Outbox {
    queue: VecDeque<Entry>,
    sent: Vec<Sent>,
    /// Letters to seal once the device uploads its prekeys.
    parked: Vec<Letter>,
    delivered: u64,
    acked: u64,
}

/// What a device was sent and acked, for `GET /admin/devices`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Stanzas written to its sockets, redeliveries included.
    pub delivered: u64,
    /// Stanzas it acked.
    pub acked: u64,
    /// Stanzas it owes an ack for: queued, parked or delivered.
    pub unacked: u64,
}

/// How many stanzas of each kind a drain is about to deliver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Kinds {
    pub messages: usize,
    pub notifications: usize,
    pub receipts: usize,
}

/// Every device's outbox.
#[derive(Default)]
pub(crate) struct Outboxes {
    devices: HashMap<Account, Outbox>,
    next_seq: u64,
}

impl Outboxes {
    /// Queues `node` for `account`.
    pub fn push(&mut self, account: &Account, node: Node) {
        self.next_seq += 1;
        let entry = Entry {
            seq: self.next_seq,
            node,
        };
        self.devices
            .entry(account.clone())
            .or_default()
            .queue
            .push_back(entry);
    }

    /// Keeps `letter` until `account` has keys to seal it with.
    pub fn park(&mut self, account: &Account, letter: Letter) {
        self.devices
            .entry(account.clone())
            .or_default()
            .parked
            .push(letter);
    }

    /// The letters waiting for `account`'s keys, taken.
    pub fn take_parked(&mut self, account: &Account) -> Vec<Letter> {
        self.devices
            .get_mut(account)
            .map(|o| std::mem::take(&mut o.parked))
            .unwrap_or_default()
    }

    /// Takes up to `max` queued stanzas of `account` for connection `conn`,
    /// which delivers them now.
    pub fn take(&mut self, account: &Account, conn: u64, max: usize, now: Instant) -> Vec<Node> {
        let Some(outbox) = self.devices.get_mut(account) else {
            return Vec::new();
        };
        let n = max.min(outbox.queue.len());
        let mut nodes = Vec::with_capacity(n);
        for entry in outbox.queue.drain(..n) {
            nodes.push(entry.node.clone());
            outbox.sent.push(Sent {
                entry,
                conn,
                at: now,
            });
        }
        outbox.delivered += n as u64;
        nodes
    }

    /// Settles the stanzas of `account` whose ids are `ids`; returns how
    /// long each waited for its ack.
    pub fn ack(&mut self, account: &Account, ids: &[String], now: Instant) -> Vec<Duration> {
        let Some(outbox) = self.devices.get_mut(account) else {
            return Vec::new();
        };
        let mut waited = Vec::new();
        outbox.sent.retain(|sent| {
            let settled = sent
                .entry
                .node
                .attrs
                .get("id")
                .is_some_and(|id| ids.iter().any(|want| id == want.as_str()));
            if settled {
                waited.push(now.saturating_duration_since(sent.at));
            }
            !settled
        });
        outbox.acked += waited.len() as u64;
        waited
    }

    /// Connection `conn` of `account` closed: what it delivered without an
    /// ack goes back to the head of the queue, in the original order.
    pub fn requeue(&mut self, account: &Account, conn: u64) {
        let Some(outbox) = self.devices.get_mut(account) else {
            return;
        };
        let (back, kept): (Vec<Sent>, Vec<Sent>) = std::mem::take(&mut outbox.sent)
            .into_iter()
            .partition(|s| s.conn == conn);
        outbox.sent = kept;
        let mut back: Vec<Entry> = back.into_iter().map(|s| s.entry).collect();
        back.extend(outbox.queue.drain(..));
        back.sort_by_key(|e| e.seq);
        outbox.queue = back.into();
    }

    /// The stanza connection `conn` of `account` has waited longest for an
    /// ack, and since when.
    pub fn oldest_owed(&self, account: &Account, conn: u64) -> Option<(Instant, &Node)> {
        self.devices
            .get(account)?
            .sent
            .iter()
            .filter(|s| s.conn == conn)
            .min_by_key(|s| s.at)
            .map(|s| (s.at, &s.entry.node))
    }

    /// How many queued stanzas of each kind `account` has.
    pub fn kinds(&self, account: &Account) -> Kinds {
        let mut kinds = Kinds::default();
        for entry in self
            .devices
            .get(account)
            .map(|o| o.queue.iter())
            .into_iter()
            .flatten()
        {
            match entry.node.tag.as_ref() {
                "message" => kinds.messages += 1,
                "receipt" => kinds.receipts += 1,
                _ => kinds.notifications += 1,
            }
        }
        kinds
    }

    /// Whether `account` has stanzas queued.
    pub fn has_queued(&self, account: &Account) -> bool {
        self.devices
            .get(account)
            .is_some_and(|o| !o.queue.is_empty())
    }

    /// What `account` was sent and acked.
    pub fn tally(&self, account: &Account) -> Tally {
        self.devices
            .get(account)
            .map_or_else(Tally::default, |o| Tally {
                delivered: o.delivered,
                acked: o.acked,
                unacked: (o.queue.len() + o.sent.len() + o.parked.len()) as u64,
            })
    }

    /// Forgets a device that is gone.
    pub fn remove(&mut self, account: &Account) {
        self.devices.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_binary::builder::NodeBuilder;

    fn stanza(id: &str) -> Node {
        NodeBuilder::new("message")
            .attr("id", id.to_string())
            .build()
    }

    fn ids(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| n.attrs.get("id").expect("id").as_str().into_owned())
            .collect()
    }

    #[test]
    fn unacked_stanzas_come_back_first_in_order_and_acked_ones_never() {
        let device: Account = ("1555".into(), 1);
        let mut out = Outboxes::default();
        for id in ["a", "b", "c", "d"] {
            out.push(&device, stanza(id));
        }
        let now = Instant::now();
        assert_eq!(ids(&out.take(&device, 7, 3, now)), ["a", "b", "c"]);
        let later = now + Duration::from_millis(40);
        let waited = out.ack(&device, &["b".into(), "zz".into()], later);
        assert_eq!(waited, [Duration::from_millis(40)]);
        assert_eq!(out.oldest_owed(&device, 7).map(|(at, _)| at), Some(now));
        assert_eq!(out.oldest_owed(&device, 8).map(|(at, _)| at), None);
        out.requeue(&device, 7);
        let tally = out.tally(&device);
        assert_eq!((tally.delivered, tally.acked, tally.unacked), (3, 1, 3));
        assert_eq!(ids(&out.take(&device, 9, 10, later)), ["a", "c", "d"]);
        out.ack(&device, &["a".into(), "c".into(), "d".into()], later);
        let tally = out.tally(&device);
        assert_eq!((tally.delivered, tally.acked, tally.unacked), (6, 4, 0));
        out.requeue(&device, 9);
        assert!(!out.has_queued(&device), "nothing acked comes back");
    }
}
