//! The registry file, its lock and its writes (SPEC §7 "Writes", §9 "The lock is the
//! kernel's"; docs/registry.md).
//!
//! - The lock is an exclusive OS lock on `registry.lock`, held while a writer reads,
//!   decides and writes; the kernel releases it when its holder dies, so no writer ever
//!   judges a lock by a pid or an age. `registry.owner` names the holder, for messages only.
//! - A write goes to `registry.json.tmp.<pid>` (flushed to the disk) and is renamed over
//!   the registry. Under the lock no other writer is between those two steps, so every
//!   temporary file found there was left by a writer that died: all are removed.
//! - "Now" for a write is the kernel's: the modification time of the owner file just
//!   written, which a wrong or faked process clock does not change (§9 "Clocks").

use super::effects::{FileRead, Kind, OsError, Seen};
use super::host::{Host, io_error};
use super::remembered;
use crate::error::{ErrorKind, PlanError, Result};
use crate::paths;
use crate::registry::location::{self, Environment};
use crate::words::problems::{Problem, Why};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The registry's size bound: a bigger file is refused, never read whole.
pub const REGISTRY_LIMIT: u64 = 64 * 1024 * 1024;
/// A first read takes this much (a registry of some 6,000 leases); a larger registry is
/// read again whole.
const FIRST_READ_LIMIT: u64 = 1024 * 1024;

/// Whether a registry's first bytes can start one: a JSON object, no control character
/// but blanks.
fn looks_like_a_registry(start: &str) -> bool {
    start.trim_start().starts_with('{')
        && !start
            .bytes()
            .any(|b| (b < 0x20 || b == 0x7f) && !matches!(b, b'\n' | b'\r' | b'\t'))
}

/// A registry written longer ago than this is known again by its inode, size and time.
const SETTLED_MS: f64 = 2000.0;

/// The owner file's bound (it holds one short JSON object).
const OWNER_LIMIT: u64 = 4096;
/// How long a writer waits for one owner of the lock before it names that owner.
pub const LOCK_WAIT_MS: u64 = 10_000;
const LOCK_FILE: &str = "registry.lock";
const OWNER_FILE: &str = "registry.owner";
pub const TEMP_PREFIX: &str = "registry.json.tmp.";

/// Where the registry, its lock and its temporary files are.
#[derive(Debug, Clone)]
pub struct Store {
    pub dir: String,
    pub file: String,
    lock: String,
    owner: String,
}

/// The lock, held: the kernel's time when it was taken (Unix seconds).
#[derive(Debug, Clone, Copy)]
pub struct Held {
    pub now: u64,
}

/// The problem's word for what is there instead of a regular file.
fn why_of(kind: Kind) -> Why {
    match kind {
        Kind::Symlink => Why::Symlink,
        Kind::Fifo => Why::Fifo,
        Kind::Socket => Why::Socket,
        Kind::Device => Why::Device,
        Kind::Directory => Why::Directory,
        Kind::File | Kind::Other => Why::NotFile,
    }
}

fn unsafe_registry(path: &str, why: Why) -> PlanError {
    Problem::UnsafeRegistry {
        path: path.to_owned(),
        why,
    }
    .error()
}

impl Store {
    /// The registry's place for this host (SPEC §7: `$PORTPLAN_HOME`, else the platform's
    /// user state folder).
    pub fn locate(host: &Host) -> Result<Store> {
        let facts = &host.facts;
        let location = location::locate(&Environment {
            platform: &facts.platform,
            portplan_home: facts.var("PORTPLAN_HOME"),
            xdg_state_home: facts.var("XDG_STATE_HOME"),
            local_app_data: facts.var("LOCALAPPDATA"),
            home: facts.home.as_deref(),
            cwd: &facts.cwd,
        })?;
        Ok(Store {
            lock: paths::join(&location.dir, LOCK_FILE),
            owner: paths::join(&location.dir, OWNER_FILE),
            dir: location.dir,
            file: location.file,
        })
    }

    /// The registry's text, None when there is none yet. Refuses what is not a regular file
    /// of this user of at most 64 MiB (read without following links or blocking).
    pub async fn read(&self, host: &Host) -> Result<Option<Arc<String>>> {
        // A version of the file read before (same inode, size and time) is not read again,
        // unless it changed within the last seconds: file times are as coarse as the kernel's
        // tick, and an inode freed by a rename is reused, so two quick writes of one size
        // could look alike.
        let clock = host.clock().await?;
        let signature = match host.stat(vec![self.file.clone()], false).await?.first() {
            Some(Seen::Missing) => return Ok(None),
            Some(Seen::There {
                kind: Kind::File,
                size,
                mtime_ms,
                ino: Some(ino),
                uid,
                ..
            }) if (host.facts.uid.is_none() || *uid == host.facts.uid)
                && (clock - mtime_ms).abs() > SETTLED_MS =>
            {
                Some((*ino, *size, mtime_ms.to_bits()))
            }
            _ => None,
        };
        if let Some(text) = signature.and_then(remembered::text_of) {
            return Ok(Some(text));
        }
        let text: Option<Arc<String>> = self.read_text(host).await?.map(Arc::new);
        if let (Some(signature), Some(text)) = (signature, &text) {
            remembered::remember_text(signature, text);
        }
        Ok(text)
    }

    /// The registry's text, read (bounded) and checked.
    async fn read_text(&self, host: &Host) -> Result<Option<String>> {
        // Most registries are small: one read. A larger one is read whole only when its
        // start looks like a registry, so a huge file of something else (63 MiB of NUL
        // bytes) costs 1 MiB of memory, not a copy of it per layer on its way to an error.
        let first = host.read(&self.file, FIRST_READ_LIMIT, false).await?;
        let read = match first {
            FileRead::File {
                longer: true,
                ref text,
                ..
            } if looks_like_a_registry(text) => {
                host.read(&self.file, REGISTRY_LIMIT, false).await?
            }
            FileRead::File { longer: true, .. } => {
                return Err(crate::error::PlanError::new(
                    ErrorKind::InvalidRegistry,
                    "the registry is not valid JSON: it does not start with a JSON object",
                ))
                .map_err(|error| self.at_file(error));
            }
            first => first,
        };
        match read {
            FileRead::Missing => Ok(None),
            FileRead::NotFile { kind } => Err(unsafe_registry(&self.file, why_of(kind))),
            FileRead::Error { error } => Err(io_error(&self.file, "read", &error)),
            FileRead::File { longer: true, .. } => Err(unsafe_registry(&self.file, Why::TooLarge)),
            FileRead::File { uid, .. }
                if host.facts.uid.is_some() && uid.is_some() && uid != host.facts.uid =>
            {
                Err(unsafe_registry(&self.file, Why::NotOwner))
            }
            FileRead::File { text, .. } => Ok(Some(text)),
        }
    }

    /// A registry error about the registry's text gets its path.
    pub fn at_file(&self, error: PlanError) -> PlanError {
        if error.kind != ErrorKind::InvalidRegistry {
            return error;
        }
        PlanError {
            message: format!("{}: {}", crate::text::quote_path(&self.file), error.message),
            ..error
        }
        .with(|data| data.path = Some(self.file.clone()))
    }

    /// Takes the lock, waiting while someone holds it: up to 10 s for each holder (a new
    /// holder is progress and starts a new wait), then an error that names the holder.
    pub async fn lock(&self, host: &Host) -> Result<Held> {
        if let Err(error) = host.make_dir(&self.dir).await? {
            return Err(io_error(&self.dir, "create", &error));
        }
        let mut waited = 0;
        let mut step = 2;
        let mut holder: Option<String> = None;
        loop {
            match host.lock(&self.lock, false).await? {
                Ok(true) => break,
                Ok(false) => {}
                Err(error) => return Err(self.lock_failed(host, &error).await?),
            }
            let now_holder = self.holder(host).await?;
            if now_holder != holder {
                holder = now_holder;
                waited = 0;
            }
            if waited >= LOCK_WAIT_MS {
                return Err(self.locked(holder.as_deref()));
            }
            host.sleep(step).await?;
            waited += step;
            step = (step * 2).min(50);
        }
        match self.write_owner(host).await {
            Ok(held) => Ok(held),
            Err(error) => {
                // Never left holding it: the caller only unlocks a lock it got.
                let _ = host.unlock(&self.lock).await?;
                Err(error)
            }
        }
    }

    /// Why the lock could not be tried: not a regular file there, or a file system without
    /// working locks, or another OS error.
    async fn lock_failed(&self, host: &Host, error: &OsError) -> Result<PlanError> {
        let seen = host.stat(vec![self.lock.clone()], false).await?;
        if let Some(Seen::There { kind, .. }) = seen.first()
            && *kind != Kind::File
        {
            return Ok(Problem::UnsafeLock {
                path: self.lock.clone(),
                why: why_of(*kind),
            }
            .error());
        }
        if matches!(
            error.code.as_str(),
            "ENOLCK" | "EOPNOTSUPP" | "ENOTSUP" | "ENOSYS"
        ) {
            return Ok(PlanError::new(
                ErrorKind::Host,
                format!(
                    "cannot lock {}: its file system has no working file locks (a network file system without a lock service?); set PORTPLAN_HOME to a folder on a local disk",
                    crate::text::quote_path(&self.lock)
                ),
            )
            .with(|data| {
                data.path = Some(self.lock.clone());
                data.code = Some(error.code.clone());
            }));
        }
        Ok(io_error(&self.lock, "lock", error))
    }

    /// The holder's owner text, as it wrote it (None when there is none to read).
    async fn holder(&self, host: &Host) -> Result<Option<String>> {
        Ok(match host.read(&self.owner, OWNER_LIMIT, false).await? {
            FileRead::File { text, .. } => Some(text),
            _ => None,
        })
    }

    fn locked(&self, holder: Option<&str>) -> PlanError {
        let owner: Option<serde_json::Value> = holder.and_then(|h| serde_json::from_str(h).ok());
        let field = |key: &str| owner.as_ref().and_then(|o| o.get(key)).cloned();
        Problem::Locked {
            path: self.file.clone(),
            pid: field("pid").and_then(|v| v.as_u64()),
            host: field("host").and_then(|v| v.as_str().map(str::to_owned)),
            time: field("time").and_then(|v| v.as_u64()),
        }
        .error()
    }

    /// Writes this process into the owner file (for messages), and reads the kernel's time
    /// off it.
    async fn write_owner(&self, host: &Host) -> Result<Held> {
        let facts = &host.facts;
        let clock = host.clock().await?;
        let text = serde_json::json!({
            "pid": facts.pid,
            "host": facts.hostname,
            "time": clock as u64,
        })
        .to_string();
        let temp = format!("{}.{}", self.owner, facts.pid);
        let _ = host.remove(&temp).await?;
        if let Err(error) = host.create(&temp, &text, 0o600, false).await? {
            return Err(io_error(&self.owner, "write", &error));
        }
        if let Err(error) = host.rename(&temp, &self.owner).await? {
            let _ = host.remove(&temp).await?;
            return Err(io_error(&self.owner, "write", &error));
        }
        let seen = host.stat(vec![self.owner.clone()], false).await?;
        let kernel = match seen.first() {
            Some(Seen::There { mtime_ms, .. }) if *mtime_ms > 0.0 => *mtime_ms,
            _ => clock,
        };
        Ok(Held {
            now: crate::registry::clock::now_seconds(clock, kernel),
        })
    }

    /// Releases the lock. A failed release is an error: everyone else would then see the
    /// registry locked.
    pub async fn unlock(&self, host: &Host) -> Result<()> {
        match host.unlock(&self.lock).await? {
            Ok(()) => Ok(()),
            Err(error) => Err(io_error(&self.lock, "unlock", &error)),
        }
    }

    /// Removes the temporary files of writers that died (any there, under the lock).
    async fn sweep(&self, host: &Host) -> Result<()> {
        let names = match host.list(&self.dir, TEMP_PREFIX).await? {
            Ok(names) => names,
            Err(error) if error.code == "ENOENT" => return Ok(()),
            Err(error) => return Err(io_error(&self.dir, "read", &error)),
        };
        for name in names.iter().filter(|name| name.starts_with(TEMP_PREFIX)) {
            let path = paths::join(&self.dir, name);
            match host.remove(&path).await? {
                Ok(()) => {}
                Err(error) if error.code == "ENOENT" => {}
                Err(error) => return Err(io_error(&path, "remove", &error)),
            }
        }
        Ok(())
    }

    /// Replaces the registry with `text` (under the lock): temporary file flushed to the
    /// disk, renamed over the registry; whatever fails takes the temporary file away.
    pub async fn write(&self, host: &Host, text: &str) -> Result<()> {
        self.sweep(host).await?;
        let temp = format!("{}{}", paths::join(&self.dir, TEMP_PREFIX), host.facts.pid);
        if let Err(error) = host.create(&temp, text, 0o600, true).await? {
            let _ = host.remove(&temp).await?;
            return Err(io_error(&self.file, "write", &error));
        }
        if let Err(error) = host.rename(&temp, &self.file).await? {
            let _ = host.remove(&temp).await?;
            return Err(io_error(&self.file, "write", &error));
        }
        Ok(())
    }
}

/// Whether each root still exists: only "not there" counts as gone; a folder that cannot be
/// looked at may exist, and its leases stay.
pub async fn existing_roots(host: &Host, roots: Vec<String>) -> Result<BTreeMap<String, bool>> {
    let seen = host.stat(roots.clone(), true).await?;
    Ok(roots
        .into_iter()
        .zip(seen)
        .map(|(root, seen)| (root, !matches!(seen, Seen::Missing)))
        .collect())
}
