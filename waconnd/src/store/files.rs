//! Store files opened on demand: a session's database is opened when
//! SQLite touches it and closed again when other sessions need the room, so
//! ten thousand idle sessions do not hold ten thousand database descriptors.
//! At most [`OPEN_FILES`] stay open between uses.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// How many store files stay open between uses, for all sessions together.
pub const OPEN_FILES: usize = 128;

/// How a file is opened the first time; later openings never create.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// Read only.
    pub read_only: bool,
    /// Create the file if it does not exist.
    pub create: bool,
    /// Fail if it does exist.
    pub exclusive: bool,
}

/// One file of one store. Two openings of it are never held at once, so
/// the byte-range locks taken on it are never lost to a second descriptor
/// being closed (POSIX drops all of a process's locks on a file then).
pub struct LazyFile {
    path: PathBuf,
    read_only: bool,
    id: u64,
    current: Weak<File>,
}

impl LazyFile {
    /// Opens `path` now, so that a missing or unreadable file is an error
    /// at once rather than at its first read.
    pub fn open(path: PathBuf, mode: Mode) -> io::Result<Self> {
        let mut options = OpenOptions::new();
        options.read(true).write(!mode.read_only);
        if mode.exclusive {
            options.create_new(true);
        } else if mode.create {
            options.create(true);
        }
        let file = Arc::new(options.custom_flags(libc::O_CLOEXEC).open(&path)?);
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let current = Arc::downgrade(&file);
        cache().keep(id, file);
        Ok(Self {
            path,
            read_only: mode.read_only,
            id,
            current,
        })
    }

    /// The open file, reopened if it was closed to make room. Holding the
    /// returned `Arc` keeps it open.
    pub fn get(&mut self) -> io::Result<Arc<File>> {
        if let Some(file) = self.current.upgrade() {
            cache().keep(self.id, Arc::clone(&file));
            return Ok(file);
        }
        let file = Arc::new(
            OpenOptions::new()
                .read(true)
                .write(!self.read_only)
                .custom_flags(libc::O_CLOEXEC)
                .open(&self.path)?,
        );
        self.current = Arc::downgrade(&file);
        cache().keep(self.id, Arc::clone(&file));
        Ok(file)
    }

    /// The file's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for LazyFile {
    fn drop(&mut self) {
        cache().forget(self.id);
    }
}

/// The files kept open between uses, oldest use first out.
#[derive(Default)]
struct Cache {
    tick: u64,
    by_id: HashMap<u64, (Arc<File>, u64)>,
    by_age: BTreeMap<u64, u64>,
}

struct Shared(Mutex<Cache>);

impl Shared {
    fn keep(&self, id: u64, file: Arc<File>) {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache.tick += 1;
        let tick = cache.tick;
        if let Some((_, old)) = cache.by_id.insert(id, (file, tick)) {
            cache.by_age.remove(&old);
        }
        cache.by_age.insert(tick, id);
        while cache.by_id.len() > OPEN_FILES {
            let Some((_, oldest)) = cache.by_age.pop_first() else {
                break;
            };
            cache.by_id.remove(&oldest);
        }
    }

    fn forget(&self, id: u64) {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, tick)) = cache.by_id.remove(&id) {
            cache.by_age.remove(&tick);
        }
    }
}

fn cache() -> &'static Shared {
    static CACHE: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| Shared(Mutex::new(Cache::default())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    fn open_descriptors() -> usize {
        std::fs::read_dir("/proc/self/fd").unwrap().count()
    }

    const CREATE: Mode = Mode {
        read_only: false,
        create: true,
        exclusive: false,
    };

    #[test]
    fn idle_files_beyond_the_bound_are_closed_and_reopen_on_use() {
        let dir = tempfile::tempdir().unwrap();
        let before = open_descriptors();
        let mut files: Vec<LazyFile> = (0..OPEN_FILES + 40)
            .map(|i| {
                let mut file = LazyFile::open(dir.path().join(format!("{i}.db")), CREATE).unwrap();
                file.get()
                    .unwrap()
                    .write_all_at(format!("file {i}").as_bytes(), 0)
                    .unwrap();
                file
            })
            .collect();
        assert!(
            open_descriptors() <= before + OPEN_FILES,
            "{} descriptors open for {} files",
            open_descriptors() - before,
            files.len()
        );
        // The first file was closed to make room; it reopens with its data.
        let mut text = [0u8; 6];
        files[0].get().unwrap().read_exact_at(&mut text, 0).unwrap();
        assert_eq!(&text, b"file 0");
        assert!(open_descriptors() <= before + OPEN_FILES);
        files.clear();
        assert_eq!(open_descriptors(), before, "dropped files stay open");
    }

    #[test]
    fn a_file_in_use_is_never_opened_twice() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = LazyFile::open(dir.path().join("held.db"), CREATE).unwrap();
        let held = first.get().unwrap();
        // Push it out of the cache while it is held.
        let _others: Vec<LazyFile> = (0..OPEN_FILES + 1)
            .map(|i| LazyFile::open(dir.path().join(format!("{i}.db")), CREATE).unwrap())
            .collect();
        assert!(Arc::ptr_eq(&held, &first.get().unwrap()));
    }

    #[test]
    fn only_the_first_opening_creates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.db");
        let mut file = LazyFile::open(path.clone(), CREATE).unwrap();
        let exclusive = Mode {
            exclusive: true,
            ..CREATE
        };
        assert!(LazyFile::open(path.clone(), exclusive).is_err());
        std::fs::remove_file(&path).unwrap();
        // Evict it, then reopen: the removed file is not brought back.
        let _others: Vec<LazyFile> = (0..OPEN_FILES + 1)
            .map(|i| LazyFile::open(dir.path().join(format!("{i}.db")), CREATE).unwrap())
            .collect();
        assert!(file.get().is_err());
        assert!(!path.exists());
    }
}
