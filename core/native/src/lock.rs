//! The registry's lock: the kernel's exclusive lock on a lock file (SPEC v3 §9).
//!
//! `std::fs::File::try_lock` (Rust 1.89) is the lock: on Linux, macOS and the BSDs it is
//! `flock(fd, LOCK_EX | LOCK_NB)` (a lock of the *open file description*: two opens of
//! one file exclude each other even inside one process, and a fork's copy shares it), on
//! Windows `LockFileEx(LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY)` over the
//! whole file (a lock of the handle). The kernel drops it when the holder's last
//! descriptor closes, so a killed holder (SIGKILL, a crash, a power-off of its container)
//! never leaves a lock behind, and no pid or age is ever judged.
//!
//! - The lock file is opened (created 0600 if missing) never through a link
//!   (`O_NOFOLLOW`; Windows: the reparse point itself) and without blocking, and must be a
//!   regular file: a link is `ELOOP` (a dangling link is an error, never a retry loop),
//!   a folder `EISDIR`, a FIFO, socket or device `EFTYPE` (libuv's name for "inappropriate
//!   file type"; the TypeScript host gives the same).
//! - Held by another open file → `Lock { taken: false }`. Windows: a sharing violation on
//!   open (`ERROR_SHARING_VIOLATION`) is `taken: false` too: it is how the wasm engine's
//!   host holds the lock there (an open with share mode 0, `UV_FS_O_EXLOCK`; README.md).
//! - Any other failure of the lock call (`ENOLCK`: NFS without a lock daemon,
//!   `ENOTSUP`: some FUSE and SMB mounts) is an error reply: the session says the file
//!   system has no working locks rather than pretending to exclude.
//! - Windows: `LockFileEx` is mandatory for the locked range, so while it is held other
//!   handles cannot read or write the lock file's bytes (`EBUSY`); the owner text the
//!   session keeps for messages is unreadable by others there while the lock is held.

use crate::errors::{os_error, own_error};
use crate::files::{is_missing, kind_of};
use portplan::session::effects::{Kind, Reply};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

/// Locks held for the rest of the process (`Lock { hold: true }`), by path: they outlive
/// the executor that took them, and are released by the kernel when the process ends.
static HELD_FOR_THE_PROCESS: std::sync::Mutex<Vec<(String, File)>> =
    std::sync::Mutex::new(Vec::new());

/// Takes the lock of `path` for the rest of the process; `taken` at once when this process
/// holds it so already.
pub fn hold(path: &str) -> Reply {
    let mut held = HELD_FOR_THE_PROCESS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if held.iter().any(|(p, _)| p == path) {
        return taken(true);
    }
    let mut locks = Locks::default();
    let reply = locks.lock(path);
    if let Some(file) = locks.held.remove(path) {
        held.push((path.to_owned(), file));
    }
    reply
}

/// The locks this executor holds, by the path they were taken with.
#[derive(Default, Debug)]
pub struct Locks {
    held: HashMap<String, File>,
}

impl Locks {
    /// Try to take the lock of `path` without waiting.
    pub fn lock(&mut self, path: &str) -> Reply {
        let file = match open_lock_file(Path::new(path)) {
            Ok(file) => file,
            Err(Refused::Busy) => return taken(false),
            Err(Refused::Error(error)) => {
                return Reply::Lock {
                    taken: false,
                    error: Some(error),
                };
            }
        };
        match file.try_lock() {
            Ok(()) => {
                self.held.insert(path.to_string(), file);
                taken(true)
            }
            Err(TryLockError::WouldBlock) => taken(false),
            Err(TryLockError::Error(error)) => Reply::Lock {
                taken: false,
                error: Some(os_error(&error)),
            },
        }
    }

    /// Release the lock of `path` and close its file. A lock not held here is `EBADF`;
    /// a failed release is reported, never swallowed (the file is closed all the same,
    /// which releases it in the kernel).
    pub fn unlock(&mut self, path: &str) -> Reply {
        let Some(file) = self.held.remove(path) else {
            return Reply::Done {
                error: Some(own_error("EBADF", "no lock is held on this path")),
            };
        };
        let released = file.unlock();
        drop(file);
        crate::files::done(released)
    }

    /// Whether this executor holds the lock of `path`.
    pub fn holds(&self, path: &str) -> bool {
        self.held.contains_key(path)
    }
}

fn taken(taken: bool) -> Reply {
    Reply::Lock { taken, error: None }
}

enum Refused {
    #[cfg_attr(not(windows), allow(dead_code))]
    /// Held by another process in a way that refuses even the open (Windows share mode).
    Busy,
    Error(portplan::session::effects::OsError),
}

fn open_lock_file(path: &Path) -> Result<File, Refused> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        options.custom_flags(crate::files::windows::FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(error) => return Err(refused_open(path, &error)),
    };
    let metadata = file
        .metadata()
        .map_err(|error| Refused::Error(os_error(&error)))?;
    #[cfg(windows)]
    let kind = crate::files::windows::non_disk_kind(&file).unwrap_or_else(|| kind_of(&metadata));
    #[cfg(not(windows))]
    let kind = kind_of(&metadata);
    match kind {
        Kind::File => Ok(file),
        other => Err(Refused::Error(not_a_file(other))),
    }
}

/// Why the open failed, in the session's words.
fn refused_open(path: &Path, error: &io::Error) -> Refused {
    #[cfg(windows)]
    if error.raw_os_error() == Some(32) {
        // ERROR_SHARING_VIOLATION: the wasm engine's host holds it open exclusively.
        return Refused::Busy;
    }
    if !is_missing(error) {
        // O_NOFOLLOW's ELOOP (EMLINK on FreeBSD), or EISDIR: name what is there.
        if let Ok(metadata) = fs::symlink_metadata(path) {
            let kind = kind_of(&metadata);
            if kind != Kind::File && kind != Kind::Directory {
                return Refused::Error(not_a_file(kind));
            }
        }
    }
    Refused::Error(os_error(error))
}

fn not_a_file(kind: Kind) -> portplan::session::effects::OsError {
    match kind {
        Kind::Symlink => own_error(
            "ELOOP",
            "the lock file is a symbolic link (a lock is never taken through a link)",
        ),
        Kind::Directory => own_error("EISDIR", "the lock file is a folder"),
        Kind::Fifo => own_error("EFTYPE", "the lock file is a FIFO, not a regular file"),
        Kind::Socket => own_error("EFTYPE", "the lock file is a socket, not a regular file"),
        Kind::Device => own_error("EFTYPE", "the lock file is a device, not a regular file"),
        Kind::File | Kind::Other => own_error("EFTYPE", "the lock file is not a regular file"),
    }
}
