//! The session policy: a pure step from what happened to the session's next
//! state and what it does about it. The actor feeds it inputs and carries
//! out the effects; every decision is made (and unit-tested) here.

use std::time::Duration;

use waconn_proto::{ErrorCode, ErrorReply, PairCode, QrCode, SessionState};

use super::backoff::STABLE;
use super::model::{Dirty, Model, Phase};
use super::signal::{ServerWord, Signal};
use crate::time::after;

pub mod reopen;
pub mod silence;

use SessionState as S;

/// How long an OUTDATED number waits before trying again with the same
/// version; a newer version ends the wait at once.
pub const OUTDATED_RETRY: Duration = Duration::from_secs(6 * 3600);

/// Steps of backoff a rate limit adds (whatsapp-rust's own penalty,
/// `client/node_io.rs`, `handle_stream_error`, code 429).
pub const RATE_LIMIT_STEPS: u32 = 5;

/// Pair codes refused in one pairing before it gives up.
const MAX_CODES_REFUSED: u32 = 3;

/// The daemon's settings the policy applies.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Deadline for a first scan.
    pub pairing_ttl: Duration,
    /// How long logged-out entries stay listed.
    pub logged_out_retention: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
    /// How long a link may take to log in before it is tried again.
    pub login_timeout: Duration,
    /// Longest wait, after the first login following a pairing, for the
    /// phone's work before the session reopens from disk ([`reopen`]).
    pub pairing_settle: Duration,
    /// How long a connection may receive nothing before it is left for a
    /// new one ([`silence`]).
    pub silence_window: Duration,
}

/// What happened.
#[derive(Debug)]
pub enum Input {
    /// The actor starts; `connect` when the number should connect now.
    Start {
        /// Connect right away.
        connect: bool,
    },
    /// A fact from the current link.
    Signal(Signal),
    /// The scheduled client was built and runs.
    TurnTaken,
    /// The scheduled client could not be built (why).
    TurnFailed(String),
    /// The client's run loop ended for good; `watched` when someone follows
    /// the pairing.
    LinkEnded {
        /// Someone follows the pairing.
        watched: bool,
    },
    /// The deadline of [`next_deadline`] passed.
    Deadline,
    /// The daemon learned a newer WhatsApp Web version.
    VersionChanged(String),
    /// What the server said on the link that just ended, heard after it
    /// ended (whatsapp-rust handles some stanzas, `<xmlstreamend/>` among
    /// them, on a task of their own that can finish after the socket's end).
    LateWord(ServerWord),
    /// A person asked for a reconnect now.
    Reconnect,
    /// A person asks to pair (again), following it; by code, or by QR.
    Pair {
        /// Link with a code typed on the phone.
        by_code: bool,
    },
    /// The node may not run its numbers for now (its lease in the shared
    /// database lapsed): close the connection, and connect again once the
    /// next turn comes (the turn waits for the lease).
    Hold(String),
    /// The daemon found the connection quiet: it last received data at
    /// `at` (epoch ms).
    HeardLast {
        /// When the current connection last received data.
        at: i64,
    },
}

/// What the session does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Start a client after `after` and the session's turn in the connect
    /// queue; it makes one connection.
    Connect {
        /// The wait before the turn.
        after: Duration,
    },
    /// Stop the client gracefully (never logging out) and wait for it, or
    /// cancel the scheduled one.
    StopLink,
    /// Ask the client to close its connection; `LinkEnded` follows.
    EndLink,
    /// Delete the credential store.
    DeleteStore,
    /// Close the credential store: the next connect opens it again from
    /// disk.
    CloseStore,
    /// Forget the number (why).
    Remove(String),
    /// Ask the client for a pair code.
    RequestCode,
    /// Unlink the device another phone linked.
    UnlinkOtherPhone,
    /// Set the account's presence as configured; `settle` waits for the
    /// client's own announcement to go first.
    Presence {
        /// Wait a moment first.
        settle: bool,
    },
    /// Show a QR code to whoever follows the pairing.
    ShowQr(QrCode),
    /// Show a pair code.
    ShowCode(PairCode),
    /// End the pairing streams with why and what to do.
    EndPairing(String),
    /// Fetch the WhatsApp Web version again (the server refused ours).
    RefreshVersion,
    /// WhatsApp pushed back (429, 503): counts toward lowering the rate.
    Pushback,
    /// The answer to a request.
    Answer(Result<String, ErrorReply>),
}

/// Applies `input` at `now`; returns the effects, in order.
pub fn step(m: &mut Model, input: Input, s: &Settings, now: i64) -> Vec<Effect> {
    let mut fx = Vec::new();
    match input {
        Input::Start { connect } => {
            if connect {
                schedule(m, Duration::ZERO, now, &mut fx);
            }
        }
        Input::Signal(signal) => on_signal(m, signal, s, now, &mut fx),
        Input::TurnTaken => {
            m.phase = Phase::Running;
            m.new_link();
            if m.state() == S::Pairing && m.want_code {
                fx.push(Effect::RequestCode);
            }
        }
        Input::TurnFailed(why) => {
            m.phase = Phase::Idle;
            m.set(S::Failed, why, now);
        }
        Input::LinkEnded { watched } => link_ended(m, watched, s, now, &mut fx),
        Input::Deadline => deadline(m, s, now, &mut fx),
        Input::VersionChanged(version) => {
            if m.state() == S::Outdated {
                m.newer_version = Some(version);
                retry_outdated(m, now, &mut fx);
            }
        }
        Input::LateWord(word) => late_word(m, word, now),
        Input::Reconnect => reconnect(m, now, &mut fx),
        Input::Pair { by_code } => pair(m, by_code, s, now, &mut fx),
        Input::Hold(why) => hold(m, why, now, &mut fx),
        Input::HeardLast { at } => silence::heard_last(m, at, s.silence_window, now, &mut fx),
    }
    fx
}

/// When the session acts on its own next, if it will.
pub fn next_deadline(m: &Model) -> Option<i64> {
    let info = &m.record.info;
    match info.state {
        S::Pairing => info.pairing_deadline,
        S::LoggedOut => info.forget_at,
        S::Banned | S::Outdated => info.retry_at,
        S::Connecting | S::Reconnecting if m.phase == Phase::Running => m.login_deadline,
        S::Connected => reopen::due(m),
        _ => None,
    }
}

/// Whether a live state is one of the ends only a person or a timer leaves.
fn is_terminal(state: SessionState) -> bool {
    matches!(
        state,
        S::LoggedOut | S::Replaced | S::Banned | S::Outdated | S::Failed
    )
}

/// Schedules a client after `wait`.
fn schedule(m: &mut Model, wait: Duration, now: i64, fx: &mut Vec<Effect>) {
    reopen::before_connect(m, fx);
    m.phase = Phase::Waiting;
    m.record.info.retry_at = (!wait.is_zero()).then(|| after(now, wait));
    m.touch(Dirty::Live);
    fx.push(Effect::Connect { after: wait });
}

fn on_signal(m: &mut Model, signal: Signal, s: &Settings, now: i64, fx: &mut Vec<Effect>) {
    // Facts about the account hold in every state.
    match signal {
        Signal::PushName(name) => {
            if !name.is_empty() {
                reopen::work_arrived(m, s, now);
            }
            if m.record.info.push_name.as_deref() != Some(name.as_str()) && !name.is_empty() {
                // The phone named the account: it is alive.
                m.record.info.phone_seen_at = Some(now);
                m.record.info.push_name = Some(name);
                m.touch(Dirty::Durable);
                fx.push(Effect::Presence { settle: true });
            }
            return;
        }
        Signal::AccountActivity => {
            // Coarse on disk (a warning counts days), exact in memory.
            let info = &mut m.record.info;
            let stale = info.phone_seen_at.is_none_or(|at| now - at > 3_600_000);
            info.phone_seen_at = Some(now);
            m.touch(if stale { Dirty::Durable } else { Dirty::Live });
            reopen::work_arrived(m, s, now);
            return;
        }
        _ => {}
    }
    if m.state() == S::Pairing {
        return pairing_signal(m, signal, s, now, fx);
    }
    if is_terminal(m.state()) {
        return;
    }
    match signal {
        Signal::Attempt => {
            m.said = None;
            m.failure = None;
            m.record.info.retry_at = None;
            m.touch(Dirty::Live);
            if m.state() == S::Disconnected {
                m.set(S::Reconnecting, "connecting to WhatsApp", now);
            }
            m.login_deadline = Some(after(now, s.login_timeout));
        }
        Signal::AttemptFailed(why) => {
            if m.said.is_none() {
                m.failure = Some(why);
            }
        }
        Signal::RetryLater(why) => {
            fx.push(Effect::Pushback);
            m.failure = Some(why);
        }
        Signal::Connected => logged_in(m, s, now, fx),
        Signal::Lost(why) => {
            let why = m.said.as_ref().map_or(why, ServerWord::describe);
            if m.state() == S::Connected {
                m.set(S::Disconnected, why.clone(), now);
            }
            m.failure = Some(why);
        }
        Signal::ServerSaid(word) => {
            if word.is_pushback() {
                fx.push(Effect::Pushback);
                // The server will not serve this link any more: close it
                // rather than sit on it until the server does.
                fx.push(Effect::EndLink);
                if m.state() == S::Connected {
                    m.set(S::Disconnected, word.describe(), now);
                }
            }
            if word == ServerWord::RateLimited {
                m.penalty = true;
            }
            // The first word names the cause (an owed ack, then the stream
            // end it leads to); pushback always wins.
            if m.said.is_none() || word.is_pushback() {
                m.said = Some(word);
            }
        }
        Signal::LoggedOut(why) => m.set(S::LoggedOut, why, now),
        Signal::Replaced(why) => {
            m.record.info.retry_at = None;
            m.set(S::Replaced, why, now);
        }
        Signal::Banned(wait, why) => {
            m.record.info.retry_at = Some(after(now, wait));
            m.set(S::Banned, why, now);
        }
        Signal::Outdated(version) => {
            m.record.info.retry_at = Some(after(now, OUTDATED_RETRY));
            m.newer_version = None;
            m.set(
                S::Outdated,
                format!(
                    "WhatsApp rejected client version {version} (405); fetching the current version"
                ),
                now,
            );
            fx.push(Effect::RefreshVersion);
        }
        Signal::Failed(why) => m.set(S::Failed, why, now),
        // Pairing facts of a link that is past pairing.
        Signal::Qr(..)
        | Signal::Code(..)
        | Signal::QrExhausted
        | Signal::Paired { .. }
        | Signal::PairError(_)
        | Signal::CodeRefused { .. }
        | Signal::CodeExpired
        | Signal::PushName(_)
        | Signal::AccountActivity => {}
    }
}

/// While pairing, only what pairing does matters.
fn pairing_signal(m: &mut Model, signal: Signal, s: &Settings, now: i64, fx: &mut Vec<Effect>) {
    let info = &mut m.record.info;
    match signal {
        Signal::Qr(code, ttl) => {
            info.has_qr = true;
            m.backoff.reset();
            m.touch(Dirty::Live);
            fx.push(Effect::ShowQr(QrCode {
                code,
                expires_at: after(now, ttl),
            }));
            if !m.want_code {
                m.set(S::Pairing, "waiting for a QR scan", now);
            }
        }
        Signal::Code(code, ttl) => {
            m.backoff.reset();
            fx.push(Effect::ShowCode(PairCode {
                code,
                expires_at: after(now, ttl),
            }));
            m.set(
                S::Pairing,
                "waiting for the code to be typed on the phone",
                now,
            );
        }
        Signal::QrExhausted => {
            info.has_qr = false;
            m.touch(Dirty::Live);
        }
        Signal::Paired { jid, push_name } => {
            let user = jid.split([':', '@']).next().unwrap_or_default().to_string();
            let number = info.number.to_string();
            if user != number {
                m.wipe_store = true;
                info.has_qr = false;
                m.set(
                    S::Pairing,
                    format!(
                        "the code was scanned by the phone of +{user}, not +{number}: unlinked it; scan with the phone of +{number}"
                    ),
                    now,
                );
                fx.push(Effect::UnlinkOtherPhone);
                return;
            }
            info.has_qr = false;
            info.paired_at = Some(now);
            info.phone_seen_at = Some(now);
            info.jid = Some(jid.clone());
            info.pairing_deadline = None;
            reopen::paired(m, &push_name);
            if !push_name.is_empty() {
                m.record.info.push_name = Some(push_name);
            }
            m.want_code = false;
            m.codes_refused = 0;
            m.login_deadline = Some(after(now, s.login_timeout));
            m.set(S::Connecting, format!("paired as {jid}"), now);
        }
        Signal::PairError(why) => m.set(S::Pairing, why, now),
        Signal::CodeRefused { error, throttled } => {
            if !m.want_code {
                return;
            }
            m.codes_refused += 1;
            let number = m.record.info.number.clone();
            if throttled || m.codes_refused >= MAX_CODES_REFUSED {
                m.want_code = false;
                let why = if throttled {
                    format!(
                        "WhatsApp refuses more pair codes for {number} for now ({error}); wait a few minutes and run `wactl pair --code {number}` again, or scan a QR code with `wactl pair {number}`"
                    )
                } else {
                    format!(
                        "the phone refused {} pair codes in a row ({error}); check the number on the phone's screen and run `wactl pair --code {number}` again, or scan a QR code with `wactl pair {number}`",
                        m.codes_refused
                    )
                };
                m.set(S::Pairing, why.clone(), now);
                fx.push(Effect::EndPairing(why));
            } else {
                m.set(
                    S::Pairing,
                    format!("the code was refused ({error}); asking for a new one"),
                    now,
                );
                fx.push(Effect::RequestCode);
            }
        }
        Signal::CodeExpired if m.want_code => {
            m.set(
                S::Pairing,
                "the phone did not take the code within its time (mistyped, or typed too late); asking for a new one",
                now,
            );
            fx.push(Effect::RequestCode);
        }
        Signal::AttemptFailed(why) | Signal::Lost(why) => m.failure = Some(why),
        _ => {}
    }
}

/// The link logged in and the client announced itself connected.
fn logged_in(m: &mut Model, s: &Settings, now: i64, fx: &mut Vec<Effect>) {
    if !matches!(m.state(), S::Connecting | S::Reconnecting | S::Disconnected) {
        return;
    }
    reopen::logged_in(m, s, now);
    m.logged_in_at = Some(now);
    m.login_deadline = None;
    m.failure = None;
    m.said = None;
    m.record.info.retry_at = None;
    m.set(S::Connected, "logged in", now);
    fx.push(Effect::Presence { settle: false });
}

fn link_ended(m: &mut Model, watched: bool, s: &Settings, now: i64, fx: &mut Vec<Effect>) {
    m.phase = Phase::Idle;
    m.login_deadline = None;
    let failure = m.failure.take();
    let said = m.said.take();
    if m.record.info.has_qr {
        m.record.info.has_qr = false;
        m.touch(Dirty::Live);
    }
    let number = m.record.info.number.clone();
    match m.state() {
        S::LoggedOut => {
            fx.push(Effect::DeleteStore);
            m.record.info.forget_at = Some(after(now, s.logged_out_retention));
            m.record.info.jid = None;
            m.touch(Dirty::Durable);
        }
        S::Pairing => {
            if std::mem::take(&mut m.wipe_store) {
                fx.push(Effect::DeleteStore);
            }
            if !watched {
                m.want_code = false;
                m.set(
                    S::Pairing,
                    format!(
                        "no one is watching the QR codes; run `wactl pair {number}` to get new ones"
                    ),
                    now,
                );
                return;
            }
            let wait = match failure {
                Some(why) => {
                    let wait = m.backoff.next(s.max_backoff);
                    m.set(S::Pairing, format!("{why}; {}", retrying(wait)), now);
                    wait
                }
                None => Duration::ZERO,
            };
            schedule(m, wait, now, fx);
        }
        S::Banned | S::Replaced | S::Failed => {}
        S::Outdated => retry_outdated(m, now, fx),
        _ if m.paired() => {
            let (wait, why) = if said == Some(ServerWord::RestartRequired) {
                (Duration::ZERO, ServerWord::RestartRequired.describe())
            } else {
                let held = m.logged_in_at.is_some_and(|at| now - at >= millis(STABLE));
                if m.penalty {
                    m.backoff.penalize(RATE_LIMIT_STEPS);
                } else if held {
                    m.backoff.reset();
                }
                let why = said
                    .as_ref()
                    .map(ServerWord::describe)
                    .or(failure)
                    .unwrap_or_else(|| "the connection ended".into());
                (m.backoff.next(s.max_backoff), why)
            };
            m.set(S::Disconnected, format!("{why}; {}", retrying(wait)), now);
            schedule(m, wait, now, fx);
        }
        _ => m.set(S::Failed, "the client stopped on its own", now),
    }
}

/// "retrying in 3s", or "reconnecting now".
fn retrying(wait: Duration) -> String {
    if wait.is_zero() {
        "reconnecting now".into()
    } else {
        format!("retrying in {}", waconn_proto::duration::format(wait))
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// An OUTDATED number retries at once once a newer version is known and
/// its client is gone.
fn retry_outdated(m: &mut Model, now: i64, fx: &mut Vec<Effect>) {
    if m.phase != Phase::Idle {
        return;
    }
    if let Some(version) = m.newer_version.take() {
        m.record.info.retry_at = None;
        m.set(
            S::Connecting,
            format!("retrying with WhatsApp Web {version}"),
            now,
        );
        schedule(m, Duration::ZERO, now, fx);
    }
}

fn deadline(m: &mut Model, s: &Settings, now: i64, fx: &mut Vec<Effect>) {
    let Some(at) = next_deadline(m) else { return };
    if at > now {
        return;
    }
    match m.state() {
        S::Pairing => {
            let ttl = waconn_proto::duration::format(s.pairing_ttl);
            fx.push(Effect::Remove(format!("never paired within {ttl}")));
        }
        S::LoggedOut => fx.push(Effect::Remove("logged out, and its retention ended".into())),
        S::Banned | S::Outdated => {
            m.record.info.retry_at = None;
            m.set(S::Connecting, "retrying after the server's wait", now);
            schedule(m, Duration::ZERO, now, fx);
        }
        S::Connected => reopen::at_deadline(m, now, fx),
        S::Connecting | S::Reconnecting => {
            m.login_deadline = None;
            let within = waconn_proto::duration::format(s.login_timeout);
            // A first login after pairing waits for the keys the phone
            // shares once it is linked; a phone locked or offline right
            // after the scan never sends them.
            m.failure = Some(if m.record.info.connected_at.is_none() {
                format!(
                    "paired, but the first login did not complete within {within}: the phone has not sent its encryption keys; open WhatsApp on the phone (unlocked, online) so it finishes linking"
                )
            } else {
                format!("connected to WhatsApp but not logged in within {within}")
            });
            fx.push(Effect::EndLink);
        }
        _ => {}
    }
}

/// A late word names the cause of a loss while its retry still waits.
fn late_word(m: &mut Model, word: ServerWord, now: i64) {
    if m.state() != S::Disconnected || m.phase != Phase::Waiting || word.is_pushback() {
        return;
    }
    let wait = m.record.info.retry_at.map_or(Duration::ZERO, |at| {
        Duration::from_millis(u64::try_from(at - now).unwrap_or(0))
    });
    m.set(
        S::Disconnected,
        format!("{}; {}", word.describe(), retrying(wait)),
        now,
    );
}

fn reconnect(m: &mut Model, now: i64, fx: &mut Vec<Effect>) {
    let number = m.record.info.number.clone();
    if matches!(m.state(), S::Pairing | S::LoggedOut) {
        fx.push(Effect::Answer(Err(ErrorReply::new(
            ErrorCode::InvalidState,
            format!(
                "{number} is {} and has no device to reconnect; pair it with `wactl pair {number}`",
                m.state()
            ),
        ))));
        return;
    }
    if m.phase != Phase::Idle {
        fx.push(Effect::StopLink);
    }
    m.new_link();
    m.backoff.reset();
    m.record.info.retry_at = None;
    m.set(S::Connecting, "reconnect requested", now);
    schedule(m, Duration::ZERO, now, fx);
    fx.push(Effect::Answer(Ok(format!("reconnecting {number}"))));
}

fn hold(m: &mut Model, why: String, now: i64, fx: &mut Vec<Effect>) {
    match m.state() {
        S::Connected | S::Connecting | S::Disconnected | S::Reconnecting => {
            if m.phase != Phase::Idle {
                fx.push(Effect::StopLink);
            }
            m.new_link();
            m.set(S::Disconnected, why, now);
            schedule(m, Duration::ZERO, now, fx);
        }
        S::Pairing if m.phase != Phase::Idle => {
            fx.push(Effect::StopLink);
            m.phase = Phase::Idle;
            m.new_link();
            fx.push(Effect::EndPairing(format!(
                "{why}; run `wactl pair {}` again once it is back",
                m.record.info.number
            )));
            m.set(S::Pairing, why, now);
        }
        _ => {}
    }
}

fn pair(m: &mut Model, by_code: bool, s: &Settings, now: i64, fx: &mut Vec<Effect>) {
    let number = m.record.info.number.clone();
    match m.state() {
        S::Connected => return fx.push(Effect::Answer(Ok("connected".into()))),
        S::Connecting | S::Disconnected | S::Reconnecting => {
            return fx.push(Effect::Answer(Ok("paired; connecting".into())));
        }
        S::Replaced | S::Banned | S::Outdated | S::Failed => {
            return fx.push(Effect::Answer(Err(ErrorReply::new(
                ErrorCode::InvalidState,
                format!(
                    "{number} is paired but {} ({}); try `wactl reconnect {number}`, or `wactl drop {number}` then pair again",
                    m.state(),
                    m.record.info.reason
                ),
            ))));
        }
        S::LoggedOut => {
            let info = &mut m.record.info;
            info.pairing_deadline = Some(after(now, s.pairing_ttl));
            info.forget_at = None;
            info.paired_at = None;
            m.set(S::Pairing, "pairing again after a logout", now);
        }
        S::Pairing => {}
    }
    m.want_code |= by_code;
    match m.phase {
        Phase::Idle => {
            m.backoff.reset();
            let waiting = if m.want_code {
                "waiting for a pair code from WhatsApp"
            } else {
                "waiting for a QR code from WhatsApp"
            };
            m.set(S::Pairing, waiting, now);
            schedule(m, Duration::ZERO, now, fx);
        }
        Phase::Running if by_code => fx.push(Effect::RequestCode),
        Phase::Running | Phase::Waiting => {}
    }
    fx.push(Effect::Answer(Ok("pairing".into())));
}

#[cfg(test)]
mod tests;
