//! Where a host's config comes from (SPEC §7): the config files, the caller's options,
//! and the namespace (explicit, `git`, or the folder's name). The host reads the files and
//! runs git; the rules live here so every binding applies them alike.

use crate::prelude::*;

use crate::config::{Config, describe, parse_text};
use crate::error::{ErrorKind, PlanError, Result};
use crate::json::{self, Map, Value};

/// The files that can hold a config, in the order they are tried within one folder.
pub const CONFIG_FILES: [&str; 3] = ["portplan.toml", "package.json", "pyproject.toml"];

/// The namespace value that asks for `<repo>@<branch>` of the current git checkout.
pub const GIT_NAMESPACE: &str = "git";

/// The portplan config held by a file, or None when the file has no portplan section.
pub fn extract_config(file: &str, text: &str) -> Result<Option<Value>> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let parsed = |what: &str| {
        parse_text(text).map_err(|e| PlanError::new(ErrorKind::InvalidConfig, e.message.replace("the config", what)))
    };
    match base {
        "package.json" => {
            let value = json::parse(text)
                .map_err(|e| PlanError::new(ErrorKind::InvalidConfig, format!("package.json is not valid JSON: {e}")))?;
            Ok(value.get("portplan").cloned())
        }
        "pyproject.toml" => {
            if text.trim_start().starts_with('{') {
                return Err(PlanError::new(ErrorKind::InvalidConfig, "pyproject.toml must be TOML"));
            }
            let value = parsed("pyproject.toml")?;
            Ok(value.get("tool").and_then(|tool| tool.get("portplan")).cloned())
        }
        // portplan.toml, or any file the user names with --config: JSON or TOML.
        _ => Ok(Some(parsed(base)?)),
    }
}

/// What the host found while walking up from the working directory.
pub struct Found {
    /// The name of the folder holding the file (the default namespace).
    pub folder: String,
    pub config: Value,
}

/// What the host learnt from git, each None where git gave nothing.
#[derive(Default)]
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

/// Merges the caller's options over the found config, adds `names` as free services,
/// and settles the namespace.
pub fn resolve(found: Option<&Found>, options: &Value, names: &[String], git: Option<&GitInfo>) -> Result<Resolved> {
    let mut merged = match found.map(|f| &f.config) {
        None => Map::new(),
        Some(Value::Object(object)) => object.clone(),
        Some(other) => {
            return Err(PlanError::new(ErrorKind::InvalidConfig, format!("the portplan config must be a table (object), not {}", describe(other))));
        }
    };
    match options {
        Value::Null => {}
        Value::Object(object) => merged.extend(object.iter().map(|(k, v)| (k.clone(), v.clone()))),
        other => return Err(PlanError::new(ErrorKind::InvalidRequest, format!("options must be an object, not {}", describe(other)))),
    }
    let namespace = match merged.get("namespace") {
        Some(Value::String(ns)) if ns == GIT_NAMESPACE => match git {
            None => return Ok(Resolved::NeedGit),
            Some(info) => Some(git_namespace(info)?),
        },
        Some(_) => None, // set (and validated as a config key below)
        None => Some(found.map(|f| f.folder.clone()).unwrap_or_default()),
    };
    if let Some(namespace) = namespace {
        merged.insert("namespace".into(), Value::String(namespace));
    }
    if !names.is_empty() {
        let services = merged.entry("services".to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(services) = services {
            for name in names {
                services.entry(name.clone()).or_insert(Value::Bool(true));
            }
        }
    }
    Config::from_value(&Value::Object(merged)).map(Resolved::Config)
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
        .or_else(|| info.toplevel.as_deref().and_then(|top| top.trim_end_matches(['/', '\\']).rsplit(['/', '\\']).next()))
        .filter(|name| !name.is_empty());
    let branch = info.branch.as_deref().or(info.head.as_deref()).filter(|b| !b.is_empty());
    match (repo, branch) {
        (Some(repo), Some(branch)) => Ok(format!("{repo}@{branch}")),
        _ => Err(PlanError::at(
            ErrorKind::InvalidConfig,
            "namespace",
            "`git` needs a git checkout with a commit, and this folder is not one (set another namespace)",
        )),
    }
}
