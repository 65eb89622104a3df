//! The SQLite file layer the stores open through: the stock unix layer,
//! except that a database and its rollback journal hold a descriptor only
//! while in use ([`super::files`]). It offers no shared-memory index, so a
//! store cannot switch to WAL (which would keep two more files open for
//! good); everything else (temporary files, path handling, time) is the
//! unix layer's own.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use libsqlite3_sys as ffi;

use super::files::{LazyFile, Mode};
use super::locks;

/// The name stores ask for in their URI (`?vfs=`).
pub const NAME: &CStr = c"waconn";

/// Registers the layer once; later calls repeat the first answer.
pub fn register() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            // SAFETY: SQLite initialises itself on `sqlite3_vfs_find`; the
            // registered struct is leaked, so it lives as long as SQLite.
            unsafe {
                let unix = ffi::sqlite3_vfs_find(std::ptr::null());
                if unix.is_null() {
                    return Err("SQLite has no default file layer".to_owned());
                }
                let own = std::mem::size_of::<StoreFile>() as c_int;
                let vfs = Box::new(ffi::sqlite3_vfs {
                    iVersion: 2,
                    szOsFile: own.max((*unix).szOsFile),
                    mxPathname: (*unix).mxPathname,
                    pNext: std::ptr::null_mut(),
                    zName: NAME.as_ptr(),
                    pAppData: unix.cast(),
                    xOpen: Some(open),
                    xDelete: Some(delete),
                    xAccess: Some(access),
                    xFullPathname: Some(full_pathname),
                    xDlOpen: (*unix).xDlOpen,
                    xDlError: (*unix).xDlError,
                    xDlSym: (*unix).xDlSym,
                    xDlClose: (*unix).xDlClose,
                    xRandomness: Some(randomness),
                    xSleep: Some(sleep),
                    xCurrentTime: Some(current_time),
                    xGetLastError: Some(last_error),
                    xCurrentTimeInt64: Some(current_time_int64),
                    xSetSystemCall: None,
                    xGetSystemCall: None,
                    xNextSystemCall: None,
                });
                match ffi::sqlite3_vfs_register(Box::into_raw(vfs), 0) {
                    ffi::SQLITE_OK => Ok(()),
                    code => Err(format!("cannot register the store file layer: code {code}")),
                }
            }
        })
        .clone()
}

/// SQLite's file object for a store file: its header, then ours.
#[repr(C)]
struct StoreFile {
    base: ffi::sqlite3_file,
    state: *mut State,
}

/// One open database or journal.
struct State {
    file: LazyFile,
    /// SQLite's lock level on it.
    lock: c_int,
    /// Held while any lock is, so the descriptor carrying the lock stays.
    pinned: Option<Arc<std::fs::File>>,
    /// A journal just created: its directory entry is made durable at its
    /// first sync, as the unix layer does.
    sync_dir: bool,
}

impl State {
    fn file(&mut self) -> std::io::Result<Arc<std::fs::File>> {
        match &self.pinned {
            Some(file) => Ok(Arc::clone(file)),
            None => self.file.get(),
        }
    }
}

/// The unix layer this one delegates to.
///
/// # Safety
/// `vfs` must be the struct built by [`register`].
unsafe fn unix(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    // SAFETY: by the caller.
    unsafe { (*vfs).pAppData.cast() }
}

/// Our state behind a file SQLite opened through [`open`].
///
/// # Safety
/// `file` must have been opened by [`open`] with [`METHODS`] and not closed.
unsafe fn state<'a>(file: *mut ffi::sqlite3_file) -> &'a mut State {
    // SAFETY: by the caller; SQLite uses one file from one thread at a time.
    unsafe { &mut *(*file.cast::<StoreFile>()).state }
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let ours = ffi::SQLITE_OPEN_MAIN_DB | ffi::SQLITE_OPEN_MAIN_JOURNAL;
    if name.is_null() || flags & ours == 0 || flags & ffi::SQLITE_OPEN_DELETEONCLOSE != 0 {
        // SAFETY: SQLite sized `file` for the unix layer too (`szOsFile`).
        return unsafe {
            let unix = unix(vfs);
            match (*unix).xOpen {
                Some(open) => open(unix, name, file, flags, out_flags),
                None => ffi::SQLITE_CANTOPEN,
            }
        };
    }
    // SAFETY: SQLite passes a valid file object and a NUL-terminated name.
    unsafe {
        (*file).pMethods = std::ptr::null();
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(CStr::from_ptr(name).to_bytes()));
        let mode = Mode {
            read_only: flags & ffi::SQLITE_OPEN_READONLY != 0,
            create: flags & ffi::SQLITE_OPEN_CREATE != 0,
            exclusive: flags & ffi::SQLITE_OPEN_EXCLUSIVE != 0,
        };
        let lazy = match LazyFile::open(path, mode) {
            Ok(lazy) => lazy,
            Err(e) => {
                tracing::debug!("cannot open a store file: {e}");
                return ffi::SQLITE_CANTOPEN;
            }
        };
        let state = Box::new(State {
            file: lazy,
            lock: ffi::SQLITE_LOCK_NONE,
            pinned: None,
            sync_dir: mode.create && flags & ffi::SQLITE_OPEN_MAIN_JOURNAL != 0,
        });
        let own = file.cast::<StoreFile>();
        (*own).state = Box::into_raw(state);
        (*own).base.pMethods = &METHODS;
        if !out_flags.is_null() {
            *out_flags = flags;
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: opened by `open`; SQLite closes each file once.
    unsafe {
        let own = file.cast::<StoreFile>();
        drop(Box::from_raw((*own).state));
        (*own).state = std::ptr::null_mut();
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    buffer: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: opened by `open`; SQLite hands a buffer of `amount` bytes.
    let (state, buffer) = unsafe {
        (
            state(file),
            std::slice::from_raw_parts_mut(buffer.cast::<u8>(), amount as usize),
        )
    };
    let Ok(file) = state.file() else {
        return ffi::SQLITE_IOERR_READ;
    };
    let mut done = 0;
    while done < buffer.len() {
        match file.read_at(&mut buffer[done..], offset as u64 + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return ffi::SQLITE_IOERR_READ,
        }
    }
    if done < buffer.len() {
        // SQLite requires the missing tail zeroed.
        buffer[done..].fill(0);
        return ffi::SQLITE_IOERR_SHORT_READ;
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    buffer: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: opened by `open`; SQLite hands a buffer of `amount` bytes.
    let (state, buffer) = unsafe {
        (
            state(file),
            std::slice::from_raw_parts(buffer.cast::<u8>(), amount as usize),
        )
    };
    let written = state
        .file()
        .and_then(|file| file.write_all_at(buffer, offset as u64));
    match written {
        Ok(()) => ffi::SQLITE_OK,
        Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => ffi::SQLITE_FULL,
        Err(_) => ffi::SQLITE_IOERR_WRITE,
    }
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    // SAFETY: opened by `open`.
    let state = unsafe { state(file) };
    match state.file().and_then(|file| file.set_len(size as u64)) {
        Ok(()) => ffi::SQLITE_OK,
        Err(_) => ffi::SQLITE_IOERR_TRUNCATE,
    }
}

unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: opened by `open`.
    let state = unsafe { state(file) };
    let synced = state.file().and_then(|file| {
        if flags & ffi::SQLITE_SYNC_DATAONLY != 0 {
            file.sync_data()
        } else {
            file.sync_all()
        }
    });
    if synced.is_err() {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    if state.sync_dir {
        let parent = state
            .file
            .path()
            .parent()
            .unwrap_or(std::path::Path::new("."));
        if std::fs::File::open(parent)
            .and_then(|dir| dir.sync_all())
            .is_err()
        {
            return ffi::SQLITE_IOERR_DIR_FSYNC;
        }
        state.sync_dir = false;
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn file_size(
    file: *mut ffi::sqlite3_file,
    size: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: opened by `open`; `size` points to SQLite's out value.
    unsafe {
        match state(file).file().and_then(|file| file.metadata()) {
            Ok(metadata) => {
                *size = metadata.len() as ffi::sqlite3_int64;
                ffi::SQLITE_OK
            }
            Err(_) => ffi::SQLITE_IOERR_FSTAT,
        }
    }
}

unsafe extern "C" fn lock(file: *mut ffi::sqlite3_file, wanted: c_int) -> c_int {
    // SAFETY: opened by `open`.
    let state = unsafe { state(file) };
    let Ok(handle) = state.file() else {
        return ffi::SQLITE_IOERR_LOCK;
    };
    let (level, code) = locks::raise(&handle, state.lock, wanted);
    state.lock = level;
    if level > ffi::SQLITE_LOCK_NONE {
        state.pinned = Some(handle);
    }
    code
}

unsafe extern "C" fn unlock(file: *mut ffi::sqlite3_file, wanted: c_int) -> c_int {
    // SAFETY: opened by `open`.
    let state = unsafe { state(file) };
    let Some(handle) = state.pinned.clone() else {
        state.lock = ffi::SQLITE_LOCK_NONE;
        return ffi::SQLITE_OK;
    };
    let (level, code) = locks::lower(&handle, state.lock, wanted);
    state.lock = level;
    if level == ffi::SQLITE_LOCK_NONE {
        state.pinned = None;
    }
    code
}

unsafe extern "C" fn check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: opened by `open`; `out` points to SQLite's out value.
    unsafe {
        let state = state(file);
        let reserved = state.lock >= ffi::SQLITE_LOCK_RESERVED
            || match state
                .file()
                .and_then(|file| locks::reserved_elsewhere(&file))
            {
                Ok(reserved) => reserved,
                Err(_) => return ffi::SQLITE_IOERR_CHECKRESERVEDLOCK,
            };
        *out = c_int::from(reserved);
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn file_control(_: *mut ffi::sqlite3_file, _: c_int, _: *mut c_void) -> c_int {
    ffi::SQLITE_NOTFOUND
}

unsafe extern "C" fn sector_size(_: *mut ffi::sqlite3_file) -> c_int {
    4096
}

unsafe extern "C" fn device_characteristics(_: *mut ffi::sqlite3_file) -> c_int {
    ffi::SQLITE_IOCAP_POWERSAFE_OVERWRITE
}

/// Calls the unix layer's `$method` with the unix layer itself.
macro_rules! delegate {
    ($name:ident, $method:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty, $missing:expr) => {
        unsafe extern "C" fn $name(vfs: *mut ffi::sqlite3_vfs, $($arg: $ty),*) -> $ret {
            // SAFETY: `vfs` is ours; the unix layer gets itself and the
            // arguments SQLite gave.
            unsafe {
                let unix = unix(vfs);
                match (*unix).$method {
                    Some(method) => method(unix, $($arg),*),
                    None => $missing,
                }
            }
        }
    };
}

delegate!(delete, xDelete, (name: *const c_char, sync_dir: c_int) -> c_int, ffi::SQLITE_ERROR);
delegate!(access, xAccess, (name: *const c_char, flags: c_int, out: *mut c_int) -> c_int, ffi::SQLITE_ERROR);
delegate!(full_pathname, xFullPathname, (name: *const c_char, size: c_int, out: *mut c_char) -> c_int, ffi::SQLITE_ERROR);
delegate!(randomness, xRandomness, (size: c_int, out: *mut c_char) -> c_int, 0);
delegate!(sleep, xSleep, (micros: c_int) -> c_int, 0);
delegate!(current_time, xCurrentTime, (out: *mut f64) -> c_int, ffi::SQLITE_ERROR);
delegate!(last_error, xGetLastError, (size: c_int, out: *mut c_char) -> c_int, 0);
delegate!(current_time_int64, xCurrentTimeInt64, (out: *mut ffi::sqlite3_int64) -> c_int, ffi::SQLITE_ERROR);
