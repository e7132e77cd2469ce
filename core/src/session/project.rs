//! The project of a call (SPEC §7): the folders from the working directory up, what they
//! hold, the config file, the root and the namespace. The rules are `discovery`'s; this
//! module asks the host what is on disk (and git, for a `git` namespace) in as few effects
//! as it can: one stat of every candidate in every folder, then a read of each one there.

use super::effects::{FileRead, Kind, OsError, Seen};
use super::facts::Options;
use super::host::Host;
use crate::error::{ErrorKind, PlanError, Result};
use crate::paths::{self, Style};
use crate::plan::config::Config;
use crate::project::discovery::{
    self, CONFIG_FILES, ConfigFileSeen, FileSeen, Folder, GitInfo, ROOT_MARKERS, Resolved, Walk,
};
use std::collections::BTreeMap;

/// The resolved config (every key filled in), the project root, and the config file used.
#[derive(Debug, Clone)]
pub struct Project {
    pub config: Config,
    pub root: String,
    pub config_file: Option<String>,
    /// The services the config file declares (before any name asked for was added); empty
    /// without a config file or without services in it.
    pub declared: Vec<String>,
    /// The compose file at the project root, when there is one (its services are the
    /// project's; `env` adds `COMPOSE_PROJECT_NAME`).
    pub compose_file: Option<String>,
    /// The config without the names asked for (what calls for other names share).
    pub base: Config,
}

impl Project {
    /// The checkout's part of every URL host and of `COMPOSE_PROJECT_NAME`.
    pub fn checkout(&self) -> crate::project::url::Checkout {
        crate::project::url::Checkout::new(self.namespace(), &self.root)
    }
}

impl Project {
    pub fn namespace(&self) -> &str {
        &self.config.namespace
    }
}

/// Project files larger than this are refused, never read whole (a config or a manifest
/// is a few KB).
pub const PROJECT_FILE_LIMIT: u64 = 1024 * 1024;

fn style(host: &Host) -> Style {
    if host.facts.windows() {
        Style::Windows
    } else {
        Style::Posix
    }
}

fn to_discovery(error: &OsError) -> discovery::OsError {
    discovery::OsError {
        code: Some(error.code.clone()),
        reason: Some(error.reason.clone()),
    }
}

/// What a read of a project file gives discovery: its text or its error.
fn file_seen(read: FileRead) -> Option<FileSeen> {
    match read {
        FileRead::File { longer: true, .. } => Some(FileSeen {
            error: Some(discovery::OsError {
                code: Some("EFBIG".to_owned()),
                reason: None,
            }),
            ..FileSeen::default()
        }),
        FileRead::File { text, .. } => Some(FileSeen {
            text: Some(text),
            ..FileSeen::default()
        }),
        FileRead::Error { error } => Some(FileSeen {
            error: Some(to_discovery(&error)),
            ..FileSeen::default()
        }),
        FileRead::Missing | FileRead::NotFile { .. } => None,
    }
}

/// The working folder of a call: `cwd` (relative to the host's) with symlinks resolved. A
/// folder the caller named must exist.
pub async fn working_folder(host: &Host, cwd: Option<&str>) -> Result<String> {
    let absolute = paths::absolute(cwd.unwrap_or("."), &host.facts.cwd, style(host));
    match host.realpath(&absolute).await? {
        Ok(real) => Ok(real),
        Err(error) if cwd.is_some() => Err(super::host::io_error(&absolute, "work in", &error)),
        // The host's own working folder was deleted under it: use it as given.
        Err(_) => Ok(absolute),
    }
}

/// Every folder from `start` up to the file system's root, with what each holds.
async fn walk_up(host: &Host, start: &str) -> Result<Vec<Folder>> {
    let mut folders = Vec::new();
    let mut dir = start.to_owned();
    loop {
        let parent = paths::parent(&dir);
        folders.push(dir.clone());
        if parent == dir {
            break;
        }
        dir = parent;
    }
    // One stat of every candidate and marker of every folder.
    let mut names: Vec<&str> = CONFIG_FILES.to_vec();
    names.extend(
        ROOT_MARKERS
            .iter()
            .filter(|marker| !CONFIG_FILES.contains(marker)),
    );
    let wanted: Vec<String> = folders
        .iter()
        .flat_map(|folder| names.iter().map(|name| paths::join(folder, name)))
        .collect();
    let seen = host.stat(wanted.clone(), true).await?;
    let mut result = Vec::with_capacity(folders.len());
    for (index, folder) in folders.iter().enumerate() {
        let row = &seen[index * names.len()..(index + 1) * names.len()];
        let mut files = BTreeMap::new();
        let mut markers = Vec::new();
        for (name, seen) in names.iter().zip(row) {
            let path = paths::join(folder, name);
            let is_candidate = CONFIG_FILES.contains(name);
            match seen {
                Seen::Missing => {}
                Seen::There { kind, .. } => {
                    if ROOT_MARKERS.contains(name) {
                        markers.push((*name).to_owned());
                    }
                    if is_candidate
                        && *kind == Kind::File
                        && let Some(file) =
                            file_seen(host.read(&path, PROJECT_FILE_LIMIT, true).await?)
                    {
                        files.insert((*name).to_owned(), file);
                    }
                }
                // There but not to be looked at: a candidate says why when it is read.
                Seen::Error { error } => {
                    if is_candidate {
                        files.insert(
                            (*name).to_owned(),
                            FileSeen {
                                error: Some(to_discovery(error)),
                                ..FileSeen::default()
                            },
                        );
                    }
                }
            }
        }
        result.push(Folder {
            path: folder.clone(),
            files,
            markers,
        });
    }
    Ok(result)
}

/// The `--config` file: its real path and what it holds, and the folders from its own
/// folder up.
async fn named_config(
    host: &Host,
    given: &str,
    start: &str,
) -> Result<(ConfigFileSeen, Vec<Folder>)> {
    let absolute = paths::absolute(given, start, style(host));
    let real = match host.realpath(&absolute).await? {
        Ok(real) => real,
        Err(error) => {
            let seen = if matches!(error.code.as_str(), "ENOENT" | "ENOTDIR") {
                FileSeen {
                    missing: true,
                    ..FileSeen::default()
                }
            } else {
                FileSeen {
                    error: Some(to_discovery(&error)),
                    ..FileSeen::default()
                }
            };
            return Ok((
                ConfigFileSeen {
                    path: absolute,
                    seen,
                },
                Vec::new(),
            ));
        }
    };
    let seen = match host.read(&real, PROJECT_FILE_LIMIT, true).await? {
        FileRead::Missing => FileSeen {
            missing: true,
            ..FileSeen::default()
        },
        FileRead::NotFile { .. } => FileSeen {
            error: Some(discovery::OsError {
                code: Some("EISDIR".to_owned()),
                reason: None,
            }),
            ..FileSeen::default()
        },
        read => file_seen(read).unwrap_or_default(),
    };
    let folders = walk_up(host, &paths::parent(&real)).await?;
    Ok((ConfigFileSeen { path: real, seen }, folders))
}

/// What git says of the checkout at `cwd`.
async fn git_info(host: &Host, cwd: &str) -> Result<GitInfo> {
    let common = host
        .git(
            cwd,
            &["rev-parse", "--path-format=absolute", "--git-common-dir"],
        )
        .await?;
    Ok(GitInfo {
        remote: host.git(cwd, &["remote", "get-url", "origin"]).await?,
        // The main worktree's folder, so every worktree of one repository shares its name.
        toplevel: common.map(|dir| paths::parent(&dir)),
        branch: host
            .git(cwd, &["symbolic-ref", "--short", "-q", "HEAD"])
            .await?,
        head: host.git(cwd, &["rev-parse", "--short", "HEAD"]).await?,
    })
}

/// The project of a call: its config (the file's, `options.config` over it, `names` added
/// as free services), its root and its config file.
pub async fn resolve(host: &Host, options: &Options, names: &[String]) -> Result<Project> {
    let start = working_folder(host, options.cwd.as_deref()).await?;
    let (config_file, folders) = match &options.config_path {
        Some(given) => {
            let (file, folders) = named_config(host, given, &start).await?;
            (Some(file), folders)
        }
        None => (None, walk_up(host, &start).await?),
    };
    let walk = Walk {
        cwd: start.clone(),
        folders,
        config_path: options.config_path.clone(),
        config_file,
    };
    resolve_walk(host, &walk, options, names).await
}

/// The project of a call with `text` in place of its config file (an editor's unsaved
/// text: `portplan preview`): read as a `portplan.toml` in the config file's folder (the
/// root's when there is none), so the root and namespace rules see what they would with
/// the text saved there.
pub async fn resolve_with_text(
    host: &Host,
    options: &Options,
    names: &[String],
    text: &str,
) -> Result<Project> {
    let found = resolve(host, options, &[]).await?;
    let folder = found
        .config_file
        .as_deref()
        .map_or_else(|| found.root.clone(), paths::parent);
    let path = paths::join(&folder, CONFIG_FILES[0]);
    let walk = Walk {
        cwd: folder.clone(),
        folders: walk_up(host, &folder).await?,
        config_path: Some(path.clone()),
        config_file: Some(ConfigFileSeen {
            path,
            seen: FileSeen {
                text: Some(text.to_owned()),
                ..FileSeen::default()
            },
        }),
    };
    resolve_walk(host, &walk, options, names).await
}

/// The project `walk` finds, its config resolved (git asked when the namespace needs it).
async fn resolve_walk(
    host: &Host,
    walk: &Walk,
    options: &Options,
    names: &[String],
) -> Result<Project> {
    let project = discovery::find_project(walk)?;
    let (compose_file, compose_names) = compose(host, &project.root).await?;
    let mut git = None;
    let base = loop {
        match discovery::resolve(
            &project,
            options.config.clone(),
            &compose_names,
            git.as_ref(),
        )? {
            Resolved::Config(config) => break config,
            Resolved::NeedGit if git.is_none() => git = Some(git_info(host, &walk.cwd).await?),
            Resolved::NeedGit => {
                return Err(PlanError::new(
                    ErrorKind::Host,
                    "git's answers did not settle the namespace",
                ));
            }
        }
    };
    // A config file that lists services is the list (the compose file's are in it too).
    let declared = match &project.config_file {
        Some(_) => base.services.keys().map(|name| name.to_string()).collect(),
        None => Vec::new(),
    };
    let config = if names.is_empty() {
        base.clone()
    } else {
        let mut all = compose_names.clone();
        all.extend(names.iter().cloned());
        match discovery::resolve(&project, options.config.clone(), &all, git.as_ref())? {
            Resolved::Config(config) => config,
            Resolved::NeedGit => base.clone(),
        }
    };
    Ok(Project {
        config,
        root: project.root,
        config_file: project.config_file,
        declared,
        compose_file,
        base,
    })
}

/// The compose file at `root` (Compose's own order of preference) and the services its
/// published ports declare (SPEC v3 §9).
async fn compose(host: &Host, root: &str) -> Result<(Option<String>, Vec<String>)> {
    let paths: Vec<String> = crate::project::compose::COMPOSE_FILES
        .iter()
        .map(|name| paths::join(root, name))
        .collect();
    let seen = host.stat(paths.clone(), true).await?;
    let Some(path) = paths
        .into_iter()
        .zip(seen)
        .find(|(_, seen)| {
            matches!(
                seen,
                Seen::There {
                    kind: Kind::File,
                    ..
                }
            )
        })
        .map(|(path, _)| path)
    else {
        return Ok((None, Vec::new()));
    };
    let names = match host.read(&path, PROJECT_FILE_LIMIT, true).await? {
        FileRead::File {
            longer: false,
            text,
            ..
        } => compose_names(&path, &text)?,
        FileRead::File { longer: true, .. } => {
            return Err(PlanError::new(
                ErrorKind::InvalidConfig,
                format!(
                    "{} is larger than 1 MiB, too large to be a compose file portplan reads",
                    crate::text::quote_path(&path)
                ),
            ));
        }
        FileRead::Error { error } => return Err(super::host::io_error(&path, "read", &error)),
        FileRead::Missing | FileRead::NotFile { .. } => return Ok((None, Vec::new())),
    };
    Ok((Some(path), names))
}

#[cfg(feature = "compose")]
fn compose_names(path: &str, text: &str) -> Result<Vec<String>> {
    Ok(crate::project::compose::compose_services(path, text)?
        .into_iter()
        .map(|service| service.name)
        .collect())
}

/// Builds without the YAML reader (the browser module) never run a project's session.
#[cfg(not(feature = "compose"))]
fn compose_names(_path: &str, _text: &str) -> Result<Vec<String>> {
    Ok(Vec::new())
}

/// A name the config does not declare, where it declares services: `unknown_service`, with
/// the closest declared name (`get wbe` where the config has `web`).
pub fn check_declared(project: &Project, name: &str) -> Result<()> {
    if project.declared.is_empty() || project.declared.iter().any(|d| d == name) {
        return Ok(());
    }
    let closest = project
        .declared
        .iter()
        .map(|declared| (strsim::damerau_levenshtein(declared, name), declared))
        // A typo is an edit or two (a swap counts one), fewer than the name is long.
        .filter(|(edits, declared)| *edits <= 2 && *edits < declared.chars().count())
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, declared)| declared);
    let file = project.config_file.as_deref().unwrap_or_default();
    let hint = match closest {
        Some(closest) => format!("; did you mean {}?", crate::text::quote_key(closest)),
        None => format!(
            "; it declares {}",
            project
                .declared
                .iter()
                .take(8)
                .map(|d| crate::text::quote_key(d))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(PlanError::new(
        ErrorKind::UnknownService,
        format!(
            "no service named {} in {}{hint} (add it to the config to give it a port)",
            crate::text::quote_key(name),
            crate::text::quote_path(file)
        ),
    )
    .with(|data| {
        data.service = Some(name.to_owned());
        data.path = Some(file.to_owned());
    }))
}
