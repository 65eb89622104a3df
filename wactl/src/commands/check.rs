//! `wactl check`: the cron health check. Each problem is one line: the
//! number, its state and for how long, why (once), then what a person
//! should do and whether waconnd acts on its own meanwhile. The exit code
//! says the same: 3 when waconnd recovers on its own, 4 when a person must
//! act (DESIGN §6).

use std::io::Write;

use waconn_proto::time::now_ms;
use waconn_proto::{Client, Number, SessionInfo, SessionState};

use crate::cli::CheckArgs;
use crate::exit::{self, Failure};
use crate::output::{elapsed, one_line, span};
use waconn_proto::views::{CheckView, ProblemView};

pub async fn run(mut client: Client, args: CheckArgs) -> Result<u8, Failure> {
    let sessions = client.sessions().await?;
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
        writeln!(out, "{}", line(p))?;
    }
    Ok(code)
}

/// One problem as `check` prints it.
fn line(p: &ProblemView) -> String {
    let since = p
        .since
        .map(|s| format!(" for {}", elapsed(s)))
        .unwrap_or_default();
    format!(
        "{} {}{since}: {}; {}",
        p.number,
        p.state,
        one_line(&p.reason),
        p.action
    )
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
                reason: warning.reason(),
                action: warning.action(),
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
            action: action(s, now),
            exit_code: exit::for_state(s.state),
        });
    }
    found
}

/// WhatsApp unlinks a companion whose phone stays offline this long.
const PHONE_UNLINK_DAYS: i64 = 14;
/// `check` and `inspect` warn from this many days of phone silence.
const PHONE_WARN_DAYS: i64 = 12;

/// A paired number whose phone has been silent for days.
pub(crate) struct PhoneWarning {
    days: i64,
}

impl PhoneWarning {
    /// What is wrong.
    pub fn reason(&self) -> String {
        format!("the phone has shown no sign of life for {} days", self.days)
    }

    /// What to do about it, and by when.
    pub fn action(&self) -> String {
        let left = (PHONE_UNLINK_DAYS - self.days).max(0);
        format!(
            "open WhatsApp on that phone, online, within {left} days: WhatsApp unlinks a device whose phone stays offline {PHONE_UNLINK_DAYS} days"
        )
    }

    /// Both, for `inspect`.
    pub fn sentence(&self) -> String {
        format!("{}; {}", self.reason(), self.action())
    }
}

/// A warning when the phone of a paired `s` has been silent for days.
pub(crate) fn phone_warning(s: &SessionInfo, now: i64) -> Option<PhoneWarning> {
    let seen = s.phone_seen_at.filter(|_| s.state.is_paired())?;
    let days = (now - seen) / 86_400_000;
    (days >= PHONE_WARN_DAYS).then_some(PhoneWarning { days })
}

/// What a person should do about `s`, and what waconnd does meanwhile.
/// The reason is printed before it: this never repeats it.
fn action(s: &SessionInfo, now: i64) -> String {
    let n = &s.number;
    let in_ = |at: i64| span(at - now);
    let retry = s.retry_at.filter(|at| *at > now);
    // "; waconnd ... in 42m" for a deadline still ahead.
    let later = |at: Option<i64>, what: &str| {
        at.filter(|at| *at > now)
            .map(|at| format!("; {what} in {}", in_(at)))
            .unwrap_or_default()
    };
    match s.state {
        SessionState::Connecting | SessionState::Disconnected | SessionState::Reconnecting => {
            let next = retry
                .map(|at| format!(" (next attempt in {})", in_(at)))
                .unwrap_or_default();
            format!(
                "waconnd is reconnecting on its own{next}; if it lasts, check the network, then `wactl inspect {n}`"
            )
        }
        SessionState::Pairing => format!(
            "{}{}",
            if s.has_qr {
                format!("scan the code `wactl pair {n}` shows on a terminal")
            } else {
                format!("run `wactl pair {n}` on a terminal for a code to scan")
            },
            later(
                s.pairing_deadline,
                "unless it is paired, waconnd removes it"
            )
        ),
        SessionState::LoggedOut => format!(
            "pair it again with `wactl pair {n}`{}",
            later(s.forget_at, "otherwise waconnd forgets it")
        ),
        SessionState::Replaced => format!(
            "stop the other client using this number, then run `wactl reconnect {n}`; waconnd does not retry on its own"
        ),
        SessionState::Banned => {
            let when = retry.map_or("once the ban ends".to_string(), |at| {
                format!("in {}", in_(at))
            });
            format!(
                "look on the phone for WhatsApp's notice and stop what caused the ban; waconnd tries again on its own {when} (`wactl reconnect {n}` tries now)"
            )
        }
        SessionState::Outdated => {
            let when = retry.map_or("later".to_string(), |at| format!("in {}", in_(at)));
            format!(
                "waconnd fetches WhatsApp Web's current version and tries again as soon as it has a newer one (else {when}); if it lasts, pin the version WhatsApp Web shows (`waconnd --wa-version X.Y.Z`) or upgrade waconnd, then run `wactl reconnect {n}`"
            )
        }
        SessionState::Failed => format!(
            "see `wactl inspect {n}` for what happened, fix it, then run `wactl reconnect {n}`; waconnd does not retry on its own"
        ),
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
            messages_received: 0,
            last_message_at: None,
            node: None,
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
        assert!(
            warned[0].action.contains("within 2 days"),
            "{}",
            warned[0].action
        );
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

    /// The daemon's own reasons, as `waconnd` records them.
    fn with_reason(state: SessionState, reason: &str, now: i64) -> SessionInfo {
        let mut s = session("15551234567", state, now - 3_600_000, None);
        s.reason = reason.into();
        s
    }

    #[test]
    fn each_line_says_its_reason_once_then_what_to_do() {
        let now = 10_000_000_000;
        let cases = [
            (
                SessionState::Replaced,
                "another client took over this session",
            ),
            (SessionState::Banned, "temporarily banned for 3h"),
            (
                SessionState::Outdated,
                "the server rejected this client version (405)",
            ),
            (SessionState::Failed, "stream error 500"),
            (
                SessionState::LoggedOut,
                "the phone removed this device (401)",
            ),
        ];
        for (state, reason) in cases {
            let s = with_reason(state, reason, now);
            let found = problems(std::slice::from_ref(&s), &[], now, 0);
            let text = line(&found[0]);
            assert_eq!(text.matches(reason).count(), 1, "{text}");
            for phrase in ["took over", "banned", "rejected", "removed this device"] {
                assert!(
                    text.matches(phrase).count() <= 1,
                    "`{phrase}` twice: {text}"
                );
            }
            assert!(text.contains("wactl "), "says what to run: {text}");
        }
    }

    #[test]
    fn needs_a_person_lines_say_when_waconnd_acts_on_its_own() {
        let now = 10_000_000_000;
        let mut banned = with_reason(SessionState::Banned, "temporarily banned for 3h", now);
        banned.retry_at = Some(now + 2 * 3_600_000 + 59 * 60_000 + 56_000);
        let p = &problems(&[banned], &[], now, 0)[0];
        assert_eq!(p.exit_code, exit::NEEDS_PERSON);
        assert!(
            p.action.starts_with("look on the phone"),
            "a person acts first: {}",
            p.action
        );
        assert!(
            p.action.contains("tries again on its own in 3h"),
            "{}",
            p.action
        );
        let replaced = with_reason(
            SessionState::Replaced,
            "another client took over this session",
            now,
        );
        let p = &problems(&[replaced], &[], now, 0)[0];
        assert!(
            p.action.contains("does not retry on its own"),
            "{}",
            p.action
        );
        let mut down = session(
            "15551234567",
            SessionState::Disconnected,
            now - 600_000,
            Some(now - 600_000),
        );
        down.retry_at = Some(now + 5_000);
        let p = &problems(&[down], &[], now, 0)[0];
        assert_eq!(p.exit_code, exit::DEGRADED);
        assert!(
            p.action
                .contains("reconnecting on its own (next attempt in 5s)"),
            "{}",
            p.action
        );
    }

    #[test]
    fn a_reason_with_a_newline_stays_on_its_line() {
        let now = 10_000_000_000;
        let s = with_reason(SessionState::Failed, "bad\nthing", now);
        let text = line(&problems(&[s], &[], now, 0)[0]);
        assert!(
            !text.contains('\n') && text.contains("bad\\nthing"),
            "{text}"
        );
    }
}
