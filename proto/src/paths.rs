//! Where the socket and the data live. The daemon binds at
//! [`socket_path`]; a client looks in every place a daemon of this user may
//! be listening ([`find_socket`]), so a cron job without `XDG_RUNTIME_DIR`
//! finds the daemon that systemd or a login shell started.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variable naming the socket (same as `--socket`).
pub const SOCKET_ENV: &str = "WACONN_SOCKET";
/// Environment variable naming the data directory (same as `--data-dir`).
pub const DATA_DIR_ENV: &str = "WACONN_DATA_DIR";
/// File name of the socket inside its directory.
pub const SOCKET_NAME: &str = "waconnd.sock";

/// Where the daemon binds: `explicit` (from `--socket` or `WACONN_SOCKET`),
/// else `$XDG_RUNTIME_DIR/waconn/waconnd.sock`, else
/// `/tmp/waconn-<uid>/waconnd.sock`.
pub fn socket_path(explicit: Option<&Path>) -> PathBuf {
    resolve_socket(explicit, xdg_runtime_dir(), uid())
}

/// [`socket_path`] with its inputs spelled out.
pub fn resolve_socket(
    explicit: Option<&Path>,
    xdg_runtime_dir: Option<OsString>,
    uid: u32,
) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    match runtime_dir(xdg_runtime_dir) {
        Some(dir) => in_runtime_dir(&dir),
        None => in_tmp(uid),
    }
}

/// Every place a daemon of user `uid` may listen when no socket is named, in
/// the order a client tries them: `$XDG_RUNTIME_DIR/waconn/waconnd.sock`
/// (ignored unless absolute, as the XDG spec asks),
/// `/run/user/<uid>/waconn/waconnd.sock` (where systemd puts
/// `XDG_RUNTIME_DIR`, for clients started without it, such as cron's), then
/// `/tmp/waconn-<uid>/waconnd.sock`. No place twice.
pub fn socket_candidates(xdg_runtime_dir: Option<OsString>, uid: u32) -> Vec<PathBuf> {
    let mut places = Vec::with_capacity(3);
    if let Some(dir) = runtime_dir(xdg_runtime_dir) {
        places.push(in_runtime_dir(&dir));
    }
    let systemd = in_runtime_dir(Path::new(&format!("/run/user/{uid}")));
    if !places.contains(&systemd) {
        places.push(systemd);
    }
    places.push(in_tmp(uid));
    places
}

/// `XDG_RUNTIME_DIR` when it is usable: the spec says to ignore a relative
/// one.
fn runtime_dir(xdg_runtime_dir: Option<OsString>) -> Option<PathBuf> {
    xdg_runtime_dir
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
}

fn in_runtime_dir(dir: &Path) -> PathBuf {
    dir.join("waconn").join(SOCKET_NAME)
}

fn in_tmp(uid: u32) -> PathBuf {
    PathBuf::from(format!("/tmp/waconn-{uid}")).join(SOCKET_NAME)
}

/// The socket a client talks to: `explicit`, else the first of
/// [`socket_candidates`] where a socket exists.
pub fn find_socket(explicit: Option<&Path>) -> Result<PathBuf, SocketNotFound> {
    locate_socket(explicit, xdg_runtime_dir(), uid(), is_socket)
}

/// [`find_socket`] with its inputs spelled out: `exists` says whether a
/// socket is at a path.
pub fn locate_socket(
    explicit: Option<&Path>,
    xdg_runtime_dir: Option<OsString>,
    uid: u32,
    exists: impl Fn(&Path) -> bool,
) -> Result<PathBuf, SocketNotFound> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let tried = socket_candidates(xdg_runtime_dir, uid);
    match tried.iter().find(|p| exists(p)) {
        Some(found) => Ok(found.clone()),
        None => Err(SocketNotFound { tried }),
    }
}

/// No daemon socket in any of the places a client looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketNotFound {
    /// Where the client looked, in order.
    pub tried: Vec<PathBuf>,
}

impl fmt::Display for SocketNotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let places: Vec<String> = self
            .tried
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect();
        write!(f, "no waconnd socket at {}", places.join(", "))
    }
}

impl std::error::Error for SocketNotFound {}

/// The default data directory (`~/.local/share/waconn` on Linux), if the
/// home directory is known.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "waconn").map(|d| d.data_local_dir().to_path_buf())
}

fn xdg_runtime_dir() -> Option<OsString> {
    std::env::var_os("XDG_RUNTIME_DIR")
}

fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}

fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daemon_binds_explicit_then_runtime_dir_then_tmp() {
        let explicit = Path::new("/x/y.sock");
        assert_eq!(
            resolve_socket(Some(explicit), Some("/run/user/5".into()), 5),
            explicit
        );
        assert_eq!(
            resolve_socket(None, Some("/run/user/5".into()), 5),
            Path::new("/run/user/5/waconn/waconnd.sock")
        );
        assert_eq!(
            resolve_socket(None, Some("/home/u/rt".into()), 5),
            Path::new("/home/u/rt/waconn/waconnd.sock")
        );
        assert_eq!(
            resolve_socket(None, None, 5),
            Path::new("/tmp/waconn-5/waconnd.sock"),
            "without XDG_RUNTIME_DIR the daemon binds in /tmp, never in a /run/user it did not get"
        );
        assert_eq!(
            resolve_socket(None, Some("relative".into()), 7),
            Path::new("/tmp/waconn-7/waconnd.sock"),
        );
    }

    #[test]
    fn clients_look_in_three_places_in_order() {
        assert_eq!(
            socket_candidates(Some("/home/u/rt".into()), 1000),
            [
                Path::new("/home/u/rt/waconn/waconnd.sock"),
                Path::new("/run/user/1000/waconn/waconnd.sock"),
                Path::new("/tmp/waconn-1000/waconnd.sock"),
            ]
        );
        assert_eq!(
            socket_candidates(Some("/run/user/1000".into()), 1000),
            [
                Path::new("/run/user/1000/waconn/waconnd.sock"),
                Path::new("/tmp/waconn-1000/waconnd.sock"),
            ],
            "systemd's runtime dir is not tried twice"
        );
        assert_eq!(
            socket_candidates(Some("relative".into()), 7),
            [
                Path::new("/run/user/7/waconn/waconnd.sock"),
                Path::new("/tmp/waconn-7/waconnd.sock"),
            ],
            "a relative XDG_RUNTIME_DIR is ignored, as the spec asks"
        );
    }

    #[test]
    fn a_cron_client_finds_the_daemon_systemd_started() {
        let systemd = Path::new("/run/user/1000/waconn/waconnd.sock");
        let only = |there: &'static Path| move |p: &Path| p == there;
        // The daemon ran with XDG_RUNTIME_DIR=/run/user/1000; cron has none.
        assert_eq!(
            locate_socket(None, None, 1000, only(systemd)),
            Ok(systemd.to_path_buf())
        );
        // The daemon ran without it (bound in /tmp); a login shell has it.
        let tmp = Path::new("/tmp/waconn-1000/waconnd.sock");
        assert_eq!(
            locate_socket(None, Some("/run/user/1000".into()), 1000, only(tmp)),
            Ok(tmp.to_path_buf())
        );
        // The first that exists wins.
        assert_eq!(
            locate_socket(None, Some("/home/u/rt".into()), 1000, |_| true),
            Ok(PathBuf::from("/home/u/rt/waconn/waconnd.sock"))
        );
        // An explicit socket is used whether or not it exists.
        let explicit = Path::new("/srv/w.sock");
        assert_eq!(
            locate_socket(Some(explicit), None, 1000, |_| false),
            Ok(explicit.to_path_buf())
        );
    }

    #[test]
    fn no_socket_names_every_place_tried() {
        let err = locate_socket(None, Some("/home/u/rt".into()), 1000, |_| false)
            .expect_err("nothing exists");
        assert_eq!(err.tried.len(), 3);
        assert_eq!(
            err.to_string(),
            "no waconnd socket at `/home/u/rt/waconn/waconnd.sock`, \
             `/run/user/1000/waconn/waconnd.sock`, `/tmp/waconn-1000/waconnd.sock`"
        );
    }
}
