//! Where the socket and the data live. Both binaries resolve them with these
//! functions, so a cron job without `XDG_RUNTIME_DIR` finds the same daemon
//! as a login shell.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable naming the socket (same as `--socket`).
pub const SOCKET_ENV: &str = "WACONN_SOCKET";
/// Environment variable naming the data directory (same as `--data-dir`).
pub const DATA_DIR_ENV: &str = "WACONN_DATA_DIR";
/// File name of the socket inside its directory.
pub const SOCKET_NAME: &str = "waconnd.sock";

/// The socket path: `explicit` (from `--socket` or `WACONN_SOCKET`), else
/// `$XDG_RUNTIME_DIR/waconn/waconnd.sock`, else `/tmp/waconn-<uid>/waconnd.sock`.
pub fn socket_path(explicit: Option<&Path>) -> PathBuf {
    resolve_socket(
        explicit,
        std::env::var_os("XDG_RUNTIME_DIR"),
        rustix::process::getuid().as_raw(),
    )
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
    match xdg_runtime_dir.map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("waconn").join(SOCKET_NAME),
        _ => PathBuf::from(format!("/tmp/waconn-{uid}")).join(SOCKET_NAME),
    }
}

/// The default data directory (`~/.local/share/waconn` on Linux), if the
/// home directory is known.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "waconn").map(|d| d.data_local_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_then_runtime_dir_then_tmp() {
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
            resolve_socket(None, None, 5),
            Path::new("/tmp/waconn-5/waconnd.sock")
        );
        assert_eq!(
            resolve_socket(None, Some("relative".into()), 7),
            Path::new("/tmp/waconn-7/waconnd.sock"),
            "a relative XDG_RUNTIME_DIR is ignored, as the spec asks"
        );
    }
}
