//! systemd's notification protocol: READY once the socket is bound and the
//! registry restored, STATUS lines as sessions change, watchdog pings, and
//! STOPPING at shutdown. Silent when not started by systemd.

use std::os::unix::ffi::OsStringExt;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

/// Where systemd listens, if it started us.
pub struct Notifier {
    socket: Option<(UnixDatagram, Target)>,
}

enum Target {
    Path(PathBuf),
    Abstract(Vec<u8>),
}

impl Notifier {
    /// Reads `NOTIFY_SOCKET`.
    pub fn from_env() -> Self {
        let target = std::env::var_os("NOTIFY_SOCKET").and_then(|raw| {
            let raw = raw.into_encoded_bytes();
            match raw.first() {
                Some(b'@') => Some(Target::Abstract(raw[1..].to_vec())),
                Some(b'/') => Some(Target::Path(PathBuf::from(std::ffi::OsString::from_vec(
                    raw,
                )))),
                _ => None,
            }
        });
        // Non-blocking: a systemd that reads slowly must never stall the
        // runtime; a dropped STATUS is followed by the next one.
        let socket = target.and_then(|t| {
            let socket = UnixDatagram::unbound().ok()?;
            socket.set_nonblocking(true).ok()?;
            Some((socket, t))
        });
        Self { socket }
    }

    /// Sends `message` (e.g. `READY=1`); failures are logged, never fatal.
    pub fn send(&self, message: &str) {
        let Some((socket, target)) = &self.socket else {
            return;
        };
        let sent = match target {
            Target::Path(path) => socket.send_to(message.as_bytes(), path),
            Target::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                std::os::unix::net::SocketAddr::from_abstract_name(name)
                    .and_then(|addr| socket.send_to_addr(message.as_bytes(), &addr))
            }
        };
        if let Err(e) = sent {
            tracing::debug!("cannot notify systemd: {e}");
        }
    }

    /// Half the watchdog period systemd asked for, if it asked us.
    pub fn watchdog_interval() -> Option<Duration> {
        let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
        let for_us = std::env::var("WATCHDOG_PID")
            .ok()
            .and_then(|p| p.parse::<u32>().ok())
            .is_none_or(|pid| pid == std::process::id());
        (for_us && usec > 0).then(|| Duration::from_micros(usec / 2))
    }
}

/// "3 connected, 1 reconnecting": sessions per state, connected first.
pub fn status_line(counts: &[(waconn_proto::SessionState, u64)]) -> String {
    if counts.is_empty() {
        return "no numbers yet".into();
    }
    let mut counts = counts.to_vec();
    counts.sort_by_key(|(state, _)| *state != waconn_proto::SessionState::Connected);
    counts
        .iter()
        .map(|(state, n)| format!("{n} {}", state.as_str().to_lowercase().replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use waconn_proto::SessionState;

    #[test]
    fn status_line_puts_connected_first() {
        let counts = [
            (SessionState::Reconnecting, 1),
            (SessionState::Connected, 3),
            (SessionState::LoggedOut, 2),
        ];
        assert_eq!(
            status_line(&counts),
            "3 connected, 1 reconnecting, 2 logged out"
        );
        assert_eq!(status_line(&[]), "no numbers yet");
    }
}
