//! Steady traffic: messages from the default contact to one account or to
//! every account at a rate per minute, a share of them in a group. One
//! task ticks ten times a second and posts what is due, going round the
//! accounts, so 10,000 accounts at one message a minute cost about 17
//! posts a tick.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Shared;
use crate::phone::peers::{Body, DEFAULT_CONTACT};

const TICK: Duration = Duration::from_millis(100);
/// Credit short of a whole message by less than this is one: a rate added
/// up tick by tick in floating point falls just short of its total.
const EPSILON: f64 = 1e-9;
/// How long the list of accounts is reused before it is read again.
const ACCOUNTS_TTL: Duration = Duration::from_secs(2);

/// A rate of messages per account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rate {
    pub per_minute: f64,
    /// The fraction sent in a group.
    pub group_share: f64,
}

/// What the generator is asked to send, and how far it got.
#[derive(Default)]
pub(crate) struct Traffic {
    /// The rate of every account without one of its own.
    all: Option<Rate>,
    phones: HashMap<String, Rate>,
    /// Messages due but not sent yet, per setting (`None`: every account).
    credit: HashMap<Option<String>, f64>,
    cursor: usize,
    accounts: Vec<String>,
    read_at: Option<Instant>,
}

impl Traffic {
    /// Sets the rate of `phone`, or of every account when `None` (which
    /// also clears the accounts' own rates); a zero rate stops it.
    pub fn set(&mut self, phone: Option<&str>, rate: Rate) {
        let rate = (rate.per_minute > 0.0).then_some(rate);
        match phone {
            None => {
                self.all = rate;
                self.phones.clear();
                self.credit.clear();
            }
            Some(phone) => {
                match rate {
                    Some(rate) => self.phones.insert(phone.to_string(), rate),
                    None => self.phones.remove(phone),
                };
                self.credit.remove(&Some(phone.to_string()));
            }
        }
    }

    fn idle(&self) -> bool {
        self.all.is_none() && self.phones.is_empty()
    }
}

/// Runs the generator until the mock shuts down.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => shared.generate(TICK),
            _ = shutdown.changed() => return,
        }
    }
}

impl Shared {
    /// Sets steady traffic for `phone` (every account if `None`).
    pub fn set_traffic(&self, phone: Option<&str>, rate: Rate) {
        self.traffic().set(phone, rate);
    }

    /// Posts what `elapsed` of traffic makes due.
    fn generate(&self, elapsed: Duration) {
        let due = {
            let mut traffic = self.traffic();
            if traffic.idle() {
                return;
            }
            if traffic.read_at.is_none_or(|at| at.elapsed() > ACCOUNTS_TTL) {
                traffic.accounts = self.registry().phones();
                traffic.read_at = Some(Instant::now());
            }
            plan(&mut traffic, elapsed)
        };
        for (phone, group) in due {
            let text = format!("traffic {}", rand::random::<u32>());
            let body = if group {
                Body::Group {
                    from: DEFAULT_CONTACT.to_string(),
                    group: format!("120363{phone}"),
                    text,
                }
            } else {
                Body::Direct {
                    from: DEFAULT_CONTACT.to_string(),
                    text,
                }
            };
            if let Err(e) = self.post(&phone, body) {
                tracing::debug!(phone, "traffic not posted: {e}");
            }
        }
    }

    /// The generator's settings.
    fn traffic(&self) -> std::sync::MutexGuard<'_, Traffic> {
        super::lock(&self.traffic)
    }
}

/// The messages due after `elapsed`: (account, in a group).
fn plan(traffic: &mut Traffic, elapsed: Duration) -> Vec<(String, bool)> {
    let minutes = elapsed.as_secs_f64() / 60.0;
    let mut due = Vec::new();
    let own: Vec<(String, Rate)> = traffic
        .phones
        .iter()
        .map(|(p, r)| (p.clone(), *r))
        .collect();
    for (phone, rate) in own {
        let credit = traffic.credit.entry(Some(phone.clone())).or_default();
        *credit += rate.per_minute * minutes;
        while *credit >= 1.0 - EPSILON {
            *credit -= 1.0;
            due.push((phone.clone(), rand::random::<f64>() < rate.group_share));
        }
    }
    if let Some(rate) = traffic.all {
        let shared: Vec<usize> = (0..traffic.accounts.len())
            .filter(|&i| !traffic.phones.contains_key(&traffic.accounts[i]))
            .collect();
        if !shared.is_empty() {
            let credit = traffic.credit.entry(None).or_default();
            *credit += rate.per_minute * minutes * shared.len() as f64;
            while *credit >= 1.0 - EPSILON {
                *credit -= 1.0;
                traffic.cursor = (traffic.cursor + 1) % shared.len();
                let phone = traffic.accounts[shared[traffic.cursor]].clone();
                due.push((phone, rand::random::<f64>() < rate.group_share));
            }
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_add_up_over_accounts_and_a_phones_own_rate_wins() {
        let mut t = Traffic {
            accounts: (0..10).map(|i| format!("1555000000{i}")).collect(),
            ..Traffic::default()
        };
        let rate = |per_minute, group_share| Rate {
            per_minute,
            group_share,
        };
        t.set(None, rate(6.0, 0.0));
        t.set(Some("15550000000"), rate(60.0, 1.0));
        let mut due = Vec::new();
        for _ in 0..600 {
            due.extend(plan(&mut t, TICK));
        }
        let own = due.iter().filter(|(p, _)| p == "15550000000").count();
        assert_eq!(own, 60, "a minute at 60/min");
        assert!(
            due.iter()
                .filter(|(p, _)| p == "15550000000")
                .all(|(_, g)| *g)
        );
        let others = due.len() - own;
        assert!((53..=54).contains(&others), "9 accounts at 6/min: {others}");
        t.set(None, rate(0.0, 0.0));
        assert!(t.idle(), "zero everywhere stops it");
    }
}
