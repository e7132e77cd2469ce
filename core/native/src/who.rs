//! Who listens on a port (SPEC v3 §9 "Who holds a port"): for each TCP listener on the
//! asked ports, its pid, command line and working folder where the OS tells.
//!
//! Two well-kept crates, each for what it does best:
//! - `listeners` maps sockets to processes on Linux (`/proc/net/tcp*` and each process'
//!   `/proc/PID/fd`), macOS (libproc), Windows (`GetExtendedTcpTable` with owner pids) and
//!   the BSDs, with the socket's state, so only `LISTEN` sockets are taken;
//! - `sysinfo` (its "system" part alone) gives a pid's command line and working folder
//!   (Linux `/proc/PID/cmdline` and `cwd`, macOS `KERN_PROCARGS2` and `proc_pidinfo`,
//!   Windows the process' PEB), refreshed for the pids found and nothing else.
//!
//! What the OS keeps from this user is absent, not guessed: without root, Linux shows the
//! sockets of other users' processes but not which process holds them (their
//! `/proc/PID/fd` is closed to us), so such a listener is not found; macOS and Windows
//! give the pid but may refuse the command line or folder of another user's process.
//! `known: false` only where `listeners` has no implementation for this OS, or the
//! socket tables could not be read at all.

use portplan::session::effects::{Listener, Reply};
use std::collections::{BTreeSet, HashSet};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

/// The listeners on `ports`, sorted by port then pid, each process once a port.
pub fn who(ports: &[u16]) -> Reply {
    if !listeners::IS_OS_SUPPORTED {
        return unknown();
    }
    let Ok(sockets) = listeners::get_all() else {
        return unknown();
    };
    let asked: HashSet<u16> = ports.iter().copied().collect();
    // (port, pid) → the executable listeners found, for a process whose command line
    // cannot be read.
    let found: BTreeSet<(u16, u32, String)> = sockets
        .into_iter()
        .filter(|socket| {
            socket.protocol == listeners::Protocol::TCP
                && socket.state == listeners::SocketState::Listen
                && asked.contains(&socket.socket.port())
        })
        .map(|socket| {
            let executable = if socket.process.path.is_empty() {
                socket.process.name
            } else {
                socket.process.path
            };
            (socket.socket.port(), socket.process.pid, executable)
        })
        .collect();
    let pids: Vec<Pid> = found
        .iter()
        .map(|(_, pid, _)| Pid::from_u32(*pid))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Without a process table (sysinfo could not start), the executables stand in.
    let mut system = System::new().ok();
    if let Some(system) = system.as_mut().filter(|_| !pids.is_empty()) {
        system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&pids),
            true,
            ProcessRefreshKind::nothing()
                .with_cmd(UpdateKind::Always)
                .with_cwd(UpdateKind::Always),
        );
    }
    let mut seen = HashSet::new();
    let listeners = found
        .into_iter()
        .filter(|(port, pid, _)| seen.insert((*port, *pid)))
        .map(|(port, pid, executable)| {
            let process = system
                .as_ref()
                .and_then(|system| system.process(Pid::from_u32(pid)));
            let mut command: Vec<String> = process
                .map(|process| {
                    process
                        .cmd()
                        .iter()
                        .map(|arg| arg.to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            if command.is_empty() && !executable.is_empty() {
                command.push(executable);
            }
            let cwd = process
                .and_then(|process| process.cwd())
                .map(|cwd| cwd.to_string_lossy().into_owned())
                .filter(|cwd| !cwd.is_empty());
            Listener {
                port,
                pid: Some(pid),
                command,
                cwd,
            }
        })
        .collect();
    Reply::Who {
        listeners,
        known: true,
    }
}

fn unknown() -> Reply {
    Reply::Who {
        listeners: Vec::new(),
        known: false,
    }
}
