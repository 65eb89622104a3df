//! Files and directories the daemon owns: private directories, guarded
//! socket directories and atomic writes.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};

/// Creates `dir` (and parents) with mode 0700 if missing.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create `{}`", dir.display()))
}

/// Creates the socket's directory if missing and checks that it is a real
/// directory, owned by us, that nobody else can enter.
pub fn guarded_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        private_dir(dir)?;
    }
    let meta =
        fs::symlink_metadata(dir).with_context(|| format!("cannot inspect `{}`", dir.display()))?;
    if meta.file_type().is_symlink() {
        bail!(
            "socket directory `{}` is a symbolic link; remove it or choose another --socket",
            dir.display()
        );
    }
    if !meta.is_dir() {
        bail!("socket directory `{}` is not a directory", dir.display());
    }
    let uid = rustix::process::getuid().as_raw();
    if meta.uid() != uid {
        bail!(
            "socket directory `{}` belongs to uid {}, not to you (uid {uid}); choose another --socket",
            dir.display(),
            meta.uid()
        );
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "socket directory `{}` has mode {mode:o}; others could reach the socket. Fix it with `chmod 700 {}`",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the
/// new content: write a temporary file, sync it, rename, sync the directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("path has no directory")?;
    let tmp = path.with_extension("json.tmp");
    let mut file =
        File::create(&tmp).with_context(|| format!("cannot create `{}`", tmp.display()))?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        drop(file);
        // A half-written copy only takes the space a full disk lacks.
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write `{}`", tmp.display()));
    }
    drop(file);
    fs::rename(&tmp, path).with_context(|| format!("cannot replace `{}`", path.display()))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync `{}`", dir.display()))?;
    Ok(())
}

/// The files of the SQLite store at `store`: the database, the rollback
/// journal a write in progress leaves, and the WAL and its index of stores
/// written by earlier releases.
pub fn store_files(store: &Path) -> [std::path::PathBuf; 4] {
    ["", "-journal", "-wal", "-shm"].map(|suffix| {
        let mut path = store.as_os_str().to_owned();
        path.push(suffix);
        path.into()
    })
}

/// Deletes every file of the store at `store`.
pub fn remove_store(store: &Path) -> std::io::Result<()> {
    store_files(store)
        .iter()
        .try_for_each(|f| remove_if_exists(f))
}

/// Removes `path`, ignoring a file that is already gone.
pub fn remove_if_exists(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_dir_refuses_symlinks_and_open_modes() {
        let root = tempfile::tempdir().expect("tempdir");
        let real = root.path().join("real");
        guarded_dir(&real).expect("creates it");
        assert_eq!(
            fs::metadata(&real).expect("stat").permissions().mode() & 0o777,
            0o700
        );

        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let err = guarded_dir(&link).expect_err("symlink").to_string();
        assert!(err.contains("symbolic link"), "{err}");

        fs::set_permissions(&real, fs::Permissions::from_mode(0o755)).expect("chmod");
        let err = guarded_dir(&real).expect_err("mode").to_string();
        assert!(err.contains("chmod 700"), "{err}");
    }

    #[test]
    fn atomic_write_replaces_content() {
        let root = tempfile::tempdir().expect("tempdir");
        let path = root.path().join("sessions.json");
        write_atomically(&path, b"one").expect("write");
        write_atomically(&path, b"two").expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert!(!root.path().join("sessions.json.tmp").exists());
    }
}
