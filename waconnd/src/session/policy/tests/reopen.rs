//! The reopen from disk after a pairing: once, only after a pairing, only
//! while connected; a loss, a hold or a logout before it wins.

use std::time::Duration;

use super::*;
use crate::session::policy::reopen::{AFTER_WORK, REASON};

const SETTLE: i64 = 30_000;
const WORK: i64 = 5_000;

/// A number paired on this client (as a business account when `push_name`
/// is not empty), logged in at `NOW + 10`.
fn just_paired(push_name: &str) -> Model {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: false }, NOW);
    run(&mut m, Input::TurnTaken, NOW);
    run(
        &mut m,
        Input::Signal(Signal::Paired {
            jid: format!("{NUMBER}:3@s.whatsapp.net"),
            push_name: push_name.into(),
        }),
        NOW + 5,
    );
    run(&mut m, Input::Signal(Signal::Attempt), NOW + 6);
    run(&mut m, Input::Signal(Signal::Connected), NOW + 10);
    assert_eq!(m.state(), S::Connected);
    m.take_changes();
    m
}

/// Runs a new client to its login at `at`.
fn log_in(m: &mut Model, at: i64) {
    run(m, Input::TurnTaken, at);
    run(m, Input::Signal(Signal::Attempt), at);
    run(m, Input::Signal(Signal::Connected), at);
}

#[test]
fn the_work_in_a_pairing_reopens_once_from_disk_through_the_queue_keeping_its_records() {
    assert_eq!(AFTER_WORK, Duration::from_millis(WORK as u64));
    let mut m = just_paired("Shop");
    let due = NOW + 10 + WORK;
    assert_eq!(next_deadline(&m), Some(due));
    // Early: nothing yet.
    assert!(run(&mut m, Input::Deadline, due - 1).is_empty());
    assert_eq!(m.state(), S::Connected);

    let disconnects = m.record.info.disconnects;
    let fx = run(&mut m, Input::Deadline, due);
    assert_eq!(
        fx,
        vec![
            Effect::StopLink,
            Effect::CloseStore,
            Effect::Connect {
                after: Duration::ZERO
            }
        ]
    );
    assert_eq!(m.state(), S::Connecting);
    assert_eq!(m.record.info.reason, REASON);
    assert_eq!(m.record.info.disconnects, disconnects, "no failure");
    assert_eq!(m.record.info.disconnected_at, None, "no disconnection");
    assert_eq!(m.record.info.paired_at, Some(NOW + 5));
    assert_eq!(
        m.record.info.jid.as_deref(),
        Some("15550001111:3@s.whatsapp.net")
    );
    assert_eq!(m.record.info.push_name.as_deref(), Some("Shop"));
    assert_eq!(m.record.info.retry_at, None, "no backoff");
    let (_, transitions) = m.take_changes();
    assert!(
        transitions
            .iter()
            .any(|t| t.from == S::Connected && t.to == S::Connecting && t.reason == REASON),
        "{transitions:?}"
    );

    // Once: the reopened client stays.
    log_in(&mut m, due + 100);
    assert_eq!(m.state(), S::Connected);
    assert_eq!(next_deadline(&m), None);
    assert!(run(&mut m, Input::Deadline, due + 10 * SETTLE).is_empty());
    assert_eq!(m.state(), S::Connected);
}

#[test]
fn without_the_phones_work_it_waits_the_settle_and_the_work_brings_it_forward() {
    let mut m = just_paired("");
    assert_eq!(next_deadline(&m), Some(NOW + 10 + SETTLE));
    // The name arrives a moment after the login.
    run(
        &mut m,
        Input::Signal(Signal::PushName("Ana".into())),
        NOW + 1_000,
    );
    assert_eq!(next_deadline(&m), Some(NOW + 1_000 + WORK));
    // More work never pushes it back.
    run(&mut m, Input::Signal(Signal::AccountActivity), NOW + 4_000);
    assert_eq!(next_deadline(&m), Some(NOW + 1_000 + WORK));
    let fx = run(&mut m, Input::Deadline, NOW + 1_000 + WORK);
    assert_eq!(fx[..2], [Effect::StopLink, Effect::CloseStore]);

    // With nothing from the phone, the settle time is the limit.
    let mut m = just_paired("");
    assert!(run(&mut m, Input::Deadline, NOW + 10 + SETTLE - 1).is_empty());
    let fx = run(&mut m, Input::Deadline, NOW + 10 + SETTLE);
    assert_eq!(fx[..2], [Effect::StopLink, Effect::CloseStore]);
    assert_eq!(m.record.info.reason, REASON);
}

#[test]
fn work_that_arrived_before_the_login_counts_from_the_login() {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: true }, NOW);
    run(&mut m, Input::TurnTaken, NOW);
    run(
        &mut m,
        Input::Signal(Signal::Paired {
            jid: format!("{NUMBER}:3@s.whatsapp.net"),
            push_name: String::new(),
        }),
        NOW + 5,
    );
    // A personal account's first login waits for the name.
    run(
        &mut m,
        Input::Signal(Signal::PushName("Ana".into())),
        NOW + 50,
    );
    assert_eq!(next_deadline(&m), Some(NOW + 5 + 120_000), "the login's");
    run(&mut m, Input::Signal(Signal::Connected), NOW + 60);
    assert_eq!(next_deadline(&m), Some(NOW + 60 + WORK));
}

#[test]
fn a_settle_shorter_than_the_work_wait_is_the_limit() {
    let mut m = pairing();
    let mut s = settings();
    s.pairing_settle = Duration::from_secs(1);
    step(&mut m, Input::Pair { by_code: false }, &s, NOW);
    step(&mut m, Input::TurnTaken, &s, NOW);
    let paired = Signal::Paired {
        jid: format!("{NUMBER}:3@s.whatsapp.net"),
        push_name: "Shop".into(),
    };
    step(&mut m, Input::Signal(paired), &s, NOW);
    step(&mut m, Input::Signal(Signal::Connected), &s, NOW + 10);
    assert_eq!(next_deadline(&m), Some(NOW + 10 + 1_000));
}

#[test]
fn a_number_restored_from_disk_never_reopens() {
    let mut m = connected();
    assert_eq!(next_deadline(&m), None);
    assert!(run(&mut m, Input::Deadline, NOW + 10 * SETTLE).is_empty());
    // Nor after a loss and a reconnect.
    run(&mut m, Input::Signal(Signal::Lost("reset".into())), NOW + 1);
    let fx = ended(&mut m, NOW + 2);
    assert!(!fx.contains(&Effect::CloseStore), "{fx:?}");
    log_in(&mut m, NOW + 3_000);
    assert_eq!(next_deadline(&m), None);
}

#[test]
fn a_loss_during_the_settle_wins_and_its_reconnect_opens_from_disk() {
    let mut m = just_paired("Shop");
    run(
        &mut m,
        Input::Signal(Signal::Lost("the connection broke: reset".into())),
        NOW + 100,
    );
    assert_eq!(m.state(), S::Disconnected);
    assert_eq!(next_deadline(&m), None, "no reopen while disconnected");
    let fx = ended(&mut m, NOW + 200);
    let close = fx.iter().position(|e| *e == Effect::CloseStore);
    let connect = fx.iter().position(|e| matches!(e, Effect::Connect { .. }));
    assert!(close.is_some() && close < connect, "{fx:?}");
    // The reconnect was the reopen: none follows.
    log_in(&mut m, NOW + 5_000);
    assert_eq!(m.state(), S::Connected);
    assert_eq!(next_deadline(&m), None);
    assert!(run(&mut m, Input::Deadline, NOW + 10 * SETTLE).is_empty());
}

#[test]
fn a_hold_during_the_settle_wins_and_reopens_nothing_more() {
    let mut m = just_paired("Shop");
    let fx = run(
        &mut m,
        Input::Hold("waiting for the database".into()),
        NOW + 100,
    );
    assert_eq!(
        fx,
        vec![
            Effect::StopLink,
            Effect::CloseStore,
            Effect::Connect {
                after: Duration::ZERO
            }
        ]
    );
    assert_eq!(m.record.info.reason, "waiting for the database");
    assert_eq!(next_deadline(&m), None, "held: no reopen");
    log_in(&mut m, NOW + 5_000);
    assert_eq!(next_deadline(&m), None);
}

#[test]
fn a_logout_during_the_settle_wins() {
    let mut m = just_paired("Shop");
    run(
        &mut m,
        Input::Signal(Signal::LoggedOut("the phone removed this device".into())),
        NOW + 100,
    );
    assert_eq!(m.state(), S::LoggedOut);
    assert!(run(&mut m, Input::Deadline, NOW + 10 + WORK).is_empty());
    let fx = ended(&mut m, NOW + 200);
    assert_eq!(fx, vec![Effect::DeleteStore]);
    assert_eq!(m.state(), S::LoggedOut);
}

#[test]
fn a_requested_reconnect_during_the_settle_is_the_reopen() {
    let mut m = just_paired("Shop");
    let fx = run(&mut m, Input::Reconnect, NOW + 100);
    assert_eq!(fx[..2], [Effect::StopLink, Effect::CloseStore]);
    log_in(&mut m, NOW + 5_000);
    assert_eq!(next_deadline(&m), None);
}

#[test]
fn a_pairing_scanned_by_another_phone_owes_no_reopen() {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: false }, NOW);
    run(&mut m, Input::TurnTaken, NOW);
    run(
        &mut m,
        Input::Signal(Signal::Paired {
            jid: "15559999999:3@s.whatsapp.net".into(),
            push_name: String::new(),
        }),
        NOW,
    );
    let fx = run(&mut m, Input::LinkEnded { watched: true }, NOW + 1);
    assert!(!fx.contains(&Effect::CloseStore), "{fx:?}");
}
