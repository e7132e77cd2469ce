//! Config discovery (SPEC §7): which file holds the config, the project root, the caller's
//! options over the config, and the namespace (explicit, `git`, `""` for Lagom, else the
//! project's own name). The host reads the files and runs git; the rules live here so every
//! binding applies them alike.

use crate::error::{ErrorKind, PlanError, Result};
use crate::input::formats;
use crate::input::written::{AsWritten, Loose};
use crate::paths;
use crate::plan::config::{Config, HashKind, Service};
use crate::plan::config_file::{ConfigFile, ConfigInput, ServicesAsWritten};
use crate::text::quote_key;
use crate::words::problems::Problem;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The files that can hold a config, in the order they are tried within one folder.
pub const CONFIG_FILES: [&str; 3] = ["portplan.toml", "package.json", "pyproject.toml"];

/// The namespace value that asks for `<repo>@<branch>` of the current git checkout.
pub const GIT_NAMESPACE: &str = "git";

#[derive(Deserialize)]
struct PackageJson {
    portplan: Option<AsWritten>,
}

#[derive(Deserialize)]
struct Pyproject {
    tool: Option<Loose<Tool>>,
}

#[derive(Deserialize)]
struct Tool {
    portplan: Option<AsWritten>,
}

/// The portplan config a file holds, as written, or None when the file has no portplan
/// section. `file` is the file's name or path.
pub fn extract_config(file: &str, text: &str) -> Result<Option<AsWritten>> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let not_valid = |format: &str, fault: String| {
        PlanError::new(
            ErrorKind::InvalidConfig,
            format!("{base} is not valid {format}: {fault}"),
        )
    };
    match base {
        "package.json" => {
            let package: Loose<PackageJson> =
                formats::from_json(text).map_err(|e| not_valid("JSON", e))?;
            Ok(match package {
                Loose::Valid(package) => package.portplan,
                Loose::Invalid(_) => None,
            })
        }
        "pyproject.toml" => {
            if formats::looks_like_json(text) {
                return Err(PlanError::new(
                    ErrorKind::InvalidConfig,
                    "pyproject.toml must be TOML",
                ));
            }
            let project: Pyproject = formats::from_toml(text).map_err(|e| not_valid("TOML", e))?;
            Ok(match project.tool {
                Some(Loose::Valid(tool)) => tool.portplan,
                _ => None,
            })
        }
        // portplan.toml, or any file the user names with --config: JSON or TOML.
        _ if formats::looks_like_json(text) => formats::from_json(text)
            .map(Some)
            .map_err(|e| not_valid("JSON", e)),
        _ => formats::from_toml(text)
            .map(Some)
            .map_err(|e| not_valid("TOML", e)),
    }
}

/// The files that mark a project root when no config is found (SPEC §7).
pub const ROOT_MARKERS: [&str; 3] = [".git", "package.json", "pyproject.toml"];

/// What the host saw of one candidate file: its text, the OS error reading it, or (for the
/// `--config` file) that it does not exist.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct FileSeen {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub error: Option<OsError>,
    #[serde(default)]
    pub missing: bool,
}

/// An OS error as the host met it: the errno name (`EACCES`) and the OS's words.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OsError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// One folder of the walk from the working directory up to the root.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Folder {
    pub path: String,
    /// The candidate files that exist, by name (`portplan.toml`, ...).
    #[serde(default)]
    pub files: BTreeMap<String, FileSeen>,
    /// Which of [`ROOT_MARKERS`] exist.
    #[serde(default)]
    pub markers: Vec<String>,
}

/// The `--config` file: its absolute path and what the host saw of it.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ConfigFileSeen {
    pub path: String,
    #[serde(flatten)]
    pub seen: FileSeen,
}

/// What the host saw: the working directory, the walk upward, and a `--config` file.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Walk {
    pub cwd: String,
    #[serde(default)]
    pub folders: Vec<Folder>,
    /// `--config FILE` as the user gave it.
    #[serde(default)]
    pub config_path: Option<String>,
    #[serde(default)]
    pub config_file: Option<ConfigFileSeen>,
}

/// The project a walk found: its root, its config (as written) and the config file's path.
#[derive(Debug, Clone)]
pub struct Project<'w> {
    pub root: String,
    pub config_file: Option<String>,
    pub config: Option<AsWritten>,
    /// The candidate files of the root folder (for the project's name).
    root_files: Option<&'w BTreeMap<String, FileSeen>>,
}

/// The words for a file that cannot be read, the same in both hosts.
fn unreadable(path: &str, error: &OsError) -> PlanError {
    if error.code.as_deref() == Some("EFBIG") {
        return PlanError::new(
            ErrorKind::Host,
            format!(
                "cannot read {}: it is larger than 1 MiB, too large to be a project file",
                crate::text::quote_path(path)
            ),
        )
        .with(|data| data.path = Some(path.to_owned()));
    }
    Problem::Io {
        path: path.to_owned(),
        action: Some("read".to_owned()),
        code: error.code.clone(),
        reason: error.reason.clone(),
    }
    .error()
}

/// `error` about the file at `path`: its message starts with the path.
fn at_path(path: &str, error: PlanError) -> PlanError {
    PlanError {
        message: format!("{}: {}", crate::text::quote_path(path), error.message),
        ..error
    }
    .with(|data| data.path = Some(path.to_owned()))
}

/// The text of a file the host saw, or its read error.
fn text_of<'a>(path: &str, seen: &'a FileSeen) -> Result<Option<&'a str>> {
    match (&seen.text, &seen.error) {
        (Some(text), _) => Ok(Some(text)),
        (None, Some(error)) => Err(unreadable(path, error)),
        (None, None) => Ok(None),
    }
}

fn has_marker(folder: &Folder) -> bool {
    folder
        .markers
        .iter()
        .any(|marker| ROOT_MARKERS.contains(&marker.as_str()))
}

/// Finds the config and the project root (SPEC §7): the `--config` file, else the first
/// folder upward with a config; the root is the config's folder, else the nearest folder
/// with a marker, else the working directory.
pub fn find_project(walk: &Walk) -> Result<Project<'_>> {
    let files_of = |root: &str| {
        walk.folders
            .iter()
            .find(|folder| folder.path == root)
            .map(|folder| &folder.files)
    };
    if let Some(given) = &walk.config_path {
        let seen = walk
            .config_file
            .as_ref()
            .ok_or_else(|| bad_request("`config_file` is required with `config_path`"))?;
        let path = given.clone();
        if seen.seen.missing {
            return Err(Problem::ConfigMissing { path }.error());
        }
        let text = text_of(given, &seen.seen)?
            .ok_or_else(|| bad_request("`config_file` needs `text`, `error` or `missing`"))?;
        let config = extract_config(given, text)
            .map_err(|e| at_path(given, e))?
            .ok_or_else(|| Problem::ConfigHasNoSection { path: path.clone() }.error())?;
        let root = paths::parent(&seen.path);
        return Ok(Project {
            root_files: files_of(&root),
            root,
            config_file: Some(seen.path.clone()),
            config: Some(config),
        });
    }
    for folder in &walk.folders {
        for name in CONFIG_FILES {
            let Some(seen) = folder.files.get(name) else {
                continue;
            };
            let path = paths::join(&folder.path, name);
            let Some(text) = text_of(&path, seen)? else {
                continue;
            };
            if let Some(config) = extract_config(name, text).map_err(|e| at_path(&path, e))? {
                return Ok(Project {
                    root: folder.path.clone(),
                    config_file: Some(path),
                    config: Some(config),
                    root_files: Some(&folder.files),
                });
            }
        }
    }
    let root = walk
        .folders
        .iter()
        .find(|folder| has_marker(folder))
        .map_or_else(|| walk.cwd.clone(), |folder| folder.path.clone());
    Ok(Project {
        root_files: files_of(&root),
        root,
        config_file: None,
        config: None,
    })
}

#[derive(Deserialize)]
struct PackageName {
    name: Option<Loose<String>>,
}

#[derive(Deserialize)]
struct PyprojectName {
    project: Option<Loose<ProjectTable>>,
}

#[derive(Deserialize)]
struct ProjectTable {
    name: Option<Loose<String>>,
}

fn usable(name: Option<Loose<String>>) -> Option<String> {
    match name {
        Some(Loose::Valid(name)) if !name.is_empty() => Some(name),
        _ => None,
    }
}

/// The `name` of a package.json's text, if it has a usable one.
pub fn package_name(text: &str) -> Option<String> {
    match formats::from_json::<Loose<PackageName>>(text) {
        Ok(Loose::Valid(PackageName { name })) => usable(name),
        _ => None,
    }
}

/// The service a workspace package serves as: its name without an npm scope
/// (`@acme/docs` → `docs`), so an app of a monorepo matches the root config's service.
pub fn service_of_package(name: &str) -> &str {
    match name
        .strip_prefix('@')
        .and_then(|scoped| scoped.split_once('/'))
    {
        Some((_, bare)) if !bare.is_empty() => bare,
        _ => name,
    }
}

impl Project<'_> {
    /// The project's own name (SPEC §7): `name` of the root's package.json, else
    /// `[project] name` of its pyproject.toml, else the root folder's name.
    pub fn name(&self) -> Result<String> {
        let seen = |file: &str| self.root_files.and_then(|files| files.get(file));
        let package = paths::join(&self.root, "package.json");
        if let Some(text) = seen("package.json")
            .map(|s| text_of(&package, s))
            .transpose()?
            .flatten()
        {
            let read: Loose<PackageName> = formats::from_json(text).map_err(|e| {
                at_path(
                    &package,
                    PlanError::new(
                        ErrorKind::InvalidConfig,
                        format!("package.json is not valid JSON: {e}"),
                    ),
                )
            })?;
            if let Loose::Valid(PackageName { name }) = read
                && let Some(name) = usable(name)
            {
                return Ok(name);
            }
        }
        let pyproject = paths::join(&self.root, "pyproject.toml");
        if let Some(text) = seen("pyproject.toml")
            .map(|s| text_of(&pyproject, s))
            .transpose()?
            .flatten()
        {
            let read: PyprojectName = formats::from_toml(text).map_err(|e| {
                at_path(
                    &pyproject,
                    PlanError::new(
                        ErrorKind::InvalidConfig,
                        format!("pyproject.toml is not valid TOML: {e}"),
                    ),
                )
            })?;
            if let Some(Loose::Valid(ProjectTable { name })) = read.project
                && let Some(name) = usable(name)
            {
                return Ok(name);
            }
        }
        Ok(paths::file_name(&self.root).to_owned())
    }
}

/// What the host learnt from git, each None where git gave nothing.
#[derive(Debug, Default, Deserialize)]
pub struct GitInfo {
    pub remote: Option<String>,
    pub toplevel: Option<String>,
    pub branch: Option<String>,
    pub head: Option<String>,
}

/// The outcome of resolving: a config, or the need to ask git first.
pub enum Resolved {
    Config(Config),
    NeedGit,
}

fn bad_request(message: &str) -> PlanError {
    PlanError::new(ErrorKind::InvalidRequest, message)
}

/// Sets the caller's options over the project's config, adds `names` as free services, and
/// settles the namespace (SPEC §7).
pub fn resolve(
    project: &Project,
    options: Option<ConfigInput>,
    names: &[String],
    git: Option<&GitInfo>,
) -> Result<Resolved> {
    let file = config_table(project)?;
    let options = match options.map(ConfigInput::into_table) {
        None => ConfigFile::default(),
        Some(Ok(options)) => options,
        Some(Err(other)) => {
            return Err(PlanError::new(
                ErrorKind::InvalidRequest,
                format!("options must be an object, not {}", other.excerpt()),
            ));
        }
    };
    // A fault in a key the caller's options set is theirs, not the file's.
    let overridden = options.written_keys();
    let mut merged = file.overridden_by(options);
    match &merged.namespace {
        Some(Loose::Valid(namespace)) if namespace == GIT_NAMESPACE => match git {
            None => return Ok(Resolved::NeedGit),
            Some(info) => merged.namespace = Some(Loose::Valid(git_namespace(info)?)),
        },
        Some(_) => {} // set, and validated as a config key
        // Lagom's hash needs the empty namespace.
        None if merged.hash == Some(Loose::Valid(HashKind::Lagom)) => {
            merged.namespace = Some(Loose::Valid(String::new()));
        }
        None => merged.namespace = Some(Loose::Valid(project.name()?)),
    }
    merged.add_free_services(names);
    let config =
        Config::from_file(merged).map_err(|error| in_config_file(project, &overridden, error))?;
    // A name asked for (`get NAME`, `run NAME`) that the config sets to `false` gets no port.
    if let Some(name) = names
        .iter()
        .find(|name| config.services.get(name.as_str()) == Some(&Service::Disabled))
    {
        let message = format!(
            "service {} is set to false in the config: it gets no port",
            quote_key(name)
        );
        return Err(PlanError::new(ErrorKind::UnknownService, message)
            .with(|data| data.service = Some(name.clone())));
    }
    Ok(Resolved::Config(config))
}

/// The project's config as a config table (an empty one without a config file).
fn config_table(project: &Project) -> Result<ConfigFile> {
    // The config as written is JSON text; read it as a config table.
    let Some(written) = &project.config else {
        return Ok(ConfigFile::default());
    };
    let config =
        serde_json::from_str(written.json()).unwrap_or_else(|_| ConfigInput::from(written.clone()));
    config.into_table().map_err(|other| {
        let message = format!(
            "the portplan config must be a table (object), not {}",
            other.excerpt()
        );
        let error = PlanError::new(ErrorKind::InvalidConfig, message);
        match &project.config_file {
            Some(path) => at_path(path, error),
            None => error,
        }
    })
}

/// `error` with the config file's path when the key at fault is one the file wrote and the
/// caller's options did not set: a user is told which file to open, not only the key.
/// (Read again from the text: this runs only on the way to an error.)
fn in_config_file(project: &Project, overridden: &BTreeSet<String>, error: PlanError) -> PlanError {
    let (Some(path), Some(key)) = (&project.config_file, error.data.key.as_deref()) else {
        return error;
    };
    let top = key.split(['.', '[']).next().unwrap_or(key);
    if overridden.contains(top) {
        return error;
    }
    let Ok(file) = config_table(project) else {
        return error;
    };
    let wrote = file.writes(top)
        && match &file.services {
            // A service's fault is the file's when the file names that service (not a name
            // only asked for, as in `get NAME`).
            Some(ServicesAsWritten::Table(table)) if top == "services" && key != "services" => {
                let named = error.data.service.as_deref().or(error.data.name.as_deref());
                named.is_none_or(|name| table.contains(name))
            }
            _ => true,
        };
    if wrote { at_path(path, error) } else { error }
}

/// `<repo>@<branch>`: repo from the origin URL's last part (without `.git`), else the main
/// worktree's folder; branch, else the short hash of a detached HEAD.
pub fn git_namespace(info: &GitInfo) -> Result<String> {
    let repo = info
        .remote
        .as_deref()
        .and_then(|url| url.trim_end_matches('/').rsplit(['/', ':', '\\']).next())
        .map(|last| last.strip_suffix(".git").unwrap_or(last))
        .filter(|name| !name.is_empty())
        .or_else(|| {
            info.toplevel
                .as_deref()
                .and_then(|top| top.trim_end_matches(['/', '\\']).rsplit(['/', '\\']).next())
        })
        .filter(|name| !name.is_empty());
    let branch = info
        .branch
        .as_deref()
        .or(info.head.as_deref())
        .filter(|b| !b.is_empty());
    match (repo, branch) {
        (Some(repo), Some(branch)) => Ok(format!("{repo}@{branch}")),
        _ => Err(PlanError::at(
            ErrorKind::InvalidConfig,
            "namespace",
            "`git` needs a git checkout with a commit, and this folder is not one (set another namespace)",
        )),
    }
}
