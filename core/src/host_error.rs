//! The words of the host layers' own errors (a locked registry, a missing config file, a
//! command that cannot start), so that Node and Python say the same thing.

use crate::prelude::*;

use crate::config::{describe, quote_key};
use crate::error::{ErrorKind, PlanError, Result};
use crate::render::datetime;
use crate::json::Value;

fn text<'a>(request: &'a Value, key: &str) -> &'a str {
    request.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The words for an OS error, from its errno name (`EACCES`), which Node (`error.code`)
/// and Python (`errno.errorcode`) both have; the host's own text only for other codes, as
/// libuv, glibc and macOS word the same error differently.
fn os_reason(request: &Value) -> String {
    let words = match text(request, "code") {
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
        _ => return text(request, "reason").to_owned(),
    };
    words.to_owned()
}

/// `{"problem": P, ...}` → the error (see docs/core-api.md for the problems and fields).
pub fn host_error(request: &Value) -> Result<PlanError> {
    let path = text(request, "path");
    let error = match text(request, "problem") {
        "with_path" => {
            let inner = PlanError::from_value(request.get("error").unwrap_or(&Value::Null));
            let mut error = PlanError::new(inner.kind, format!("{path}: {}", inner.message));
            error.data = inner.data;
            error
        }
        "locked" => {
            let pid = request.get("pid").map_or("?".into(), Value::to_string);
            let since = request.get("time").and_then(Value::as_u64).map_or("an unknown time".into(), |ms| datetime(ms / 1000));
            let host = text(request, "host");
            PlanError::new(
                ErrorKind::Host,
                format!("the registry {path} is locked by pid {pid} on {} since {since}; if that process hangs, stop it or delete {path}.lock", if host.is_empty() { "an unknown host" } else { host }),
            )
        }
        "unsafe_registry" => {
            let why = match text(request, "why") {
                "symlink" => "is a symbolic link, which portplan never follows (someone else may have planted it); remove it",
                "not_owner" => "belongs to another user; portplan only uses a registry of your own",
                _ => "is not a regular file; remove it or set PORTPLAN_HOME to another folder",
            };
            PlanError::new(ErrorKind::Host, format!("the registry {path} {why}"))
        }
        "io" => {
            let action = match text(request, "action") {
                "" => "use",
                other => other,
            };
            PlanError::new(ErrorKind::Host, format!("cannot {action} {path}: {}", os_reason(request)))
        }
        "config_missing" => PlanError::new(ErrorKind::InvalidConfig, format!("the config file {path} does not exist")),
        "config_has_no_section" => PlanError::new(
            ErrorKind::InvalidConfig,
            format!("{path} holds no portplan config (a [tool.portplan] table in pyproject.toml, a \"portplan\" key in package.json)"),
        ),
        "kept_busy" => {
            let name = quote_key(text(request, "name"));
            let port = request.get("port").map_or("?".into(), Value::to_string);
            PlanError::new(
                ErrorKind::Host,
                format!("port {port} is leased to {name}, but another process is using it; if that is not {name}, free the lease with `portplan release {name}` and a new port is planned"),
            )
        }
        "spawn" => {
            let reason = os_reason(request);
            // As a shell does: 127 when the command is not found, 126 when it cannot run.
            let exit = if request.get("not_found").and_then(Value::as_bool).unwrap_or(false) { 127 } else { 126 };
            PlanError::new(ErrorKind::Host, format!("cannot run {}: {reason}", quote_key(text(request, "command")))).with("exit", exit)
        }
        other => {
            return Err(PlanError::new(ErrorKind::InvalidRequest, format!("unknown problem {}", describe(&Value::from(other)))));
        }
    };
    Ok(if path.is_empty() || error.data.contains_key("path") { error } else { error.with("path", path) })
}
