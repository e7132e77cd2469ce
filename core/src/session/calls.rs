//! The host APIs' calls (Node's `port`/`ports`/`listen`/`release`/`leases`/`plan`, Python's
//! `port`/`ports`/`bind`/`release`/`leases`/`plan`), run once here.

use super::allocation::{self, Allocation, Ask};
use super::answers::{Answer, PlanAnswer};
use super::commands::{holder_words, kept_busy, leases as all_leases, release_leases};
use super::facts::Options;
use super::host::Host;
use super::project;
use crate::commands::render;
use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::Reason;
use crate::words::problems::Problem;
use std::collections::BTreeMap;

/// Where a server listens when the caller names no address: loopback, in both languages (a
/// dev server open to the network is the caller's choice, never a default).
pub const DEFAULT_ADDRESS: &str = "127.0.0.1";
/// Fresh ports a `listen` tries when other processes take them between probe and bind.
const LISTEN_TRIES: u32 = 5;

fn answer(result: Result<Answer>) -> Answer {
    result.unwrap_or_else(Answer::failed)
}

fn ask_for(names: &[String], options: &Options) -> Ask {
    Ask {
        lease: Some(names.to_vec()),
        busy: options.busy.clone(),
        probe: options.probe,
        env: false,
        always_lock: false,
    }
}

/// `ports(names)`: each probed and leased.
pub async fn ports(host: Host, names: Vec<String>, options: Options) -> Answer {
    answer(
        async {
            let project = project_of(&host, &options, &names).await?;
            let namespace = project.namespace().to_owned();
            let ask = ask_for(&names, &options);
            let plan = Allocation::begin(&host, project, ask)
                .await?
                .commit(&host)
                .await?;
            let mut ports = BTreeMap::new();
            for name in &names {
                ports.insert(name.clone(), render::entry(&plan, name)?.port);
            }
            Ok(Answer::Ports { ports, namespace })
        }
        .await,
    )
}

/// The project of an API call, in its test session's namespace when it runs in one.
async fn project_of(host: &Host, options: &Options, names: &[String]) -> Result<project::Project> {
    let mut project = project::resolve(host, options, names).await?;
    if let Some(worker) = super::test_session::worker(host, options)? {
        super::test_session::enter(host, &mut project, &worker).await?;
    }
    Ok(project)
}

/// `listen(name, server)` / `bind(name)`: the caller's server started on the port before
/// its lease is written (under the lock), so nothing takes the port in between. A fresh
/// port someone took since its probe is planned again without it; a kept lease's port held
/// by another process is `kept_busy`; any other failure is `bind_failed` with its cause. A
/// failed bind never moves or removes a lease.
pub async fn listen(
    host: Host,
    name: String,
    options: Options,
    address: Option<String>,
    tries: Option<u32>,
) -> Answer {
    answer(
        async {
            let names = vec![name.clone()];
            let project = project_of(&host, &options, &names).await?;
            let namespace = project.namespace().to_owned();
            let address = address.unwrap_or_else(|| DEFAULT_ADDRESS.to_owned());
            let tries = tries.unwrap_or(LISTEN_TRIES).max(1);
            let mut allocation =
                Allocation::begin(&host, project, ask_for(&names, &options)).await?;
            let mut attempt = 1;
            loop {
                let entry = match render::entry(&allocation.plan, &name) {
                    Ok(entry) => entry.clone(),
                    Err(error) => {
                        allocation.abort(&host).await;
                        return Err(error);
                    }
                };
                let listened = host.listen(entry.port, Some(address.clone())).await;
                let error = match listened {
                    Ok(Ok(())) => {
                        allocation.commit(&host).await?;
                        return Ok(Answer::Port { port: entry.port });
                    }
                    Ok(Err(error)) => error,
                    Err(error) => {
                        allocation.abort(&host).await;
                        return Err(error);
                    }
                };
                let in_use = error.code == "EADDRINUSE";
                let kept = matches!(entry.reason, Reason::Kept { .. });
                if in_use && (kept || entry.reason == Reason::Pinned || attempt >= tries) {
                    allocation.abort(&host).await;
                    let holder = holder_words(&host, entry.port).await?;
                    return Err(if kept {
                        kept_busy(&namespace, &name, entry.port, holder)
                    } else {
                        bind_failed(&name, entry.port, &address, &error, holder)
                    });
                }
                if !in_use {
                    allocation.abort(&host).await;
                    return Err(bind_failed(&name, entry.port, &address, &error, None));
                }
                attempt += 1;
                if let Err(error) = allocation.retake(&host, entry.port).await {
                    allocation.abort(&host).await;
                    return Err(error);
                }
            }
        }
        .await,
    )
}

fn bind_failed(
    name: &str,
    port: u16,
    address: &str,
    error: &super::effects::OsError,
    holder: Option<String>,
) -> PlanError {
    Problem::BindFailed {
        name: name.to_owned(),
        port,
        host: Some(address.to_owned()),
        code: Some(error.code.clone()),
        reason: Some(error.reason.clone()),
        holder,
    }
    .error()
}

/// `release(name)`, or every lease of the project with `all`; a call without either is an
/// error (an unset variable must not free everything).
pub async fn release(host: Host, name: Option<String>, all: bool, options: Options) -> Answer {
    answer(
        async {
            let name = match (name, all) {
                (Some(_), true) => {
                    return Err(PlanError::new(
                        ErrorKind::Usage,
                        "release takes a name or all, not both",
                    ));
                }
                (None, false) => {
                    return Err(PlanError::new(
                        ErrorKind::Usage,
                        "release needs the name of a service, or all to free every lease of the project",
                    ));
                }
                (name, _) => name,
            };
            let released = release_leases(&host, &options, name.as_deref()).await?;
            Ok(Answer::Released { released })
        }
        .await,
    )
}

/// `leases()`: every lease of the registry.
pub async fn leases(host: Host) -> Answer {
    answer(
        async {
            Ok(Answer::Leases {
                leases: all_leases(&host).await?,
            })
        }
        .await,
    )
}

/// `registryPath()`: where the registry is, decided from the host's facts alone.
pub async fn registry(host: Host) -> Answer {
    answer(
        super::store::Store::locate(&host).map(|store| Answer::Registry {
            registry: store.file,
        }),
    )
}

/// `plan()` of the project: read-only, as `portplan plan` shows it; with `config_text` in
/// place of its config file's (an editor's unsaved text).
pub async fn plan(
    host: Host,
    names: Vec<String>,
    options: Options,
    config_text: Option<String>,
) -> Answer {
    answer(
        async {
            let project = match &config_text {
                None => project::resolve(&host, &options, &names).await?,
                Some(text) => project::resolve_with_text(&host, &options, &names, text).await?,
            };
            let plan = allocation::show(&host, &project, &options.busy, options.probe).await?;
            Ok(Answer::Plan(PlanAnswer::of(plan, &project)))
        }
        .await,
    )
}

/// `serve`: the dev server's (or preview's) port, leased, and its line.
pub async fn serve(
    host: Host,
    name: Option<String>,
    preview: bool,
    explicit: Option<super::facts::Explicit>,
    options: Options,
) -> Answer {
    use super::answers::Serving;
    answer(
        async {
            let dev = match name {
                Some(name) => name,
                None => package_service(&host, &options).await?,
            };
            let preview_name = format!("{dev}{}", render::PREVIEW_SUFFIX);
            let name = if preview {
                preview_name.clone()
            } else {
                dev.clone()
            };
            if let Some(explicit) = explicit {
                let line = render::serving_explicit(&name, explicit.port, Some(&explicit.source));
                return Ok(Answer::Serving {
                    serving: Serving {
                        name,
                        port: explicit.port,
                        line,
                        url: None,
                        busy_error: None,
                    },
                });
            }
            let names = vec![dev, preview_name];
            let project = project::resolve(&host, &options, &names).await?;
            let namespace = project.namespace().to_owned();
            let checkout = project.checkout();
            let ask = ask_for(std::slice::from_ref(&name), &options);
            let plan = Allocation::begin(&host, project, ask)
                .await?
                .commit(&host)
                .await?;
            let entry = render::entry(&plan, &name)?;
            let kept = matches!(entry.reason, Reason::Kept { .. });
            let busy_error = if kept {
                let holder = if options.probe {
                    holder_words(&host, entry.port).await?
                } else {
                    None
                };
                Some(kept_busy(&namespace, &name, entry.port, holder))
            } else {
                None
            };
            let url = checkout.url(&name, entry.port);
            let line = format!("{}, {url}\n", render::serving(&plan, &name)?.trim_end());
            Ok(Answer::Serving {
                serving: Serving {
                    line,
                    port: entry.port,
                    url: Some(url),
                    busy_error,
                    name,
                },
            })
        }
        .await,
    )
}

/// The service of the package.json in the call's folder: its name without an npm scope.
async fn package_service(host: &Host, options: &Options) -> Result<String> {
    let folder = project::working_folder(host, options.cwd.as_deref()).await?;
    let file = crate::paths::join(&folder, "package.json");
    let read = host.read(&file, project::PROJECT_FILE_LIMIT, true).await?;
    let name = match read {
        super::effects::FileRead::File { text, .. } => {
            crate::project::discovery::package_name(&text)
        }
        _ => None,
    };
    match name {
        Some(name) => Ok(crate::project::discovery::service_of_package(&name).to_owned()),
        None => Err(PlanError::new(
            ErrorKind::InvalidConfig,
            format!(
                "no service name given, and {} has no \"name\"; pass the plugin a name",
                crate::text::quote_path(&file)
            ),
        )
        .with(|data| data.path = Some(file.clone()))),
    }
}

#[cfg(test)]
mod tests {
    use crate::session::Session;

    #[test]
    fn the_registry_call_answers_the_path_from_the_facts_alone() {
        let start = r#"{"host": {"platform": "linux", "cwd": "/w", "pid": 1,
            "env": {"PORTPLAN_HOME": "/p"}}, "call": "registry"}"#;
        let mut session = Session::from_json(start);
        assert_eq!(
            session.step_json(None),
            r#"{"done":{"registry":"/p/registry.json"}}"#
        );
        let nowhere =
            r#"{"host": {"platform": "linux", "cwd": "/w", "pid": 1}, "call": "registry"}"#;
        let answer = Session::from_json(nowhere).step_json(None);
        assert!(answer.contains("set PORTPLAN_HOME"), "{answer}");
    }
}
