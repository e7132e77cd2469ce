//! Facts from the user's tools: where a command is on the PATH, and what git says.

use portplan::session::effects::Reply;
use std::process::{Command, Stdio};

/// The file `command` names on the PATH, as the shell finds it: the `which` crate (PATH
/// on Unix, executables only; PATH with PATHEXT's extensions on Windows, and the current
/// folder first, as cmd.exe does). A command with a path separator is checked as given.
/// Not found (or a path that is not valid Unicode): a null path.
pub fn which(command: &str) -> Reply {
    let path = which::which(command)
        .ok()
        .and_then(|path| path.into_os_string().into_string().ok());
    Reply::Path { path, error: None }
}

/// `git ARGS` run in `cwd`: stdin empty, stderr discarded, its stdout when it exits 0
/// (bad UTF-8 as U+FFFD), else null; no git installed is null too.
pub fn git(cwd: &str, args: &[String]) -> Reply {
    let output = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let stdout = match output {
        Ok(output) if output.status.success() => {
            Some(String::from_utf8_lossy(&output.stdout).into_owned())
        }
        _ => None,
    };
    Reply::Output { stdout }
}
