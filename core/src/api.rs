//! The JSON entry points every binding exposes (docs/core-api.md). Each takes one request
//! and returns one answer, `{"error": {...}}` on failure; none panics on any input.

use crate::prelude::*;

use crate::cli::{self, Parsed};
use crate::config::{Config, describe};
use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::{Plan, plan};
use crate::registry::{Lease, Registry, ports_to_probe};
use crate::render;
use crate::source::{self, Found, GitInfo, Resolved};
use crate::json::{self, Value, object};

/// Runs `handler` on the parsed request and turns its result into the answer text.
fn with_text(request: &str, handler: fn(&Value) -> Result<Value>) -> String {
    let answer = match json::parse(request) {
        Ok(value) => answer(handler(&value)),
        Err(e) => PlanError::new(ErrorKind::InvalidRequest, format!("the request is not valid JSON: {e}")).to_json(),
    };
    answer.to_string()
}

fn answer(result: Result<Value>) -> Value {
    result.unwrap_or_else(|e| e.to_json())
}

fn bad_request(message: impl Into<String>) -> PlanError {
    PlanError::new(ErrorKind::InvalidRequest, message)
}

fn field<'a>(request: &'a Value, key: &str) -> Option<&'a Value> {
    request.get(key).filter(|v| !v.is_null())
}

fn string_field<'a>(request: &'a Value, key: &str) -> Result<Option<&'a str>> {
    match field(request, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(bad_request(format!("`{key}` must be a string, not {}", describe(other)))),
    }
}

fn strings(request: &Value, key: &str) -> Result<Option<Vec<String>>> {
    match field(request, key) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad_request(format!("`{key}` must be a list of strings"))))
            .collect::<Result<_>>()
            .map(Some),
        Some(other) => Err(bad_request(format!("`{key}` must be a list of strings, not {}", describe(other)))),
    }
}

fn ports(request: &Value, key: &str) -> Result<Vec<u16>> {
    match field(request, key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_u64()
                    .filter(|&p| p >= 1)
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| PlanError::new(ErrorKind::InvalidPort, format!("`{key}` holds {}, which is not a port (1-65535)", describe(v))))
            })
            .collect(),
        Some(other) => Err(bad_request(format!("`{key}` must be a list of ports, not {}", describe(other)))),
    }
}

/// The config of a request: an object, or JSON/TOML text.
fn config_field(request: &Value) -> Result<Config> {
    match field(request, "config") {
        Some(Value::String(text)) => Config::from_text(text),
        Some(value) => Config::from_value(value),
        None => Ok(Config::default()),
    }
}

fn registry_field(request: &Value) -> Result<Registry> {
    Registry::parse_optional(string_field(request, "registry")?)
}

// ---- plan ----

fn planned(request: &Value) -> Result<Plan> {
    let config = config_field(request)?;
    plan(&config, &ports(request, "busy")?)
}

/// `{"config", "busy"}` → `{"plan": [...]}` or `{"error": {...}}`. The plan is written
/// straight to text: its answer is the big one (5.5 MB for 60,000 services).
pub fn plan_json(request: &str) -> String {
    let planned = json::parse(request)
        .map_err(|e| PlanError::new(ErrorKind::InvalidRequest, format!("the request is not valid JSON: {e}")))
        .and_then(|value| planned(&value));
    match planned {
        Ok(plan) => plan.to_json(),
        Err(error) => error.to_json().to_string(),
    }
}

// ---- config discovery ----

pub fn config_files_json() -> String {
    object([("files", source::CONFIG_FILES.to_vec().into())]).to_string()
}

fn extract_request(request: &Value) -> Result<Value> {
    let file = string_field(request, "file")?.ok_or_else(|| bad_request("`file` is required"))?;
    let text = string_field(request, "text")?.unwrap_or_default();
    Ok(object([("config", source::extract_config(file, text)?.into())]))
}

pub fn extract_config_json(request: &str) -> String {
    with_text(request, extract_request)
}

fn load_request(request: &Value) -> Result<Value> {
    let found = match field(request, "found") {
        None => None,
        Some(found) => Some(Found {
            folder: string_field(found, "folder")?.unwrap_or_default().to_owned(),
            config: found.get("config").cloned().unwrap_or(Value::Null),
        }),
    };
    let git = field(request, "git").map(|git| -> Result<GitInfo> {
        Ok(GitInfo {
            remote: string_field(git, "remote")?.map(str::to_owned),
            toplevel: string_field(git, "toplevel")?.map(str::to_owned),
            branch: string_field(git, "branch")?.map(str::to_owned),
            head: string_field(git, "head")?.map(str::to_owned),
        })
    });
    let git = git.transpose()?;
    let options = field(request, "options").cloned().unwrap_or(Value::Null);
    let names = strings(request, "names")?.unwrap_or_default();
    match source::resolve(found.as_ref(), &options, &names, git.as_ref())? {
        Resolved::Config(config) => Ok(object([("config", config.to_value())])),
        Resolved::NeedGit => Ok(object([("need", "git".into())])),
    }
}

pub fn load_config_json(request: &str) -> String {
    with_text(request, load_request)
}

// ---- registry ----

fn allocate_request(request: &Value) -> Result<Value> {
    let config = config_field(request)?;
    let mut registry = registry_field(request)?;
    let now = field(request, "now").map_or(Some(0), Value::as_u64).ok_or_else(|| bad_request("`now` must be Unix seconds"))?;
    let lease = strings(request, "lease")?;
    let plan = registry.allocate(&config, &ports(request, "busy")?, now, lease.as_deref())?;
    let mut value = plan.to_value();
    if let Some(answer) = value.as_object_mut() {
        answer.insert("registry".into(), registry.to_text().into());
        answer.insert("probe".into(), ports_to_probe(&plan).into());
    }
    Ok(value)
}

pub fn allocate_json(request: &str) -> String {
    with_text(request, allocate_request)
}

fn release_request(request: &Value) -> Result<Value> {
    let mut registry = registry_field(request)?;
    let namespace = string_field(request, "namespace")?.unwrap_or_default();
    let released = registry.release(namespace, string_field(request, "name")?);
    let released: Vec<Value> = released.iter().map(Lease::to_value).collect();
    Ok(object([("registry", registry.to_text().into()), ("released", released.into())]))
}

pub fn release_json(request: &str) -> String {
    with_text(request, release_request)
}

fn leases_request(request: &Value) -> Result<Value> {
    let registry = registry_field(request)?;
    Ok(object([("leases", registry.leases().map(Lease::to_value).collect::<Vec<_>>().into())]))
}

pub fn leases_json(request: &str) -> String {
    with_text(request, leases_request)
}

fn host_error_request(request: &Value) -> Result<Value> {
    Ok(crate::host_error::host_error(request)?.to_json())
}

/// `{"problem", ...}` → `{"error": {...}}`: the words of a host layer's own error.
pub fn host_error_json(request: &str) -> String {
    with_text(request, host_error_request)
}

// ---- command line and output ----

fn cli_request(request: &Value) -> Result<Value> {
    let argv = strings(request, "argv")?.unwrap_or_default();
    Ok(match cli::parse(&argv)? {
        Parsed::Run(command) => command.to_value(),
        Parsed::Help => object([("help", cli::USAGE.into())]),
        Parsed::Version => object([("version", env!("CARGO_PKG_VERSION").into()), ("text", concat!(env!("CARGO_PKG_VERSION"), "\n").into())]),
    })
}

pub fn cli_json(request: &str) -> String {
    with_text(request, cli_request)
}

/// Rebuilds a plan from its JSON answer (for rendering), re-planning nothing.
fn plan_from_answer(value: &Value) -> Result<Plan> {
    Plan::from_value(value).ok_or_else(|| bad_request("`plan` must be a plan answer"))
}

/// The leases of a render request (`leases` or `released`), an empty list when absent.
fn lease_list(request: &Value, key: &str) -> Result<Vec<Lease>> {
    match field(request, key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| Lease::from_value(item).map_err(|e| bad_request(format!("`{key}` must be a list of leases: {e}"))))
            .collect(),
        Some(other) => Err(bad_request(format!("`{key}` must be a list of leases, not {}", describe(other)))),
    }
}

fn render_request(request: &Value) -> Result<Value> {
    let what = string_field(request, "what")?.unwrap_or_default();
    let text = match what {
        "table" => render::table(&plan_from_answer(field(request, "plan").unwrap_or(&Value::Null))?),
        "why" => {
            let name = string_field(request, "name")?.ok_or_else(|| bad_request("`name` is required"))?;
            render::why(&plan_from_answer(field(request, "plan").unwrap_or(&Value::Null))?, name)?
        }
        "env" => render::env(&plan_from_answer(field(request, "plan").unwrap_or(&Value::Null))?)?,
        "json" => {
            let mut plan = field(request, "plan").cloned().unwrap_or(Value::Null);
            if let Some(object) = plan.as_object_mut() {
                object.remove("registry");
                object.remove("probe");
            }
            format!("{}\n", plan.to_pretty())
        }
        "leases" => {
            render::leases(&lease_list(request, "leases")?)
        }
        "released" => {
            render::released(&lease_list(request, "released")?, string_field(request, "name")?)
        }
        "leases_json" => {
            let leases = field(request, "leases").cloned().unwrap_or(Value::Array(Vec::new()));
            format!("{}\n", leases.to_pretty())
        }
        "error" => {
            let error = field(request, "error").ok_or_else(|| bad_request("`error` is required"))?;
            let error = PlanError::from_value(error);
            let (text, exit) = render::error(&error);
            return Ok(object([("text", text.into()), ("exit", exit.into())]));
        }
        other => return Err(bad_request(format!("`what` must be table, why, env, json, leases, leases_json or error, not {}", describe(&other.into())))),
    };
    Ok(object([("text", text.into())]))
}

pub fn render_json(request: &str) -> String {
    with_text(request, render_request)
}
