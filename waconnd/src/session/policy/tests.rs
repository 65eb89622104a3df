//! The policy, case by case: each fact or event in each state leads to the
//! state, reason and effects these tests name.

use std::time::Duration;

use waconn_proto::{Number, SessionState};

use super::*;
use crate::session::model::{Model, Phase};
use crate::session::record::Record;
use crate::session::signal::{ServerWord, Signal};

use SessionState as S;

const NOW: i64 = 1_000_000;
const NUMBER: &str = "15550001111";

fn settings() -> Settings {
    Settings {
        pairing_ttl: Duration::from_secs(3600),
        logged_out_retention: Duration::from_secs(7 * 86400),
        max_backoff: Duration::from_secs(300),
        login_timeout: Duration::from_secs(120),
        pairing_settle: Duration::from_secs(30),
        silence_window: Duration::from_secs(75),
    }
}

fn pairing() -> Model {
    Model::new(Record::new_pairing(
        Number::parse(NUMBER).unwrap(),
        NOW,
        NOW + 3_600_000,
    ))
}

/// A paired number whose client runs and is connected since `NOW`.
fn connected() -> Model {
    let mut m = pairing();
    m.record.info.jid = Some(format!("{NUMBER}:3@s.whatsapp.net"));
    m.record.info.pairing_deadline = None;
    m.set(S::Connecting, "daemon started", NOW);
    step(&mut m, Input::TurnTaken, &settings(), NOW);
    step(&mut m, Input::Signal(Signal::Attempt), &settings(), NOW);
    step(&mut m, Input::Signal(Signal::Connected), &settings(), NOW);
    m.take_changes();
    m
}

fn run(m: &mut Model, input: Input, at: i64) -> Vec<Effect> {
    step(m, input, &settings(), at)
}

fn ended(m: &mut Model, at: i64) -> Vec<Effect> {
    run(m, Input::LinkEnded { watched: false }, at)
}

fn waits(fx: &[Effect]) -> Option<Duration> {
    fx.iter().find_map(|e| match e {
        Effect::Connect { after } => Some(*after),
        _ => None,
    })
}

#[test]
fn a_connected_number_announces_its_presence_once_logged_in() {
    let mut m = pairing();
    m.record.info.jid = Some("x".into());
    m.set(S::Connecting, "daemon started", NOW);
    run(&mut m, Input::TurnTaken, NOW);
    let fx = run(&mut m, Input::Signal(Signal::Connected), NOW);
    assert_eq!(m.state(), S::Connected);
    assert_eq!(fx, vec![Effect::Presence { settle: false }]);
}

#[test]
fn a_lost_connection_retries_after_the_backoff_with_the_cause_and_the_wait() {
    let mut m = connected();
    run(
        &mut m,
        Input::Signal(Signal::Lost("the connection broke: reset".into())),
        NOW + 10,
    );
    assert_eq!(m.state(), S::Disconnected);
    let fx = ended(&mut m, NOW + 20);
    assert_eq!(waits(&fx), Some(Duration::from_secs(1)));
    assert_eq!(
        m.record.info.reason,
        "the connection broke: reset; retrying in 1s"
    );
    assert_eq!(m.record.info.retry_at, Some(NOW + 20 + 1000));
    assert_eq!(m.record.info.disconnects, 1);
}

#[test]
fn a_rate_limit_closes_the_link_and_waits_five_steps_more_even_after_a_stable_hour() {
    let mut m = connected();
    let later = NOW + 3_600_000;
    let fx = run(
        &mut m,
        Input::Signal(Signal::ServerSaid(ServerWord::RateLimited)),
        later,
    );
    assert_eq!(fx, vec![Effect::Pushback, Effect::EndLink]);
    assert_eq!(m.state(), S::Disconnected);
    assert!(
        m.record.info.reason.contains("429"),
        "{}",
        m.record.info.reason
    );
    let fx = ended(&mut m, later);
    assert_eq!(waits(&fx), Some(Duration::from_secs(8)));
    assert!(m.record.info.reason.contains("429"));
    assert!(m.record.info.reason.ends_with("retrying in 8s"));
}

#[test]
fn a_stable_connection_forgives_earlier_failures() {
    let mut m = connected();
    for _ in 0..4 {
        m.backoff.next(Duration::MAX);
    }
    let fx = ended(&mut m, NOW + 61_000);
    assert_eq!(waits(&fx), Some(Duration::from_secs(1)));
    let mut m = connected();
    for _ in 0..4 {
        m.backoff.next(Duration::MAX);
    }
    let fx = ended(&mut m, NOW + 10_000);
    assert_eq!(waits(&fx), Some(Duration::from_secs(5)), "not held 60 s");
}

#[test]
fn a_restart_request_reconnects_at_once_and_is_no_failure() {
    let mut m = connected();
    m.backoff.next(Duration::MAX);
    m.backoff.next(Duration::MAX);
    run(
        &mut m,
        Input::Signal(Signal::ServerSaid(ServerWord::RestartRequired)),
        NOW + 1,
    );
    let fx = ended(&mut m, NOW + 2);
    assert_eq!(waits(&fx), Some(Duration::ZERO));
    assert!(
        m.record.info.reason.contains("515"),
        "{}",
        m.record.info.reason
    );
    assert_eq!(m.record.info.retry_at, None);
    // The next failure still waits what the earlier ones earned.
    run(&mut m, Input::TurnTaken, NOW + 3);
    run(&mut m, Input::Signal(Signal::Attempt), NOW + 3);
    let fx = ended(&mut m, NOW + 4);
    assert_eq!(waits(&fx), Some(Duration::from_secs(2)));
}

#[test]
fn a_server_that_is_restarting_counts_as_pushback_and_says_503() {
    let mut m = connected();
    let fx = run(
        &mut m,
        Input::Signal(Signal::ServerSaid(ServerWord::Unavailable)),
        NOW + 1,
    );
    assert_eq!(fx, vec![Effect::Pushback, Effect::EndLink]);
    run(
        &mut m,
        Input::Signal(Signal::Lost("WhatsApp closed the connection".into())),
        NOW + 2,
    );
    ended(&mut m, NOW + 3);
    assert_eq!(m.state(), S::Disconnected);
    assert!(
        m.record.info.reason.contains("503"),
        "{}",
        m.record.info.reason
    );
}

#[test]
fn a_login_refused_for_now_retries_with_the_code() {
    let mut m = connected();
    run(&mut m, Input::Signal(Signal::Lost("x".into())), NOW + 1);
    ended(&mut m, NOW + 2);
    run(&mut m, Input::TurnTaken, NOW + 1002);
    run(&mut m, Input::Signal(Signal::Attempt), NOW + 1002);
    assert_eq!(m.state(), S::Reconnecting);
    let fx = run(
        &mut m,
        Input::Signal(Signal::RetryLater(
            "WhatsApp refused the login for now (503 service unavailable)".into(),
        )),
        NOW + 1003,
    );
    assert_eq!(fx, vec![Effect::Pushback]);
    ended(&mut m, NOW + 1004);
    assert_eq!(m.state(), S::Disconnected);
    assert!(
        m.record
            .info
            .reason
            .contains("(503 service unavailable); retrying in")
    );
}

#[test]
fn server_verdicts_are_terminal_and_keep_their_words() {
    for (signal, state) in [
        (
            Signal::LoggedOut("WhatsApp locked or banned this account (login refused, 403)".into()),
            S::LoggedOut,
        ),
        (Signal::Replaced("conflict replaced".into()), S::Replaced),
        (
            Signal::Banned(Duration::from_secs(60), "temporarily banned (402)".into()),
            S::Banned,
        ),
        (
            Signal::Failed("WhatsApp refused the login (409 bad user agent)".into()),
            S::Failed,
        ),
    ] {
        let mut m = connected();
        let words = match &signal {
            Signal::LoggedOut(w) | Signal::Replaced(w) | Signal::Failed(w) => w.clone(),
            Signal::Banned(_, w) => w.clone(),
            _ => unreachable!(),
        };
        run(&mut m, Input::Signal(signal), NOW + 1);
        assert_eq!(m.state(), state);
        assert_eq!(m.record.info.reason, words);
        // Nothing of the connection moves it any more.
        run(&mut m, Input::Signal(Signal::Connected), NOW + 2);
        assert_eq!(m.state(), state);
        assert!(waits(&ended(&mut m, NOW + 3)).is_none());
    }
}

#[test]
fn a_logged_out_number_loses_its_credentials_and_is_kept_listed() {
    let mut m = connected();
    run(
        &mut m,
        Input::Signal(Signal::LoggedOut("the phone removed this device".into())),
        NOW,
    );
    let fx = ended(&mut m, NOW + 1);
    assert_eq!(fx, vec![Effect::DeleteStore]);
    assert_eq!(m.record.info.jid, None);
    assert_eq!(m.record.info.forget_at, Some(NOW + 1 + 7 * 86_400_000));
    let fx = run(&mut m, Input::Deadline, NOW + 1 + 7 * 86_400_000);
    assert!(matches!(fx.as_slice(), [Effect::Remove(_)]));
}

#[test]
fn an_outdated_version_asks_for_a_fetch_and_retries_at_once_with_a_newer_one() {
    let mut m = connected();
    let fx = run(
        &mut m,
        Input::Signal(Signal::Outdated("2.3000.1".into())),
        NOW,
    );
    assert_eq!(fx, vec![Effect::RefreshVersion]);
    assert_eq!(m.state(), S::Outdated);
    assert!(m.record.info.reason.contains("2.3000.1 (405)"));
    // The newer version may arrive before the client is gone.
    assert!(run(&mut m, Input::VersionChanged("2.3000.2".into()), NOW + 1).is_empty());
    let fx = ended(&mut m, NOW + 2);
    assert_eq!(waits(&fx), Some(Duration::ZERO));
    assert_eq!(m.state(), S::Connecting);
    assert_eq!(m.record.info.reason, "retrying with WhatsApp Web 2.3000.2");
}

#[test]
fn an_outdated_number_with_no_newer_version_waits_hours() {
    let mut m = connected();
    run(
        &mut m,
        Input::Signal(Signal::Outdated("2.3000.1".into())),
        NOW,
    );
    assert!(waits(&ended(&mut m, NOW + 1)).is_none());
    assert_eq!(
        m.record.info.retry_at,
        Some(NOW + i64::try_from(OUTDATED_RETRY.as_millis()).unwrap())
    );
    let fx = run(&mut m, Input::VersionChanged("2.3000.5".into()), NOW + 2);
    assert_eq!(waits(&fx), Some(Duration::ZERO));
}

#[test]
fn a_link_that_never_logs_in_is_given_up_at_its_deadline() {
    let mut m = connected();
    run(&mut m, Input::Signal(Signal::Lost("x".into())), NOW);
    ended(&mut m, NOW);
    run(&mut m, Input::TurnTaken, NOW + 1000);
    run(&mut m, Input::Signal(Signal::Attempt), NOW + 1000);
    assert_eq!(m.state(), S::Reconnecting);
    let deadline = next_deadline(&m).unwrap();
    assert_eq!(deadline, NOW + 1000 + 120_000);
    assert!(run(&mut m, Input::Deadline, deadline - 1).is_empty());
    assert_eq!(
        run(&mut m, Input::Deadline, deadline),
        vec![Effect::EndLink]
    );
    ended(&mut m, deadline + 1);
    assert_eq!(m.state(), S::Disconnected);
    assert!(
        m.record
            .info
            .reason
            .starts_with("connected to WhatsApp but not logged in within 2m"),
        "{}",
        m.record.info.reason
    );
}

#[test]
fn unreachable_whatsapp_while_pairing_says_so_and_retries_while_watched() {
    let mut m = pairing();
    let fx = run(&mut m, Input::Pair { by_code: false }, NOW);
    assert_eq!(waits(&fx), Some(Duration::ZERO));
    assert_eq!(m.record.info.reason, "waiting for a QR code from WhatsApp");
    run(&mut m, Input::TurnTaken, NOW);
    run(
        &mut m,
        Input::Signal(Signal::AttemptFailed(
            "cannot reach WhatsApp: refused".into(),
        )),
        NOW,
    );
    let fx = run(&mut m, Input::LinkEnded { watched: true }, NOW + 1);
    assert_eq!(waits(&fx), Some(Duration::from_secs(1)));
    assert_eq!(
        m.record.info.reason,
        "cannot reach WhatsApp: refused; retrying in 1s"
    );
    // Nobody watching: it sleeps until someone pairs again.
    run(&mut m, Input::TurnTaken, NOW + 1001);
    let fx = run(&mut m, Input::LinkEnded { watched: false }, NOW + 1002);
    assert!(waits(&fx).is_none());
    assert!(m.record.info.reason.contains("wactl pair"));
}

#[test]
fn a_pair_code_pending_reads_as_such_and_a_refused_one_asks_for_another() {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: true }, NOW);
    let fx = run(&mut m, Input::TurnTaken, NOW);
    assert_eq!(fx, vec![Effect::RequestCode]);
    run(
        &mut m,
        Input::Signal(Signal::Code("ABCD1234".into(), Duration::from_secs(180))),
        NOW,
    );
    assert_eq!(
        m.record.info.reason,
        "waiting for the code to be typed on the phone"
    );
    let refused = || {
        Input::Signal(Signal::CodeRefused {
            error: "wrong code".into(),
            throttled: false,
        })
    };
    assert_eq!(run(&mut m, refused(), NOW + 1), vec![Effect::RequestCode]);
    assert_eq!(run(&mut m, refused(), NOW + 2), vec![Effect::RequestCode]);
    let fx = run(&mut m, refused(), NOW + 3);
    assert!(matches!(fx.as_slice(), [Effect::EndPairing(why)] if why.contains("3 pair codes")));
}

#[test]
fn a_throttled_pair_code_ends_the_pairing_with_what_to_do() {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: true }, NOW);
    run(&mut m, Input::TurnTaken, NOW);
    let fx = run(
        &mut m,
        Input::Signal(Signal::CodeRefused {
            error: "429 rate-overlimit".into(),
            throttled: true,
        }),
        NOW,
    );
    assert!(
        matches!(fx.as_slice(), [Effect::EndPairing(why)] if why.contains("wait a few minutes") && why.contains("wactl pair"))
    );
}

#[test]
fn an_expired_pair_code_is_replaced() {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: true }, NOW);
    run(&mut m, Input::TurnTaken, NOW);
    let fx = run(&mut m, Input::Signal(Signal::CodeExpired), NOW);
    assert_eq!(fx, vec![Effect::RequestCode]);
}

#[test]
fn pairing_moves_to_connecting_with_a_login_deadline() {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: false }, NOW);
    run(&mut m, Input::TurnTaken, NOW);
    let fx = run(
        &mut m,
        Input::Signal(Signal::Qr("ref,a,b,c,9".into(), Duration::from_secs(60))),
        NOW,
    );
    assert!(matches!(fx.as_slice(), [Effect::ShowQr(qr)] if qr.expires_at == NOW + 60_000));
    assert!(m.record.info.has_qr);
    run(
        &mut m,
        Input::Signal(Signal::Paired {
            jid: format!("{NUMBER}:3@s.whatsapp.net"),
            push_name: "Shop".into(),
        }),
        NOW + 5,
    );
    assert_eq!(m.state(), S::Connecting);
    assert!(!m.record.info.has_qr);
    assert_eq!(m.record.info.push_name.as_deref(), Some("Shop"));
    assert_eq!(next_deadline(&m), Some(NOW + 5 + 120_000));
}

#[test]
fn another_phone_scanning_is_refused_and_its_device_unlinked() {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: false }, NOW);
    run(&mut m, Input::TurnTaken, NOW);
    let fx = run(
        &mut m,
        Input::Signal(Signal::Paired {
            jid: "15559999999:3@s.whatsapp.net".into(),
            push_name: String::new(),
        }),
        NOW,
    );
    assert_eq!(fx, vec![Effect::UnlinkOtherPhone]);
    assert_eq!(m.state(), S::Pairing);
    let fx = run(&mut m, Input::LinkEnded { watched: true }, NOW + 1);
    assert_eq!(fx[0], Effect::DeleteStore);
    assert_eq!(waits(&fx), Some(Duration::ZERO));
}

#[test]
fn a_new_push_name_is_kept_and_the_presence_set_again_after_the_clients_own() {
    let mut m = connected();
    let fx = run(&mut m, Input::Signal(Signal::PushName("Ana".into())), NOW);
    assert_eq!(fx, vec![Effect::Presence { settle: true }]);
    assert_eq!(m.record.info.push_name.as_deref(), Some("Ana"));
    assert!(run(&mut m, Input::Signal(Signal::PushName("Ana".into())), NOW).is_empty());
}

#[test]
fn reconnect_is_refused_without_a_device_and_restarts_the_backoff_otherwise() {
    let mut m = pairing();
    let fx = run(&mut m, Input::Reconnect, NOW);
    assert!(matches!(fx.as_slice(), [Effect::Answer(Err(_))]));
    let mut m = connected();
    for _ in 0..5 {
        m.backoff.next(Duration::MAX);
    }
    let fx = run(&mut m, Input::Reconnect, NOW);
    assert_eq!(fx[0], Effect::StopLink);
    assert_eq!(waits(&fx), Some(Duration::ZERO));
    assert_eq!(m.state(), S::Connecting);
    assert_eq!(
        m.record.info.disconnects, 0,
        "a requested reconnect is no loss"
    );
    assert_eq!(m.phase, Phase::Waiting);
}

#[test]
fn pairing_a_number_that_needs_a_person_says_what_to_do() {
    let mut m = connected();
    run(
        &mut m,
        Input::Signal(Signal::Replaced("conflict".into())),
        NOW,
    );
    let fx = run(&mut m, Input::Pair { by_code: false }, NOW);
    assert!(
        matches!(fx.as_slice(), [Effect::Answer(Err(e))] if e.message.contains("wactl reconnect"))
    );
}

#[test]
fn a_banned_number_retries_when_the_ban_ends() {
    let mut m = connected();
    run(
        &mut m,
        Input::Signal(Signal::Banned(Duration::from_secs(60), "banned".into())),
        NOW,
    );
    ended(&mut m, NOW + 1);
    assert_eq!(next_deadline(&m), Some(NOW + 60_000));
    let fx = run(&mut m, Input::Deadline, NOW + 60_000);
    assert_eq!(waits(&fx), Some(Duration::ZERO));
    assert_eq!(m.state(), S::Connecting);
}

#[test]
fn a_word_heard_after_the_link_ended_still_names_the_cause() {
    let mut m = connected();
    run(
        &mut m,
        Input::Signal(Signal::Lost(
            "WhatsApp closed the connection (close code 1000)".into(),
        )),
        NOW,
    );
    ended(&mut m, NOW);
    assert!(m.record.info.reason.contains("close code 1000"));
    run(&mut m, Input::LateWord(ServerWord::StreamEnd), NOW + 200);
    assert_eq!(
        m.record.info.reason,
        "WhatsApp ended the stream (xmlstreamend); retrying in 1s"
    );
    // Once the next attempt runs, it is too late to say.
    run(&mut m, Input::TurnTaken, NOW + 1000);
    run(&mut m, Input::Signal(Signal::Attempt), NOW + 1000);
    run(&mut m, Input::LateWord(ServerWord::BadXml), NOW + 1001);
    assert_eq!(m.state(), S::Reconnecting);
    assert!(!m.record.info.reason.contains("xml-not-well-formed"));
}

#[test]
fn a_first_login_that_never_completes_says_the_phone_has_not_sent_its_keys() {
    let mut m = pairing();
    run(&mut m, Input::Pair { by_code: false }, NOW);
    run(&mut m, Input::TurnTaken, NOW);
    run(
        &mut m,
        Input::Signal(Signal::Paired {
            jid: format!("{NUMBER}:3@s.whatsapp.net"),
            push_name: String::new(),
        }),
        NOW,
    );
    let deadline = next_deadline(&m).unwrap();
    assert_eq!(
        run(&mut m, Input::Deadline, deadline),
        vec![Effect::EndLink]
    );
    run(&mut m, Input::LinkEnded { watched: true }, deadline);
    assert_eq!(m.state(), S::Disconnected);
    let reason = &m.record.info.reason;
    assert!(
        reason.contains("has not sent its encryption keys")
            && reason.contains("open WhatsApp on the phone"),
        "{reason}"
    );
}

#[test]
fn only_the_phones_own_doings_show_it_alive() {
    let mut m = connected();
    m.record.info.phone_seen_at = Some(1);
    run(&mut m, Input::Signal(Signal::PushName("Ana".into())), NOW);
    assert_eq!(m.record.info.phone_seen_at, Some(NOW));
}

#[test]
fn a_lapsed_lease_closes_the_link_and_queues_the_next_connect() {
    let mut m = connected();
    let fx = run(
        &mut m,
        Input::Hold("the database does not answer".into()),
        5_000,
    );
    assert_eq!(fx[0], Effect::StopLink, "{fx:?}");
    assert_eq!(waits(&fx), Some(Duration::ZERO), "{fx:?}");
    assert_eq!(m.state(), S::Disconnected);
    assert_eq!(m.record.info.reason, "the database does not answer");
    // A number waiting for its own backoff is only told why.
    let mut idle = pairing();
    assert!(run(&mut idle, Input::Hold("x".into()), 5_000).is_empty());
}

mod reopen;
mod silence;
