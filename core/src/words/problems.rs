//! The words for the problems met outside the config (SPEC §7): a locked or unsafe registry,
//! an OS error, a missing config file, a port in use, a command that cannot start. One
//! typed value per problem, worded here so that every host says the same thing.

use crate::error::{ErrorInput, ErrorKind, PlanError};
use crate::text::datetime;
use crate::text::{quote_key, quote_path};
use serde::Deserialize;

/// Why a file cannot be used: what the host found there instead of a regular file of the
/// user's own, or that it is too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    Symlink,
    Fifo,
    Socket,
    Device,
    Directory,
    NotFile,
    TooLarge,
    NotOwner,
}

impl Why {
    /// The words for a file found to be something else than a regular file.
    fn what(self) -> Option<&'static str> {
        Some(match self {
            Why::Fifo => "a FIFO (named pipe)",
            Why::Socket => "a socket",
            Why::Device => "a device",
            Why::Directory => "a directory",
            _ => return None,
        })
    }
}

/// A problem and its facts (the legacy `host_error_json` reads it from `{"problem": ...}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// A core error about the file at `path`.
    WithPath {
        path: String,
        error: ErrorInput,
    },
    /// The lock was held by one owner for the whole wait (its pid, host, and since when,
    /// in Unix ms, as it wrote them; each may be unknown).
    Locked {
        path: String,
        #[serde(default)]
        pid: Option<u64>,
        #[serde(default)]
        host: Option<String>,
        #[serde(default)]
        time: Option<u64>,
    },
    UnsafeRegistry {
        path: String,
        why: Why,
    },
    UnsafeLock {
        path: String,
        why: Why,
    },
    /// An OS error while doing `action` (`read`, `write`, `lock` ...) to `path`.
    Io {
        path: String,
        #[serde(default)]
        action: Option<String>,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    ConfigMissing {
        path: String,
    },
    ConfigHasNoSection {
        path: String,
    },
    /// A kept lease whose port another process holds.
    KeptBusy {
        #[serde(default)]
        namespace: String,
        name: String,
        port: u16,
        /// Who holds the port, in `holder`'s words (`pid 4242 (node vite, in /x)`).
        #[serde(default)]
        holder: Option<String>,
    },
    /// The file of `env --write` is not a regular file.
    NotRegularFile {
        path: String,
        why: Why,
    },
    /// A server could not start on its port (`host`: the address; None: every one).
    BindFailed {
        name: String,
        port: u16,
        #[serde(default)]
        host: Option<String>,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        reason: Option<String>,
        /// Who holds the port, in `holder`'s words, when the cause is that it is in use.
        #[serde(default)]
        holder: Option<String>,
    },
    /// A command `run` could not start (`not_found`: no such command).
    Spawn {
        command: String,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        not_found: bool,
    },
}

/// The words for an OS error, from its errno name (`EACCES`), which every host has; the
/// host's own words only for other codes, as libuv, glibc and macOS word one error
/// differently.
pub fn os_reason(code: Option<&str>, reason: Option<&str>) -> String {
    let words = match code.unwrap_or_default() {
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
        "EFTYPE" => "Inappropriate file type or format",
        "ENOLCK" => "No locks available",
        "ENOTSUP" | "EOPNOTSUPP" => "Operation not supported",
        _ => return reason.unwrap_or_default().to_owned(),
    };
    words.to_owned()
}

/// Where a service was to listen: `10.1.2.3:21225`, `[::1]:21225`, or `port 21225`.
fn listen_address(address: Option<&str>, port: u16) -> String {
    match address {
        Some(address) if address.contains(':') => format!("[{address}]:{port}"),
        Some(address) if !address.is_empty() => format!("{address}:{port}"),
        _ => format!("port {port}"),
    }
}

/// Which file an unsafe-file problem is about.
#[derive(Clone, Copy, PartialEq)]
enum UnsafeFile {
    Registry,
    Lock,
}

/// Why the registry or its lock cannot be used, and what to do about it.
fn unsafe_file(why: Why, file: UnsafeFile) -> String {
    match why {
        Why::Symlink => {
            "is a symbolic link, which portplan never follows (someone else may have planted it); remove it".to_owned()
        }
        Why::NotOwner => {
            let of_yours = match file {
                UnsafeFile::Registry => "a registry",
                UnsafeFile::Lock => "a lock",
            };
            format!("belongs to another user; portplan only uses {of_yours} of your own")
        }
        Why::TooLarge => match file {
            UnsafeFile::Registry => "is larger than 64 MiB, too large to be a portplan registry; move it away or set PORTPLAN_HOME to another folder",
            UnsafeFile::Lock => "is too large to be a portplan lock; remove it",
        }
        .to_owned(),
        _ => {
            let fix = match file {
                UnsafeFile::Registry => "remove it or set PORTPLAN_HOME to another folder",
                UnsafeFile::Lock => "remove it",
            };
            match why.what() {
                Some(what) => format!("is {what}, not a regular file; {fix}"),
                None => format!("is not a regular file; {fix}"),
            }
        }
    }
}

impl Problem {
    /// The error a user reads.
    pub fn error(self) -> PlanError {
        let path_of = |path: &str| Some(path.to_owned()).filter(|p| !p.is_empty());
        match self {
            Problem::WithPath { path, error } => {
                let inner = error.into_error();
                PlanError {
                    message: format!("{}: {}", quote_path(&path), inner.message),
                    ..inner
                }
                .with(|data| data.path = path_of(&path))
            }
            Problem::Locked {
                path,
                pid,
                host,
                time,
            } => {
                let pid = pid.map_or("?".into(), |pid| pid.to_string());
                let since = time.map_or("an unknown time".into(), |ms| datetime(ms / 1000));
                let host = host
                    .filter(|h| !h.is_empty())
                    .map_or("an unknown host".into(), |h| crate::text::excerpt(&h));
                PlanError::new(
                    ErrorKind::Host,
                    format!(
                        "the registry {} is locked by pid {pid} on {host} since {since}, and stayed locked for 10 s; if that process hangs, stop it (the lock goes with it)",
                        quote_path(&path)
                    ),
                )
                .with(|data| data.path = path_of(&path))
            }
            Problem::UnsafeRegistry { path, why } => PlanError::new(
                ErrorKind::Host,
                format!(
                    "the registry {} {}",
                    quote_path(&path),
                    unsafe_file(why, UnsafeFile::Registry)
                ),
            )
            .with(|data| data.path = path_of(&path)),
            Problem::UnsafeLock { path, why } => PlanError::new(
                ErrorKind::Host,
                format!(
                    "the lock {} {}",
                    quote_path(&path),
                    unsafe_file(why, UnsafeFile::Lock)
                ),
            )
            .with(|data| data.path = path_of(&path)),
            Problem::Io {
                path,
                action,
                code,
                reason,
            } => {
                let action = action.filter(|a| !a.is_empty()).unwrap_or("use".into());
                PlanError::new(
                    ErrorKind::Host,
                    format!(
                        "cannot {action} {}: {}",
                        quote_path(&path),
                        os_reason(code.as_deref(), reason.as_deref())
                    ),
                )
                .with(|data| {
                    data.path = path_of(&path);
                    data.code = code.filter(|c| !c.is_empty());
                })
            }
            Problem::ConfigMissing { path } => PlanError::new(
                ErrorKind::InvalidConfig,
                format!("the config file {} does not exist", quote_path(&path)),
            )
            .with(|data| data.path = path_of(&path)),
            Problem::ConfigHasNoSection { path } => PlanError::new(
                ErrorKind::InvalidConfig,
                format!(
                    "{} holds no portplan config (a [tool.portplan] table in pyproject.toml, a \"portplan\" key in package.json)",
                    quote_path(&path)
                ),
            )
            .with(|data| data.path = path_of(&path)),
            Problem::KeptBusy {
                namespace: _,
                name,
                port,
                holder,
            } => {
                let quoted = quote_key(&name);
                let who = holder.unwrap_or_else(|| "another process".to_owned());
                PlanError::new(
                    ErrorKind::Host,
                    format!(
                        "port {port} is leased to {quoted}, but {who} is using it; if that is not {quoted}, free the lease with `portplan release {quoted}` and a new port is planned"
                    ),
                )
                .with(|data| {
                    data.service = Some(name.clone());
                    data.port = Some(port);
                    data.code = Some("EADDRINUSE".to_owned());
                })
            }
            Problem::NotRegularFile { path, why } => {
                let what = match why {
                    Why::Symlink => {
                        "it is a symbolic link to something that is not a regular file".to_owned()
                    }
                    other => match other.what() {
                        Some(what) => format!("it is {what}, not a regular file"),
                        None => "it is not a regular file".to_owned(),
                    },
                };
                PlanError::new(
                    ErrorKind::Host,
                    format!("cannot use {}: {what}; nothing was written", quote_path(&path)),
                )
                .with(|data| data.path = path_of(&path))
            }
            Problem::BindFailed {
                name,
                port,
                host,
                code,
                reason,
                holder,
            } => {
                let address = host.as_deref().filter(|a| !a.is_empty());
                let place = listen_address(address, port);
                let cause = match code.as_deref().unwrap_or_default() {
                    "EADDRNOTAVAIL" => match address {
                        Some(address) => format!("{address} is not an address of this host"),
                        None => "the address is not an address of this host".to_owned(),
                    },
                    "EACCES" | "EPERM" => format!(
                        "not permitted ({})",
                        os_reason(code.as_deref(), reason.as_deref())
                    ),
                    "EADDRINUSE" => match holder {
                        Some(holder) => format!("{holder} is using it"),
                        None => "another process is using it".to_owned(),
                    },
                    _ => os_reason(code.as_deref(), reason.as_deref()),
                };
                PlanError::new(
                    ErrorKind::Host,
                    format!("cannot start {} on {place}: {cause}", quote_key(&name)),
                )
                .with(|data| {
                    data.service = Some(name.clone());
                    data.port = Some(port);
                    data.code = code.filter(|c| !c.is_empty());
                })
            }
            Problem::Spawn {
                command,
                code,
                reason,
                not_found,
            } => {
                let words = os_reason(code.as_deref(), reason.as_deref());
                // As a shell does: 127 when the command is not found, 126 when it cannot run.
                let exit = if not_found { 127 } else { 126 };
                PlanError::new(
                    ErrorKind::Host,
                    format!("cannot run {}: {words}", quote_key(&command)),
                )
                .with(|data| {
                    data.exit = Some(exit);
                    data.code = code.filter(|c| !c.is_empty());
                })
            }
        }
    }
}
