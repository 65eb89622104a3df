//! SQLite's file locks, taken the way its own unix layer takes them (the
//! same bytes, the same order), so that another process opening a store
//! with the stock `sqlite3` sees and respects them.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use libsqlite3_sys as ffi;

/// The byte a writer holds while it waits for readers to leave.
const PENDING_BYTE: i64 = 0x4000_0000;
/// The byte a writer holds while it prepares its change.
const RESERVED_BYTE: i64 = PENDING_BYTE + 1;
/// The range readers share and a committing writer holds alone.
const SHARED_FIRST: i64 = PENDING_BYTE + 2;
const SHARED_SIZE: i64 = 510;

/// Locks one byte range without waiting.
fn set(file: &File, kind: libc::c_int, start: i64, len: i64) -> io::Result<()> {
    // SAFETY: `flock` is plain data; all-zero is a valid value.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = kind as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = start;
    lock.l_len = len;
    loop {
        // SAFETY: the descriptor is open for as long as `file` lives and
        // `lock` is a valid `flock`.
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &lock) } == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Busy when someone else holds the lock, `otherwise` for a real error.
fn refused(error: &io::Error, otherwise: i32) -> i32 {
    match error.raw_os_error() {
        Some(libc::EAGAIN | libc::EACCES) => ffi::SQLITE_BUSY,
        _ => otherwise,
    }
}

/// Raises the lock held on `file` from `held` towards `wanted`. Returns
/// the level now held (an `EXCLUSIVE` that finds readers stops at
/// `PENDING`) and SQLite's result code.
pub fn raise(file: &File, held: i32, wanted: i32) -> (i32, i32) {
    if held >= wanted {
        return (held, ffi::SQLITE_OK);
    }
    if wanted == ffi::SQLITE_LOCK_SHARED {
        // A pending writer keeps new readers out.
        if let Err(e) = set(file, libc::F_RDLCK, PENDING_BYTE, 1) {
            return (held, refused(&e, ffi::SQLITE_IOERR_LOCK));
        }
        let shared = set(file, libc::F_RDLCK, SHARED_FIRST, SHARED_SIZE);
        let released = set(file, libc::F_UNLCK, PENDING_BYTE, 1);
        return match (shared, released) {
            (Err(e), _) => (held, refused(&e, ffi::SQLITE_IOERR_LOCK)),
            (Ok(()), Err(_)) => (ffi::SQLITE_LOCK_SHARED, ffi::SQLITE_IOERR_UNLOCK),
            (Ok(()), Ok(())) => (ffi::SQLITE_LOCK_SHARED, ffi::SQLITE_OK),
        };
    }
    if wanted == ffi::SQLITE_LOCK_RESERVED {
        return match set(file, libc::F_WRLCK, RESERVED_BYTE, 1) {
            Ok(()) => (ffi::SQLITE_LOCK_RESERVED, ffi::SQLITE_OK),
            Err(e) => (held, refused(&e, ffi::SQLITE_IOERR_LOCK)),
        };
    }
    let mut level = held;
    if held < ffi::SQLITE_LOCK_PENDING {
        if let Err(e) = set(file, libc::F_WRLCK, PENDING_BYTE, 1) {
            return (held, refused(&e, ffi::SQLITE_IOERR_LOCK));
        }
        level = ffi::SQLITE_LOCK_PENDING;
    }
    match set(file, libc::F_WRLCK, SHARED_FIRST, SHARED_SIZE) {
        Ok(()) => (ffi::SQLITE_LOCK_EXCLUSIVE, ffi::SQLITE_OK),
        Err(e) => (level, refused(&e, ffi::SQLITE_IOERR_LOCK)),
    }
}

/// Lowers the lock held on `file` to `wanted` (`SHARED` or `NONE`).
/// Returns the level now held and SQLite's result code.
pub fn lower(file: &File, held: i32, wanted: i32) -> (i32, i32) {
    if held <= wanted {
        return (held, ffi::SQLITE_OK);
    }
    if wanted == ffi::SQLITE_LOCK_SHARED {
        if set(file, libc::F_RDLCK, SHARED_FIRST, SHARED_SIZE).is_err() {
            return (held, ffi::SQLITE_IOERR_RDLOCK);
        }
        // The pending and reserved bytes, together.
        if set(file, libc::F_UNLCK, PENDING_BYTE, 2).is_err() {
            return (ffi::SQLITE_LOCK_SHARED, ffi::SQLITE_IOERR_UNLOCK);
        }
        return (ffi::SQLITE_LOCK_SHARED, ffi::SQLITE_OK);
    }
    match set(file, libc::F_UNLCK, 0, 0) {
        Ok(()) => (ffi::SQLITE_LOCK_NONE, ffi::SQLITE_OK),
        Err(_) => (held, ffi::SQLITE_IOERR_UNLOCK),
    }
}

/// Whether another process holds the reserved lock on `file`.
pub fn reserved_elsewhere(file: &File) -> io::Result<bool> {
    // SAFETY: as in `set`.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = RESERVED_BYTE;
    lock.l_len = 1;
    // SAFETY: as in `set`; F_GETLK writes back into `lock`.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut lock) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(lock.l_type != libc::F_UNLCK as libc::c_short)
}
