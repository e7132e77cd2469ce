//! Where the registry is (SPEC §7, docs/registry.md "Where"): one rule for every host, so
//! Node and Python never use two files.

use crate::error::{ErrorKind, PlanError, Result};
use crate::paths::{self, Style};

/// The registry file's name in its folder.
pub const REGISTRY_FILE: &str = "registry.json";

/// What the host knows: its platform (Node's `process.platform` names), the variables, the
/// user's home folder and the working directory (both absolute).
#[derive(Debug, Default, Clone)]
pub struct Environment<'a> {
    pub platform: &'a str,
    pub portplan_home: Option<&'a str>,
    pub xdg_state_home: Option<&'a str>,
    pub local_app_data: Option<&'a str>,
    pub home: Option<&'a str>,
    pub cwd: &'a str,
}

/// The registry's folder and file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub dir: String,
    pub file: String,
}

/// An empty value counts as unset.
fn set(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

pub fn locate(env: &Environment) -> Result<Location> {
    let style = if env.platform == "win32" {
        Style::Windows
    } else {
        Style::Posix
    };
    let home = || {
        set(env.home).ok_or_else(|| {
            PlanError::new(
                ErrorKind::Host,
                "cannot find the home folder to keep the registry in; set PORTPLAN_HOME",
            )
        })
    };
    // `/` separates on both platforms; normalizing writes the platform's own.
    let under = |base: &str, parts: &[&str]| {
        paths::absolute(&format!("{base}/{}", parts.join("/")), env.cwd, style)
    };
    let dir = if let Some(dir) = set(env.portplan_home) {
        paths::absolute(dir, env.cwd, style)
    } else {
        match env.platform {
            "win32" => match set(env.local_app_data).filter(|d| paths::is_absolute(d, style)) {
                Some(local) => under(local, &["portplan"]),
                None => under(home()?, &["AppData", "Local", "portplan"]),
            },
            "darwin" => under(home()?, &["Library", "Application Support", "portplan"]),
            // The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
            _ => match set(env.xdg_state_home).filter(|d| paths::is_absolute(d, style)) {
                Some(state) => under(state, &["portplan"]),
                None => under(home()?, &[".local", "state", "portplan"]),
            },
        }
    };
    let file = paths::normalize(&format!("{dir}/{REGISTRY_FILE}"), style);
    Ok(Location { dir, file })
}
