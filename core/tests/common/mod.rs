//! A host in memory, for whole sessions in the core's own tests: files and folders in maps,
//! OS locks another process may hold, and a clock that moves only when the session sleeps
//! (a 10 s wait for a lock takes no time). Each effect is answered as
//! docs/host-protocol.md says; nothing touches the real file system. (The native executor's
//! sessions on a real file system are `core/native/tests/sessions.rs`.)
#![allow(dead_code)]

use portplan::session::Session;
use portplan::session::effects::{Effect, FileRead, Kind, OsError, Reply, Seen, Stream};
use portplan::session::machine::Step;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The registry folder of every session here (`PORTPLAN_HOME`).
pub const STATE: &str = "/state";
pub const REGISTRY: &str = "/state/registry.json";
pub const LOCK: &str = "/state/registry.lock";
pub const OWNER: &str = "/state/registry.owner";

/// What a session printed, and its answer.
#[derive(Debug)]
pub struct Ran {
    pub out: String,
    pub err: String,
    pub answer: Value,
}

pub struct MemoryHost {
    pub files: BTreeMap<String, String>,
    pub dirs: BTreeSet<String>,
    /// Locks another process holds: never granted to the session.
    pub foreign_locks: BTreeSet<String>,
    /// Locks the session holds.
    pub locks: BTreeSet<String>,
    /// Ports a probe finds taken.
    pub busy: BTreeSet<u16>,
    pub clock_ms: f64,
    /// Every effect the sessions asked for, in order.
    pub effects: Vec<Effect>,
    /// Renames onto these paths fail with `EBUSY` this many more times: another process
    /// has the file open without delete sharing (Windows).
    pub open_elsewhere: BTreeMap<String, usize>,
}

/// A path's folder, in the path's own style (`/home/me`, `C:\\shop`): the core's rule.
fn parent(path: &str) -> String {
    portplan::paths::parent(path)
}

fn error(code: &str) -> OsError {
    OsError {
        code: code.to_owned(),
        reason: String::new(),
    }
}

fn done(result: Result<(), &str>) -> Reply {
    Reply::Done {
        error: result.err().map(error),
    }
}

impl Default for MemoryHost {
    fn default() -> Self {
        MemoryHost {
            files: BTreeMap::new(),
            dirs: BTreeSet::from(["/".to_owned()]),
            foreign_locks: BTreeSet::new(),
            locks: BTreeSet::new(),
            busy: BTreeSet::new(),
            // 2026-11-18T...: any fixed time.
            clock_ms: 1_795_500_000_000.0,
            effects: Vec::new(),
            open_elsewhere: BTreeMap::new(),
        }
    }
}

impl MemoryHost {
    /// A folder and its parents.
    pub fn dir(&mut self, path: &str) {
        let mut path = path.to_owned();
        loop {
            self.dirs.insert(path.clone());
            let up = parent(&path);
            if up == path {
                return;
            }
            path = up;
        }
    }

    /// A file with `text`, its folder created.
    pub fn file(&mut self, path: &str, text: &str) {
        self.dir(&parent(path));
        self.files.insert(path.to_owned(), text.to_owned());
    }

    /// Runs a command line of the CLIs in `cwd`.
    pub fn cli(&mut self, cwd: &str, argv: &[&str]) -> Ran {
        self.run(json!({ "host": facts(cwd), "call": "cli", "argv": argv }))
    }

    /// Runs a session to its end.
    pub fn run(&mut self, start: Value) -> Ran {
        self.run_with(start, |_, _| {})
    }

    /// Runs a session to its end; `meanwhile` acts for another process before each effect
    /// is answered (an append landing just before a rename, say).
    pub fn run_with(&mut self, start: Value, mut meanwhile: impl FnMut(&mut Self, &Effect)) -> Ran {
        let mut session = Session::from_json(&start.to_string());
        let (mut out, mut err) = (String::new(), String::new());
        let mut reply = None;
        loop {
            match session.step(reply.take()) {
                Step::Done(answer) => {
                    // The host's duty at the end: every lock the session took is released.
                    self.locks.clear();
                    return Ran {
                        out,
                        err,
                        answer: serde_json::to_value(&answer).unwrap(),
                    };
                }
                Step::Do(effect) => {
                    if let Effect::Print { stream, text } = &effect {
                        match stream {
                            Stream::Stdout => out.push_str(text),
                            Stream::Stderr => err.push_str(text),
                        }
                    }
                    meanwhile(self, &effect);
                    reply = Some(self.answer(&effect));
                    self.effects.push(effect);
                }
            }
        }
    }

    fn kind(&self, path: &str) -> Option<Kind> {
        if self.files.contains_key(path) {
            Some(Kind::File)
        } else if self.dirs.contains(path) {
            Some(Kind::Directory)
        } else {
            None
        }
    }

    /// What the host does for `effect`.
    pub fn answer(&mut self, effect: &Effect) -> Reply {
        match effect {
            Effect::Read { path, limit, .. } => Reply::Read {
                read: match (self.files.get(path), self.kind(path)) {
                    (Some(text), _) => {
                        let mut end = usize::try_from(*limit)
                            .unwrap_or(usize::MAX)
                            .min(text.len());
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        FileRead::File {
                            text: text[..end].to_owned(),
                            utf8: true,
                            longer: end < text.len(),
                            uid: None,
                            mode: None,
                        }
                    }
                    (None, Some(kind)) => FileRead::NotFile { kind },
                    (None, None) => FileRead::Missing,
                },
            },
            Effect::Stat { paths, .. } => Reply::Stat {
                seen: paths
                    .iter()
                    .map(|path| match self.kind(path) {
                        None => Seen::Missing,
                        Some(kind) => Seen::There {
                            kind,
                            size: self.files.get(path).map_or(0, |t| t.len() as u64),
                            uid: None,
                            mode: None,
                            mtime_ms: self.clock_ms,
                            // No inode: this host's files are read afresh every time.
                            ino: None,
                        },
                    })
                    .collect(),
            },
            Effect::Realpath { path } => match self.kind(path) {
                Some(_) => Reply::Path {
                    path: Some(path.clone()),
                    error: None,
                },
                None => Reply::Path {
                    path: None,
                    error: Some(error("ENOENT")),
                },
            },
            Effect::List { dir, prefix } => {
                if !self.dirs.contains(dir) {
                    return Reply::Names {
                        names: Vec::new(),
                        error: Some(error("ENOENT")),
                    };
                }
                let names = self
                    .files
                    .keys()
                    .chain(&self.dirs)
                    .filter(|path| parent(path) != **path && parent(path) == *dir)
                    .map(|path| portplan::paths::file_name(path).to_owned())
                    .filter(|name| name.starts_with(prefix.as_str()))
                    .collect();
                Reply::Names { names, error: None }
            }
            Effect::MakeDir { path } => {
                self.dir(path);
                done(Ok(()))
            }
            Effect::Create { path, text, .. } => done(if self.kind(path).is_some() {
                Err("EEXIST")
            } else if !self.dirs.contains(&parent(path)) {
                Err("ENOENT")
            } else {
                self.files.insert(path.clone(), text.clone());
                Ok(())
            }),
            Effect::Rename { to, .. } if self.open_elsewhere.get(to).is_some_and(|n| *n > 0) => {
                *self.open_elsewhere.entry(to.clone()).or_default() -= 1;
                done(Err("EBUSY"))
            }
            Effect::Rename { from, to } => done(match self.files.remove(from) {
                Some(text) => {
                    self.files.insert(to.clone(), text);
                    Ok(())
                }
                None => Err("ENOENT"),
            }),
            Effect::Remove { path } => done(match self.files.remove(path) {
                Some(_) => Ok(()),
                None => Err("ENOENT"),
            }),
            // A second name holds a copy: this host never writes a file in place, so the two
            // names can only part by a rename or a removal, as hard links do.
            Effect::Link { from, to } => done(match self.files.get(from).cloned() {
                Some(text) if !self.files.contains_key(to) => {
                    self.files.insert(to.clone(), text);
                    Ok(())
                }
                Some(_) => Err("EEXIST"),
                None => Err("ENOENT"),
            }),
            Effect::Append { path, text } => done(match self.files.get_mut(path) {
                Some(file) => {
                    file.push_str(text);
                    Ok(())
                }
                None => Err("ENOENT"),
            }),
            Effect::CopyOwner { .. } | Effect::Listen { .. } => done(Ok(())),
            Effect::Lock { path, .. } => {
                if !self.dirs.contains(&parent(path)) {
                    return Reply::Lock {
                        taken: false,
                        error: Some(error("ENOENT")),
                    };
                }
                if self.dirs.contains(path) {
                    // Opening a folder to lock it fails as the OS's open does.
                    return Reply::Lock {
                        taken: false,
                        error: Some(error("EISDIR")),
                    };
                }
                self.files.entry(path.clone()).or_default();
                let taken = !self.foreign_locks.contains(path);
                if taken {
                    self.locks.insert(path.clone());
                }
                Reply::Lock { taken, error: None }
            }
            Effect::Unlock { path } => {
                self.locks.remove(path);
                done(Ok(()))
            }
            Effect::Sleep { ms } => {
                self.clock_ms += *ms as f64;
                done(Ok(()))
            }
            Effect::Clock => Reply::Clock { ms: self.clock_ms },
            Effect::Probe { ports, .. } => Reply::Probe {
                free: ports.iter().map(|p| !self.busy.contains(p)).collect(),
            },
            Effect::Who { .. } => Reply::Who {
                listeners: Vec::new(),
                known: true,
            },
            Effect::Which { .. } => Reply::Path {
                path: None,
                error: None,
            },
            Effect::Git { .. } => Reply::Output { stdout: None },
            Effect::Print { .. } => done(Ok(())),
            Effect::Spawn { .. } => Reply::Exit {
                code: None,
                signal: None,
                error: Some(error("ENOENT")),
            },
        }
    }

    /// Files a write stages or keeps beside its target (`..env.portplan-tmp.*` ...).
    pub fn temporary_files(&self) -> Vec<&String> {
        self.files
            .keys()
            .filter(|path| path.contains("portplan-"))
            .collect()
    }

    /// Whether any effect so far wrote a file or took a lock.
    pub fn wrote_or_locked(&self) -> bool {
        self.effects.iter().any(|effect| {
            matches!(
                effect,
                Effect::Lock { .. } | Effect::Create { .. } | Effect::Rename { .. }
            )
        })
    }
}

/// The host's facts: Linux, `cwd`, a home folder, the registry in [`STATE`].
pub fn facts(cwd: &str) -> Value {
    json!({
        "platform": "linux",
        "cwd": cwd,
        "home": "/home/me",
        "env": { "PORTPLAN_HOME": STATE },
        "pid": 4242,
        "hostname": "box",
        "engine": "native",
    })
}
