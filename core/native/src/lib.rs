//! The OS side of portplan's native engines.
//!
//! Every command runs in the core as a session machine (`portplan::session`) that asks
//! its host for primitive effects and decides everything in between. This crate runs
//! those effects for both native bindings (napi for Node, pyo3 for Python), so they do
//! the same I/O in one way; the wasm engine's host (TypeScript) runs them with Node's
//! `fs`, `net` and `child_process` instead, and must report the same facts in the same
//! words (errno names as libuv gives them: [`errors`]). Never built into wasm.
//!
//! ```no_run
//! use portplan::session::effects::Effect;
//! let mut executor = portplan_native::Executor::new();
//! let reply = executor.run(&Effect::Clock).expect("the clock is ours to read");
//! ```
//!
//! What each effect does on each platform is in its module: [`files`] (read, stat,
//! realpath, list, make a folder, create, copy an owner, rename, remove, clock),
//! [`lock`] (the kernel's lock), [`probe`] (bind probes, firewall-quiet), [`who`]
//! (listeners of a port), [`tools`] (which, git).

pub mod errors;
pub mod files;
pub mod lock;
pub mod probe;
pub mod tools;
pub mod who;

pub use probe::probe;

use portplan::session::effects::{Effect, Reply};

/// Runs effects for one host process. It keeps the lock files it holds open (the kernel
/// lock lives as long as the open file), so one executor serves a whole session, and a
/// host may keep one for its process' life.
#[derive(Debug, Default)]
pub struct Executor {
    locks: lock::Locks,
    /// Files created and not renamed or removed since: a session's temporary files (the
    /// protocol's every `create` and `link` is one), removed by `close`.
    created: std::collections::BTreeSet<String>,
}

impl Executor {
    pub fn new() -> Executor {
        Executor::default()
    }

    /// Runs `effect` when it is one this crate runs; `None` for those the host language
    /// must run itself: `Sleep` (its event loop or thread), `Print` (its streams),
    /// `Spawn` (its signals and child handling), `Listen` (its server object).
    pub fn run(&mut self, effect: &Effect) -> Option<Reply> {
        let reply = self.run_effect(effect)?;
        let succeeded = matches!(reply, Reply::Done { error: None });
        match effect {
            // A second name is a temporary file too (a copy of what it names, secrets and all).
            Effect::Create { path, .. } | Effect::Link { to: path, .. } if succeeded => {
                self.created.insert(path.clone());
            }
            Effect::Rename { from, .. } if succeeded => {
                self.created.remove(from);
            }
            Effect::Remove { path } => {
                self.created.remove(path);
            }
            _ => {}
        }
        Some(reply)
    }

    fn run_effect(&mut self, effect: &Effect) -> Option<Reply> {
        Some(match effect {
            Effect::Read {
                path,
                limit,
                follow,
            } => files::read(path, *limit, *follow),
            Effect::Stat { paths, follow } => files::stat(paths, *follow),
            Effect::Realpath { path } => files::realpath(path),
            Effect::List { dir, prefix } => files::list(dir, prefix),
            Effect::MakeDir { path } => files::make_dir(path),
            Effect::Create {
                path,
                text,
                mode,
                sync,
            } => files::create(path, text, *mode, *sync),
            Effect::CopyOwner { path, like } => files::copy_owner(path, like),
            Effect::Rename { from, to } => files::rename(from, to),
            Effect::Remove { path } => files::remove(path),
            Effect::Link { from, to } => files::done(std::fs::hard_link(from, to)),
            Effect::Append { path, text } => files::append(path, text),
            Effect::Lock { path, hold: false } => self.locks.lock(path),
            Effect::Lock { path, hold: true } => lock::hold(path),
            Effect::Unlock { path } => self.locks.unlock(path),
            Effect::Clock => files::clock(),
            Effect::Probe { ports, server } => Reply::Probe {
                free: probe::probe(ports, *server),
            },
            Effect::Who { ports } => who::who(ports),
            Effect::Which { command } => tools::which(command),
            Effect::Git { cwd, args } => tools::git(cwd, args),
            Effect::Sleep { .. }
            | Effect::Print { .. }
            | Effect::Spawn { .. }
            | Effect::Listen { .. } => return None,
        })
    }

    /// Ends a session where it stands (its host stopped early: a signal, an error): the
    /// temporary files it created and did not rename removed, its locks released (those
    /// held for the process stay).
    pub fn close(&mut self) {
        for path in std::mem::take(&mut self.created) {
            let _ = std::fs::remove_file(path);
        }
        self.locks = lock::Locks::default();
    }

    /// Whether this executor holds the lock of `path` (for a host's own bookkeeping).
    pub fn holds_lock(&self, path: &str) -> bool {
        self.locks.holds(path)
    }
}
