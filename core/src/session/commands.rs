//! The commands of both CLIs, run once here: parse, plan, check, write, print, spawn.
//! Node's and Python's `portplan` only carry out the effects, so they print the same bytes,
//! exit alike and leave the same files.

use super::allocation::{self, Allocation, Ask};
use super::answers::{Answer, PreviewAnswer};
use super::env_write;
use super::facts::Options;
use super::host::{Host, Spawned};
use super::project::{self, Project};
use super::store::Store;
use crate::cli::{self, Command, Parsed};
use crate::config_file::{ConfigFile, ConfigInput};
use crate::error::{PlanError, Result};
use crate::plan::{Plan, Reason};
use crate::problems::Problem;
use crate::registry::Registry;
use crate::render;
use crate::run;

/// The command line's options as a call's.
fn options_of(command: &Command) -> Result<Options> {
    let keys = serde_json::to_value(&command.options).unwrap_or_default();
    let config: ConfigFile = serde_json::from_value(keys)
        .map_err(|e| PlanError::new(crate::error::ErrorKind::Usage, e.to_string()))?;
    Ok(Options {
        cwd: None,
        config_path: command.config_path.clone(),
        config: Some(ConfigInput::Table(Box::new(config))),
        probe: command.probe,
        busy: Vec::new(),
        test: None,
    })
}

/// Runs a command line: its output printed through the host, its exit code answered.
pub async fn cli(host: Host, argv: Vec<String>) -> Answer {
    match cli_result(&host, argv).await {
        Ok(answer) => answer,
        Err(error) => {
            let (text, exit) = render::error(&error);
            match host.err(text).await {
                Ok(()) => Answer::Exit { exit },
                Err(error) => Answer::failed(error),
            }
        }
    }
}

async fn cli_result(host: &Host, argv: Vec<String>) -> Result<Answer> {
    let command = match cli::parse(&argv)? {
        Parsed::Help(help) => {
            host.out(help.to_owned()).await?;
            return Ok(Answer::Exit { exit: 0 });
        }
        Parsed::Bare => {
            host.err(cli::USAGE.to_owned()).await?;
            return Ok(Answer::Exit { exit: 2 });
        }
        Parsed::Version => {
            host.out(concat!(env!("CARGO_PKG_VERSION"), "\n").to_owned())
                .await?;
            return Ok(Answer::Exit { exit: 0 });
        }
        Parsed::Run(command) => command,
    };
    let options = options_of(&command)?;
    let exit = match command.command.as_str() {
        "get" => get(host, &command, &options).await?,
        "plan" | "why" => show(host, &command, &options).await?,
        "env" => env(host, &command, &options).await?,
        "run" => return run(host, &command, &options).await,
        "ls" => ls(host, &command).await?,
        "release" => release(host, &command, &options).await?,
        "preview" => {
            return Ok(Answer::Preview {
                preview: PreviewAnswer {
                    config_path: command.config_path.clone(),
                    config: serde_json::to_value(&command.options).unwrap_or_default(),
                    probe: command.probe,
                    port: command.preview_port,
                    open: command.open,
                },
            });
        }
        other => {
            return Err(PlanError::new(
                crate::error::ErrorKind::Usage,
                format!("unknown command {other}"),
            ));
        }
    };
    Ok(Answer::Exit { exit })
}

fn name_of(command: &Command) -> &str {
    command.name.as_deref().unwrap_or_default()
}

/// `get NAME`: the port, leased.
async fn get(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let name = name_of(command).to_owned();
    let project = project::resolve(host, options, std::slice::from_ref(&name)).await?;
    let ask = Ask {
        lease: Some(vec![name.clone()]),
        busy: options.busy.clone(),
        probe: options.probe,
        env: false,
        always_lock: false,
    };
    let plan = Allocation::begin(host, project, ask)
        .await?
        .commit(host)
        .await?;
    let port = render::entry(&plan, &name)?.port;
    host.out(format!("{port}\n")).await?;
    Ok(0)
}

/// `plan` and `why NAME`: read-only.
async fn show(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let project = project::resolve(host, options, &[]).await?;
    let plan = allocation::show(host, &project, &options.busy, options.probe).await?;
    let text = match command.command.as_str() {
        "why" => render::why(&plan, name_of(command))?,
        _ if command.json => {
            let view = super::answers::PlanAnswer::of(plan, &project);
            format!(
                "{}\n",
                serde_json::to_string_pretty(&view).unwrap_or_default()
            )
        }
        _ => match &project.config_file {
            None => render::no_config_line(&project.root) + &render::table(&plan),
            Some(_) => render::table(&plan),
        },
    };
    host.out(text).await?;
    Ok(0)
}

/// `env` (print the lines) and `env --write [FILE]` (keep them in a block of FILE): every
/// service leased.
async fn env(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let project = project::resolve(host, options, &[]).await?;
    let ask = Ask {
        lease: None,
        busy: options.busy.clone(),
        probe: options.probe,
        env: true,
        always_lock: command.env_file.is_some(),
    };
    match &command.env_file {
        None => {
            let plan = Allocation::begin(host, project, ask)
                .await?
                .commit(host)
                .await?;
            host.out(render::env(&plan)?).await?;
        }
        Some(file) => {
            let named = !command.env_file_default;
            let message = env_write::write(host, project, ask, file, named).await?;
            host.out(message).await?;
        }
    }
    Ok(0)
}

/// `run NAME -- CMD...`: every service leased (CMD gets their ports), NAME's port free for
/// CMD to bind, then CMD started with the variables and flag of its tool.
async fn run(host: &Host, command: &Command, options: &Options) -> Result<Answer> {
    let name = name_of(command).to_owned();
    let project = project::resolve(host, options, std::slice::from_ref(&name)).await?;
    // Every service: CMD gets every service's port, and a port handed out is leased.
    let ask = Ask {
        lease: None,
        busy: options.busy.clone(),
        probe: options.probe,
        env: true,
        always_lock: false,
    };
    let mut allocation = Allocation::begin(host, project, ask).await?;
    let checked = async {
        kept_free(
            host,
            &allocation.plan,
            allocation.project.namespace(),
            &name,
            options.probe,
        )
        .await?;
        run::launch(&allocation.plan, &name, &command.cmd)
    }
    .await;
    let launch = match checked {
        Ok(launch) => launch,
        Err(error) => {
            allocation.abort(host).await;
            return Err(error);
        }
    };
    allocation.commit(host).await?;
    host.err(launch.line.clone()).await?;
    let argv0 = launch.argv.first().cloned().unwrap_or_default();
    let forward = forwarded_signals(host);
    let exit = match host.spawn(launch.argv, launch.env, forward).await? {
        Spawned::Exited(code) => code,
        Spawned::Signalled(signal) => 128 + signal_number(&signal),
        Spawned::Failed(error) => {
            return Err(Problem::Spawn {
                command: argv0,
                not_found: error.code == "ENOENT",
                code: Some(error.code),
                reason: Some(error.reason),
            }
            .error());
        }
    };
    Ok(Answer::Exit { exit })
}

/// The signals the host passes on to a command `run` started: termination always; Ctrl-C
/// only when it cannot have reached the command already (in a terminal's foreground the
/// terminal sends it to the whole process group, so passing it on would make one Ctrl-C
/// two, and a graceful stop a forced one).
fn forwarded_signals(host: &Host) -> Vec<String> {
    let mut signals = vec!["SIGTERM".to_owned(), "SIGHUP".to_owned()];
    if !host.facts.terminal {
        signals.push("SIGINT".to_owned());
    }
    signals
}

/// The POSIX number of a signal's name, for the shell's `128 + N` exit code.
fn signal_number(signal: &str) -> i32 {
    match signal {
        "SIGHUP" => 1,
        "SIGINT" => 2,
        "SIGQUIT" => 3,
        "SIGABRT" => 6,
        "SIGKILL" => 9,
        "SIGSEGV" => 11,
        "SIGPIPE" => 13,
        "SIGALRM" => 14,
        "SIGTERM" => 15,
        _ => 0,
    }
}

/// A kept lease's port must be free for the command that binds it: a foreign process on it
/// is refused before anything starts or is written (a fresh port was just probed; a pin
/// never is).
pub async fn kept_free(
    host: &Host,
    plan: &Plan,
    namespace: &str,
    name: &str,
    probe: bool,
) -> Result<()> {
    let entry = render::entry(plan, name)?;
    if !probe || !matches!(entry.reason, Reason::Kept { .. }) {
        return Ok(());
    }
    let free = host.probe(&[entry.port], true).await?;
    if free.first() == Some(&true) {
        return Ok(());
    }
    Err(kept_busy(namespace, name, entry.port))
}

pub fn kept_busy(namespace: &str, name: &str, port: u16) -> PlanError {
    Problem::KeptBusy {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        port,
    }
    .error()
}

/// `ls [--json]`: every lease, read without the lock.
async fn ls(host: &Host, command: &Command) -> Result<i32> {
    let leases = leases(host).await?;
    let text = if command.json {
        format!(
            "{}\n",
            serde_json::to_string_pretty(&leases).unwrap_or_default()
        )
    } else {
        render::leases(&leases)
    };
    host.out(text).await?;
    Ok(0)
}

/// Every lease of the registry (read without the lock).
pub async fn leases(host: &Host) -> Result<Vec<crate::registry::Lease>> {
    let store = Store::locate(host)?;
    let text = store.read(host).await?;
    let registry =
        Registry::parse_optional(text.as_deref()).map_err(|error| store.at_file(error))?;
    Ok(registry.leases().cloned().collect())
}

/// `release NAME | --all`.
async fn release(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let name = (!command.all).then(|| name_of(command).to_owned());
    let released = release_leases(host, options, name.as_deref()).await?;
    host.out(render::released(&released, name.as_deref()))
        .await?;
    Ok(0)
}

/// Frees this checkout's lease of `name` (every lease of its namespace when None), under
/// the lock; what a write drops is dropped too.
pub async fn release_leases(
    host: &Host,
    options: &Options,
    name: Option<&str>,
) -> Result<Vec<crate::registry::Lease>> {
    let project: Project = project::resolve(host, options, &[]).await?;
    let store = Store::locate(host)?;
    let held = store.lock(host).await?;
    let result = async {
        let text = store.read(host).await?;
        let before =
            Registry::parse_optional(text.as_deref()).map_err(|error| store.at_file(error))?;
        let mut registry = before.clone();
        let released = registry.release(project.namespace(), &project.root, name);
        if released.is_empty() {
            return Ok(released);
        }
        let roots = super::store::existing_roots(host, registry.roots()).await?;
        registry.prune(held.now, &roots);
        if registry.differs_from(&before) {
            store.write(host, &registry.written().to_text()).await?;
        }
        Ok(released)
    }
    .await;
    let unlocked = store.unlock(host).await;
    let released = result?;
    unlocked?;
    Ok(released)
}
