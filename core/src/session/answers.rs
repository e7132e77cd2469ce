//! What a session answers when it ends (docs/host-protocol.md): one shape per call, or
//! `{"error": {...}}`.

use super::project::Project;
use crate::error::PlanError;
use crate::plan::Plan;
use crate::registry::Lease;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// A session's last answer.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Answer {
    /// `cli`: the exit code (everything was printed through `print` effects).
    Exit { exit: i32 },
    /// `cli` of `preview`: the host serves the preview page with these options.
    Preview { preview: PreviewAnswer },
    /// `ports`: the ports, and the namespace they are leased in (a test session's own).
    Ports {
        ports: BTreeMap<String, u16>,
        namespace: String,
    },
    /// `listen`: the port the caller's server listens on.
    Port { port: u16 },
    /// `release`.
    Released { released: Vec<Lease> },
    /// `leases`.
    Leases { leases: Vec<Lease> },
    /// `registry`: the registry file's path.
    Registry { registry: String },
    /// `serve`.
    Serving { serving: Serving },
    /// `plan`.
    Plan(PlanAnswer),
    /// Any call that could not do what it was asked.
    Failed { error: PlanError },
}

impl Answer {
    pub fn failed(error: PlanError) -> Answer {
        Answer::Failed { error }
    }
}

/// A dev server's port, and the line that says so.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Serving {
    pub name: String,
    pub port: u16,
    /// The line to print once the server listens.
    pub line: String,
    /// Its URL (a host of its own per checkout); none for a port the user set.
    pub url: Option<String>,
    /// For a kept lease: the error to give when another process holds its port.
    pub busy_error: Option<PlanError>,
}

/// `portplan preview`: what the host's preview server needs.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PreviewAnswer {
    /// `--config FILE`, if given.
    pub config_path: Option<String>,
    /// The config keys the command line set (`range`, `namespace`, `layout`).
    pub config: serde_json::Value,
    pub probe: bool,
    /// `--port N`; null: any free port.
    pub port: Option<u16>,
    /// False with `--no-open`.
    pub open: bool,
}

/// A plan with its project: the root its leases belong to and the config file used (null
/// when none was found).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "ProjectPlan")]
pub struct PlanAnswer {
    #[serde(flatten)]
    pub plan: Plan,
    pub root: String,
    pub config_file: Option<String>,
    /// Each service's URL (a `.localhost` host of this checkout's own).
    pub urls: BTreeMap<String, String>,
}

impl PlanAnswer {
    pub fn of(plan: Plan, project: &Project) -> PlanAnswer {
        let checkout = project.checkout();
        let urls = plan
            .entries
            .iter()
            .map(|entry| {
                (
                    entry.name.to_string(),
                    checkout.url(&entry.name, entry.port),
                )
            })
            .collect();
        PlanAnswer {
            plan,
            root: project.root.clone(),
            config_file: project.config_file.clone(),
            urls,
        }
    }
}
