//! The words for the problems the hosts meet outside the config (SPEC §7): a locked or
//! unsafe registry, an OS error, a missing config file, a command that cannot start. Worded
//! here so that Node and Python say the same thing.

use crate::config::quote_key;
use crate::error::{ErrorInput, ErrorKind, PlanError, Result};
use crate::render::datetime;
use crate::written::AsWritten;
use serde::Deserialize;

/// A problem and its fields (docs/core-api.md, `host_error_json`); fields that do not apply
/// are absent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Problem {
    pub problem: String,
    pub path: Option<String>,
    /// `with_path`: a core error about the file at `path`.
    pub error: Option<ErrorInput>,
    /// `locked`: the lock's owner, its host, and since when (Unix milliseconds);
    /// `bind_failed`: `host` is the address the server was to listen on (None: every one).
    pub pid: Option<u64>,
    pub host: Option<String>,
    pub time: Option<u64>,
    /// `unsafe_registry`, `unsafe_lock`: `symlink`, `fifo`, `socket`, `device`,
    /// `directory`, `not_file`, `too_large` or `not_owner`; `not_regular_file` (the file
    /// of `env --write`): `fifo`, `socket`, `device`, `directory`, `symlink`, `not_file`.
    pub why: Option<String>,
    /// `io`: what was being done (`read`, `write`, `lock`, ...).
    pub action: Option<String>,
    /// `io`, `spawn`: the errno name (`EACCES`), and the OS's own words for codes not worded here.
    pub code: Option<String>,
    pub reason: Option<String>,
    /// `kept_busy`, `bind_failed`: the service and its port.
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub port: Option<u16>,
    /// `spawn`: the command, and whether it was not found at all.
    pub command: Option<String>,
    pub not_found: bool,
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// The words for an OS error, from its errno name (`EACCES`), which Node (`error.code`)
/// and Python (`errno.errorcode`) both have; the host's own text only for other codes, as
/// libuv, glibc and macOS word the same error differently.
fn os_reason(request: &Problem) -> String {
    let words = match text(&request.code) {
        "EACCES" => "Permission denied",
        "EPERM" => "Operation not permitted",
        "ENOENT" => "No such file or directory",
        "EEXIST" => "File exists",
        "EISDIR" => "Is a directory",
        "ENOTDIR" => "Not a directory",
        "ENOTEMPTY" => "Directory not empty",
        "EROFS" => "Read-only file system",
        "ENOSPC" => "No space left on device",
        "EDQUOT" => "Disk quota exceeded",
        "EMFILE" => "Too many open files",
        "ENFILE" => "Too many open files in system",
        "ELOOP" => "Too many levels of symbolic links",
        "ENAMETOOLONG" => "File name too long",
        "EIO" => "Input/output error",
        "EBUSY" => "Device or resource busy",
        "EXDEV" => "Invalid cross-device link",
        "ETXTBSY" => "Text file busy",
        "ENOEXEC" => "Exec format error",
        "EINVAL" => "Invalid argument",
        "ENOMEM" => "Cannot allocate memory",
        "EAGAIN" => "Resource temporarily unavailable",
        "EADDRINUSE" => "Address already in use",
        "EADDRNOTAVAIL" => "Cannot assign requested address",
        "EAFNOSUPPORT" => "Address family not supported by protocol",
        _ => return text(&request.reason).to_owned(),
    };
    words.to_owned()
}

/// Where a service was to listen: `10.1.2.3:21225`, `[::1]:21225`, or `port 21225`.
fn listen_address(address: Option<&str>, port: &str) -> String {
    match address {
        Some(address) if address.contains(':') => format!("[{address}]:{port}"),
        Some(address) if !address.is_empty() => format!("{address}:{port}"),
        _ => format!("port {port}"),
    }
}

/// A server that could not start on its port: the real cause (SPEC §7), never moving a
/// lease.
fn bind_failed(request: &Problem) -> PlanError {
    let name = quote_key(text(&request.name));
    let port = request.port.map_or("?".into(), |port| port.to_string());
    let address = request.host.as_deref().filter(|a| !a.is_empty());
    let place = listen_address(address, &port);
    let code = text(&request.code);
    let cause = match code {
        "EADDRNOTAVAIL" => match address {
            Some(address) => format!("{address} is not an address of this host"),
            None => "the address is not an address of this host".to_owned(),
        },
        "EACCES" | "EPERM" => format!("not permitted ({})", os_reason(request)),
        "EADDRINUSE" => "another process is using it".to_owned(),
        _ => os_reason(request),
    };
    PlanError::new(
        ErrorKind::Host,
        format!("cannot start {name} on {place}: {cause}"),
    )
    .with(|data| {
        data.service = Some(text(&request.name).to_owned());
        data.port = request.port;
        data.code = Some(code.to_owned()).filter(|c| !c.is_empty());
    })
}

#[derive(Clone, Copy, PartialEq)]
enum UnsafeFile {
    Registry,
    Lock,
}

/// Why the registry or its lock cannot be used, from the host's `fstat` (or `ELOOP` at an
/// `O_NOFOLLOW` open), and what to do about it.
fn unsafe_file(why: &str, file: UnsafeFile) -> String {
    let what = match why {
        "symlink" => {
            return "is a symbolic link, which portplan never follows (someone else may have planted it); remove it".to_owned();
        }
        "not_owner" => {
            let of_yours = match file {
                UnsafeFile::Registry => "a registry",
                UnsafeFile::Lock => "a lock",
            };
            return format!("belongs to another user; portplan only uses {of_yours} of your own");
        }
        "too_large" => {
            return match file {
                UnsafeFile::Registry => "is larger than 64 MiB, too large to be a portplan registry; move it away or set PORTPLAN_HOME to another folder",
                UnsafeFile::Lock => "is larger than 4096 bytes, too large to be a portplan lock; remove it if no portplan is running",
            }
            .to_owned();
        }
        "fifo" => "a FIFO (named pipe)",
        "socket" => "a socket",
        "device" => "a device",
        "directory" => "a directory",
        _ => "",
    };
    let fix = match file {
        UnsafeFile::Registry => "remove it or set PORTPLAN_HOME to another folder",
        UnsafeFile::Lock => "remove it if no portplan is running",
    };
    if what.is_empty() {
        format!("is not a regular file; {fix}")
    } else {
        format!("is {what}, not a regular file; {fix}")
    }
}

/// `{"problem": P, ...}` → the error (see docs/core-api.md for the problems and fields).
pub fn problem_error(request: Problem) -> Result<PlanError> {
    let path = text(&request.path);
    let error = match request.problem.as_str() {
        "with_path" => {
            let inner = request.error.map_or_else(
                || PlanError::new(ErrorKind::Host, "unknown error"),
                ErrorInput::into_error,
            );
            PlanError {
                message: format!("{path}: {}", inner.message),
                ..inner
            }
        }
        "locked" => {
            let pid = request.pid.map_or("?".into(), |pid| pid.to_string());
            let since = request
                .time
                .map_or("an unknown time".into(), |ms| datetime(ms / 1000));
            let host = text(&request.host);
            PlanError::new(
                ErrorKind::Host,
                format!(
                    "the registry {path} is locked by pid {pid} on {} since {since}; if that process hangs, stop it or delete {path}.lock",
                    if host.is_empty() {
                        "an unknown host"
                    } else {
                        host
                    }
                ),
            )
        }
        "unsafe_registry" => PlanError::new(
            ErrorKind::Host,
            format!(
                "the registry {path} {}",
                unsafe_file(text(&request.why), UnsafeFile::Registry)
            ),
        ),
        "unsafe_lock" => PlanError::new(
            ErrorKind::Host,
            format!(
                "the lock {path} {}",
                unsafe_file(text(&request.why), UnsafeFile::Lock)
            ),
        ),
        "lost_lock" => PlanError::new(
            ErrorKind::Host,
            format!(
                "another process took the lock {path} while this one was writing the registry; nothing was written, try again"
            ),
        ),
        "io" => {
            let action = match text(&request.action) {
                "" => "use",
                other => other,
            };
            PlanError::new(
                ErrorKind::Host,
                format!("cannot {action} {path}: {}", os_reason(&request)),
            )
        }
        "config_missing" => PlanError::new(
            ErrorKind::InvalidConfig,
            format!("the config file {path} does not exist"),
        ),
        "config_has_no_section" => PlanError::new(
            ErrorKind::InvalidConfig,
            format!(
                "{path} holds no portplan config (a [tool.portplan] table in pyproject.toml, a \"portplan\" key in package.json)"
            ),
        ),
        "kept_busy" => {
            let name = quote_key(text(&request.name));
            let port = request.port.map_or("?".into(), |port| port.to_string());
            PlanError::new(
                ErrorKind::Host,
                format!(
                    "port {port} is leased to {name}, but another process is using it; if that is not {name}, free the lease with `portplan release {name}` and a new port is planned"
                ),
            )
        }
        "not_regular_file" => {
            let what = match text(&request.why) {
                "fifo" => "a FIFO (named pipe)",
                "socket" => "a socket",
                "device" => "a device",
                "directory" => "a directory",
                "symlink" => "a symbolic link to something that is not a regular file",
                _ => "not a regular file",
            };
            let what = if what.starts_with("not ") {
                format!("it is {what}")
            } else {
                format!("it is {what}, not a regular file")
            };
            PlanError::new(
                ErrorKind::Host,
                format!("cannot use {path}: {what}; nothing was written"),
            )
        }
        "bind_failed" => bind_failed(&request),
        "spawn" => {
            let reason = os_reason(&request);
            // As a shell does: 127 when the command is not found, 126 when it cannot run.
            let exit = if request.not_found { 127 } else { 126 };
            let message = format!("cannot run {}: {reason}", quote_key(text(&request.command)));
            PlanError::new(ErrorKind::Host, message).with(|data| data.exit = Some(exit))
        }
        other => {
            return Err(PlanError::new(
                ErrorKind::InvalidRequest,
                format!("unknown problem {}", AsWritten::of(other).excerpt()),
            ));
        }
    };
    Ok(if path.is_empty() || error.data.path.is_some() {
        error
    } else {
        error.with(|data| data.path = Some(path.to_owned()))
    })
}
