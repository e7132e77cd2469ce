//! The file effects: read, stat, realpath, list, make a folder, create, copy an owner,
//! rename, remove. Each is one primitive that reports what the OS did; the session decides.
//!
//! Two rules hold everywhere, because the registry, its lock and `.env` files live where
//! other users, other checkouts or hostile repositories can put things:
//! - **Never through a link unless asked**: a final symbolic link (a reparse point on
//!   Windows) is reported, not followed (`O_NOFOLLOW`, `FILE_FLAG_OPEN_REPARSE_POINT`).
//! - **Never hang, never read what is not a file**: opens are non-blocking (`O_NONBLOCK`:
//!   a FIFO without a writer opens at once) and the open file is `fstat`ed before a byte
//!   is read; a FIFO, device, socket or folder is reported by its kind.
//!
//! On Windows every open shares read, write and delete (std's default share mode, kept:
//! `FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE`), so another process can
//! rename or remove a file while this one has it open, as on Unix.

use crate::errors::{os_error, own_error};
use portplan::session::effects::{FileRead, Kind, OsError, Reply, Seen};
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

/// Read at most `limit` bytes of the regular file at `path` (one more tells `longer`).
pub fn read(path: &str, limit: u64, follow: bool) -> Reply {
    Reply::Read {
        read: read_file(Path::new(path), limit, follow),
    }
}

fn read_file(path: &Path, limit: u64, follow: bool) -> FileRead {
    let file = match open_for_reading(path, follow) {
        Ok(file) => file,
        Err(error) if is_missing(&error) => return FileRead::Missing,
        Err(error) => {
            // The open refused what is there: a link (ELOOP, or EMLINK on FreeBSD, from
            // O_NOFOLLOW), a socket (ENXIO), ... Say what it is when it is not a file.
            return match kind_at(path, follow) {
                Some(kind) if kind != Kind::File => FileRead::NotFile { kind },
                _ => FileRead::Error {
                    error: os_error(&error),
                },
            };
        }
    };
    let metadata = match file.metadata() {
        Ok(metadata) => metadata,
        Err(error) => {
            return FileRead::Error {
                error: os_error(&error),
            };
        }
    };
    let kind = kind_of_open(&file, &metadata);
    if kind != Kind::File || (!follow && is_link(&metadata)) {
        let kind = if !follow && is_link(&metadata) {
            Kind::Symlink
        } else {
            kind
        };
        return FileRead::NotFile { kind };
    }
    // One byte past the limit says whether there is more; memory stays bounded by the
    // limit, whatever the file's size (a 100 MB registry costs `limit` + 1 bytes here).
    let wanted = limit.saturating_add(1);
    let capacity = wanted.min(metadata.len().saturating_add(1)).min(1 << 16);
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(1 << 16));
    if let Err(error) = file.take(wanted).read_to_end(&mut bytes) {
        return FileRead::Error {
            error: os_error(&error),
        };
    }
    let longer = bytes.len() as u64 > limit;
    if longer {
        bytes.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let (text, utf8) = to_text(bytes, longer);
    FileRead::File {
        text,
        utf8,
        longer,
        uid: uid_of(&metadata),
        mode: mode_of(&metadata),
    }
}

/// The bytes as text: bad UTF-8 as U+FFFD with `utf8` false. A character cut by the limit
/// itself (`longer`, an incomplete sequence at the very end) is not bad UTF-8: it is
/// dropped and the text stays `utf8`.
fn to_text(bytes: Vec<u8>, longer: bool) -> (String, bool) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, true),
        Err(error) => {
            let utf8 = error.utf8_error();
            if longer && utf8.error_len().is_none() {
                let mut bytes = error.into_bytes();
                bytes.truncate(utf8.valid_up_to());
                // Valid up to there by construction.
                let text = String::from_utf8(bytes).unwrap_or_default();
                (text, true)
            } else {
                (
                    String::from_utf8_lossy(error.as_bytes()).into_owned(),
                    false,
                )
            }
        }
    }
}

/// What is at each path (`lstat` unless `follow`).
pub fn stat(paths: &[String], follow: bool) -> Reply {
    let seen = paths
        .iter()
        .map(|path| {
            let path = Path::new(path);
            let found = if follow {
                fs::metadata(path)
            } else {
                fs::symlink_metadata(path)
            };
            match found {
                Ok(metadata) => Seen::There {
                    kind: kind_of(&metadata),
                    size: metadata.len(),
                    uid: uid_of(&metadata),
                    mode: mode_of(&metadata),
                    mtime_ms: mtime_ms(&metadata),
                    ino: ino_of(&metadata),
                },
                Err(error) if is_missing(&error) => Seen::Missing,
                Err(error) => Seen::Error {
                    error: os_error(&error),
                },
            }
        })
        .collect();
    Reply::Stat { seen }
}

/// The absolute path with every link resolved. Windows: without the `\\?\` verbatim
/// prefix where the plain form names the same file (`dunce`), the drive letter as the OS
/// gives it (GetFinalPathNameByHandle); a path that needs the prefix keeps it.
pub fn realpath(path: &str) -> Reply {
    #[cfg(windows)]
    let resolved = dunce::canonicalize(path);
    #[cfg(not(windows))]
    let resolved = fs::canonicalize(path);
    match resolved.map(|path| path.into_os_string().into_string()) {
        Ok(Ok(path)) => Reply::Path {
            path: Some(path),
            error: None,
        },
        Ok(Err(_)) => Reply::Path {
            path: None,
            error: Some(not_unicode()),
        },
        Err(error) => Reply::Path {
            path: None,
            error: Some(os_error(&error)),
        },
    }
}

/// The names in `dir` that start with `prefix`, sorted (byte order), so every engine
/// lists alike. A name that is not valid Unicode is given with U+FFFD for its bad bytes.
pub fn list(dir: &str, prefix: &str) -> Reply {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            return Reply::Names {
                names: Vec::new(),
                error: Some(os_error(&error)),
            };
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(prefix) {
                    names.push(name);
                }
            }
            Err(error) => {
                return Reply::Names {
                    names: Vec::new(),
                    error: Some(os_error(&error)),
                };
            }
        }
    }
    names.sort();
    Reply::Names { names, error: None }
}

/// A folder and its missing parents, each 0700 on Unix (the user's state is nobody
/// else's business); an existing folder is fine, an existing file is `EEXIST`.
pub fn make_dir(path: &str) -> Reply {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    done(builder.create(path))
}

/// `text` appended to the existing file `path` in one write (never created, never through a
/// link; shared on Windows as every open here is).
pub fn append(path: &str, text: &str) -> Reply {
    let mut options = OpenOptions::new();
    options.append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_NONBLOCK);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        options.custom_flags(windows::FILE_FLAG_OPEN_REPARSE_POINT);
    }
    done(options.open(path).and_then(|mut file| {
        if !file.metadata()?.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        file.write_all(text.as_bytes())
    }))
}

/// A new file (`O_CREAT|O_EXCL|O_NOFOLLOW`, Windows `CREATE_NEW` on the reparse point
/// itself: a link there, even dangling, is `EEXIST`, never followed), `text` written
/// whole, synced when `sync`. `mode` goes to `open(2)`, so the umask applies, as for
/// Node's `fs.openSync(path, "wx", mode)`. A file that could not be written whole is
/// removed again, so an error leaves nothing behind.
pub fn create(path: &str, text: &str, mode: u32, sync: bool) -> Reply {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(mode)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        let _ = mode;
        options.custom_flags(windows::FILE_FLAG_OPEN_REPARSE_POINT);
    }
    #[cfg(not(any(unix, windows)))]
    let _ = mode;
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(error) => return done(Err(error)),
    };
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| if sync { file.sync_all() } else { Ok(()) });
    drop(file);
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    done(written)
}

/// `path` gets the owner, group and mode of `like`. Unix: `path` is opened without
/// following a link and must be a regular file; `fchown` then `fchmod` (in that order:
/// a chown clears set-id bits). A chown refused (`EPERM`, not root) is no error when
/// the owner already is `like`'s: the group is then kept if it cannot be changed.
/// Windows has no such owner or mode: Done.
pub fn copy_owner(path: &str, like: &str) -> Reply {
    #[cfg(unix)]
    {
        done(unix::copy_owner(Path::new(path), Path::new(like)))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, like);
        done(Ok(()))
    }
}

/// `from` renamed over `to` (std: `rename(2)`; Windows `SetFileInformationByHandle`
/// with POSIX semantics where the file system has them, else `MoveFileEx` with
/// `MOVEFILE_REPLACE_EXISTING`). A sharing violation is reported (`EBUSY`); waiting and
/// trying again is the session's decision.
pub fn rename(from: &str, to: &str) -> Reply {
    done(fs::rename(from, to))
}

/// A file (or a link itself) removed; a missing one is `ENOENT`.
pub fn remove(path: &str) -> Reply {
    done(fs::remove_file(path))
}

/// The process clock: Unix time in ms.
pub fn clock() -> Reply {
    let ms = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => since.as_secs_f64() * 1000.0,
        Err(before) => -before.duration().as_secs_f64() * 1000.0,
    };
    Reply::Clock { ms }
}

pub(crate) fn done(result: io::Result<()>) -> Reply {
    Reply::Done {
        error: result.err().map(|error| os_error(&error)),
    }
}

/// Nothing there: the path or one of its folders does not exist (`ENOENT`, `ENOTDIR`).
pub(crate) fn is_missing(error: &io::Error) -> bool {
    if error.kind() == io::ErrorKind::NotFound {
        return true;
    }
    #[cfg(unix)]
    if error.raw_os_error() == Some(libc::ENOTDIR) {
        return true;
    }
    false
}

fn not_unicode() -> OsError {
    own_error("EINVAL", "the path is not valid Unicode")
}

/// Opens `path` to read it: non-blocking, no controlling terminal, and no final link
/// unless `follow` (Unix). Windows: the reparse point itself unless `follow`, and
/// folders too (`FILE_FLAG_BACKUP_SEMANTICS`), so a folder is reported by its kind.
fn open_for_reading(path: &Path, follow: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | nofollow);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        let reparse = if follow {
            0
        } else {
            windows::FILE_FLAG_OPEN_REPARSE_POINT
        };
        options.custom_flags(windows::FILE_FLAG_BACKUP_SEMANTICS | reparse);
    }
    options.open(path)
}

/// The kind of what is at `path`, when it can be seen at all.
fn kind_at(path: &Path, follow: bool) -> Option<Kind> {
    let metadata = if follow {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    };
    metadata.ok().map(|metadata| kind_of(&metadata))
}

/// The kind of an open file. Windows: a handle that is not on a disk (a pipe, a console,
/// a device name such as `NUL`) is a FIFO or a device whatever its metadata says.
fn kind_of_open(file: &File, metadata: &Metadata) -> Kind {
    #[cfg(windows)]
    if let Some(kind) = windows::non_disk_kind(file) {
        return kind;
    }
    let _ = file;
    kind_of(metadata)
}

pub(crate) fn kind_of(metadata: &Metadata) -> Kind {
    let kind = metadata.file_type();
    if kind.is_symlink() {
        return Kind::Symlink;
    }
    if kind.is_dir() {
        return Kind::Directory;
    }
    if kind.is_file() {
        return Kind::File;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Kind::Fifo;
        }
        if kind.is_socket() {
            return Kind::Socket;
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Kind::Device;
        }
    }
    Kind::Other
}

/// Whether an open file's metadata is a link's (only when opened without following:
/// Windows opens the reparse point itself; Unix never gets here with a link).
fn is_link(metadata: &Metadata) -> bool {
    metadata.file_type().is_symlink()
}

fn uid_of(metadata: &Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        Some(std::os::unix::fs::MetadataExt::uid(metadata))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// The permission bits (`st_mode & 0o7777`: set-id, sticky, rwx), not the file type.
fn mode_of(metadata: &Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        Some(std::os::unix::fs::MetadataExt::mode(metadata) & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

fn ino_of(metadata: &Metadata) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(metadata.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

fn mtime_ms(metadata: &Metadata) -> f64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        metadata.mtime() as f64 * 1000.0 + metadata.mtime_nsec() as f64 / 1_000_000.0
    }
    #[cfg(not(unix))]
    {
        match metadata
            .modified()
            .map(|time| time.duration_since(std::time::UNIX_EPOCH))
        {
            Ok(Ok(since)) => since.as_secs_f64() * 1000.0,
            Ok(Err(before)) => -before.duration().as_secs_f64() * 1000.0,
            Err(_) => 0.0,
        }
    }
}

#[cfg(unix)]
mod unix {
    use std::fs::{self, OpenOptions};
    use std::io;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    pub fn copy_owner(path: &Path, like: &Path) -> io::Result<()> {
        let model = fs::metadata(like)?;
        if !model.is_file() {
            return Err(not_a_file());
        }
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)?;
        let now = file.metadata()?;
        if !now.is_file() {
            return Err(not_a_file());
        }
        let (uid, gid) = (model.uid(), model.gid());
        if (now.uid(), now.gid()) != (uid, gid) {
            match std::os::unix::fs::fchown(&file, Some(uid), Some(gid)) {
                Ok(()) => {}
                Err(error) if error.raw_os_error() == Some(libc::EPERM) && now.uid() == uid => {
                    // Our own file: the group may still be one of ours to give.
                    let _ = std::os::unix::fs::fchown(&file, None, Some(gid));
                }
                Err(error) => return Err(error),
            }
        }
        let mode = model.mode() & 0o7777;
        if file.metadata()?.mode() & 0o7777 != mode {
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    }

    fn not_a_file() -> io::Error {
        io::Error::from_raw_os_error(libc::EINVAL)
    }
}

#[cfg(windows)]
pub(crate) mod windows {
    use portplan::session::effects::Kind;
    use std::fs::File;
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Storage::FileSystem::{
        FILE_TYPE_CHAR, FILE_TYPE_DISK, FILE_TYPE_PIPE, GetFileType,
    };

    pub const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    pub const FILE_FLAG_BACKUP_SEMANTICS: u32 = 0x0200_0000;

    /// The kind of a handle that is not a file on a disk, if it is not.
    pub fn non_disk_kind(file: &File) -> Option<Kind> {
        // SAFETY: the handle is open for as long as `file` lives.
        let kind = unsafe { GetFileType(file.as_raw_handle()) };
        match kind {
            FILE_TYPE_DISK => None,
            FILE_TYPE_PIPE => Some(Kind::Fifo),
            FILE_TYPE_CHAR => Some(Kind::Device),
            _ => Some(Kind::Other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_cut_by_the_limit_is_not_bad_utf8() {
        let bytes = "aé".as_bytes()[..2].to_vec();
        assert_eq!(to_text(bytes.clone(), true), ("a".to_string(), true));
        assert_eq!(to_text(bytes, false), ("a\u{fffd}".to_string(), false));
        assert_eq!(
            to_text(vec![b'a', 0xff, b'b'], true),
            ("a\u{fffd}b".to_string(), false)
        );
    }
}
