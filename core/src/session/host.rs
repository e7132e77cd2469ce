//! Typed effects: each `Host` method asks for one effect and reads its reply. A reply of
//! another kind than the effect asked for is the host's fault and ends the session with an
//! `invalid_request` error.

use super::effects::{Effect, FileRead, Listener, OsError, Reply, Seen, Stream};
use super::facts::HostFacts;
use super::machine::Io;
use crate::error::{ErrorKind, PlanError, Result};
use crate::words::problems::Problem;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The session's way to its host: the effects, and the facts the host sent at the start.
#[derive(Clone)]
pub struct Host {
    io: Io,
    pub facts: Arc<HostFacts>,
}

fn wrong_reply(effect: &str, reply: &Reply) -> PlanError {
    PlanError::new(
        ErrorKind::InvalidRequest,
        format!("the host answered {effect} with {reply:?}"),
    )
}

/// An OS error while doing `action` to `path`, in the words both hosts use.
pub fn io_error(path: &str, action: &str, error: &OsError) -> PlanError {
    Problem::Io {
        path: path.to_owned(),
        action: Some(action.to_owned()),
        code: Some(error.code.clone()),
        reason: Some(error.reason.clone()),
    }
    .error()
}

impl Host {
    pub fn new(io: Io, facts: HostFacts) -> Host {
        Host {
            io,
            facts: Arc::new(facts),
        }
    }

    async fn ask(&self, effect: Effect) -> Reply {
        self.io.ask(effect).await
    }

    /// A done-or-error effect: Ok, or the host's OS error.
    async fn done(&self, effect: Effect) -> Result<std::result::Result<(), OsError>> {
        let name = effect_name(&effect);
        match self.ask(effect).await {
            Reply::Done { error: None } => Ok(Ok(())),
            Reply::Done { error: Some(error) } => Ok(Err(error)),
            other => Err(wrong_reply(name, &other)),
        }
    }

    pub async fn read(&self, path: &str, limit: u64, follow: bool) -> Result<FileRead> {
        let effect = Effect::Read {
            path: path.to_owned(),
            limit,
            follow,
        };
        match self.ask(effect).await {
            Reply::Read { read } => Ok(read),
            other => Err(wrong_reply("read", &other)),
        }
    }

    pub async fn stat(&self, paths: Vec<String>, follow: bool) -> Result<Vec<Seen>> {
        let count = paths.len();
        if count == 0 {
            return Ok(Vec::new());
        }
        match self.ask(Effect::Stat { paths, follow }).await {
            Reply::Stat { seen } if seen.len() == count => Ok(seen),
            other => Err(wrong_reply("stat", &other)),
        }
    }

    pub async fn realpath(&self, path: &str) -> Result<std::result::Result<String, OsError>> {
        let effect = Effect::Realpath {
            path: path.to_owned(),
        };
        match self.ask(effect).await {
            Reply::Path {
                path: Some(path),
                error: None,
            } => Ok(Ok(path)),
            Reply::Path {
                error: Some(error), ..
            } => Ok(Err(error)),
            other => Err(wrong_reply("realpath", &other)),
        }
    }

    pub async fn which(&self, command: &str) -> Result<Option<String>> {
        let effect = Effect::Which {
            command: command.to_owned(),
        };
        match self.ask(effect).await {
            Reply::Path { path, .. } => Ok(path),
            other => Err(wrong_reply("which", &other)),
        }
    }

    pub async fn list(
        &self,
        dir: &str,
        prefix: &str,
    ) -> Result<std::result::Result<Vec<String>, OsError>> {
        let effect = Effect::List {
            dir: dir.to_owned(),
            prefix: prefix.to_owned(),
        };
        match self.ask(effect).await {
            Reply::Names { names, error: None } => Ok(Ok(names)),
            Reply::Names {
                error: Some(error), ..
            } => Ok(Err(error)),
            other => Err(wrong_reply("list", &other)),
        }
    }

    pub async fn make_dir(&self, path: &str) -> Result<std::result::Result<(), OsError>> {
        self.done(Effect::MakeDir {
            path: path.to_owned(),
        })
        .await
    }

    pub async fn create(
        &self,
        path: &str,
        text: &str,
        mode: u32,
        sync: bool,
    ) -> Result<std::result::Result<(), OsError>> {
        self.done(Effect::Create {
            path: path.to_owned(),
            text: text.to_owned(),
            mode,
            sync,
        })
        .await
    }

    pub async fn copy_owner(
        &self,
        path: &str,
        like: &str,
    ) -> Result<std::result::Result<(), OsError>> {
        self.done(Effect::CopyOwner {
            path: path.to_owned(),
            like: like.to_owned(),
        })
        .await
    }

    pub async fn link(&self, from: &str, to: &str) -> Result<std::result::Result<(), OsError>> {
        self.done(Effect::Link {
            from: from.to_owned(),
            to: to.to_owned(),
        })
        .await
    }

    pub async fn append(&self, path: &str, text: &str) -> Result<std::result::Result<(), OsError>> {
        self.done(Effect::Append {
            path: path.to_owned(),
            text: text.to_owned(),
        })
        .await
    }

    pub async fn remove(&self, path: &str) -> Result<std::result::Result<(), OsError>> {
        self.done(Effect::Remove {
            path: path.to_owned(),
        })
        .await
    }

    /// Renames `from` over `to`. On Windows a file another process has open without
    /// delete sharing (an editor, a virus scanner) refuses for a moment: retried for up to
    /// [`SHARING_RETRY_MS`].
    pub async fn rename(&self, from: &str, to: &str) -> Result<std::result::Result<(), OsError>> {
        let mut waited = 0;
        loop {
            let done = self
                .done(Effect::Rename {
                    from: from.to_owned(),
                    to: to.to_owned(),
                })
                .await?;
            match done {
                Err(error) if self.sharing_violation(&error) && waited < SHARING_RETRY_MS => {
                    self.sleep(SHARING_RETRY_STEP_MS).await?;
                    waited += SHARING_RETRY_STEP_MS;
                }
                done => return Ok(done),
            }
        }
    }

    /// Whether an error is Windows' "another process has the file open".
    fn sharing_violation(&self, error: &OsError) -> bool {
        self.facts.windows() && matches!(error.code.as_str(), "EBUSY" | "EPERM" | "EACCES")
    }

    pub async fn lock(&self, path: &str, hold: bool) -> Result<std::result::Result<bool, OsError>> {
        let effect = Effect::Lock {
            path: path.to_owned(),
            hold,
        };
        match self.ask(effect).await {
            Reply::Lock { taken, error: None } => Ok(Ok(taken)),
            Reply::Lock {
                error: Some(error), ..
            } => Ok(Err(error)),
            other => Err(wrong_reply("lock", &other)),
        }
    }

    pub async fn unlock(&self, path: &str) -> Result<std::result::Result<(), OsError>> {
        self.done(Effect::Unlock {
            path: path.to_owned(),
        })
        .await
    }

    pub async fn sleep(&self, ms: u64) -> Result<()> {
        self.done(Effect::Sleep { ms })
            .await?
            .map_err(|error| io_error("", "wait", &error))
    }

    /// The process clock (Unix ms).
    pub async fn clock(&self) -> Result<f64> {
        match self.ask(Effect::Clock).await {
            Reply::Clock { ms } => Ok(ms),
            other => Err(wrong_reply("clock", &other)),
        }
    }

    /// Which of `ports` are free (in the order asked).
    pub async fn probe(&self, ports: &[u16], server: bool) -> Result<Vec<bool>> {
        if ports.is_empty() {
            return Ok(Vec::new());
        }
        let effect = Effect::Probe {
            ports: ports.to_vec(),
            server,
        };
        match self.ask(effect).await {
            Reply::Probe { free } if free.len() == ports.len() => Ok(free),
            other => Err(wrong_reply("probe", &other)),
        }
    }

    /// The listeners of `ports`; None when this host cannot tell.
    pub async fn who(&self, ports: &[u16]) -> Result<Option<Vec<Listener>>> {
        let effect = Effect::Who {
            ports: ports.to_vec(),
        };
        match self.ask(effect).await {
            Reply::Who {
                listeners,
                known: true,
            } => Ok(Some(listeners)),
            Reply::Who { known: false, .. } => Ok(None),
            other => Err(wrong_reply("who", &other)),
        }
    }

    /// git's stdout (trimmed, None when empty or git failed).
    pub async fn git(&self, cwd: &str, args: &[&str]) -> Result<Option<String>> {
        let effect = Effect::Git {
            cwd: cwd.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        };
        match self.ask(effect).await {
            Reply::Output { stdout } => Ok(stdout
                .map(|out| out.trim().to_owned())
                .filter(|out| !out.is_empty())),
            other => Err(wrong_reply("git", &other)),
        }
    }

    pub async fn print(&self, stream: Stream, text: String) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        // A closed stdout (`portplan plan | head -1`) is not the command's failure.
        self.done(Effect::Print { stream, text }).await.map(|_| ())
    }

    pub async fn out(&self, text: String) -> Result<()> {
        self.print(Stream::Stdout, text).await
    }

    pub async fn err(&self, text: String) -> Result<()> {
        self.print(Stream::Stderr, text).await
    }

    /// Runs a command to its end: its exit code, or the signal's name that ended it.
    pub async fn spawn(
        &self,
        argv: Vec<String>,
        env: BTreeMap<String, String>,
        forward: Vec<String>,
    ) -> Result<Spawned> {
        match self.ask(Effect::Spawn { argv, env, forward }).await {
            Reply::Exit {
                error: Some(error), ..
            } => Ok(Spawned::Failed(error)),
            Reply::Exit {
                code: Some(code), ..
            } => Ok(Spawned::Exited(code)),
            Reply::Exit {
                signal: Some(signal),
                ..
            } => Ok(Spawned::Signalled(signal)),
            other => Err(wrong_reply("spawn", &other)),
        }
    }

    pub async fn listen(
        &self,
        port: u16,
        address: Option<String>,
    ) -> Result<std::result::Result<(), OsError>> {
        self.done(Effect::Listen {
            port,
            host: address,
        })
        .await
    }
}

/// How a spawned command ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Spawned {
    Exited(i32),
    Signalled(String),
    Failed(OsError),
}

/// How long a rename is retried on Windows' sharing violations, and how often: as long as a
/// writer waits for the registry lock's holder (a virus scanner may hold a file for seconds).
pub const SHARING_RETRY_MS: u64 = 10_000;
const SHARING_RETRY_STEP_MS: u64 = 25;

fn effect_name(effect: &Effect) -> &'static str {
    match effect {
        Effect::Read { .. } => "read",
        Effect::Stat { .. } => "stat",
        Effect::Realpath { .. } => "realpath",
        Effect::List { .. } => "list",
        Effect::MakeDir { .. } => "make_dir",
        Effect::Create { .. } => "create",
        Effect::CopyOwner { .. } => "copy_owner",
        Effect::Rename { .. } => "rename",
        Effect::Remove { .. } => "remove",
        Effect::Link { .. } => "link",
        Effect::Append { .. } => "append",
        Effect::Lock { .. } => "lock",
        Effect::Unlock { .. } => "unlock",
        Effect::Sleep { .. } => "sleep",
        Effect::Clock => "clock",
        Effect::Probe { .. } => "probe",
        Effect::Who { .. } => "who",
        Effect::Which { .. } => "which",
        Effect::Git { .. } => "git",
        Effect::Print { .. } => "print",
        Effect::Spawn { .. } => "spawn",
        Effect::Listen { .. } => "listen",
    }
}
