//! One sink's queue: bounded, never blocking whoever pushes (the oldest
//! change is dropped, and counted, when it is full), with the sink's
//! counters beside it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio::time::Instant;
use waconn_proto::StateEvent;

/// A state change on its way to the sinks, shared by all of them.
pub struct Change {
    /// Unique within this daemon's life: `STARTED_MS-SEQUENCE`, so a
    /// receiver can tell a retry from a new change.
    pub id: String,
    /// The change itself.
    pub event: StateEvent,
    /// Its JSON, as `wactl events --json` prints it (no newline).
    pub body: Vec<u8>,
    /// When the daemon saw it: retrying stops `--notify-retry-for` later.
    pub seen: Instant,
}

impl Change {
    /// "CONNECTED -> DISCONNECTED of 15551234567", for log lines.
    pub fn describe(&self) -> String {
        let t = &self.event.transition;
        format!("{} -> {} of {}", t.from, t.to, self.event.number)
    }
}

/// What a sink did since the daemon started.
#[derive(Default)]
pub struct Counters {
    /// Changes delivered.
    pub delivered: AtomicU64,
    /// Attempts that failed.
    pub failures: AtomicU64,
    /// Changes dropped because the queue was full.
    pub dropped_full: AtomicU64,
    /// Changes missed because the sinks fell behind the event stream.
    pub dropped_missed: AtomicU64,
    /// Changes given up after retrying for `--notify-retry-for`.
    pub dropped_expired: AtomicU64,
}

impl Counters {
    /// Adds `n` to `counter`.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// `counter`'s value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// The changes a sink has still to deliver, oldest first.
pub struct Queue {
    items: Mutex<VecDeque<Arc<Change>>>,
    capacity: usize,
    ready: Notify,
    /// 1 while the sink works on a change it took.
    in_flight: AtomicU64,
    /// The sink's counters.
    pub counters: Counters,
}

impl Queue {
    /// An empty queue holding at most `capacity` changes (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            items: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
            ready: Notify::new(),
            in_flight: AtomicU64::new(0),
            counters: Counters::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Change>>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `change`; when full, the oldest waiting change makes room.
    /// Never waits.
    pub fn push(&self, change: Arc<Change>) {
        {
            let mut items = self.lock();
            if items.len() >= self.capacity {
                items.pop_front();
                Counters::add(&self.counters.dropped_full, 1);
            }
            items.push_back(change);
        }
        self.ready.notify_one();
    }

    /// The oldest change, once there is one; it counts as queued until
    /// [`Queue::done`].
    pub async fn next(&self) -> Arc<Change> {
        loop {
            if let Some(change) = self.lock().pop_front() {
                self.in_flight.store(1, Ordering::Relaxed);
                return change;
            }
            // A push between the check and here left a permit: no change is
            // slept through.
            self.ready.notified().await;
        }
    }

    /// The change taken last is delivered or given up.
    pub fn done(&self) {
        self.in_flight.store(0, Ordering::Relaxed);
    }

    /// How many changes wait, counting the one being delivered.
    pub fn queued(&self) -> u64 {
        self.lock().len() as u64 + self.in_flight.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waconn_proto::{Number, SessionState, Transition};

    fn change(n: u64) -> Arc<Change> {
        Arc::new(Change {
            id: n.to_string(),
            event: StateEvent {
                number: Number::from_digits("15550001111").expect("number"),
                transition: Transition {
                    at: 0,
                    from: SessionState::Connecting,
                    to: SessionState::Connected,
                    reason: String::new(),
                },
            },
            body: Vec::new(),
            seen: Instant::now(),
        })
    }

    #[tokio::test]
    async fn a_full_queue_drops_its_oldest_and_counts_it() {
        let queue = Queue::new(2);
        for n in 1..=3 {
            queue.push(change(n));
        }
        assert_eq!(Counters::get(&queue.counters.dropped_full), 1);
        assert_eq!(queue.queued(), 2);
        assert_eq!(queue.next().await.id, "2");
        assert_eq!(queue.queued(), 2, "the one in flight still counts");
        queue.done();
        assert_eq!(queue.next().await.id, "3");
        queue.done();
        assert_eq!(queue.queued(), 0);
    }

    #[tokio::test]
    async fn a_waiting_sink_wakes_for_a_push() {
        let queue = Arc::new(Queue::new(4));
        let waiting = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.next().await.id.clone() }
        });
        tokio::task::yield_now().await;
        queue.push(change(7));
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("woken")
            .expect("join");
        assert_eq!(got, "7");
    }
}
