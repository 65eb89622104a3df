//! One daemon per data directory.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Seek, Write};
use std::path::Path;

use anyhow::{Context, bail};

/// An exclusive lock on `<data>/waconnd.lock`, held for the daemon's life.
/// The file says `running` while a daemon runs; a daemon that finds it so
/// at start knows the last one did not stop cleanly.
pub struct DataDirLock {
    file: File,
    /// The daemon before did not stop cleanly (killed, crashed, power cut).
    pub unclean: bool,
}

const RUNNING: &[u8] = b"running\n";

impl DataDirLock {
    /// Takes the lock, or explains that another daemon holds it.
    pub fn acquire(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("waconnd.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open lock file `{}`", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                let unclean = std::fs::read(&path).is_ok_and(|was| was.starts_with(RUNNING));
                let mut file = file;
                file.set_len(0)
                    .and_then(|()| file.write_all(RUNNING))
                    .and_then(|()| file.sync_all())
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
                Ok(Self { file, unclean })
            }
            Err(TryLockError::WouldBlock) => bail!(
                "another waconnd is already running on data directory `{}`; stop it first, or give this one another --data-dir",
                data_dir.display()
            ),
            Err(TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("cannot lock `{}`", path.display()))
            }
        }
    }
}

impl DataDirLock {
    /// Notes that this daemon stopped cleanly.
    pub fn release_cleanly(mut self) {
        let _ = self
            .file
            .set_len(0)
            .and_then(|()| self.file.rewind())
            .and_then(|()| self.file.sync_all());
    }
}
