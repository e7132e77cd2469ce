//! Config discovery (SPEC §7): which files hold a config, the caller's options over it, and
//! the namespace (explicit, `git`, or the folder's name). The host reads the files and runs
//! git; the rules live here so every binding applies them alike.

use crate::config::{Config, Service, quote_key};
use crate::config_file::{ConfigFile, ConfigInput};
use crate::error::{ErrorKind, PlanError, Result};
use crate::formats;
use crate::written::{AsWritten, Loose};
use serde::Deserialize;

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

/// What the host found while walking up from the working directory.
pub struct Found {
    /// The name of the folder holding the file (the default namespace).
    pub folder: String,
    pub config: ConfigInput,
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

/// Sets the caller's options over the found config, adds `names` as free services, and
/// settles the namespace.
pub fn resolve(
    found: Option<Found>,
    options: Option<ConfigInput>,
    names: &[String],
    git: Option<&GitInfo>,
) -> Result<Resolved> {
    let (folder, file) = match found {
        None => (String::new(), ConfigFile::default()),
        Some(found) => match found.config.into_table() {
            Ok(file) => (found.folder, file),
            Err(other) => {
                let message = format!(
                    "the portplan config must be a table (object), not {}",
                    other.excerpt()
                );
                return Err(PlanError::new(ErrorKind::InvalidConfig, message));
            }
        },
    };
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
    let mut merged = file.overridden_by(options);
    match &merged.namespace {
        Some(Loose::Valid(namespace)) if namespace == GIT_NAMESPACE => match git {
            None => return Ok(Resolved::NeedGit),
            Some(info) => merged.namespace = Some(Loose::Valid(git_namespace(info)?)),
        },
        Some(_) => {} // set, and validated as a config key
        None => merged.namespace = Some(Loose::Valid(folder)),
    }
    merged.add_free_services(names);
    let config = Config::from_file(merged)?;
    // A name asked for (`get NAME`, `run NAME`) that the config sets to `false` gets no port.
    if let Some(name) = names
        .iter()
        .find(|name| config.services.get(*name) == Some(&Service::Disabled))
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
