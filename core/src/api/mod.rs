//! The entry points every binding exposes (docs/core-api.md): one request in, one answer
//! out, `{"error": {...}}` on failure; none panics on any input. This is the only module
//! that reads or writes request and answer text: the modules that decide take and return
//! typed values.

pub mod schema;

use crate::commands::cli::{self, Parsed};
use crate::commands::env_file;
use crate::commands::render;
use crate::commands::run;
use crate::error::{ErrorInput, ErrorKind, PlanError, Result};
use crate::input::formats::read_request;
use crate::input::written::{AsWritten, Loose};
use crate::plan::config::{Config, HashKind};
use crate::plan::config_file::ConfigInput;
use crate::plan::{Held, Plan, plan, plan_ref};
use crate::project::discovery::{self, GitInfo, Resolved, Walk};
use crate::project::test_namespace;
use crate::registry::leases::{self, ports_to_probe};
use crate::registry::location::{self, Environment};
use crate::registry::lock::{self, LockRequest, Verdict};
use crate::registry::temp_files::{self, TempFilesAnswer, TempFilesRequest};
use crate::registry::{Lease, Registry};
use crate::words::problems::Problem;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::num::NonZeroU16;

/// An answer: the result's own fields, or `{"error": {...}}`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Answer<T> {
    Done(T),
    Failed(ErrorAnswer),
}

/// `{"error": {...}}`: what every entry point answers when it cannot do what was asked.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ErrorAnswer {
    pub error: PlanError,
}

impl<T> From<Result<T>> for Answer<T> {
    fn from(result: Result<T>) -> Self {
        match result {
            Ok(value) => Answer::Done(value),
            Err(error) => Answer::Failed(ErrorAnswer { error }),
        }
    }
}

fn bad_request(message: impl Into<String>) -> PlanError {
    PlanError::new(ErrorKind::InvalidRequest, message)
}

/// Compact JSON text of an answer.
fn answer_text<T: Serialize>(answer: &Answer<T>) -> String {
    answer_text_sized(answer, 128)
}

/// Compact JSON text of an answer, written into a buffer of `capacity` bytes to start
/// with (a plan of 60,000 services is 5 MB of text: one buffer rather than 16 doublings).
fn answer_text_sized<T: Serialize>(answer: &Answer<T>, capacity: usize) -> String {
    let mut buffer = Vec::with_capacity(capacity);
    let text = serde_json::to_writer(&mut buffer, answer)
        .map_err(|e| e.to_string())
        .and_then(|()| String::from_utf8(buffer).map_err(|e| e.to_string()));
    // Answers are plain data and always serialize; say so in an answer if one ever did not.
    text.unwrap_or_else(|e| {
        let error = ErrorAnswer {
            error: PlanError::new(
                ErrorKind::Host,
                format!("the answer could not be written: {e}"),
            ),
        };
        serde_json::to_string(&error).unwrap_or_default()
    })
}

/// Reads a request, runs `handler` on it, and writes its answer.
fn answer_request<'a, R: Deserialize<'a>, T: Serialize>(
    request: &'a str,
    handler: impl FnOnce(R) -> Result<T>,
) -> String {
    answer_text(&Answer::from(read_request(request).and_then(handler)))
}

// ---- plan ----

/// `plan_json`'s request.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PlanRequest {
    /// The config: an object, or JSON or TOML text; absent, every default.
    #[serde(default)]
    pub config: Option<ConfigInput>,
    /// Ports taken on the host.
    #[serde(default)]
    #[schemars(with = "Option<Vec<NonZeroU16>>")]
    pub busy: Option<Loose<Vec<Loose<NonZeroU16>>>>,
}

fn config_of(input: Option<ConfigInput>) -> Result<Config> {
    input.map_or_else(|| Ok(Config::default()), Config::from_input)
}

fn busy_ports(busy: Option<Loose<Vec<Loose<NonZeroU16>>>>) -> Result<Vec<u16>> {
    match busy {
        None => Ok(Vec::new()),
        Some(Loose::Invalid(written)) => Err(bad_request(format!(
            "`busy` must be a list of ports, not {}",
            written.excerpt()
        ))),
        Some(Loose::Valid(ports)) => ports
            .into_iter()
            .map(|port| match port {
                Loose::Valid(port) => Ok(port.get()),
                Loose::Invalid(written) => Err(PlanError::new(
                    ErrorKind::InvalidPort,
                    format!(
                        "`busy` holds {}, which is not a port (1-65535)",
                        written.excerpt()
                    ),
                )),
            })
            .collect(),
    }
}

/// The plan of a request read from any format (the browser module reads JavaScript objects).
pub fn plan_request(request: PlanRequest) -> Result<Plan> {
    let config = config_of(request.config)?;
    plan(&config, &busy_ports(request.busy)?)
}

/// `{"config", "busy"}` → the plan (`{"plan": [...], ...}`) or `{"error": {...}}`.
pub fn plan_json(request: &str) -> String {
    let read = read_request(request).and_then(|request: PlanRequest| {
        Ok((
            config_of(request.config)?,
            Held::busy(&busy_ports(request.busy)?),
        ))
    });
    let (config, held) = match read {
        Ok(read) => read,
        Err(error) => return answer_text(&Answer::<()>::from(Err(error))),
    };
    // The plan borrows its names from the config: none is copied to be written.
    let answer = Answer::from(plan_ref(&config, &held));
    let capacity = match &answer {
        Answer::Done(plan) => PLAN_TEXT_BASE + PLAN_TEXT_PER_ENTRY * plan.entries.len(),
        Answer::Failed(_) => PLAN_TEXT_BASE,
    };
    answer_text_sized(&answer, capacity)
}

/// The JSON text of a plan: its config keys take a few hundred bytes, and an entry about
/// 70 (its home) to 130 (displaced by another service); the buffer starts large enough for
/// most plans.
const PLAN_TEXT_BASE: usize = 512;
const PLAN_TEXT_PER_ENTRY: usize = 100;

// ---- config discovery ----

/// `config_files_json`'s answer.
#[derive(Debug, Serialize)]
pub struct FilesAnswer {
    files: [&'static str; 3],
}

/// The files that can hold a config, in the order to try them.
pub fn config_files() -> FilesAnswer {
    FilesAnswer {
        files: discovery::CONFIG_FILES,
    }
}

/// `{"files": [...]}`.
pub fn config_files_json() -> String {
    answer_text(&Answer::Done(config_files()))
}

/// `extract_config_json`'s request.
#[derive(Debug, Deserialize)]
pub struct ExtractRequest {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ExtractAnswer {
    config: Option<AsWritten>,
}

/// A file's name and text → its portplan config as written, or none.
pub fn extract_config_request(request: ExtractRequest) -> Result<ExtractAnswer> {
    let file = request
        .file
        .ok_or_else(|| bad_request("`file` is required"))?;
    let config = discovery::extract_config(&file, request.text.as_deref().unwrap_or_default())?;
    Ok(ExtractAnswer { config })
}

/// `{"file", "text"}` → `{"config": CONFIG}`, or `{"config": null}` for a file without a
/// portplan section.
pub fn extract_config_json(request: &str) -> String {
    answer_request(request, extract_config_request)
}

/// `load_config_json`'s request: what the host saw from the working directory upward, the
/// caller's options, the names asked for, and git's answers.
#[derive(Debug, Deserialize)]
pub struct LoadRequest {
    #[serde(flatten)]
    walk: Walk,
    #[serde(default)]
    options: Option<ConfigInput>,
    #[serde(default)]
    names: Option<Vec<String>>,
    #[serde(default)]
    git: Option<GitInfo>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum LoadAnswer {
    Config {
        config: Config,
        root: String,
        config_file: Option<String>,
    },
    Need {
        need: &'static str,
    },
}

/// The project the host's walk shows (config, root, namespace), or the need to ask git
/// first.
pub fn load_config_request(request: LoadRequest) -> Result<LoadAnswer> {
    let project = discovery::find_project(&request.walk)?;
    let names = request.names.unwrap_or_default();
    Ok(
        match discovery::resolve(&project, request.options, &names, request.git.as_ref())? {
            Resolved::Config(config) => LoadAnswer::Config {
                config,
                root: project.root,
                config_file: project.config_file,
            },
            Resolved::NeedGit => LoadAnswer::Need {
                need: discovery::GIT_NAMESPACE,
            },
        },
    )
}

/// `{"config": RESOLVED, "root", "config_file"}`, or `{"need": "git"}`.
pub fn load_config_json(request: &str) -> String {
    answer_request(request, load_config_request)
}

// ---- registry ----

/// `registry_path_json`'s request.
#[derive(Debug, Deserialize)]
pub struct RegistryPathRequest {
    #[serde(default)]
    platform: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, Option<String>>,
    #[serde(default)]
    home: Option<String>,
    #[serde(default)]
    cwd: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RegistryPathAnswer {
    dir: String,
    file: String,
}

fn required<'a>(value: Option<&'a str>, key: &str) -> Result<&'a str> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad_request(format!("`{key}` is required")))
}

/// The platform, its variables, the home folder and cwd → where the registry is.
pub fn registry_path_request(request: RegistryPathRequest) -> Result<RegistryPathAnswer> {
    let var = |name: &str| request.env.get(name).and_then(|v| v.as_deref());
    let location = location::locate(&Environment {
        platform: request.platform.as_deref().unwrap_or_default(),
        portplan_home: var("PORTPLAN_HOME"),
        xdg_state_home: var("XDG_STATE_HOME"),
        local_app_data: var("LOCALAPPDATA"),
        home: request.home.as_deref(),
        cwd: required(request.cwd.as_deref(), "cwd")?,
    })?;
    Ok(RegistryPathAnswer {
        dir: location.dir,
        file: location.file,
    })
}

/// `{"platform", "env", "home", "cwd"}` → `{"dir", "file"}`.
pub fn registry_path_json(request: &str) -> String {
    answer_request(request, registry_path_request)
}

/// `allocate_json`'s request.
#[derive(Debug, Deserialize)]
pub struct AllocateRequest {
    #[serde(default)]
    config: Option<ConfigInput>,
    #[serde(default)]
    root: Option<String>,
    #[serde(default)]
    config_file: Option<String>,
    #[serde(default)]
    busy: Option<Loose<Vec<Loose<NonZeroU16>>>>,
    #[serde(default)]
    registry: Option<String>,
    #[serde(default)]
    now: Option<u64>,
    #[serde(default)]
    lease: Option<Vec<String>>,
    #[serde(default)]
    existing_roots: Option<BTreeMap<String, bool>>,
    /// The `env` command: its variable names are checked before anything is written.
    #[serde(default)]
    env: bool,
}

/// `allocate_json`'s answer: the plan, the project, the registry to write, and the ports to
/// probe.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AllocateAnswer {
    #[serde(flatten)]
    pub plan: Plan,
    /// The project root the leases belong to.
    pub root: String,
    /// The config file used; null when none was found.
    pub config_file: Option<String>,
    /// The new registry file's text; null when there is nothing to write.
    pub registry: Option<String>,
    /// The ports of free services handed out fresh, for the host to probe (never a kept
    /// lease's, never a pin's).
    pub probe: Vec<u16>,
}

/// Plans against the registry and records the leases asked for (docs/core-api.md).
pub fn allocate_request(request: AllocateRequest) -> Result<AllocateAnswer> {
    let config = config_of(request.config)?;
    let registry = Registry::parse_optional(request.registry.as_deref())?;
    let busy = busy_ports(request.busy)?;
    let root = required(request.root.as_deref(), "root")?;
    let existing_roots = request.existing_roots.unwrap_or_default();
    let allocated = leases::allocate(
        &config,
        &registry,
        &leases::Request {
            root,
            busy: &busy,
            now: request.now.unwrap_or(0),
            lease: request.lease.as_deref(),
            existing_roots: &existing_roots,
        },
    )?;
    if request.env {
        // Colliding variable names fail here, before the host is given a registry to write.
        render::env(&allocated.plan)?;
    }
    let probe = ports_to_probe(&allocated.plan);
    Ok(AllocateAnswer {
        plan: allocated.plan,
        root: root.to_owned(),
        config_file: request.config_file,
        registry: allocated.registry.map(|registry| registry.to_text()),
        probe,
    })
}

/// `{"config", "root", "busy", "registry", "now", "lease", "existing_roots"}` →
/// `{"plan", ..., "root", "config_file", "registry", "probe"}`.
pub fn allocate_json(request: &str) -> String {
    answer_request(request, allocate_request)
}

/// `release_json`'s request.
#[derive(Debug, Deserialize)]
pub struct ReleaseRequest {
    #[serde(default)]
    registry: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    root: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    now: Option<u64>,
    #[serde(default)]
    existing_roots: Option<BTreeMap<String, bool>>,
}

#[derive(Debug, Serialize)]
pub struct ReleaseAnswer {
    registry: Option<String>,
    released: Vec<Lease>,
}

/// Frees the lease of a name (or every lease of the namespace) of one project root.
pub fn release_request(request: ReleaseRequest) -> Result<ReleaseAnswer> {
    let before = Registry::parse_optional(request.registry.as_deref())?;
    let root = required(request.root.as_deref(), "root")?;
    let mut registry = before.clone();
    let released = registry.release(
        request.namespace.as_deref().unwrap_or_default(),
        root,
        request.name.as_deref(),
    );
    // A write drops what any write drops (SPEC §7); nothing freed, nothing written.
    registry.prune(
        request.now.unwrap_or(0),
        &request.existing_roots.unwrap_or_default(),
    );
    let changed = !released.is_empty() && registry.differs_from(&before);
    Ok(ReleaseAnswer {
        registry: changed.then(|| registry.to_text()),
        released,
    })
}

/// `{"registry", "namespace", "root", "name", "now", "existing_roots"}` →
/// `{"registry", "released"}`.
pub fn release_json(request: &str) -> String {
    answer_request(request, release_request)
}

/// `leases_json`'s request.
#[derive(Debug, Deserialize)]
pub struct LeasesRequest {
    #[serde(default)]
    registry: Option<String>,
}

/// `leases_json`'s answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LeasesAnswer {
    pub leases: Vec<Lease>,
    /// The distinct roots of the leases, sorted (for the host to check which still exist).
    pub roots: Vec<String>,
}

/// The leases of a registry, and their roots.
pub fn leases_request(request: LeasesRequest) -> Result<LeasesAnswer> {
    let registry = Registry::parse_optional(request.registry.as_deref())?;
    Ok(LeasesAnswer {
        leases: registry.leases().cloned().collect(),
        roots: registry.roots(),
    })
}

/// `{"registry"}` → `{"leases": [...], "roots": [...]}`.
pub fn leases_json(request: &str) -> String {
    answer_request(request, leases_request)
}

/// Whether a lock (or the break marker) may be broken: `{"verdict": ...}` or an error.
pub fn lock_verdict_request(request: LockRequest) -> Result<Verdict> {
    lock::verdict(&request)
}

/// `{"path", "text", "longer", "this_host", "now", "age_ms", "alive"}` →
/// `{"verdict": "check_pid" | "stale" | "wait", ...}` (docs/core-api.md).
pub fn lock_verdict_json(request: &str) -> String {
    answer_request(request, lock_verdict_request)
}

/// Which temporary registry files belong to dead writers.
pub fn temp_files_request(request: TempFilesRequest) -> Result<TempFilesAnswer> {
    Ok(temp_files::judge(&request))
}

/// `{"names", "alive"}` → `{"check_pids": [...]}` or `{"remove": [...]}`.
pub fn temp_files_json(request: &str) -> String {
    answer_request(request, temp_files_request)
}

/// The words of a problem a host met: always an error answer (an unknown problem is
/// `invalid_request`).
pub fn host_error_request(problem: Problem) -> Result<ErrorAnswer> {
    Ok(ErrorAnswer {
        error: problem.error(),
    })
}

/// `{"problem", ...}` → `{"error": {...}}`.
pub fn host_error_json(request: &str) -> String {
    answer_request(request, host_error_request)
}

// ---- command line and output ----

/// `cli_json`'s request.
#[derive(Debug, Deserialize)]
pub struct CliRequest {
    #[serde(default)]
    argv: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CliAnswer {
    Run(Box<cli::CommandAnswer>),
    Help {
        help: &'static str,
    },
    Version {
        version: &'static str,
        text: &'static str,
    },
}

/// The command line of both CLIs, parsed once.
pub fn cli_request(request: CliRequest) -> Result<CliAnswer> {
    Ok(match cli::parse(&request.argv)? {
        Parsed::Run(command) => CliAnswer::Run(Box::new((*command).into_answer())),
        Parsed::Help(help) => CliAnswer::Help { help },
        Parsed::Bare => CliAnswer::Help { help: cli::USAGE },
        Parsed::Version => CliAnswer::Version {
            version: env!("CARGO_PKG_VERSION"),
            text: concat!(env!("CARGO_PKG_VERSION"), "\n"),
        },
    })
}

/// `{"argv": [...]}` → the command, `{"help"}` or `{"version", "text"}`.
pub fn cli_json(request: &str) -> String {
    answer_request(request, cli_request)
}

/// A plan to render: a plan answer, and, for an `allocate_json` answer, its project.
#[derive(Debug, Deserialize)]
pub struct PlanView {
    #[serde(flatten)]
    plan: Plan,
    /// Absent in a `plan_json` answer; null in an `allocate_json` answer without a config.
    #[serde(default, deserialize_with = "present")]
    config_file: Option<Option<String>>,
    #[serde(default)]
    root: Option<String>,
}

/// Tells a field written as null from an absent one.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `render_json`'s request.
#[derive(Debug, Deserialize)]
pub struct RenderRequest {
    #[serde(default)]
    what: Option<String>,
    #[serde(default)]
    plan: Option<PlanView>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    leases: Option<Vec<Lease>>,
    #[serde(default)]
    released: Option<Vec<Lease>>,
    #[serde(default)]
    error: Option<ErrorInput>,
    /// `run`: the command to run.
    #[serde(default)]
    cmd: Option<Vec<String>>,
    /// `env_file`: the file as the user named it, its text (None: missing), whether it was
    /// UTF-8, whether it was too large to read.
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    existing: Option<String>,
    #[serde(default = "yes")]
    utf8: bool,
    #[serde(default)]
    too_large: bool,
    /// `serving`: a port the user set (`--port`, `server.port`), and what set it.
    #[serde(default)]
    explicit: Option<NonZeroU16>,
    #[serde(default)]
    source: Option<String>,
    /// `test_namespace`: the project's namespace and hash, its root, the xdist worker.
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    root: Option<String>,
    #[serde(default)]
    worker: Option<String>,
    #[serde(default)]
    hash: Option<HashKind>,
}

fn yes() -> bool {
    true
}

/// `render_json`'s answer: the text, and the fields of the `what` kinds that have more.
#[derive(Debug, Default, Serialize, JsonSchema)]
#[schemars(rename = "RenderAnswer")]
pub struct TextAnswer {
    /// What to print (for `preview_service` and `test_namespace`: the name, no newline).
    text: String,
    /// `error`: the CLI's exit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    exit: Option<i32>,
    /// `run`: the variables to add to the environment of the command.
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<BTreeMap<String, String>>,
    /// `run`: the command to spawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    argv: Option<Vec<String>>,
    /// `env_file`: whether the new text differs from the file's (false: write nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    changed: Option<bool>,
    /// `env_file`: the line to print on stdout.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// Pretty JSON text and a newline (plain data always serializes).
fn pretty<T: Serialize>(value: &T) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

/// The CLIs' text, identical in both languages.
pub fn render_request(request: RenderRequest) -> Result<TextAnswer> {
    let view = || {
        request
            .plan
            .as_ref()
            .ok_or_else(|| bad_request("`plan` must be a plan answer"))
    };
    let plan = || view().map(|view| &view.plan);
    let text = match request.what.as_deref().unwrap_or_default() {
        "table" => {
            let view = view()?;
            let table = render::table(&view.plan);
            // An `allocate_json` answer without a config: `plan` says so (SPEC §7).
            match &view.config_file {
                Some(None) => {
                    render::no_config_line(view.root.as_deref().unwrap_or_default()) + &table
                }
                _ => table,
            }
        }
        "why" => {
            let name = request
                .name
                .as_deref()
                .ok_or_else(|| bad_request("`name` is required"))?;
            render::why(plan()?, name)?
        }
        "env" => render::env(plan()?)?,
        "json" => pretty(plan()?),
        "leases" => render::leases(request.leases.as_deref().unwrap_or_default()),
        "released" => render::released(
            request.released.as_deref().unwrap_or_default(),
            request.name.as_deref(),
        ),
        "leases_json" => pretty(&request.leases.as_deref().unwrap_or_default()),
        "run" => {
            let cmd = request
                .cmd
                .as_deref()
                .filter(|cmd| !cmd.is_empty())
                .ok_or_else(|| bad_request("`cmd` must be the command to run"))?;
            let launch = run::launch(plan()?, required(request.name.as_deref(), "name")?, cmd)?;
            return Ok(TextAnswer {
                env: Some(launch.env),
                argv: Some(launch.argv),
                ..TextAnswer::default()
            });
        }
        "env_file" => {
            let plan = plan()?;
            let lines: Vec<String> = render::env_variables(plan)?
                .iter()
                .map(|(variable, entry)| format!("{variable}={}", entry.port))
                .collect();
            let existing = env_file::Existing {
                text: request.existing.as_deref(),
                utf8: request.utf8,
                too_large: request.too_large,
            };
            let path = request.path.as_deref().unwrap_or(cli::DEFAULT_ENV_FILE);
            let merged = env_file::merge(path, &existing, &lines)?;
            return Ok(TextAnswer {
                text: merged.text,
                changed: Some(merged.changed),
                message: Some(merged.message),
                ..TextAnswer::default()
            });
        }
        "serving" => {
            let name = required(request.name.as_deref(), "name")?;
            match request.explicit {
                Some(port) => render::serving_explicit(name, port.get(), request.source.as_deref()),
                None => render::serving(plan()?, name)?,
            }
        }
        "preview_service" => {
            format!(
                "{}{}",
                required(request.name.as_deref(), "name")?,
                render::PREVIEW_SUFFIX
            )
        }
        "preview" => render::PREVIEW_LINE.to_owned(),
        "test_namespace" => test_namespace::test_namespace(
            request.namespace.as_deref().unwrap_or_default(),
            required(request.root.as_deref(), "root")?,
            request.worker.as_deref(),
            request.hash.unwrap_or_default(),
        )?,
        "error" => {
            let error = request
                .error
                .ok_or_else(|| bad_request("`error` is required"))?
                .into_error();
            let (text, exit) = render::error(&error);
            return Ok(TextAnswer {
                text,
                exit: Some(exit),
                ..TextAnswer::default()
            });
        }
        other => {
            return Err(bad_request(format!(
                "`what` must be table, why, env, json, leases, leases_json, released, error, run, env_file, serving, preview_service, preview or test_namespace, not {}",
                AsWritten::of(other).excerpt()
            )));
        }
    };
    Ok(TextAnswer {
        text,
        ..TextAnswer::default()
    })
}

/// `{"what", ...}` → `{"text"}` (and `"exit"` for an error).
pub fn render_json(request: &str) -> String {
    answer_request(request, render_request)
}
