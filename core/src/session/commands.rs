//! The commands of both CLIs, run once here: parse, plan, check, write, print, spawn.
//! Node's and Python's `portplan` only carry out the effects, so they print the same bytes,
//! exit alike and leave the same files.

use super::allocation::{self, Allocation, Ask};
use super::answers::{Answer, PreviewAnswer};
use super::env_write;
use super::exported;
use super::facts::Options;
use super::host::{Host, Spawned};
use super::project::{self, Project};
use super::store::Store;
use super::who;
use crate::commands::cli::{self, Command, Parsed};
use crate::commands::render;
use crate::commands::run;
use crate::error::{PlanError, Result};
use crate::plan::config_file::{ConfigFile, ConfigInput};
use crate::plan::{Plan, Reason};
use crate::registry::Registry;
use crate::words::holder::PortLease;
use crate::words::problems::Problem;
use serde_json::json;

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
        "get" | "url" => get(host, &command, &options).await?,
        "plan" => show(host, &command, &options).await?,
        "why" => why(host, &command, &options).await?,
        "who" => who(host, &command, &options).await?,
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

/// `get NAME` (its port) and `url NAME` (its URL): leased, and a warning on stderr when
/// another process holds the port (`--strict`: exit 1).
async fn get(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let name = name_of(command).to_owned();
    let project = project::resolve(host, options, std::slice::from_ref(&name)).await?;
    project::check_declared(&project, &name)?;
    let checkout = project.checkout();
    let namespace = project.namespace().to_owned();
    let root = project.root.clone();
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
    let entry = render::entry(&plan, &name)?.clone();
    let url = checkout.url(&name, entry.port);
    // A pin is the user's own statement: its service is most likely what holds it. `url` is
    // asked while the service runs: it looks only with --strict.
    let looks = command.command == "get" || command.strict;
    let holder = if options.probe && looks && entry.reason != Reason::Pinned {
        let lease = PortLease {
            namespace,
            name: name.clone(),
            root: Some(root),
        };
        Some(who::holder(host, entry.port, Some(lease)).await?).filter(|h| h.in_use())
    } else {
        None
    };
    let text = if command.json {
        let answer = json!({
            "name": name,
            "port": entry.port,
            "url": url,
            "reason": entry.reason,
            "in_use": holder.as_ref().map(|h| h.clone().answer()),
        });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&answer).unwrap_or_default()
        )
    } else if command.command == "url" {
        format!("{url}\n")
    } else {
        format!("{}\n", entry.port)
    };
    host.out(text).await?;
    if let Some(holder) = holder {
        host.err(format!(
            "portplan: warning: {}; a server started on it now will not bind\n",
            holder.sentence()
        ))
        .await?;
        if command.strict {
            return Ok(1);
        }
    }
    Ok(0)
}

/// `plan`: read-only.
async fn show(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let project = project::resolve(host, options, &[]).await?;
    let plan = allocation::show(host, &project, &options.busy, options.probe).await?;
    let text = if command.json {
        let view = super::answers::PlanAnswer::of(plan, &project);
        format!(
            "{}\n",
            serde_json::to_string_pretty(&view).unwrap_or_default()
        )
    } else {
        match &project.config_file {
            None => render::no_config_line(&project.root) + &render::table(&plan),
            Some(_) => render::table(&plan),
        }
    };
    host.out(text).await?;
    Ok(0)
}

/// `why NAME`: read-only; for a kept lease also its home port, and what holds that.
async fn why(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let name = name_of(command);
    let project = project::resolve(host, options, &[]).await?;
    let plan = allocation::show(host, &project, &options.busy, options.probe).await?;
    let entry = render::entry(&plan, name)?.clone();
    let url = project.checkout().url(name, entry.port);
    let mut sentence = render::why(&plan, name)?.trim_end().to_owned();
    let mut home_holder = None;
    if matches!(entry.reason, Reason::Kept { .. }) {
        let home = u16::try_from(crate::plan::home::home_port(&project.config, name)).ok();
        if let Some(home) = home.filter(|home| *home != entry.port) {
            let holder = home_holder_of(host, &plan, home, options.probe).await?;
            sentence.push_str(&format!(" Its home port is {home}"));
            match &holder {
                Some(holder) => sentence.push_str(&format!(" ({}).", holder.sentence())),
                None => sentence.push('.'),
            }
            home_holder = holder;
        }
    }
    let text = if command.json {
        let answer = json!({
            "name": name,
            "port": entry.port,
            "url": url,
            "reason": entry.reason,
            "message": sentence,
            "home_holder": home_holder.map(|h| h.answer()),
        });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&answer).unwrap_or_default()
        )
    } else {
        format!("{sentence} Its URL: {url}\n")
    };
    host.out(text).await?;
    Ok(0)
}

/// What holds a kept service's home port: another entry of the plan, a lease, a process.
async fn home_holder_of(
    host: &Host,
    plan: &Plan,
    home: u16,
    probe: bool,
) -> Result<Option<crate::words::holder::PortHolder>> {
    let lease = leases(host)
        .await?
        .iter()
        .find(|lease| lease.port == home)
        .map(PortLease::from)
        .or_else(|| {
            plan.entries
                .iter()
                .find(|e| e.port == home)
                .map(|e| PortLease {
                    namespace: plan.namespace.clone(),
                    name: e.name.to_string(),
                    root: None,
                })
        });
    if !probe {
        return Ok(lease.map(|lease| crate::words::holder::PortHolder {
            port: home,
            listener: crate::words::holder::Listener::Free,
            lease: Some(lease),
        }));
    }
    let holder = who::holder(host, home, lease).await?;
    Ok((holder.in_use() || holder.lease.is_some()).then_some(holder))
}

/// `who PORT|NAME`: the process listening on the port, and its lease. Reads only.
async fn who(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let asked = name_of(command);
    let port = match asked.parse::<u16>() {
        Ok(port) if port > 0 => port,
        _ => {
            let project = project::resolve(host, options, &[]).await?;
            let plan = allocation::show(host, &project, &options.busy, false).await?;
            render::entry(&plan, asked)?.port
        }
    };
    let lease = leases(host)
        .await?
        .iter()
        .find(|lease| lease.port == port)
        .map(PortLease::from);
    let holder = who::holder(host, port, lease).await?;
    let text = if command.json {
        format!(
            "{}\n",
            serde_json::to_string_pretty(&holder.answer()).unwrap_or_default()
        )
    } else {
        format!("{}\n", holder.sentence())
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
            let allocation = Allocation::begin(host, project, ask).await?;
            let project = allocation.project.clone();
            let plan = allocation.commit(host).await?;
            let lines: String = exported::variables(&project, &plan, command.urls)?
                .iter()
                .map(|(variable, value)| format!("{variable}={value}\n"))
                .collect();
            host.out(lines).await?;
        }
        Some(file) => {
            let named = !command.env_file_default;
            let written = env_write::write(host, project, ask, file, named, command.urls).await?;
            host.out(written.message).await?;
            for warning in written.warnings {
                host.err(warning).await?;
            }
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
        run::launch_inheriting(&allocation.plan, &name, &command.cmd, &host.facts.env)
    }
    .await;
    let mut launch = match checked {
        Ok(launch) => launch,
        Err(error) => {
            allocation.abort(host).await;
            return Err(error);
        }
    };
    // Beside the ports: every service's URL, and the checkout's compose project.
    launch.env.extend(exported::url_variables(
        &allocation.project,
        &allocation.plan,
    ));
    if let Some(name) = exported::compose_project(&allocation.project) {
        launch.env.insert("COMPOSE_PROJECT_NAME".to_owned(), name);
    }
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
    let holder = holder_words(host, entry.port).await?;
    Err(kept_busy(namespace, name, entry.port, holder))
}

pub fn kept_busy(namespace: &str, name: &str, port: u16, holder: Option<String>) -> PlanError {
    Problem::KeptBusy {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        port,
        holder,
    }
    .error()
}

/// Who holds `port`, in words, for an "in use" error (None when nothing can be seen).
pub async fn holder_words(host: &Host, port: u16) -> Result<Option<String>> {
    Ok(who::holder(host, port, None).await?.listener.holder_words())
}

/// `ls [--json]`: every lease, read without the lock.
async fn ls(host: &Host, command: &Command) -> Result<i32> {
    let leases = leases(host).await?;
    let ports: Vec<u16> = leases.iter().map(|lease| lease.port).collect();
    let served = who::listeners(host, &ports).await?;
    let served_by = |lease: &crate::registry::Lease| {
        served
            .get(&lease.port)
            .cloned()
            .unwrap_or(crate::words::holder::Listener::Free)
    };
    let text = if command.json {
        let rows: Vec<serde_json::Value> = leases
            .iter()
            .map(|lease| {
                let mut row = serde_json::to_value(lease).unwrap_or_default();
                row["served_by"] = serde_json::to_value(served_by(lease)).unwrap_or_default();
                row
            })
            .collect();
        format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        )
    } else {
        let cells: Vec<String> = leases.iter().map(|lease| served_by(lease).cell()).collect();
        render::leases_served(&leases, &cells)
    };
    host.out(text).await?;
    Ok(0)
}

/// Every lease of the registry (read without the lock).
pub async fn leases(host: &Host) -> Result<Vec<crate::registry::Lease>> {
    let store = Store::locate(host)?;
    let text = store.read(host).await?;
    let registry = Registry::parse_optional(text.as_deref().map(String::as_str))
        .map_err(|error| store.at_file(error))?;
    Ok(registry.leases().cloned().collect())
}

/// `release NAME | --all`.
async fn release(host: &Host, command: &Command, options: &Options) -> Result<i32> {
    let name = (!command.all).then(|| name_of(command).to_owned());
    let released = release_leases(host, options, name.as_deref()).await?;
    host.out(render::released(&released, name.as_deref()))
        .await?;
    // A released port a process still holds: it keeps it, and the service moves off it.
    let ports: Vec<u16> = released.iter().map(|lease| lease.port).collect();
    let holders = who::listeners(host, &ports).await?;
    for lease in &released {
        let holder = crate::words::holder::PortHolder {
            port: lease.port,
            listener: holders
                .get(&lease.port)
                .cloned()
                .unwrap_or(crate::words::holder::Listener::Free),
            lease: None,
        };
        if holder.in_use() {
            host.err(format!(
                "portplan: warning: {} still; {} gets another port next time unless it is freed first\n",
                holder.sentence(),
                crate::text::quote_key(&lease.name)
            ))
            .await?;
        }
    }
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
        let before = Registry::parse_optional(text.as_deref().map(String::as_str))
            .map_err(|error| store.at_file(error))?;
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
