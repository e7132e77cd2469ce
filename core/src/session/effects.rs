//! What a session asks its host to do, and what the host answers (docs/host-protocol.md).
//!
//! These are the host's whole job: open, read, write, rename, lock, stat, probe, spawn,
//! and a few more facts only the OS knows. Each effect is one primitive with no decision
//! in it; the host reports what happened (an errno name, a file's kind) and the session
//! decides what it means. The native engines run most of them in Rust
//! (`portplan-native`); the wasm engine's host (TypeScript) runs every one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One thing for the host to do. JSON: `{"do": "read", "path": ..., ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Effect {
    /// Read a file: opened without blocking (a FIFO reads as `fifo`, never hangs), without
    /// following a final symbolic link unless `follow`, at most `limit` bytes (one more byte
    /// tells `longer`). Reply: [`Reply::Read`].
    Read {
        path: String,
        limit: u64,
        follow: bool,
    },
    /// What is at each path (`lstat` when not `follow`). Reply: [`Reply::Stat`].
    Stat { paths: Vec<String>, follow: bool },
    /// The absolute path with every symbolic link resolved. Reply: [`Reply::Path`].
    Realpath { path: String },
    /// The names in a folder that start with `prefix`. Reply: [`Reply::Names`].
    List { dir: String, prefix: String },
    /// Create a folder and its missing parents (mode 0700 where modes exist). Reply:
    /// [`Reply::Done`].
    MakeDir { path: String },
    /// Create a new file that must not exist yet (exclusive, never through a link), write
    /// `text` whole, flush it to the disk when `sync`, close it. `mode` applies where modes
    /// exist. Reply: [`Reply::Done`].
    Create {
        path: String,
        text: String,
        mode: u32,
        sync: bool,
    },
    /// Give `path` the owner, group and mode of `like` (both regular files). Reply:
    /// [`Reply::Done`].
    CopyOwner { path: String, like: String },
    /// Rename `from` over `to` (atomic on one file system). Reply: [`Reply::Done`].
    Rename { from: String, to: String },
    /// A second name (hard link) `to` for the file `from`, never through a link. Reply:
    /// [`Reply::Done`].
    Link { from: String, to: String },
    /// Append `text` to the existing regular file `path` (never created, never through a
    /// link), in one write. Reply: [`Reply::Done`].
    Append { path: String, text: String },
    /// Remove a file (not a folder); a missing file is `ENOENT`. Reply: [`Reply::Done`].
    Remove { path: String },
    /// Try to take the exclusive OS lock of `path` without waiting (`flock`/`fcntl`,
    /// `LockFileEx`): open or create it (never through a link, mode 0600), try the lock;
    /// on success keep it open and locked until [`Effect::Unlock`] or the process' end.
    /// `hold`: keep it for the rest of the process, beyond the session, and answer `taken`
    /// again at once when this process already holds it so (a test session's slot). Reply:
    /// [`Reply::Lock`].
    Lock {
        path: String,
        #[serde(default)]
        hold: bool,
    },
    /// Release the lock of `path` taken by [`Effect::Lock`] and close it. Reply:
    /// [`Reply::Done`].
    Unlock { path: String },
    /// Wait this long. Reply: [`Reply::Done`].
    Sleep { ms: u64 },
    /// The process clock. Reply: [`Reply::Clock`].
    Clock,
    /// For each port: can it be bound, TCP and UDP, on the loopback and wildcard addresses
    /// of IPv4 and IPv6 (IPv6 where the host has it)? `server`: bind TCP as a server does
    /// (SO_REUSEADDR on POSIX), so connections in TIME_WAIT do not count. Reply:
    /// [`Reply::Probe`].
    Probe { ports: Vec<u16>, server: bool },
    /// Which processes listen on these ports. Reply: [`Reply::Who`].
    Who { ports: Vec<u16> },
    /// The file `command` names on the PATH (with PATHEXT's extensions on Windows), as the
    /// shell would find it. Reply: [`Reply::Path`] (null path: not found).
    Which { command: String },
    /// Run `git` with `args` in `cwd`; its stdout when it exits 0. Reply: [`Reply::Output`].
    Git { cwd: String, args: Vec<String> },
    /// Write text to the process' stdout or stderr. Reply: [`Reply::Done`].
    Print { stream: Stream, text: String },
    /// Start `argv` with `env` added to the host's environment, stdio inherited; forward
    /// termination signals as `forward` says; wait for it. Reply: [`Reply::Exit`].
    Spawn {
        argv: Vec<String>,
        env: BTreeMap<String, String>,
        /// Signals the host passes on to the child (`SIGTERM`, `SIGHUP`, `SIGINT`); a
        /// Ctrl-C in a terminal reaches the child by itself.
        forward: Vec<String>,
    },
    /// Start the caller's server (Node's `listen`, Python's `bind`) on `port` at `host`
    /// (absent: the host's default). Reply: [`Reply::Done`] or its error.
    Listen { port: u16, host: Option<String> },
}

/// Where [`Effect::Print`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// An OS error as the host met it: the errno name (`ENOENT`, `EACCES`; Windows errors as
/// libuv names them: `EBUSY` for a sharing violation), and the OS's own words for codes
/// the core does not word itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OsError {
    pub code: String,
    #[serde(default)]
    pub reason: String,
}

/// What kind of thing a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    File,
    Directory,
    Symlink,
    Fifo,
    Socket,
    Device,
    Other,
}

/// What is at a path ([`Effect::Stat`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "is", rename_all = "snake_case")]
pub enum Seen {
    /// Nothing (`ENOENT`, `ENOTDIR`).
    Missing,
    /// Something: its kind, size in bytes, owner (absent where the OS has none) and
    /// modification time (Unix ms).
    There {
        kind: Kind,
        size: u64,
        #[serde(default)]
        uid: Option<u32>,
        #[serde(default)]
        mode: Option<u32>,
        mtime_ms: f64,
        /// Its inode number where the OS has one (with size and mtime: a file replaced by
        /// a rename, or written, is seen to have changed).
        #[serde(default)]
        ino: Option<u64>,
    },
    /// It could not be looked at.
    Error { error: OsError },
}

/// What [`Effect::Read`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "is", rename_all = "snake_case")]
pub enum FileRead {
    Missing,
    /// A regular file: its first `limit` bytes as text (bad UTF-8 as U+FFFD, `utf8` false),
    /// whether it held more, its owner and mode where the OS has them.
    File {
        text: String,
        utf8: bool,
        longer: bool,
        #[serde(default)]
        uid: Option<u32>,
        #[serde(default)]
        mode: Option<u32>,
    },
    /// Not a regular file (a link when not following, a FIFO, a folder...): not read.
    NotFile {
        kind: Kind,
    },
    Error {
        error: OsError,
    },
}

/// A process listening on a port ([`Effect::Who`]); what the OS does not tell is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Listener {
    pub port: u16,
    #[serde(default)]
    pub pid: Option<u32>,
    /// Its command line, one word per argument (empty when unknown).
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub cwd: Option<String>,
}

/// What the host answers. JSON: `{"did": "read", ...}`, tagged with the effect it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "did", rename_all = "snake_case")]
pub enum Reply {
    /// Effects that only succeed or fail (`error` absent: done).
    Done {
        #[serde(default)]
        error: Option<OsError>,
    },
    Read {
        #[serde(flatten)]
        read: FileRead,
    },
    Stat {
        seen: Vec<Seen>,
    },
    Path {
        #[serde(default)]
        path: Option<String>,
        #[serde(default)]
        error: Option<OsError>,
    },
    Names {
        #[serde(default)]
        names: Vec<String>,
        #[serde(default)]
        error: Option<OsError>,
    },
    /// [`Effect::Lock`]: taken, or held by another open file (`taken` false), or an error
    /// (`ENOLCK`, `EOPNOTSUPP`: the file system has no working locks).
    Lock {
        #[serde(default)]
        taken: bool,
        #[serde(default)]
        error: Option<OsError>,
    },
    Clock {
        ms: f64,
    },
    /// [`Effect::Probe`]: the ports found free, in the order asked.
    Probe {
        free: Vec<bool>,
    },
    /// [`Effect::Who`]: the listeners found; `known` false when this host cannot tell.
    Who {
        listeners: Vec<Listener>,
        known: bool,
    },
    /// [`Effect::Git`]: stdout when git ran and exited 0, else null.
    Output {
        #[serde(default)]
        stdout: Option<String>,
    },
    /// [`Effect::Spawn`]: the exit code, or the signal that ended it; `error` when it could
    /// not start (`not_found`: no such command).
    Exit {
        #[serde(default)]
        code: Option<i32>,
        #[serde(default)]
        signal: Option<String>,
        #[serde(default)]
        error: Option<OsError>,
    },
}
