//! A silent connection: left for a new one once the window passed, only
//! while connected, and reconnected as after a loss.

use std::time::Duration;

use super::*;
use crate::session::policy::silence::{is_silent, sweep_every};

const WINDOW: Duration = Duration::from_secs(75);
const WINDOW_MS: i64 = 75_000;

#[test]
fn a_connection_silent_for_the_window_is_left_and_reconnected_as_after_a_loss() {
    let mut m = connected();
    let fx = run(&mut m, Input::HeardLast { at: NOW }, NOW + WINDOW_MS);
    assert_eq!(m.state(), S::Disconnected);
    assert_eq!(fx, vec![Effect::EndLink]);
    assert_eq!(
        m.record.info.reason,
        "nothing received from WhatsApp for 75s; leaving the silent connection for a new one"
    );
    let fx = ended(&mut m, NOW + WINDOW_MS + 5);
    assert_eq!(m.state(), S::Disconnected);
    let reason = &m.record.info.reason;
    assert!(
        reason.starts_with("nothing received from WhatsApp for 75s"),
        "{reason}"
    );
    assert!(reason.ends_with("retrying in 1s"), "{reason}");
    assert_eq!(waits(&fx), Some(Duration::from_secs(1)));
}

#[test]
fn data_within_the_window_leaves_the_connection_alone() {
    let mut m = connected();
    let fx = run(&mut m, Input::HeardLast { at: NOW }, NOW + WINDOW_MS - 1);
    assert_eq!(m.state(), S::Connected);
    assert!(fx.is_empty(), "{fx:?}");
    let (_, transitions) = m.take_changes();
    assert!(transitions.is_empty(), "{transitions:?}");
}

#[test]
fn only_a_connected_session_is_left_for_silence() {
    let mut m = connected();
    run(
        &mut m,
        Input::Signal(Signal::Lost("the connection broke".into())),
        NOW + 10,
    );
    let fx = run(&mut m, Input::HeardLast { at: NOW }, NOW + WINDOW_MS * 2);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(m.record.info.reason, "the connection broke");

    let mut m = pairing();
    let fx = run(&mut m, Input::HeardLast { at: NOW }, NOW + WINDOW_MS * 2);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(m.state(), S::Pairing);
}

#[test]
fn silence_counts_from_the_last_data_and_the_sweep_follows_the_window() {
    assert!(is_silent(0, 75_000, WINDOW));
    assert!(!is_silent(0, 74_999, WINDOW));
    assert!(
        !is_silent(10, 0, WINDOW),
        "a clock that stepped back is not silence"
    );
    assert_eq!(sweep_every(WINDOW), Duration::from_secs(10));
    assert_eq!(sweep_every(Duration::from_secs(12)), Duration::from_secs(2));
    assert_eq!(sweep_every(Duration::from_secs(2)), Duration::from_secs(1));
}
