//! OS errors as the session reads them: an errno *name* and the OS's own words.
//!
//! The wasm engine's host is TypeScript, which meets errors as libuv names them
//! (`error.code`); the native engines meet `std::io::Error`. Both must say the same name
//! for the same failure, so the core's decisions and messages never depend on the engine:
//!
//! - **Unix**: the errno's own name (`ENOENT`, `EACCES`, ...), which is libuv's name for
//!   every errno libuv knows (libuv passes errno through: `UV_ENOENT == -ENOENT`). Two
//!   values with two names are reported under one: `EWOULDBLOCK` as `EAGAIN` and
//!   `EOPNOTSUPP` as `ENOTSUP` (one number on Linux, where libuv says `ENOTSUP`; two on
//!   macOS, where libuv has no name for `EOPNOTSUPP`). A few errnos libuv has no name for
//!   (`EDQUOT`, `ENOLCK`, `ESTALE`, `EDEADLK`) are named here too: Node reports them as
//!   `UNKNOWN` in `error.code`, so the TypeScript host must name them from `error.errno`
//!   with `os.constants.errno` (see README.md, "Error names").
//! - **Windows**: the Win32 or Winsock error through libuv's own table
//!   (`uv_translate_sys_error`, libuv `src/win/error.c` at v1.52: `ERROR_SHARING_VIOLATION`
//!   and `ERROR_LOCK_VIOLATION` are `EBUSY`, `ERROR_ACCESS_DENIED` is `EPERM`, ...);
//!   anything else is `UNKNOWN`, as in Node.

use portplan::session::effects::OsError;
use std::io;

/// The session's form of `error`: its errno name and the OS's words for it.
pub fn os_error(error: &io::Error) -> OsError {
    OsError {
        code: code_of(error).to_string(),
        reason: reason_of(error),
    }
}

/// An error this crate makes itself (not the OS's), e.g. `EFTYPE` for "not a regular
/// file": a libuv name the TypeScript host can give in the same case.
pub fn own_error(code: &str, reason: &str) -> OsError {
    OsError {
        code: code.to_string(),
        reason: reason.to_string(),
    }
}

/// The errno name of `error`; errors std makes without an OS code by their kind.
pub fn code_of(error: &io::Error) -> &'static str {
    match error.raw_os_error() {
        Some(raw) => name_of_raw(raw),
        None => name_of_kind(error.kind()),
    }
}

/// The OS's words, without std's ` (os error N)` suffix.
fn reason_of(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// Errors std raises without an OS code (a short write, an unsupported call).
fn name_of_kind(kind: io::ErrorKind) -> &'static str {
    use io::ErrorKind as K;
    match kind {
        K::NotFound => "ENOENT",
        K::PermissionDenied => "EACCES",
        K::AlreadyExists => "EEXIST",
        K::WouldBlock => "EAGAIN",
        K::InvalidInput | K::InvalidData => "EINVAL",
        K::Unsupported => "ENOTSUP",
        K::OutOfMemory => "ENOMEM",
        K::Interrupted => "EINTR",
        K::UnexpectedEof => "EOF",
        _ => "EIO",
    }
}

#[cfg(unix)]
fn name_of_raw(raw: i32) -> &'static str {
    unix::NAMES
        .iter()
        .find(|(code, _)| *code == raw)
        .map_or("UNKNOWN", |(_, name)| name)
}

#[cfg(windows)]
fn name_of_raw(raw: i32) -> &'static str {
    u32::try_from(raw).map_or("UNKNOWN", windows::libuv_name)
}

#[cfg(not(any(unix, windows)))]
fn name_of_raw(_raw: i32) -> &'static str {
    "UNKNOWN"
}

#[cfg(unix)]
mod unix {
    /// errno → name; the first entry of a value wins (EAGAIN before EWOULDBLOCK, ENOTSUP
    /// before EOPNOTSUPP), so duplicate values on one platform name alike.
    pub static NAMES: &[(i32, &str)] = &[
        (libc::EPERM, "EPERM"),
        (libc::ENOENT, "ENOENT"),
        (libc::ESRCH, "ESRCH"),
        (libc::EINTR, "EINTR"),
        (libc::EIO, "EIO"),
        (libc::ENXIO, "ENXIO"),
        (libc::E2BIG, "E2BIG"),
        (libc::ENOEXEC, "ENOEXEC"),
        (libc::EBADF, "EBADF"),
        (libc::EAGAIN, "EAGAIN"),
        (libc::EWOULDBLOCK, "EAGAIN"),
        (libc::ENOMEM, "ENOMEM"),
        (libc::EACCES, "EACCES"),
        (libc::EFAULT, "EFAULT"),
        (libc::EBUSY, "EBUSY"),
        (libc::EEXIST, "EEXIST"),
        (libc::EXDEV, "EXDEV"),
        (libc::ENODEV, "ENODEV"),
        (libc::ENOTDIR, "ENOTDIR"),
        (libc::EISDIR, "EISDIR"),
        (libc::EINVAL, "EINVAL"),
        (libc::ENFILE, "ENFILE"),
        (libc::EMFILE, "EMFILE"),
        (libc::ENOTTY, "ENOTTY"),
        (libc::ETXTBSY, "ETXTBSY"),
        (libc::EFBIG, "EFBIG"),
        (libc::ENOSPC, "ENOSPC"),
        (libc::ESPIPE, "ESPIPE"),
        (libc::EROFS, "EROFS"),
        (libc::EMLINK, "EMLINK"),
        (libc::EPIPE, "EPIPE"),
        (libc::ERANGE, "ERANGE"),
        (libc::EDEADLK, "EDEADLK"),
        (libc::ENAMETOOLONG, "ENAMETOOLONG"),
        (libc::ENOLCK, "ENOLCK"),
        (libc::ENOSYS, "ENOSYS"),
        (libc::ENOTEMPTY, "ENOTEMPTY"),
        (libc::ELOOP, "ELOOP"),
        (libc::ENOTSUP, "ENOTSUP"),
        (libc::EOPNOTSUPP, "ENOTSUP"),
        (libc::EDQUOT, "EDQUOT"),
        (libc::ESTALE, "ESTALE"),
        (libc::EOVERFLOW, "EOVERFLOW"),
        (libc::EILSEQ, "EILSEQ"),
        (libc::ENODATA, "ENODATA"),
        (libc::EPROTO, "EPROTO"),
        (libc::ECANCELED, "ECANCELED"),
        (libc::ENOTSOCK, "ENOTSOCK"),
        (libc::EDESTADDRREQ, "EDESTADDRREQ"),
        (libc::EMSGSIZE, "EMSGSIZE"),
        (libc::EPROTOTYPE, "EPROTOTYPE"),
        (libc::ENOPROTOOPT, "ENOPROTOOPT"),
        (libc::EPROTONOSUPPORT, "EPROTONOSUPPORT"),
        (libc::ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"),
        (libc::EAFNOSUPPORT, "EAFNOSUPPORT"),
        (libc::EADDRINUSE, "EADDRINUSE"),
        (libc::EADDRNOTAVAIL, "EADDRNOTAVAIL"),
        (libc::ENETDOWN, "ENETDOWN"),
        (libc::ENETUNREACH, "ENETUNREACH"),
        (libc::ECONNABORTED, "ECONNABORTED"),
        (libc::ECONNRESET, "ECONNRESET"),
        (libc::ENOBUFS, "ENOBUFS"),
        (libc::EISCONN, "EISCONN"),
        (libc::ENOTCONN, "ENOTCONN"),
        (libc::ESHUTDOWN, "ESHUTDOWN"),
        (libc::ETIMEDOUT, "ETIMEDOUT"),
        (libc::ECONNREFUSED, "ECONNREFUSED"),
        (libc::EHOSTDOWN, "EHOSTDOWN"),
        (libc::EHOSTUNREACH, "EHOSTUNREACH"),
        (libc::EALREADY, "EALREADY"),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (libc::ENONET, "ENONET"),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (libc::EREMOTEIO, "EREMOTEIO"),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (libc::EUNATCH, "EUNATCH"),
        #[cfg(any(target_vendor = "apple", target_os = "freebsd"))]
        (libc::EFTYPE, "EFTYPE"),
    ];
}

#[cfg(windows)]
mod windows {
    /// libuv's `uv_translate_sys_error` (src/win/error.c, v1.52.1), Win32 and Winsock
    /// codes by number; the name libuv gives the result.
    pub fn libuv_name(code: u32) -> &'static str {
        match code {
            10013 | 740 | 1920 => "EACCES", // WSAEACCES, ELEVATION_REQUIRED, CANT_ACCESS_FILE
            1227 | 10048 => "EADDRINUSE",   // ADDRESS_ALREADY_ASSOCIATED, WSAEADDRINUSE
            10049 => "EADDRNOTAVAIL",
            10047 => "EAFNOSUPPORT",
            10035 | 232 => "EAGAIN", // WSAEWOULDBLOCK, NO_DATA
            10037 => "EALREADY",
            1004 | 6 => "EBADF",        // INVALID_FLAGS, INVALID_HANDLE
            33 | 231 | 32 => "EBUSY",   // LOCK_VIOLATION, PIPE_BUSY, SHARING_VIOLATION
            995 | 10004 => "ECANCELED", // OPERATION_ABORTED, WSAEINTR
            1113 => "ECHARSET",         // NO_UNICODE_TRANSLATION
            1236 | 10053 => "ECONNABORTED",
            1225 | 10061 => "ECONNREFUSED",
            64 | 10054 => "ECONNRESET", // NETNAME_DELETED, WSAECONNRESET
            183 | 80 => "EEXIST",       // ALREADY_EXISTS, FILE_EXISTS
            998 | 10014 => "EFAULT",    // NOACCESS, WSAEFAULT
            1232 | 10065 => "EHOSTUNREACH",
            122 | 13 | 87 | 1464 | 10022 | 10046 => "EINVAL",
            // BEGINNING_OF_MEDIA, BUS_RESET, CRC, DEVICE_DOOR_OPEN, DEVICE_REQUIRES_CLEANING,
            // DISK_CORRUPT, EOM_OVERFLOW, FILEMARK_DETECTED, GEN_FAILURE,
            // INVALID_BLOCK_LENGTH, IO_DEVICE, NO_DATA_DETECTED, NO_SIGNAL_SENT, OPEN_FAILED,
            // SETMARK_DETECTED, SIGNAL_REFUSED
            1102 | 1111 | 23 | 1166 | 1165 | 1393 | 1129 | 1101 | 31 | 1106 | 1117 | 1104 | 205
            | 110 | 1103 | 156 => "EIO",
            10056 => "EISCONN",
            1921 => "ELOOP", // CANT_RESOLVE_FILENAME
            4 | 10024 => "EMFILE",
            10040 => "EMSGSIZE",
            111 | 206 => "ENAMETOOLONG", // BUFFER_OVERFLOW, FILENAME_EXCED_RANGE
            1231 | 10051 => "ENETUNREACH",
            10055 => "ENOBUFS",
            // BAD_PATHNAME, DIRECTORY, ENVVAR_NOT_FOUND, FILE_NOT_FOUND, INVALID_NAME,
            // INVALID_DRIVE, INVALID_REPARSE_DATA, MOD_NOT_FOUND, PATH_NOT_FOUND,
            // WSAHOST_NOT_FOUND, WSANO_DATA
            161 | 267 | 203 | 2 | 123 | 15 | 4392 | 126 | 3 | 11001 | 11004 => "ENOENT",
            8 | 14 => "ENOMEM",
            82 | 112 | 277 | 1100 | 39 => "ENOSPC", // CANNOT_MAKE, DISK_FULL, EA_TABLE_FULL, END_OF_MEDIA, HANDLE_DISK_FULL
            2250 | 10057 => "ENOTCONN",
            145 => "ENOTEMPTY",
            10038 => "ENOTSOCK",
            50 => "ENOTSUP",
            109 => "EOF",        // BROKEN_PIPE
            5 | 1314 => "EPERM", // ACCESS_DENIED, PRIVILEGE_NOT_HELD
            230 | 233 | 10058 => "EPIPE",
            10043 => "EPROTONOSUPPORT",
            19 => "EROFS",
            121 | 10060 => "ETIMEDOUT",
            17 => "EXDEV",
            1 => "EISDIR", // INVALID_FUNCTION
            208 => "E2BIG",
            10044 => "ESOCKTNOSUPPORT",
            193 => "EFTYPE", // BAD_EXE_FORMAT
            _ => "UNKNOWN",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn errno_values_are_named_as_libuv_names_them() {
        for (raw, name) in [
            (libc::ENOENT, "ENOENT"),
            (libc::EACCES, "EACCES"),
            (libc::EWOULDBLOCK, "EAGAIN"),
            (libc::EOPNOTSUPP, "ENOTSUP"),
            (libc::ENOLCK, "ENOLCK"),
            (libc::EDQUOT, "EDQUOT"),
            (libc::EADDRINUSE, "EADDRINUSE"),
        ] {
            assert_eq!(code_of(&io::Error::from_raw_os_error(raw)), name);
        }
        assert_eq!(code_of(&io::Error::from_raw_os_error(100_000)), "UNKNOWN");
    }

    #[cfg(unix)]
    #[test]
    fn the_reason_is_the_os_words_alone() {
        let error = os_error(&io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(error.code, "ENOENT");
        assert_eq!(error.reason, "No such file or directory");
    }

    #[test]
    fn errors_without_an_os_code_are_named_by_kind() {
        let short = io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer");
        assert_eq!(os_error(&short).code, "EIO");
        assert_eq!(os_error(&short).reason, "failed to write whole buffer");
    }
}
