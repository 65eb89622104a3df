//! `wactl check`: the cron health check.

use std::io::Write;

use waconn_proto::{Number, SessionInfo, SessionState};

use crate::cli::CheckArgs;
use crate::client::Client;
use crate::exit::{self, Failure};
use crate::output::{ago, now_ms};
use crate::views::{CheckView, ProblemView};

pub async fn run(client: &mut Client, args: CheckArgs) -> Result<u8, Failure> {
    let sessions = super::sessions(client).await?;
    let now = now_ms();
    let grace = i64::try_from(args.grace.as_millis()).unwrap_or(i64::MAX);
    let problems = problems(&sessions, &args.numbers, now, grace);
    let code = problems
        .iter()
        .map(|p| p.exit_code)
        .max()
        .unwrap_or(exit::OK);
    let checked = if args.numbers.is_empty() {
        sessions.len()
    } else {
        args.numbers.len()
    };
    if args.json {
        super::print_json(&CheckView {
            ok: problems.is_empty(),
            exit_code: code,
            checked,
            problems,
        })?;
        return Ok(code);
    }
    let mut out = anstream::stdout().lock();
    for p in &problems {
        let since = p
            .since
            .map(|s| format!(" since {}", ago(s)))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {}{since}: {}; {}",
            p.number, p.state, p.reason, p.action
        )?;
    }
    Ok(code)
}

/// The problems among `sessions` (restricted to `wanted` unless empty).
fn problems(sessions: &[SessionInfo], wanted: &[Number], now: i64, grace: i64) -> Vec<ProblemView> {
    let mut found = Vec::new();
    for number in wanted {
        if !sessions.iter().any(|s| &s.number == number) {
            found.push(ProblemView {
                number: number.to_string(),
                state: "UNKNOWN".into(),
                since: None,
                reason: "not registered with waconnd".into(),
                action: format!("pair it with `wactl pair {number}`, or remove it from this check"),
                exit_code: exit::NEEDS_PERSON,
            });
        }
    }
    for s in sessions
        .iter()
        .filter(|s| wanted.is_empty() || wanted.contains(&s.number))
    {
        if let Some(warning) = phone_warning(s, now) {
            found.push(ProblemView {
                number: s.number.to_string(),
                state: s.state.as_str().into(),
                since: s.phone_seen_at,
                reason: warning,
                action: "open WhatsApp on the phone (online) before WhatsApp unlinks this device"
                    .into(),
                exit_code: exit::NEEDS_PERSON,
            });
            continue;
        }
        if s.state == SessionState::Connected {
            continue;
        }
        let down_since = s.disconnected_at.unwrap_or(s.since);
        if s.state.is_recovering() && now - down_since < grace {
            continue;
        }
        found.push(ProblemView {
            number: s.number.to_string(),
            state: s.state.as_str().into(),
            since: Some(if s.state.is_recovering() {
                down_since
            } else {
                s.since
            }),
            reason: s.reason.clone(),
            action: action(s),
            exit_code: exit::for_state(s.state),
        });
    }
    found
}

/// WhatsApp unlinks a companion whose phone stays offline this long.
const PHONE_UNLINK_DAYS: i64 = 14;
/// `check` and `inspect` warn from this many days of phone silence.
const PHONE_WARN_DAYS: i64 = 12;

/// A warning when the phone of a paired `s` has been silent for days.
pub(crate) fn phone_warning(s: &SessionInfo, now: i64) -> Option<String> {
    let seen = s.phone_seen_at.filter(|_| s.state.is_paired())?;
    let days = (now - seen) / 86_400_000;
    (days >= PHONE_WARN_DAYS).then(|| {
        format!(
            "the phone has shown no sign of life for {days} days; WhatsApp unlinks this device after {PHONE_UNLINK_DAYS}"
        )
    })
}

/// What a person should do about `s`.
fn action(s: &SessionInfo) -> String {
    let n = &s.number;
    match s.state {
        SessionState::Connecting | SessionState::Disconnected | SessionState::Reconnecting => {
            "waconnd is reconnecting on its own; if it lasts, check the network or `wactl inspect`"
                .into()
        }
        SessionState::Pairing => format!("scan a code: `wactl pair {n}`"),
        SessionState::LoggedOut => {
            format!("the phone unlinked it; pair again with `wactl pair {n}`")
        }
        SessionState::Replaced => {
            format!("another client took over; stop it, then `wactl reconnect {n}`")
        }
        SessionState::Banned => {
            "WhatsApp banned it for a while; waconnd retries after the ban".into()
        }
        SessionState::Outdated => "upgrade waconn; waconnd retries slowly meanwhile".into(),
        SessionState::Failed => format!("see `wactl inspect {n}`, then `wactl reconnect {n}`"),
        SessionState::Connected => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(
        number: &str,
        state: SessionState,
        since: i64,
        disconnected_at: Option<i64>,
    ) -> SessionInfo {
        SessionInfo {
            number: Number::parse(number).expect("number"),
            state,
            reason: "r".into(),
            since,
            has_qr: false,
            created_at: 0,
            paired_at: None,
            connected_at: None,
            disconnected_at,
            last_seen: None,
            jid: None,
            push_name: None,
            pairing_deadline: None,
            retry_at: None,
            forget_at: None,
            disconnects: 0,
            phone_seen_at: None,
        }
    }

    #[test]
    fn grace_tolerates_short_reconnects_only() {
        let now = 1_000_000;
        let s = [
            session("1000001", SessionState::Connected, 0, None),
            session(
                "1000002",
                SessionState::Reconnecting,
                now - 5_000,
                Some(now - 10_000),
            ),
            session(
                "1000003",
                SessionState::Disconnected,
                now - 1_000,
                Some(now - 600_000),
            ),
            session("1000004", SessionState::LoggedOut, now - 1, None),
        ];
        let found = problems(&s, &[], now, 120_000);
        let codes: Vec<_> = found
            .iter()
            .map(|p| (p.number.as_str(), p.exit_code))
            .collect();
        assert_eq!(codes, [("1000003", 3), ("1000004", 4)]);
        assert_eq!(
            found[0].since,
            Some(now - 600_000),
            "down since it left CONNECTED"
        );
        let only = problems(&s, &[Number::parse("1000002").expect("n")], now, 0);
        assert_eq!(only.len(), 1);
        let mut silent = session("1000005", SessionState::Connected, 0, None);
        silent.phone_seen_at = Some(now - 12 * 86_400_000 - 1);
        let warned = problems(std::slice::from_ref(&silent), &[], now, 0);
        assert_eq!(warned.len(), 1);
        assert!(warned[0].reason.contains("12 days"), "{}", warned[0].reason);
        silent.phone_seen_at = Some(now - 11 * 86_400_000);
        assert!(
            problems(&[silent], &[], now, 0).is_empty(),
            "no warning before day 12"
        );
        let unknown = problems(&s, &[Number::parse("1000009").expect("n")], now, 0);
        assert_eq!(
            (unknown[0].state.as_str(), unknown[0].exit_code),
            ("UNKNOWN", 4)
        );
    }
}
