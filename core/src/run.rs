//! `portplan run NAME -- CMD...`: the environment and the command line the host spawns.

use crate::config::quote_key;
use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::Plan;
use crate::render::{entry, env_variables};
use crate::tools::{port_arguments, tool_variables};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the host spawns: `argv`, with `env` added to its own environment; and the line
/// `run` prints on stderr before it starts it (what it set, or a warning).
#[derive(Debug, PartialEq, Serialize)]
pub struct Launch {
    pub env: BTreeMap<String, String>,
    pub argv: Vec<String>,
    #[serde(skip)]
    pub line: String,
}

/// `PORT` and every tool variable are NAME's port, `<SERVICE>_PORT` each service's; the
/// command gets its tool's port flag when it needs one (see `tools::TOOLS`).
pub fn launch(plan: &Plan, name: &str, cmd: &[String]) -> Result<Launch> {
    let port = entry(plan, name)?.port;
    let services = env_variables(plan)?;
    let mut env = BTreeMap::new();
    for (variable, entry) in &services {
        env.insert(variable.clone(), entry.port.to_string());
    }
    for (variable, tool) in tool_variables() {
        // A service whose variable is a tool's would be overwritten by NAME's port.
        if let Some((_, service)) = services
            .iter()
            .find(|(v, e)| v == variable && e.port != port)
        {
            return Err(PlanError::new(
                ErrorKind::InvalidName,
                format!(
                    "service {} would be {variable}, which run sets to the port of {} ({} reads it); rename the service",
                    quote_key(&service.name),
                    quote_key(name),
                    tool.name
                ),
            )
            .with(|data| {
                data.services = Some(vec![service.name.to_string(), name.to_owned()]);
            }));
        }
        env.insert(variable.to_owned(), port.to_string());
    }
    env.insert("PORT".to_owned(), port.to_string());
    Ok(Launch {
        env,
        argv: port_arguments(cmd, port),
        line: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Entry, Reason};

    fn plan(services: &[(&str, u16)]) -> Plan {
        let mut plan = crate::plan::plan(&crate::Config::default(), &[]).unwrap();
        plan.entries = services
            .iter()
            .map(|(name, port)| Entry {
                name: (*name).into(),
                port: *port,
                reason: Reason::Pinned,
            })
            .collect();
        plan
    }

    fn words(cmd: &[&str]) -> Vec<String> {
        cmd.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn port_services_and_tool_variables_are_set() {
        let plan = plan(&[("api", 25325), ("web", 21225)]);
        let launch = launch(&plan, "web", &words(&["uvicorn", "app:app"])).unwrap();
        let env = &launch.env;
        assert_eq!(env["PORT"], "21225");
        assert_eq!(env["WEB_PORT"], "21225");
        assert_eq!(env["API_PORT"], "25325");
        for variable in [
            "UVICORN_PORT",
            "FLASK_RUN_PORT",
            "JUPYTER_PORT",
            "NUXT_PORT",
        ] {
            assert_eq!(env[variable], "21225", "{variable}");
        }
        assert_eq!(launch.argv, ["uvicorn", "app:app"]);
        let vite = super::launch(&plan, "api", &words(&["npx", "vite"])).unwrap();
        assert_eq!(
            vite.argv,
            ["npx", "vite", "--port", "25325", "--strictPort"]
        );
        assert_eq!(vite.env["PORT"], "25325");
    }

    #[test]
    fn a_service_named_like_a_tool_variable_collides_unless_it_is_the_same_port() {
        let plan = plan(&[("flask-run", 5000), ("web", 21225)]);
        let error = launch(&plan, "web", &words(&["flask", "run"])).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidName);
        assert_eq!(
            error.message,
            "service flask-run would be FLASK_RUN_PORT, which run sets to the port of web (flask run reads it); rename the service"
        );
        // Running that service itself: the variable is its own port, no collision.
        let launch = launch(&plan, "flask-run", &words(&["flask", "run"])).unwrap();
        assert_eq!(launch.env["FLASK_RUN_PORT"], "5000");
        assert_eq!(launch.env["WEB_PORT"], "21225");
    }

    #[test]
    fn colliding_service_variables_and_unknown_names_are_errors() {
        let plan = plan(&[("web-api", 1), ("web_api", 2)]);
        let error = launch(&plan, "web-api", &words(&["x"])).unwrap_err();
        assert!(error.message.contains("would both be WEB_API_PORT"));
        let error = launch(&plan, "nope", &words(&["x"])).unwrap_err();
        assert_eq!(error.kind, ErrorKind::UnknownService);
    }
}
