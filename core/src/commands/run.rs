//! `portplan run NAME -- CMD...`: the environment and the command line the host spawns,
//! and the line `run` prints on stderr before it starts them.

use crate::commands::render::{entry, env_variables};
use crate::commands::tools::{Prepared, prepare};
use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::{Entry, Plan};
use crate::text::{excerpt, quote_key};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the host spawns: `argv`, with `env` added to its own environment; and the line
/// `run` prints on stderr before it starts it (what it set, and a warning when it does not
/// know the command's tool).
#[derive(Debug, PartialEq, Serialize)]
pub struct Launch {
    pub env: BTreeMap<String, String>,
    pub argv: Vec<String>,
    #[serde(skip)]
    pub line: String,
}

/// How many services' variables the line names before it counts the rest.
const NAMED_VARIABLES: usize = 4;

/// [`launch_inheriting`] for a command that inherits no variable a tool reads.
pub fn launch(plan: &Plan, name: &str, cmd: &[String]) -> Result<Launch> {
    launch_inheriting(plan, name, cmd, &BTreeMap::new())
}

/// `PORT` is NAME's port and `<SERVICE>_PORT` each service's; the tool CMD is gets its own
/// variables, and its port and loopback flags when CMD has none (see `tools::TOOLS`).
/// `inherited` is the environment CMD inherits: a host variable it sets already is the
/// user's choice, and `GUNICORN_CMD_ARGS` holds options of the command's own.
pub fn launch_inheriting(
    plan: &Plan,
    name: &str,
    cmd: &[String],
    inherited: &BTreeMap<String, String>,
) -> Result<Launch> {
    let port = entry(plan, name)?.port;
    let services = env_variables(plan)?;
    let prepared = prepare(cmd, port, inherited);
    let mut env = BTreeMap::new();
    for (variable, entry) in &services {
        env.insert(variable.clone(), entry.port.to_string());
    }
    if let Some(tool) = prepared.tool {
        for (variable, value) in &prepared.variables {
            // A service whose variable is the tool's would be overwritten by NAME's port.
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
            env.insert((*variable).to_owned(), value.clone());
        }
    }
    env.insert("PORT".to_owned(), port.to_string());
    let line = line(name, port, &services, &prepared, cmd);
    Ok(Launch {
        env,
        argv: prepared.argv,
        line,
    })
}

/// `portplan: web → 21225 (PORT, WEB_PORT, API_PORT; vite gets --port 21225 --strictPort)`,
/// and for a command whose tool `run` does not know, a second line saying so.
fn line(
    name: &str,
    port: u16,
    services: &[(String, &Entry)],
    prepared: &Prepared,
    cmd: &[String],
) -> String {
    // NAME's own variable first, then the others in plan order.
    let own = services.iter().filter(|(_, e)| e.name.as_str() == name);
    let others = services.iter().filter(|(_, e)| e.name.as_str() != name);
    let variables: Vec<&str> = own.chain(others).map(|(v, _)| v.as_str()).collect();
    let mut set = String::from("PORT");
    for variable in variables.iter().take(NAMED_VARIABLES) {
        set.push_str(", ");
        set.push_str(variable);
    }
    if variables.len() > NAMED_VARIABLES {
        set.push_str(&format!(" and {} more", variables.len() - NAMED_VARIABLES));
    }
    let tool = match tool_part(prepared) {
        Some(part) => format!("; {part}"),
        None => String::new(),
    };
    let mut text = format!("portplan: {} → {port} ({set}{tool})\n", quote_key(name));
    if prepared.tool.is_none() {
        text.push_str(&format!(
            "portplan: run does not know how {} takes its port: if it ignores PORT, pass {port} yourself\n",
            excerpt(&cmd.join(" "))
        ));
    }
    text
}

/// What the line says of the tool: `uvicorn reads UVICORN_PORT`, `vite gets --port N`,
/// `next reads PORT and gets --hostname 127.0.0.1`, `vite: the command's own --port wins`.
fn tool_part(prepared: &Prepared) -> Option<String> {
    let tool = prepared.tool?;
    let mut does = Vec::new();
    if !prepared.variables.is_empty() {
        let read: Vec<String> = prepared
            .variables
            .iter()
            .map(|(variable, value)| {
                if tool.variables.contains(variable) {
                    (*variable).to_owned()
                } else {
                    format!("{variable}={value}")
                }
            })
            .collect();
        does.push(format!("reads {}", read.join(", ")));
    } else if prepared.reads_port {
        does.push("reads PORT".to_owned());
    }
    if !prepared.added.is_empty() {
        does.push(format!("gets {}", prepared.added.join(" ")));
    }
    let own = prepared
        .own_port
        .as_ref()
        .map(|option| format!("the command's own {option} wins"));
    match (does.is_empty(), own) {
        (false, Some(own)) => Some(format!("{} {}, but {own}", tool.name, does.join(" and "))),
        (false, None) => Some(format!("{} {}", tool.name, does.join(" and "))),
        (true, Some(own)) => Some(format!("{}: {own}", tool.name)),
        (true, None) => None,
    }
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

    fn words(cmd: &str) -> Vec<String> {
        cmd.split(' ').map(str::to_owned).collect()
    }

    fn shop() -> Plan {
        plan(&[("api", 25325), ("web", 21225)])
    }

    #[test]
    fn port_services_and_only_the_tools_variables_are_set() {
        let launch = launch(&shop(), "web", &words("uvicorn app:app")).unwrap();
        assert_eq!(
            launch.env,
            BTreeMap::from([
                ("PORT".to_owned(), "21225".to_owned()),
                ("WEB_PORT".to_owned(), "21225".to_owned()),
                ("API_PORT".to_owned(), "25325".to_owned()),
                ("UVICORN_PORT".to_owned(), "21225".to_owned()),
            ])
        );
        assert_eq!(launch.argv, ["uvicorn", "app:app"]);
        let vite = super::launch(&shop(), "api", &words("npx vite")).unwrap();
        assert_eq!(
            vite.argv,
            ["npx", "vite", "--port", "25325", "--strictPort"]
        );
        assert_eq!(
            vite.env.keys().collect::<Vec<_>>(),
            ["API_PORT", "PORT", "WEB_PORT"]
        );
        assert_eq!(vite.env["PORT"], "25325");
        let unknown = super::launch(&shop(), "web", &words("python app.py")).unwrap();
        assert_eq!(unknown.env.len(), 3, "{:?}", unknown.env);
        let streamlit = super::launch(&shop(), "web", &words("streamlit run app.py")).unwrap();
        assert_eq!(streamlit.env["STREAMLIT_SERVER_PORT"], "21225");
        assert_eq!(streamlit.env["STREAMLIT_SERVER_ADDRESS"], "127.0.0.1");
    }

    #[test]
    fn a_host_variable_the_command_inherits_is_left_alone() {
        let inherited =
            BTreeMap::from([("STREAMLIT_SERVER_ADDRESS".to_owned(), "0.0.0.0".to_owned())]);
        let launch =
            launch_inheriting(&shop(), "web", &words("streamlit run app.py"), &inherited).unwrap();
        assert!(!launch.env.contains_key("STREAMLIT_SERVER_ADDRESS"));
        assert_eq!(
            launch.line,
            "portplan: web → 21225 (PORT, WEB_PORT, API_PORT; streamlit reads STREAMLIT_SERVER_PORT)\n"
        );
        let inherited =
            BTreeMap::from([("GUNICORN_CMD_ARGS".to_owned(), "-b 0.0.0.0:8000".to_owned())]);
        let gunicorn =
            launch_inheriting(&shop(), "web", &words("gunicorn app:app"), &inherited).unwrap();
        assert_eq!(gunicorn.argv, ["gunicorn", "app:app"]);
        assert_eq!(
            gunicorn.line,
            "portplan: web → 21225 (PORT, WEB_PORT, API_PORT; gunicorn: the command's own -b wins)\n"
        );
    }

    #[test]
    fn a_service_named_like_the_tools_variable_collides_unless_it_is_the_same_port() {
        let plan = plan(&[("flask-run", 5000), ("web", 21225)]);
        let error = launch(&plan, "web", &words("flask run")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidName);
        assert_eq!(
            error.message,
            "service flask-run would be FLASK_RUN_PORT, which run sets to the port of web (flask reads it); rename the service"
        );
        assert_eq!(
            error.data.services,
            Some(vec!["flask-run".to_owned(), "web".to_owned()])
        );
        // Running that service itself: the variable is its own port, no collision.
        let launch = launch(&plan, "flask-run", &words("flask run")).unwrap();
        assert_eq!(launch.env["FLASK_RUN_PORT"], "5000");
        assert_eq!(launch.env["WEB_PORT"], "21225");
        // Another tool does not read FLASK_RUN_PORT: the service keeps its variable.
        let other = super::launch(&plan, "web", &words("uvicorn app:app")).unwrap();
        assert_eq!(other.env["FLASK_RUN_PORT"], "5000");
        let other = super::launch(&plan, "web", &words("python app.py")).unwrap();
        assert_eq!(other.env["FLASK_RUN_PORT"], "5000");
    }

    #[test]
    fn colliding_service_variables_and_unknown_names_are_errors() {
        let plan = plan(&[("web-api", 1), ("web_api", 2)]);
        let error = launch(&plan, "web-api", &words("x")).unwrap_err();
        assert!(error.message.contains("would both be WEB_API_PORT"));
        let error = launch(&plan, "nope", &words("x")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::UnknownService);
    }

    fn line(cmd: &str) -> String {
        launch(&shop(), "web", &words(cmd)).unwrap().line
    }

    #[test]
    fn the_line_names_the_port_the_variables_and_what_the_tool_gets() {
        let cases = [
            ("npx vite", "vite gets --port 21225 --strictPort"),
            ("uvicorn app:app", "uvicorn reads UVICORN_PORT"),
            (
                "uvicorn app:app --port 8001",
                "uvicorn reads UVICORN_PORT, but the command's own --port wins",
            ),
            ("vite --port 5555", "vite: the command's own --port wins"),
            (
                "python manage.py runserver",
                "runserver gets 127.0.0.1:21225",
            ),
            (
                "python manage.py runserver 8001",
                "runserver: the command's own port wins",
            ),
            ("next dev", "next reads PORT and gets --hostname 127.0.0.1"),
            (
                "next dev -p 4000",
                "next reads PORT and gets --hostname 127.0.0.1, but the command's own -p wins",
            ),
            ("bin/rails server", "rails server reads PORT"),
            ("gunicorn app:app", "gunicorn gets --bind 127.0.0.1:21225"),
            (
                "waitress-serve --port=9000 app:app",
                "waitress-serve gets --host=127.0.0.1, but the command's own --port wins",
            ),
            (
                "streamlit run app.py",
                "streamlit reads STREAMLIT_SERVER_PORT, STREAMLIT_SERVER_ADDRESS=127.0.0.1",
            ),
            ("npm exec vite", "vite gets --port 21225 --strictPort"),
        ];
        for (cmd, part) in cases {
            assert_eq!(
                line(cmd),
                format!("portplan: web → 21225 (PORT, WEB_PORT, API_PORT; {part})\n"),
                "{cmd}"
            );
        }
        // A known tool that does not serve: the variables only.
        for cmd in ["vite build", "rails console", "python manage.py migrate"] {
            assert_eq!(
                line(cmd),
                "portplan: web → 21225 (PORT, WEB_PORT, API_PORT)\n",
                "{cmd}"
            );
        }
    }

    #[test]
    fn the_line_warns_of_a_command_whose_tool_run_does_not_know() {
        assert_eq!(
            line("python app.py"),
            "portplan: web → 21225 (PORT, WEB_PORT, API_PORT)\n\
             portplan: run does not know how \"python app.py\" takes its port: if it ignores PORT, pass 21225 yourself\n"
        );
        assert!(
            line("vitest")
                .ends_with("how vitest takes its port: if it ignores PORT, pass 21225 yourself\n")
        );
        let long = format!("node {}.js", "x".repeat(100));
        let warned = line(&long);
        assert!(
            warned.contains(&format!("how \"node {}\"… takes", "x".repeat(59))),
            "{warned}"
        );
        // Control characters never reach the terminal.
        assert!(line("evil\u{1b}[2J").contains("\"evil\\u001b[2J\""));
    }

    #[test]
    fn the_line_names_four_service_variables_then_counts_the_rest() {
        let many = plan(&[
            ("a", 1001),
            ("b", 1002),
            ("c", 1003),
            ("d", 1004),
            ("e", 1005),
            ("web", 21225),
        ]);
        let launch = launch(&many, "web", &words("uvicorn app:app")).unwrap();
        assert_eq!(
            launch.line,
            "portplan: web → 21225 (PORT, WEB_PORT, A_PORT, B_PORT, C_PORT and 2 more; uvicorn reads UVICORN_PORT)\n"
        );
        let alone = plan(&[("my app", 3000)]);
        let launch = super::launch(&alone, "my app", &words("vite")).unwrap();
        assert_eq!(
            launch.line,
            "portplan: \"my app\" → 3000 (PORT, MY_APP_PORT; vite gets --port 3000 --strictPort)\n"
        );
    }
}
