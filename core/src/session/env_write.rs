//! `env --write [FILE]`: the `*_PORT=` block kept in a `.env` file (SPEC §7, §9 "Files
//! outside the project are never written").
//!
//! The order, for every host:
//! 1. where FILE leads: a symbolic link (or a linked folder on the way) that leads out of the
//!    project is refused unless the user named FILE; a link to nothing is refused (writing
//!    through it would create its target); anything but a regular file is refused;
//! 2. FILE read (bounded) and merged, and the registry's leases settled, under the lock,
//!    which also serializes two `env --write` of one file;
//! 3. the new text in a temporary file beside FILE, with FILE's owner and mode: a folder
//!    that cannot be written fails here, before the registry is written;
//! 4. the registry written; FILE read again: lines another process added meanwhile are
//!    merged in (never lost), up to a few times, else a clear error;
//! 5. the temporary file renamed over FILE; the lock released. Temporary files of
//!    interrupted writes are removed at the next run (the hosts also remove them on signals).

use super::allocation::{Allocation, Ask};
use super::effects::{FileRead, Kind, Seen};
use super::host::{Host, io_error};
use super::project::Project;
use crate::commands::env_file::{self, Existing, MAX_BYTES};
use crate::error::{ErrorKind, PlanError, Result};
use crate::paths::{self, Style};
use crate::text::quote_path;
use crate::words::problems::{Problem, Why};

/// How many times FILE is merged again when another process changed it meanwhile.
const MERGE_TRIES: usize = 3;

/// The file a write goes to.
struct Target {
    /// FILE as the user wrote it (for messages).
    given: String,
    /// Where the write goes: FILE, or the regular file its links lead to (links kept).
    path: String,
}

fn style(host: &Host) -> Style {
    if host.facts.windows() {
        Style::Windows
    } else {
        Style::Posix
    }
}

fn not_regular(given: &str, kind: Kind) -> PlanError {
    let why = match kind {
        Kind::Fifo => Why::Fifo,
        Kind::Socket => Why::Socket,
        Kind::Device => Why::Device,
        Kind::Directory => Why::Directory,
        Kind::Symlink => Why::Symlink,
        Kind::File | Kind::Other => Why::NotFile,
    };
    Problem::NotRegularFile {
        path: given.to_owned(),
        why,
    }
    .error()
}

fn refused(given: &str, why: String) -> PlanError {
    PlanError::new(
        ErrorKind::Host,
        format!(
            "cannot write {}: {why}; nothing was written",
            quote_path(given)
        ),
    )
    .with(|data| data.path = Some(given.to_owned()))
}

/// Step 1: where FILE leads, refused when that is out of the project through a link the
/// user did not name, a link to nothing, or not a regular file.
async fn target(host: &Host, given: &str, named: bool, root: &str) -> Result<Target> {
    let absolute = paths::absolute(given, &host.facts.cwd, style(host));
    let seen = host.stat(vec![absolute.clone()], false).await?;
    let folder = paths::parent(&absolute);
    let (path, through_link) = match seen.into_iter().next() {
        Some(Seen::Error { error }) => return Err(io_error(given, "read", &error)),
        Some(Seen::There {
            kind: Kind::Symlink,
            ..
        }) => match host.realpath(&absolute).await? {
            Ok(real) => (real, true),
            Err(error) if error.code == "ENOENT" => {
                return Err(refused(
                    given,
                    "it is a symbolic link to a file that does not exist, and portplan does not create files through links".to_owned(),
                ));
            }
            Err(error) => return Err(io_error(given, "read", &error)),
        },
        Some(Seen::There { kind, .. }) if kind != Kind::File => {
            return Err(not_regular(given, kind));
        }
        // A regular file or nothing: where its folder really is (a linked folder on the way).
        _ => match host.realpath(&folder).await? {
            Ok(real) => {
                let path = paths::join(&real, paths::file_name(&absolute));
                let moved =
                    paths::normalize(&real, style(host)) != paths::normalize(&folder, style(host));
                (path, moved)
            }
            Err(error) => return Err(io_error(given, "write", &error)),
        },
    };
    if through_link && !named && !paths::is_inside(&path, root) {
        return Err(refused(
            given,
            format!(
                "it leads through a symbolic link to {}, outside the project {}; name the file on the command line to write there",
                quote_path(&path),
                quote_path(root)
            ),
        ));
    }
    Ok(Target {
        given: given.to_owned(),
        path,
    })
}

/// What FILE holds now, and whether it may be replaced.
struct Read {
    text: Option<String>,
    utf8: bool,
    too_large: bool,
}

impl Read {
    fn existing(&self) -> Existing<'_> {
        Existing {
            text: self.text.as_deref(),
            utf8: self.utf8,
            too_large: self.too_large,
        }
    }
}

async fn read(host: &Host, target: &Target) -> Result<Read> {
    read_at(host, &target.given, &target.path).await
}

/// What the file at `path` holds (`given`: FILE as the user wrote it, for messages).
async fn read_at(host: &Host, given: &str, path: &str) -> Result<Read> {
    match host.read(path, MAX_BYTES as u64, false).await? {
        FileRead::Missing => Ok(Read {
            text: None,
            utf8: true,
            too_large: false,
        }),
        FileRead::NotFile { kind } => Err(not_regular(given, kind)),
        FileRead::Error { error } => Err(io_error(given, "read", &error)),
        FileRead::File {
            text,
            utf8,
            longer,
            uid,
            mode,
        } => {
            // A read-only file stays as it is, as an editor would refuse it.
            let own = uid.is_some() && uid == host.facts.uid;
            if own && mode.is_some_and(|mode| mode & 0o200 == 0) {
                return Err(refused(given, "it is read-only".to_owned()));
            }
            Ok(Read {
                text: (!longer).then_some(text),
                utf8: utf8 || longer,
                too_large: longer,
            })
        }
    }
}

/// The temporary files of FILE: `.<name>.portplan-tmp.<pid>`.
fn temp_prefix(target: &Target) -> String {
    format!(".{}.portplan-tmp.", paths::file_name(&target.path))
}

/// [`temp_prefix`] in FILE's folder.
fn temp_path_prefix(target: &Target) -> String {
    paths::join(&paths::parent(&target.path), &temp_prefix(target))
}

/// Removes what interrupted writes of FILE left (under the registry lock: no other write
/// of FILE is in progress).
async fn sweep(host: &Host, target: &Target) -> Result<()> {
    let dir = paths::parent(&target.path);
    let prefix = temp_prefix(target);
    if let Ok(names) = host.list(&dir, &prefix).await? {
        for name in names.iter().filter(|name| name.starts_with(&prefix)) {
            let _ = host.remove(&paths::join(&dir, name)).await?;
        }
    }
    Ok(())
}

/// Step 3: the new text beside FILE, with FILE's owner and mode.
async fn stage(host: &Host, target: &Target, temp: &str, text: &str, exists: bool) -> Result<()> {
    let _ = host.remove(temp).await?;
    if let Err(error) = host.create(temp, text, 0o666, true).await? {
        return Err(io_error(&target.given, "write", &error));
    }
    if exists && let Err(error) = host.copy_owner(temp, &target.path).await? {
        let _ = host.remove(temp).await?;
        return Err(io_error(&target.given, "write", &error));
    }
    Ok(())
}

/// What `env --write` says: the line on stdout, and warnings for stderr.
pub struct Written {
    pub message: String,
    pub warnings: Vec<String>,
}

/// Writes the block; what to say.
pub async fn write(
    host: &Host,
    project: Project,
    ask: Ask,
    given: &str,
    named: bool,
    urls: bool,
) -> Result<Written> {
    let target = target(host, given, named, &project.root).await?;
    let first = read(host, &target).await?;
    // A file that cannot take a block (not UTF-8, two blocks, too large) fails before the
    // lock is taken and before any lease is written.
    env_file::merge(&target.given, &first.existing(), &[])?;
    let had_compose_name = first.text.as_deref().is_some_and(|text| {
        text.lines()
            .any(|l| l.trim_start().starts_with("COMPOSE_PROJECT_NAME="))
    });
    let mut allocation = Allocation::begin(host, project, ask).await?;
    let temp = paths::join(
        &paths::parent(&target.path),
        &format!("{}{}", temp_prefix(&target), host.facts.pid),
    );
    let staged = async {
        sweep(host, &target).await?;
        let lines = lines(&allocation, urls)?;
        let merged = env_file::merge(&target.given, &first.existing(), &lines)?;
        if merged.changed {
            stage(host, &target, &temp, &merged.text, first.text.is_some()).await?;
        }
        Ok::<_, PlanError>((lines, merged))
    }
    .await;
    let (lines, mut merged) = match staged {
        Ok(staged) => staged,
        Err(error) => {
            allocation.abort(host).await;
            return Err(error);
        }
    };
    let written = async {
        allocation.write(host).await?;
        // Step 4: lines another process adds meanwhile are kept. Read again before the
        // rename (and merged in); and, through a second name for the file being replaced,
        // lines appended up to the rename itself are found after it and appended again.
        let mut expected = first.text.clone();
        for attempt in 0..=MERGE_TRIES {
            let now = read(host, &target).await?;
            if now.text != expected {
                if attempt == MERGE_TRIES {
                    break;
                }
                merged = env_file::merge(&target.given, &now.existing(), &lines)?;
                if merged.changed {
                    stage(host, &target, &temp, &merged.text, now.text.is_some()).await?;
                }
                expected = now.text;
                continue;
            }
            if !merged.changed {
                // Nothing to replace (any staged text is the file's own now).
                let _ = host.remove(&temp).await?;
                return Ok(merged.text.clone());
            }
            return replace(host, &target, &temp, expected.as_deref(), &merged.text).await;
        }
        let _ = host.remove(&temp).await?;
        Err(refused(
            &target.given,
            "another process kept changing it while portplan wrote it; try again".to_owned(),
        ))
    }
    .await;
    let released = allocation.release(host).await;
    let text = written?;
    released?;
    let mut warnings = env_file::shadowing(&target.given, &text, &lines);
    if let Some(line) = lines
        .iter()
        .find(|l| l.starts_with("COMPOSE_PROJECT_NAME="))
        && !had_compose_name
    {
        warnings.push(format!(
            "portplan: note: {line} is new in {}: Compose now runs this checkout's containers and volumes under that name (those started before keep their old project: `docker compose -p OLD down` removes them)\n",
            crate::text::quote_path(&target.given)
        ));
    }
    Ok(Written {
        message: merged.message,
        warnings,
    })
}

/// Renames the staged `temp` over FILE, which held `expected` when last read, and keeps what
/// was appended to it up to the rename: a second name for the replaced file shows those
/// lines, which are then appended to the new file. What FILE holds now is answered.
async fn replace(
    host: &Host,
    target: &Target,
    temp: &str,
    expected: Option<&str>,
    text: &str,
) -> Result<String> {
    let replaced = format!("{}old.{}", temp_path_prefix(target), host.facts.pid);
    let _ = host.remove(&replaced).await?;
    let linked = expected.is_some() && host.link(&target.path, &replaced).await?.is_ok();
    if let Err(error) = host.rename(temp, &target.path).await? {
        let _ = host.remove(temp).await?;
        if linked {
            let _ = host.remove(&replaced).await?;
        }
        return Err(io_error(&target.given, "write", &error));
    }
    let Some(expected) = expected.filter(|_| linked) else {
        return Ok(text.to_owned());
    };
    let late = read_at(host, &target.given, &replaced).await;
    let late = match late.map(|read| read.text) {
        Ok(Some(late)) if late == expected => None,
        Ok(Some(late)) if late.starts_with(expected) => Some(late[expected.len()..].to_owned()),
        _ => {
            // Rewritten in place during the rename: that version is kept beside it, and said.
            let kept = format!("{}.portplan-replaced", target.path);
            let _ = host.remove(&kept).await?;
            let kept_ok = host.rename(&replaced, &kept).await?.is_ok();
            return Err(PlanError::new(
                ErrorKind::Host,
                format!(
                    "{} was changed by another process while portplan replaced it; {}",
                    quote_path(&target.given),
                    if kept_ok {
                        format!(
                            "that version is kept in {}: merge it by hand",
                            quote_path(&kept)
                        )
                    } else {
                        "try again".to_owned()
                    }
                ),
            )
            .with(|data| data.path = Some(target.given.clone())));
        }
    };
    let _ = host.remove(&replaced).await?;
    match late {
        None => Ok(text.to_owned()),
        Some(late) => match host.append(&target.path, &late).await? {
            Ok(()) => Ok(format!("{text}{late}")),
            Err(error) => Err(io_error(&target.given, "write", &error)),
        },
    }
}

/// The block's lines: `NAME_PORT=N` of the plan, and what `env` exports beside them.
fn lines(allocation: &Allocation, urls: bool) -> Result<Vec<String>> {
    Ok(
        super::exported::variables(&allocation.project, &allocation.plan, urls)?
            .into_iter()
            .map(|(variable, value)| format!("{variable}={value}"))
            .collect(),
    )
}
