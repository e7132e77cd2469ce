//! The command line of both CLIs (`npx portplan`, Python's `portplan`), parsed once here so
//! that their commands, flags and errors are the same.

use crate::error::{ErrorKind, PlanError, Result};
use crate::text::excerpt;
use serde::Serialize;

pub const USAGE: &str = "\
usage: portplan <command> [options]

commands:
  get NAME              print the port of NAME, leased (PORT=$(portplan get web))
  url NAME              print the URL of NAME, leased (http://web.shop-x1y2z.localhost:21225)
  plan                  print every service's port, leased names too
  why NAME              say why NAME has its port
  who PORT|NAME         name the process listening on a port, and its lease
  env                   print .env lines (WEB_PORT=21225), every service leased
  env --write [FILE]    put those lines in a marked block of FILE (default .env);
                        --urls adds WEB_URL=http://... lines
  run NAME -- CMD...    run CMD on NAME's port, every service leased: sets PORT,
                        <SERVICE>_PORT, <SERVICE>_URL and what CMD's tool reads
  preview               show the plan in the browser (npm package: npx portplan)
  ls                    list the leases of the registry
  release NAME | --all  free this project's lease of NAME (or all of them)

A lease keeps a service's port stable for its project folder; plan, why, who, ls
and preview only read. Leases of deleted folders, or unused for 30 days, are dropped.

options:
  --config FILE         the config file (default: portplan.toml, package.json \"portplan\"
                        or pyproject.toml [tool.portplan], searched upward)
  --range MIN-MAX       the range of ports to hand out
  --namespace NS        scope the services (`git`: <repo>@<branch> of this checkout)
  --layout LAYOUT       hash, sequential or block
  --no-probe            do not check the host for ports in use
  --json                JSON output (get, url, plan, why, who, ls)
  --strict              get, url: exit 1 when another process holds the port
  --port N              preview: serve on port N (default: any free port)
  --no-open             preview: print the address, do not open a browser
  -h, --help            this help (portplan CMD --help: the help of CMD)
  --version             the version
";

/// Each command's own help (`portplan get --help`).
pub fn command_help(command: &str) -> Option<&'static str> {
    Some(match command {
        "get" => {
            "\
usage: portplan get NAME [--json] [--strict] [--config FILE] [--range MIN-MAX]
                    [--namespace NS] [--layout LAYOUT] [--no-probe]

Prints the port of NAME and leases it for this project folder, so it stays the
same. Warns on stderr when another process holds the port (--strict: exit 1).
Where the config declares services, NAME must be one of them.
  PORT=$(portplan get web) npm run dev
"
        }
        "url" => {
            "\
usage: portplan url NAME [--json] [--strict] [--config FILE] [options of get]

Prints the URL of NAME (leased, as get does): http://<host>.localhost:<port>, a
host of its own per checkout, so two checkouts keep separate cookies.
"
        }
        "plan" => {
            "\
usage: portplan plan [--json] [--config FILE] [--range MIN-MAX] [--namespace NS]
                     [--layout LAYOUT] [--no-probe]

Prints every service's port and why, the names this folder leased included.
Reads only: writes no lease.
"
        }
        "why" => {
            "\
usage: portplan why NAME [--json] [--config FILE] [options of plan]

Says why NAME has its port: its home port, what holds that, its lease.
Reads only.
"
        }
        "who" => {
            "\
usage: portplan who PORT|NAME [--json] [--config FILE]

Names the process listening on PORT (or on NAME's port): pid, command and
folder where the OS tells, and the lease that holds the port. Reads only.
"
        }
        "env" => {
            "\
usage: portplan env [--write [FILE]] [--urls] [--config FILE] [options of plan]

Prints WEB_PORT=21225 lines for every service (and COMPOSE_PROJECT_NAME where
the project has a compose file), every service leased. --write keeps them in
a marked block of FILE (default .env), every other line as it was (--urls:
each service's URL too, WEB_URL=...); a FILE
that leads through a symbolic link out of the project is written only when
named on the command line.
"
        }
        "run" => {
            "\
usage: portplan run NAME [options of get] -- CMD...

Runs CMD on NAME's port, every service leased: sets PORT, <SERVICE>_PORT and
<SERVICE>_URL of every service, and the variable or flag CMD's tool reads
(vite --port N --strictPort, uvicorn's UVICORN_PORT, ...). Says on stderr
what it set. Exits with CMD's exit code.
"
        }
        "preview" => {
            "\
usage: portplan preview [--port N] [--no-open] [--config FILE]

Shows the plan in the browser (the npm package's CLI: npx portplan preview).
"
        }
        "ls" => {
            "\
usage: portplan ls [--json]

Lists every lease of the registry: namespace, service, port, last use, folder.
Reads only.
"
        }
        "release" => {
            "\
usage: portplan release NAME | --all [--config FILE] [--namespace NS]

Frees this project folder's lease of NAME (or every lease with --all); the
next allocation of NAME probes afresh. Warns when the port is still in use.
"
        }
        _ => return None,
    })
}

/// The config keys a command line sets (what the host passes as `load_config_json`'s
/// `options`). The range is checked as a config range later.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct CliOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<[u64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
}

/// A parsed command line.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Command {
    pub command: String,
    pub name: Option<String>,
    pub all: bool,
    pub json: bool,
    /// `get`, `url`: exit 1 when another process holds the port.
    pub strict: bool,
    /// `env`: write each service's URL too (`WEB_URL=http://...`).
    pub urls: bool,
    pub probe: bool,
    pub config_path: Option<String>,
    pub options: CliOptions,
    pub cmd: Vec<String>,
    /// `env --write [FILE]`: the file to write the block to (`.env` without FILE).
    pub env_file: Option<String>,
    /// Whether FILE is the default `.env` rather than a file the user named (only a named
    /// file may lead through a symbolic link out of the project).
    #[serde(skip)]
    pub env_file_default: bool,
    /// `preview --port N`: the port to serve the preview on (None: any free port).
    pub preview_port: Option<u16>,
    /// `preview`: whether to open a browser (false with `--no-open`).
    pub open: bool,
}

pub enum Parsed {
    Run(Box<Command>),
    /// `--help`: the text to print (a command's own help after its name).
    Help(&'static str),
    Version,
    /// No command at all: the usage goes to stderr, and the exit code says so.
    Bare,
}

fn usage(message: impl Into<String>) -> PlanError {
    PlanError::new(
        ErrorKind::Usage,
        format!("{} (see portplan --help)", message.into()),
    )
}

pub fn parse(argv: &[String]) -> Result<Parsed> {
    let mut command = Command {
        probe: true,
        open: true,
        ..Command::default()
    };
    let mut words: Vec<String> = Vec::new();
    let mut options_ended = false;
    // The first preview-only option seen, for the error when the command is not preview.
    let mut preview_only: Option<&str> = None;
    let mut args = argv.iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            // `run NAME -- CMD...`: the first `--` after run's NAME starts the command.
            if words.len() >= 2 && words[0] == "run" {
                command.cmd = args.by_ref().cloned().collect();
                break;
            }
            // Any other `--` ends the options: `get -- --help` asks for the service `--help`.
            if !options_ended {
                options_ended = true;
                continue;
            }
        }
        if options_ended {
            words.push(arg.clone());
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if arg.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |flag: &str| {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        match flag {
            "-h" | "--help" => {
                // The command's own help: its word before the flag or, else, after it.
                let named = words
                    .first()
                    .cloned()
                    .or_else(|| args.clone().find(|a| !a.starts_with('-')).cloned());
                let help = named.as_deref().and_then(command_help).unwrap_or(USAGE);
                return Ok(Parsed::Help(help));
            }
            "--version" => return Ok(Parsed::Version),
            "--json" => command.json = true,
            "--no-probe" => command.probe = false,
            "--strict" => command.strict = true,
            "--urls" => command.urls = true,
            "--all" => command.all = true,
            "--config" => command.config_path = Some(value(flag)?),
            "--range" => command.options.range = Some(parse_range(&value(flag)?)?),
            "--namespace" => command.options.namespace = Some(value(flag)?),
            "--layout" => command.options.layout = Some(value(flag)?),
            "--no-open" => {
                command.open = false;
                preview_only.get_or_insert("--no-open");
            }
            "--port" => {
                command.preview_port = Some(parse_port(&value(flag)?)?);
                preview_only.get_or_insert("--port");
            }
            // `--write` takes FILE when the next word is not an option (`env --write`).
            "--write" => {
                let file = match inline {
                    Some(file) => file,
                    None => match args.clone().next() {
                        Some(next) if !next.starts_with('-') => {
                            args.next().cloned().unwrap_or_default()
                        }
                        _ => {
                            command.env_file_default = true;
                            DEFAULT_ENV_FILE.to_owned()
                        }
                    },
                };
                if file.is_empty() {
                    return Err(usage("--write needs a file name, not an empty word"));
                }
                command.env_file = Some(file);
            }
            _ if flag.starts_with('-') && flag.len() > 1 => {
                return Err(usage(format!("unknown option {}", excerpt(flag))));
            }
            _ => words.push(arg.clone()),
        }
    }
    let mut words = words.into_iter();
    let Some(name) = words.next() else {
        return Ok(Parsed::Bare);
    };
    command.command = name;
    let takes_name = matches!(
        command.command.as_str(),
        "get" | "why" | "run" | "release" | "url" | "who"
    );
    match command.command.as_str() {
        "get" | "url" | "plan" | "why" | "who" | "env" | "run" | "ls" | "release" | "preview" => {}
        other => return Err(usage(format!("unknown command {}", excerpt(other)))),
    }
    if takes_name {
        command.name = words.next();
    }
    if let Some(extra) = words.next() {
        return Err(usage(format!("unexpected argument {}", excerpt(&extra))));
    }
    let needs_name = matches!(
        command.command.as_str(),
        "get" | "why" | "run" | "url" | "who"
    ) || (command.command == "release" && !command.all);
    if needs_name && command.name.is_none() {
        let what = match command.command.as_str() {
            "release" => "a service name (or --all)",
            "who" => "a port or a service name",
            _ => "a service name",
        };
        return Err(usage(format!("{} needs {what}", command.command)));
    }
    if command.command == "release" && command.all && command.name.is_some() {
        return Err(usage("release takes a name or --all, not both"));
    }
    if command.command == "run" && command.cmd.is_empty() {
        return Err(usage(
            "run needs a command after --, as in: portplan run web -- npm start",
        ));
    }
    if command.command != "run" && !command.cmd.is_empty() {
        return Err(usage(format!(
            "{} takes no command after --",
            command.command
        )));
    }
    if command.json
        && !matches!(
            command.command.as_str(),
            "plan" | "ls" | "get" | "url" | "why" | "who"
        )
    {
        return Err(usage(format!(
            "--json goes with get, url, plan, why, who and ls, not {}",
            command.command
        )));
    }
    if command.urls && command.command != "env" {
        return Err(usage(format!(
            "--urls goes with env, not {}",
            command.command
        )));
    }
    if command.strict && !matches!(command.command.as_str(), "get" | "url") {
        return Err(usage(format!(
            "--strict goes with get and url, not {}",
            command.command
        )));
    }
    if command.all && command.command != "release" {
        return Err(usage("--all goes with release"));
    }
    if command.env_file.is_some() && command.command != "env" {
        return Err(usage(format!(
            "--write goes with env, not {}",
            command.command
        )));
    }
    if let Some(flag) = preview_only.filter(|_| command.command != "preview") {
        return Err(usage(format!(
            "{flag} goes with preview, not {}",
            command.command
        )));
    }
    Ok(Parsed::Run(Box::new(command)))
}

/// The file `env --write` writes without FILE.
pub const DEFAULT_ENV_FILE: &str = ".env";

/// `--port N`: a port from 1 to 65535.
fn parse_port(text: &str) -> Result<u16> {
    match text.trim().parse::<u16>() {
        Ok(port) if port >= 1 => Ok(port),
        _ => Err(usage(format!(
            "--port takes a port from 1 to 65535, not {}",
            excerpt(text)
        ))),
    }
}

/// `MIN-MAX` → `[min, max]`; the numbers are checked as a config range later.
fn parse_range(text: &str) -> Result<[u64; 2]> {
    let bounds = text
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)));
    match bounds {
        Some((min, max)) => Ok([min, max]),
        None => Err(usage(format!(
            "--range takes MIN-MAX, as in 3000-3999, not {}",
            excerpt(text)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(argv: &[&str]) -> Result<Command> {
        let argv: Vec<String> = argv.iter().map(|a| (*a).to_owned()).collect();
        match parse(&argv)? {
            Parsed::Run(command) => Ok(*command),
            Parsed::Help(_) => Err(usage("help")),
            Parsed::Version => Err(usage("version")),
            Parsed::Bare => Err(usage("bare")),
        }
    }

    #[test]
    fn a_double_dash_ends_the_options_so_any_name_can_be_asked_for() {
        let command = parsed(&["get", "--", "--help"]).unwrap();
        assert_eq!(command.name.as_deref(), Some("--help"));
        let command = parsed(&["--no-probe", "--", "why", "-x"]).unwrap();
        assert_eq!(
            (command.command.as_str(), command.name.as_deref()),
            ("why", Some("-x"))
        );
        assert!(!command.probe);
        // After `--`, an option-like word is a word: one too many here.
        let error = parsed(&["get", "--", "web", "--json"]).unwrap_err();
        assert!(
            error.message.contains("unexpected argument --json"),
            "{}",
            error.message
        );
        // Without `--`, `--help` still asks for help.
        assert!(matches!(
            parse(&["get".to_owned(), "--help".to_owned()]),
            Ok(Parsed::Help(text)) if text.starts_with("usage: portplan get NAME")
        ));
    }

    #[test]
    fn run_takes_its_command_after_the_double_dash_that_follows_its_name() {
        let command = parsed(&["run", "web", "--", "npm", "start", "--", "-x"]).unwrap();
        assert_eq!(command.name.as_deref(), Some("web"));
        assert_eq!(command.cmd, ["npm", "start", "--", "-x"]);
        let command = parsed(&["run", "--", "--help", "--", "npm", "--help"]).unwrap();
        assert_eq!(command.name.as_deref(), Some("--help"));
        assert_eq!(command.cmd, ["npm", "--help"]);
        let command = parsed(&["--range", "3000-3999", "run", "web", "--", "x"]).unwrap();
        assert_eq!(command.options.range, Some([3000, 3999]));
        assert_eq!(command.cmd, ["x"]);
        let error = parsed(&["run", "--", "web"]).unwrap_err();
        assert!(error.message.contains("run needs a command after --"));
    }

    #[test]
    fn env_write_takes_an_optional_file() {
        assert_eq!(parsed(&["env"]).unwrap().env_file, None);
        let command = parsed(&["env", "--write"]).unwrap();
        assert_eq!(command.env_file.as_deref(), Some(".env"));
        let of = |argv: &[&str]| parsed(argv).unwrap().env_file;
        assert_eq!(
            of(&["env", "--write", "dev.env"]).as_deref(),
            Some("dev.env")
        );
        assert_eq!(
            of(&["env", "--write=conf/.env"]).as_deref(),
            Some("conf/.env")
        );
        assert_eq!(of(&["--write", "x.env", "env"]).as_deref(), Some("x.env"));
        assert_eq!(
            of(&["env", "--write", "--no-probe"]).as_deref(),
            Some(".env")
        );
        let error = parsed(&["get", "web", "--write"]).unwrap_err();
        assert_eq!(
            error.message,
            "--write goes with env, not get (see portplan --help)"
        );
        assert!(parsed(&["env", "--write="]).is_err());
        // After `--`, FILE is a word like any other: one too many for env.
        assert!(parsed(&["env", "--write", "--", "x"]).is_err());
    }

    #[test]
    fn preview_is_read_only_and_takes_a_port_and_no_open() {
        let command = parsed(&["preview"]).unwrap();
        assert_eq!((command.preview_port, command.open), (None, true));
        let command = parsed(&["preview", "--port", "8123", "--no-open"]).unwrap();
        assert_eq!((command.preview_port, command.open), (Some(8123), false));
        assert_eq!(
            parsed(&["preview", "--port=9000"]).unwrap().preview_port,
            Some(9000)
        );
        for bad in ["0", "65536", "x", ""] {
            let error = parsed(&["preview", "--port", bad]).unwrap_err();
            assert!(
                error
                    .message
                    .starts_with("--port takes a port from 1 to 65535"),
                "{}",
                error.message
            );
        }
        let error = parsed(&["plan", "--no-open"]).unwrap_err();
        assert_eq!(
            error.message,
            "--no-open goes with preview, not plan (see portplan --help)"
        );
        assert!(parsed(&["get", "web", "--port", "3000"]).is_err());
        assert!(parsed(&["preview", "web"]).is_err());
    }

    #[test]
    fn the_help_names_the_new_commands() {
        for words in [
            "env --write [FILE]",
            "preview",
            "--no-open",
            "who PORT|NAME",
            "url NAME",
            "--strict",
        ] {
            assert!(USAGE.contains(words), "{words}");
        }
    }

    #[test]
    fn every_command_has_its_own_help_and_a_bare_call_is_no_command() {
        for command in [
            "get", "url", "plan", "why", "who", "env", "run", "preview", "ls", "release",
        ] {
            let argv = [command.to_owned(), "--help".to_owned()];
            let Ok(Parsed::Help(text)) = parse(&argv) else {
                panic!("{command} --help")
            };
            assert!(
                text.starts_with(&format!("usage: portplan {command}")),
                "{text}"
            );
            // The flag first works too.
            let argv = ["--help".to_owned(), command.to_owned()];
            assert!(matches!(parse(&argv), Ok(Parsed::Help(t)) if t == text));
        }
        assert!(matches!(parse(&[]), Ok(Parsed::Bare)));
        assert!(matches!(
            parse(&["--help".to_owned()]),
            Ok(Parsed::Help(USAGE))
        ));
    }

    #[test]
    fn a_huge_unknown_option_is_quoted_as_a_short_excerpt() {
        let huge = format!("--{}", "x".repeat(10 * 1024 * 1024));
        let error = parsed(&["get", &huge]).unwrap_err();
        assert!(error.message.len() < 200, "{}", error.message.len());
        assert!(error.message.contains("…"));
    }
}
