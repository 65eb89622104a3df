//! A throwaway PostgreSQL server for tests and benchmarks.
//!
//! [`PostgresServer::start`] runs the real server binaries of the Debian
//! package `postgresql` (`/usr/lib/postgresql/*/bin`, or the directory in
//! `WACONN_PG_BIN`): `initdb` in a fresh temporary directory, then `pg_ctl`
//! on a free loopback port, with password authentication for one superuser.
//! PostgreSQL refuses to run as root, so when the tests run as root the data
//! directory is handed to the `nobody` user and every server command runs as
//! that user. Dropping the handle stops the server and removes its files.
//!
//! Only the server is run here: no PostgreSQL client library is linked, so
//! depending on `mockwa` never pulls a database driver in.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, bail};

/// The superuser every throwaway server is created with.
pub const SUPERUSER: &str = "waconn";

/// How many free ports are tried before giving up: another process can take
/// the port between the probe and the server's bind.
const PORT_ATTEMPTS: usize = 5;

/// Where the Debian package puts each major version's server binaries.
const DEBIAN_BIN_ROOT: &str = "/usr/lib/postgresql";

/// How a server keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Tests: `fsync`, synchronous commits and full-page writes off, a
    /// 16 MB buffer pool: fast, and the data is thrown away anyway.
    Throwaway,
    /// Benchmarks: PostgreSQL's own defaults for durability and its
    /// buffer pool, as a production server runs.
    Durable,
}

/// A running PostgreSQL server in its own temporary directory; stopped and
/// removed on drop.
pub struct PostgresServer {
    root: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    password: String,
    run_as: Option<RunAs>,
    running: bool,
}

/// The unprivileged account the server runs as when the tests run as root.
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
}

impl PostgresServer {
    /// Creates a database cluster in a new temporary directory and starts a
    /// server on it, listening on `127.0.0.1` only; returns once it accepts
    /// connections.
    pub fn start() -> anyhow::Result<Self> {
        Self::start_with(Profile::Throwaway)
    }

    /// [`PostgresServer::start`] with the durability of `profile`.
    pub fn start_with(profile: Profile) -> anyhow::Result<Self> {
        let bin = server_bin_dir()?;
        let run_as = run_as()?;
        let root = tempfile::Builder::new()
            .prefix("waconn-pg-")
            .tempdir()
            .context("cannot create a temporary directory for PostgreSQL")?;
        let password = random_password();
        let mut server = Self {
            root,
            bin,
            port: 0,
            password,
            run_as,
            running: false,
        };
        server.init(profile)?;
        server.launch()?;
        Ok(server)
    }

    /// The URL of the `postgres` database, with the superuser's password.
    pub fn url(&self) -> String {
        self.url_for("postgres")
    }

    /// The URL of `database` on this server, with the superuser's password.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// Creates an empty database `name` with the real `createdb` client.
    pub fn create_database(&self, name: &str) -> anyhow::Result<()> {
        let port = self.port.to_string();
        let mut command = Command::new(self.bin.join("createdb"));
        command
            .args(["-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER, name])
            // The password travels in the environment, never on a command line.
            .env("PGPASSWORD", &self.password);
        checked(command, "createdb").map(drop)
    }

    /// The temporary directory holding the cluster and the log.
    pub fn dir(&self) -> &Path {
        self.root.path()
    }

    /// The server's log so far, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Stops the server as an outage would (fast shutdown: open sessions
    /// are ended), keeping its data; [`PostgresServer::resume`] starts it
    /// again on the same port.
    pub fn halt(&mut self) -> anyhow::Result<()> {
        self.shutdown()
    }

    /// Starts a halted server again on its port, with its data.
    pub fn resume(&mut self) -> anyhow::Result<()> {
        if self.running {
            return Ok(());
        }
        self.pg_ctl_start()?;
        self.running = true;
        Ok(())
    }

    /// `pg_ctl start` on the cluster, waiting until it accepts connections.
    fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_path())
            .args(["-w", "-t", "60", "start"]);
        checked(pg_ctl, "pg_ctl start").map(drop)
    }

    /// Stops the server (fast shutdown: open sessions are ended) and removes
    /// its files.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown()
    }

    /// The process id of the server's postmaster (its other processes are
    /// the postmaster's children).
    pub fn pid(&self) -> anyhow::Result<u32> {
        let path = self.data_dir().join("postmaster.pid");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        text.lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .with_context(|| format!("no process id in `{}`", path.display()))
    }

    /// The cluster's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.root.path().join("server.log")
    }

    fn init(&self, profile: Profile) -> anyhow::Result<()> {
        let pwfile = self.root.path().join("pwfile");
        std::fs::write(&pwfile, format!("{}\n", self.password))
            .context("cannot write the password file")?;
        if let Some(user) = self.run_as {
            for path in [self.root.path(), pwfile.as_path()] {
                std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).with_context(
                    || format!("cannot hand `{}` to uid {}", path.display(), user.uid),
                )?;
            }
        }
        let mut initdb = self.server_command("initdb");
        initdb
            .arg("-D")
            .arg(self.data_dir())
            .args(["-U", SUPERUSER, "-A", "scram-sha-256", "-E", "UTF8"])
            .args(["--locale=C", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()));
        checked(initdb, "initdb")?;
        std::fs::remove_file(&pwfile).context("cannot remove the password file")?;
        // Loopback TCP only; throwaway data without durability.
        self.append_config(
            "listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = ''\n\
             max_connections = 200\n",
        )?;
        match profile {
            Profile::Throwaway => self.append_config(
                "fsync = off\n\
                 synchronous_commit = off\n\
                 full_page_writes = off\n\
                 shared_buffers = 16MB\n",
            ),
            Profile::Durable => Ok(()),
        }
    }

    fn launch(&mut self) -> anyhow::Result<()> {
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            self.port = free_port()?;
            // The last `port` line of the file wins.
            self.append_config(&format!("port = {}\n", self.port))?;
            match self.pg_ctl_start() {
                Ok(_) => {
                    self.running = true;
                    return Ok(());
                }
                Err(e) => {
                    last = format!("{e:#}\nserver log:\n{}", self.log());
                    if !last.contains("could not bind") && !last.contains("already in use") {
                        break;
                    }
                }
            }
        }
        bail!("cannot start PostgreSQL: {last}")
    }

    fn shutdown(&mut self) -> anyhow::Result<()> {
        if !self.running {
            return Ok(());
        }
        self.running = false;
        let fast = self.pg_ctl_stop("fast");
        if fast.is_err() {
            // Immediate shutdown needs no cooperation from open sessions.
            return self.pg_ctl_stop("immediate").or(fast);
        }
        fast
    }

    fn pg_ctl_stop(&self, mode: &str) -> anyhow::Result<()> {
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", mode, "-w", "-t", "30", "stop"]);
        checked(pg_ctl, "pg_ctl stop").map(drop)
    }

    fn append_config(&self, lines: &str) -> anyhow::Result<()> {
        use std::io::Write as _;
        let path = self.data_dir().join("postgresql.conf");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(lines.as_bytes()))
            .with_context(|| format!("cannot append to `{}`", path.display()))
    }

    /// A command of the server's own, run as the server's user from its
    /// directory.
    fn server_command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command.current_dir(self.root.path()).env("LC_ALL", "C");
        if let Some(user) = self.run_as {
            command.uid(user.uid).gid(user.gid);
        }
        command
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            eprintln!(
                "throwaway PostgreSQL on port {} did not stop: {e:#}",
                self.port
            );
        }
    }
}

impl std::fmt::Debug for PostgresServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("PostgresServer")
            .field("root", &self.root.path())
            .field("port", &self.port)
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

/// Runs `command` to completion; an error carries its output.
fn checked(mut command: Command, what: &str) -> anyhow::Result<Output> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what} (`{}`)", command.get_program().display()))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
    }
    Ok(output)
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: `WACONN_PG_BIN`,
/// else the newest major version the Debian package installed.
fn server_bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("WACONN_PG_BIN") {
        let dir = PathBuf::from(dir);
        if !dir.join("initdb").is_file() {
            bail!(
                "WACONN_PG_BIN is `{}`, which holds no `initdb`: point it at PostgreSQL's server binaries",
                dir.display()
            );
        }
        return Ok(dir);
    }
    newest_version_bin(Path::new(DEBIAN_BIN_ROOT)).with_context(|| {
        format!(
            "no PostgreSQL server binaries in `{DEBIAN_BIN_ROOT}/*/bin`: install them with \
             `apt-get install -y postgresql`, or set WACONN_PG_BIN to their directory"
        )
    })
}

fn newest_version_bin(root: &Path) -> anyhow::Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .context("no version directory with a `bin/initdb`")
}

/// `nobody` when running as root (PostgreSQL will not run as root), else
/// the current user.
fn run_as() -> anyhow::Result<Option<RunAs>> {
    if !rustix::process::geteuid().is_root() {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    passwd_entry(&passwd, "nobody")
        .map(Some)
        .context("running as root and no `nobody` user in /etc/passwd to run PostgreSQL as")
}

/// The uid and gid of `name` in the text of an `/etc/passwd`.
fn passwd_entry(passwd: &str, name: &str) -> Option<RunAs> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let _password = fields.next()?;
        Some(RunAs {
            uid: fields.next()?.parse().ok()?,
            gid: fields.next()?.parse().ok()?,
        })
    })
}

/// A loopback port nothing listens on right now.
fn free_port() -> anyhow::Result<u16> {
    let probe = TcpListener::bind("127.0.0.1:0").context("cannot probe for a free port")?;
    Ok(probe.local_addr()?.port())
}

/// 32 random hex digits: safe in a URL without escaping.
fn random_password() -> String {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .expect("the system random generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_user_in_passwd_text() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
        let nobody = passwd_entry(passwd, "nobody").expect("nobody");
        assert_eq!((nobody.uid, nobody.gid), (65534, 65534));
        assert!(passwd_entry(passwd, "nob").is_none());
        assert!(passwd_entry("broken:x:notanumber:1::\n", "broken").is_none());
    }

    #[test]
    fn picks_the_newest_version_with_binaries() {
        let root = tempfile::tempdir().expect("tempdir");
        for (version, with_initdb) in [("13", true), ("16", true), ("17", false), ("x", true)] {
            let bin = root.path().join(version).join("bin");
            std::fs::create_dir_all(&bin).expect("mkdir");
            if with_initdb {
                std::fs::write(bin.join("initdb"), "").expect("initdb");
            }
        }
        let bin = newest_version_bin(root.path()).expect("found");
        assert_eq!(bin, root.path().join("16").join("bin"));
        let empty = tempfile::tempdir().expect("tempdir");
        assert!(newest_version_bin(empty.path()).is_err());
    }

    #[test]
    fn passwords_are_random_hex() {
        let (a, b) = (random_password(), random_password());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
