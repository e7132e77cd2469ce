//! The tools `portplan run NAME -- CMD...` knows: how each takes its port (an environment
//! variable, a command-line argument, or `PORT` itself) and, for one that would listen on
//! every interface, what keeps it on loopback. One table, [`TOOLS`]; the README mirrors it.
//! Recognising the tool inside a command line (through `npx`, `npm exec`, `uv run`,
//! `python -m` ...) and adding what it needs is [`prepare`].
//!
//! The rules: only the tool CMD is gets its variables; a flag is added only when CMD gives
//! none of its own (the user's flags win); a server listens on loopback unless CMD names
//! another host.

use std::collections::BTreeMap;

/// The address `run` gives a tool that would otherwise listen on every interface: a dev
/// server is not opened to the network unless the command asks for it.
pub const LOOPBACK: &str = "127.0.0.1";

/// A tool people start that needs more than `PORT`, or that `run` knows reads `PORT`.
#[derive(Debug)]
pub struct Tool {
    /// What `run`'s line calls it (`vite`, `runserver`).
    pub name: &'static str,
    /// Its program names (basenames, compared without `.exe`/`.cmd`/`.bat`/`.ps1`), the
    /// Python modules that start it (`python -m django`), or, with a `/`, the end of the
    /// path of the script it is (`node .output/server/index.mjs`).
    pub programs: &'static [&'static str],
    /// The environment variables it reads its port from; `run` sets each to NAME's port.
    pub variables: &'static [&'static str],
    /// For a tool that reads its host from a variable and listens on every interface
    /// without one: that variable, which `run` sets to [`LOOPBACK`].
    pub loopback_variable: Option<LoopbackVariable>,
    /// Its options that give it a port (or a whole address, a socket): on the command line
    /// they win over the variables, and `run` adds no port of its own.
    pub port_options: &'static [&'static str],
    /// A variable holding more of its options (`GUNICORN_CMD_ARGS`): what the inherited
    /// environment puts there counts as the command's own.
    pub options_variable: Option<&'static str>,
    /// What its command line needs, when it needs something.
    pub argument: Option<PortArgument>,
}

/// A variable that makes a tool listen on loopback.
#[derive(Debug)]
pub struct LoopbackVariable {
    pub variable: &'static str,
    /// The variables that choose its host already: when the inherited environment sets
    /// one, `run` leaves the host alone.
    pub chosen_by: &'static [&'static str],
    /// The options that choose it on the command line (they win over the variable; `run`
    /// then does not set it).
    pub options: &'static [&'static str],
}

/// Where a port (and a loopback host) goes on a tool's command line.
#[derive(Debug)]
pub struct PortArgument {
    /// The command words (the first word after the program that is not an option) that
    /// serve: `dev`, `preview`, `runserver`. The words go right after that word.
    pub commands: &'static [&'static str],
    /// Whether the tool also serves without a command word; a first word that is not a
    /// command is then its argument (`vite ./site`, `python -m http.server 8000`), except
    /// the words of `other_commands`, which do not serve.
    pub serves_without_command: bool,
    pub other_commands: &'static [&'static str],
    /// The options that take a value as the next word (so that word is not a command or a
    /// positional argument).
    pub value_options: &'static [&'static str],
    pub port: PortWords,
    /// For a tool that listens on every interface unless told a host.
    pub loopback: Option<Loopback>,
}

/// How the port is given on the command line.
#[derive(Debug)]
pub enum PortWords {
    /// It is not: the tool reads it from a variable (`PORT`, for Next.js and Rails).
    Read,
    /// `words` (`{port}` replaced), unless the command has one of the tool's
    /// `port_options`; with them each word of `extra` the command does not have
    /// (`--strictPort`).
    Options {
        words: &'static [&'static str],
        extra: &'static [&'static str],
    },
    /// `address` as a positional argument, unless the command has a positional argument
    /// already; `ipv6_address` when one of `ipv6_flags` is on it.
    Positional {
        address: &'static str,
        ipv6_flags: &'static [&'static str],
        ipv6_address: &'static str,
    },
}

/// The words that make a tool listen on loopback, left out when the command has one of
/// `given` (a host, a whole address, a socket).
#[derive(Debug)]
pub struct Loopback {
    pub words: &'static [&'static str],
    pub given: &'static [&'static str],
}

const NO_TOOL: Tool = Tool {
    name: "",
    programs: &[],
    variables: &[],
    loopback_variable: None,
    port_options: &[],
    options_variable: None,
    argument: None,
};

/// The tools, each checked against its own source or documentation (the README's table
/// says which rule each follows). A program not here may still read `PORT`, which `run`
/// always sets; `run` says it does not know it.
pub const TOOLS: &[Tool] = &[
    // uvicorn/main.py: click options with auto_envvar_prefix="UVICORN"; host 127.0.0.1.
    Tool {
        name: "uvicorn",
        programs: &["uvicorn"],
        variables: &["UVICORN_PORT"],
        port_options: &["--port", "--uds", "--fd"],
        ..NO_TOOL
    },
    // flask/cli.py: `run` reads FLASK_RUN_* (auto_envvar_prefix); host 127.0.0.1.
    Tool {
        name: "flask",
        programs: &["flask"],
        variables: &["FLASK_RUN_PORT"],
        port_options: &["-p", "--port"],
        ..NO_TOOL
    },
    // jupyter_server: ServerApp.port reads JUPYTER_PORT; ServerApp.ip is localhost.
    Tool {
        name: "jupyter",
        programs: &[
            "jupyter",
            "jupyter-lab",
            "jupyter-notebook",
            "jupyter-server",
            "jupyterlab",
        ],
        variables: &["JUPYTER_PORT"],
        port_options: &["--port", "--ServerApp.port", "--NotebookApp.port"],
        ..NO_TOOL
    },
    // nuxi: the port is --port || NUXT_PORT || NITRO_PORT || PORT, the host --host ||
    // NUXT_HOST || NITRO_HOST || HOST; `nuxt preview` starts the Nitro build (below).
    Tool {
        name: "nuxt",
        programs: &["nuxt", "nuxi"],
        variables: &["NUXT_PORT"],
        loopback_variable: Some(LoopbackVariable {
            variable: "NITRO_HOST",
            chosen_by: &["NUXT_HOST", "NITRO_HOST", "HOST"],
            options: &["--host"],
        }),
        port_options: &["-p", "--port"],
        ..NO_TOOL
    },
    // Nitro's node-server preset: NITRO_PORT || PORT, and NITRO_HOST || HOST, else every
    // interface.
    Tool {
        name: "the Nitro server",
        programs: &[".output/server/index.mjs"],
        variables: &["NITRO_PORT"],
        loopback_variable: Some(LoopbackVariable {
            variable: "NITRO_HOST",
            chosen_by: &["NITRO_HOST", "HOST"],
            options: &[],
        }),
        ..NO_TOOL
    },
    // Streamlit's config: STREAMLIT_<SECTION>_<OPTION>, below its flags; server.address
    // unset means every interface.
    Tool {
        name: "streamlit",
        programs: &["streamlit"],
        variables: &["STREAMLIT_SERVER_PORT"],
        loopback_variable: Some(LoopbackVariable {
            variable: "STREAMLIT_SERVER_ADDRESS",
            chosen_by: &["STREAMLIT_SERVER_ADDRESS"],
            options: &["--server.address"],
        }),
        port_options: &["--server.port"],
        ..NO_TOOL
    },
    // gradio: GRADIO_SERVER_PORT; GRADIO_SERVER_NAME defaults to 127.0.0.1.
    Tool {
        name: "gradio",
        programs: &["gradio"],
        variables: &["GRADIO_SERVER_PORT"],
        ..NO_TOOL
    },
    // granian/cli.py: click with auto_envvar_prefix="GRANIAN", --host 127.0.0.1.
    Tool {
        name: "granian",
        programs: &["granian"],
        variables: &["GRANIAN_PORT"],
        port_options: &["--port", "--uds"],
        ..NO_TOOL
    },
    // litestar/cli/commands/core.py: `run` -p/--port envvar LITESTAR_PORT, -H/--host
    // 127.0.0.1.
    Tool {
        name: "litestar",
        programs: &["litestar"],
        variables: &["LITESTAR_PORT"],
        port_options: &[
            "-p",
            "--port",
            "-F",
            "--fd",
            "--file-descriptor",
            "-U",
            "--uds",
            "--unix-domain-socket",
        ],
        ..NO_TOOL
    },
    // vite: `--host` unset is localhost.
    Tool {
        name: "vite",
        programs: &["vite"],
        port_options: &["--port"],
        argument: Some(PortArgument {
            commands: &["dev", "serve", "preview"],
            serves_without_command: true,
            other_commands: &["build", "optimize"],
            // `--host [host]` and `--open [path]` take an optional value: a word after them
            // is read as a root folder, which serves all the same.
            value_options: &[
                "-c",
                "--config",
                "--base",
                "-l",
                "--logLevel",
                "-m",
                "--mode",
                "--port",
                "--outDir",
                "--configLoader",
                "-f",
                "--filter",
            ],
            port: PortWords::Options {
                words: &["--port", "{port}"],
                extra: &["--strictPort"],
            },
            loopback: None,
        }),
        ..NO_TOOL
    },
    // astro: server.host false is localhost.
    Tool {
        name: "astro",
        programs: &["astro"],
        port_options: &["--port"],
        argument: Some(PortArgument {
            commands: &["dev", "preview"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["--root", "--config", "--site", "--base", "--host", "--port"],
            port: PortWords::Options {
                words: &["--port", "{port}"],
                extra: &[],
            },
            loopback: None,
        }),
        ..NO_TOOL
    },
    // ng serve: --host defaults to localhost.
    Tool {
        name: "ng serve",
        programs: &["ng"],
        port_options: &["--port"],
        argument: Some(PortArgument {
            commands: &["serve", "s", "dev"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["-c", "--configuration", "--host", "--port"],
            port: PortWords::Options {
                words: &["--port", "{port}"],
                extra: &[],
            },
            loopback: None,
        }),
        ..NO_TOOL
    },
    // storybook dev: core-server/dev-server.ts listens on `{ port, host }`, host undefined
    // (every interface) unless -h/--host.
    Tool {
        name: "storybook",
        programs: &["storybook", "sb"],
        port_options: &["-p", "--port"],
        argument: Some(PortArgument {
            commands: &["dev"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["-c", "--config-dir", "-h", "--host", "-p", "--port"],
            port: PortWords::Options {
                words: &["-p", "{port}"],
                extra: &["--exact-port"],
            },
            loopback: Some(Loopback {
                words: &["--host", LOOPBACK],
                given: &["-h", "--host"],
            }),
        }),
        ..NO_TOOL
    },
    // next (bin/next.ts): dev (the default command) and start read -p from PORT; -H/--hostname
    // defaults to 0.0.0.0.
    Tool {
        name: "next",
        programs: &["next"],
        port_options: &["-p", "--port"],
        argument: Some(PortArgument {
            commands: &["dev", "start"],
            serves_without_command: true,
            other_commands: &[
                "build",
                "export",
                "info",
                "lint",
                "telemetry",
                "typegen",
                "experimental-test",
                "internal",
                "help",
            ],
            value_options: &[
                "-p",
                "--port",
                "-H",
                "--hostname",
                "--keepAliveTimeout",
                "--experimental-https-key",
                "--experimental-https-cert",
                "--experimental-https-ca",
                "--experimental-upload-trace",
            ],
            port: PortWords::Read,
            loopback: Some(Loopback {
                words: &["--hostname", LOOPBACK],
                given: &["-H", "--hostname"],
            }),
        }),
        ..NO_TOOL
    },
    // rails server (railties server_command.rb): options[:port] || PORT; binds localhost
    // in development.
    Tool {
        name: "rails server",
        programs: &["rails"],
        port_options: &["-p", "--port"],
        argument: Some(PortArgument {
            commands: &["server", "s"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["-e", "--environment"],
            port: PortWords::Read,
            loopback: None,
        }),
        ..NO_TOOL
    },
    // Django's runserver: an address without a host is 127.0.0.1 (::1 with -6).
    Tool {
        name: "runserver",
        programs: &["manage.py", "django-admin", "django-admin.py", "django"],
        argument: Some(PortArgument {
            commands: &["runserver"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["--settings", "--pythonpath", "-v", "--verbosity"],
            port: PortWords::Positional {
                address: "127.0.0.1:{port}",
                ipv6_flags: &["-6", "--ipv6"],
                ipv6_address: "[::1]:{port}",
            },
            loopback: None,
        }),
        ..NO_TOOL
    },
    // http/server.py: `--bind` defaults to every interface.
    Tool {
        name: "http.server",
        programs: &["http.server"],
        argument: Some(PortArgument {
            commands: &[],
            serves_without_command: true,
            other_commands: &[],
            value_options: &["-b", "--bind", "-d", "--directory", "-p", "--protocol"],
            port: PortWords::Positional {
                address: "{port}",
                ipv6_flags: &[],
                ipv6_address: "{port}",
            },
            loopback: Some(Loopback {
                words: &["--bind", LOOPBACK],
                given: &["-b", "--bind"],
            }),
        }),
        ..NO_TOOL
    },
    // gunicorn/config.py (Bind): the default is 0.0.0.0:$PORT whenever PORT is set, so
    // run binds it itself; the command line wins over GUNICORN_CMD_ARGS and config files.
    Tool {
        name: "gunicorn",
        programs: &["gunicorn"],
        port_options: &["-b", "--bind"],
        options_variable: Some("GUNICORN_CMD_ARGS"),
        argument: Some(PortArgument {
            commands: &[],
            serves_without_command: true,
            other_commands: &[],
            value_options: &[],
            port: PortWords::Options {
                words: &["--bind", "127.0.0.1:{port}"],
                extra: &[],
            },
            loopback: None,
        }),
        ..NO_TOOL
    },
    // hypercorn/__main__.py: -b/--bind, default 127.0.0.1:8000; no variable.
    Tool {
        name: "hypercorn",
        programs: &["hypercorn"],
        port_options: &["-b", "--bind"],
        argument: Some(PortArgument {
            commands: &[],
            serves_without_command: true,
            other_commands: &[],
            value_options: &[],
            port: PortWords::Options {
                words: &["--bind", "127.0.0.1:{port}"],
                extra: &[],
            },
            loopback: None,
        }),
        ..NO_TOOL
    },
    // daphne/cli.py: -p/--port, -b/--bind (host, default 127.0.0.1); a socket (-u, --fd,
    // -e) replaces the port.
    Tool {
        name: "daphne",
        programs: &["daphne"],
        port_options: &[
            "-p",
            "--port",
            "-u",
            "--unix-socket",
            "--fd",
            "-e",
            "--endpoint",
        ],
        argument: Some(PortArgument {
            commands: &[],
            serves_without_command: true,
            other_commands: &[],
            value_options: &[],
            port: PortWords::Options {
                words: &["-p", "{port}"],
                extra: &[],
            },
            loopback: None,
        }),
        ..NO_TOOL
    },
    // waitress/adjustments.py: host 0.0.0.0, port 8080; --listen excludes --host/--port;
    // getopt stops at the first argument, so the options go before the app.
    Tool {
        name: "waitress-serve",
        programs: &["waitress-serve", "waitress"],
        port_options: &["--port", "--listen", "--unix-socket"],
        argument: Some(PortArgument {
            commands: &[],
            serves_without_command: true,
            other_commands: &[],
            value_options: &[],
            port: PortWords::Options {
                words: &["--port={port}"],
                extra: &[],
            },
            loopback: Some(Loopback {
                words: &["--host=127.0.0.1"],
                given: &["--host", "--listen", "--unix-socket"],
            }),
        }),
        ..NO_TOOL
    },
    // mkdocs/__main__.py: serve -a/--dev-addr IP:PORT, over mkdocs.yml's dev_addr
    // (default 127.0.0.1:8000).
    Tool {
        name: "mkdocs serve",
        programs: &["mkdocs"],
        port_options: &["-a", "--dev-addr"],
        argument: Some(PortArgument {
            commands: &["serve"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &[],
            port: PortWords::Options {
                words: &["--dev-addr", "127.0.0.1:{port}"],
                extra: &[],
            },
            loopback: None,
        }),
        ..NO_TOOL
    },
];

/// What `run` does for a command: the tool it is (if it knows it), the variables it sets
/// for that tool, and the command line with the words it added.
#[derive(Debug)]
pub struct Prepared {
    pub tool: Option<&'static Tool>,
    pub argv: Vec<String>,
    /// The tool's variables and their values (its port variables, a loopback host).
    pub variables: Vec<(&'static str, String)>,
    /// The words added to the command line (a `--` a launcher needs aside).
    pub added: Vec<String>,
    /// Whether the command serves and the tool reads `PORT` itself.
    pub reads_port: bool,
    /// How the command gives the tool its port itself (`--port`, or `port` for a
    /// positional address), which wins over what `run` sets.
    pub own_port: Option<String>,
}

/// What `run` sets and adds for `cmd` to listen on `port`; `inherited` is the environment
/// the command inherits (a host variable it sets is the user's choice).
pub fn prepare(cmd: &[String], port: u16, inherited: &BTreeMap<String, String>) -> Prepared {
    let mut prepared = Prepared {
        tool: None,
        argv: cmd.to_vec(),
        variables: Vec::new(),
        added: Vec::new(),
        reads_port: false,
        own_port: None,
    };
    let Some(found) = find_program(cmd) else {
        return prepared;
    };
    let Some(tool) = TOOLS
        .iter()
        .find(|tool| tool.runs(&found.name, &cmd[found.at]))
    else {
        return prepared;
    };
    prepared.tool = Some(tool);
    let port_text = port.to_string();
    for variable in tool.variables {
        prepared.variables.push((variable, port_text.clone()));
    }
    let after = &cmd[found.at + 1..];
    if let Some(loopback) = &tool.loopback_variable {
        let set = |name: &&str| inherited.get(*name).is_some_and(|value| !value.is_empty());
        if !loopback.chosen_by.iter().any(set)
            && !loopback.options.iter().any(|flag| has_option(after, flag))
        {
            prepared
                .variables
                .push((loopback.variable, LOOPBACK.to_owned()));
        }
    }
    // The command's own options, and those its options variable holds.
    let mut own: Vec<String> = after.to_vec();
    if let Some(options) = tool.options_variable.and_then(|v| inherited.get(v)) {
        own.extend(options.split_whitespace().map(str::to_owned));
    }
    prepared.own_port = tool
        .port_options
        .iter()
        .find(|flag| has_option(&own, flag))
        .map(|flag| (*flag).to_owned());
    let Some(argument) = &tool.argument else {
        prepared.reads_port = tool.variables.is_empty();
        return prepared;
    };
    let Some((offset, rest)) = serving(argument, after) else {
        return prepared;
    };
    let fill = |words: &[&str]| -> Vec<String> {
        words
            .iter()
            .map(|word| word.replace("{port}", &port_text))
            .collect()
    };
    let mut words = Vec::new();
    match &argument.port {
        PortWords::Read => prepared.reads_port = tool.variables.is_empty(),
        PortWords::Options { words: port, extra } => {
            if prepared.own_port.is_none() {
                words = fill(port);
                for flag in extra.iter().filter(|flag| !has_option(&own, flag)) {
                    words.push((*flag).to_owned());
                }
            }
        }
        PortWords::Positional {
            address,
            ipv6_flags,
            ipv6_address,
        } => {
            if positionals(rest, argument.value_options).next().is_some() {
                prepared.own_port = Some("port".to_owned());
            } else if ipv6_flags.iter().any(|flag| has_option(after, flag)) {
                words = fill(&[ipv6_address]);
            } else {
                words = fill(&[address]);
            }
        }
    }
    if let Some(loopback) = &argument.loopback
        && !loopback.given.iter().any(|flag| has_option(&own, flag))
    {
        words.extend(fill(loopback.words));
    }
    if !words.is_empty() {
        prepared.added.clone_from(&words);
        insert(&mut prepared.argv, &found, found.at + 1 + offset, words);
    }
    prepared
}

/// `cmd` with its tool's port (and loopback) arguments added when it needs them; else
/// `cmd` unchanged.
pub fn port_arguments(cmd: &[String], port: u16) -> Vec<String> {
    prepare(cmd, port, &BTreeMap::new()).argv
}

impl Tool {
    /// Whether `word`, the program a command runs (`name` as [`program_name`] spells it),
    /// is this tool.
    fn runs(&self, name: &str, word: &str) -> bool {
        self.programs.iter().any(|program| {
            if program.contains('/') {
                let path = word.replace('\\', "/").to_ascii_lowercase();
                path == *program || path.ends_with(&format!("/{program}"))
            } else {
                *program == name
            }
        })
    }
}

/// Where in `after` (the words after the program) the words go when the command serves:
/// right after its command word, or first when it serves without one; and the words after
/// that place. None when the command does not serve (`vite build`, `manage.py migrate`).
fn serving<'a>(argument: &PortArgument, after: &'a [String]) -> Option<(usize, &'a [String])> {
    let first = positionals(after, argument.value_options).next();
    match first {
        Some(i) if argument.commands.contains(&after[i].as_str()) => Some((i + 1, &after[i + 1..])),
        Some(i)
            if !argument.serves_without_command
                || argument.other_commands.contains(&after[i].as_str()) =>
        {
            None
        }
        _ if argument.serves_without_command => Some((0, after)),
        _ => None,
    }
}

/// Inserts `words` at `at`, with the `--` the launcher needs for them to reach the program.
fn insert(argv: &mut Vec<String>, found: &Found, at: usize, words: Vec<String>) {
    let dashes = |from: usize, to: usize| {
        argv[from..to]
            .iter()
            .position(|word| word == "--")
            .map(|i| from + i)
    };
    match found.separator {
        Separator::None => {
            argv.splice(at..at, words);
        }
        // npm reads options wherever they are, up to its first `--`: the words go after
        // it, and where there is none, after one added at the end (the command's own words
        // stay where they were, read as npm read them).
        Separator::AtEnd => match dashes(found.launcher_at + 1, argv.len()) {
            Some(dash) if dash < at => {
                argv.splice(at..at, words);
            }
            Some(_) => argv.extend(words),
            None => {
                argv.push("--".to_owned());
                argv.extend(words);
            }
        },
        // Yarn 1's `exec` reads options up to a `--`, Yarn 2+ passes a `--` after the
        // program on: one before the program reads the same in both.
        Separator::BeforeProgram => {
            let dashed = dashes(found.launcher_at + 1, found.started_at).is_some();
            argv.splice(at..at, words);
            if !dashed {
                argv.insert(found.started_at, "--".to_owned());
            }
        }
    }
}

/// Whether `words` hold the option `flag`: `--port`, `--port=5173`, or a short option
/// with its value attached (`-p6006`).
fn has_option(words: &[String], flag: &str) -> bool {
    let short = !flag.starts_with("--") && flag.len() == 2;
    words.iter().any(|word| {
        word == flag
            || word
                .strip_prefix(flag)
                .is_some_and(|rest| rest.starts_with('=') || (short && !rest.is_empty()))
    })
}

/// The indexes of the words that are neither options nor values of `value_options`.
fn positionals<'a>(
    words: &'a [String],
    value_options: &'a [&str],
) -> impl Iterator<Item = usize> + 'a {
    let mut skip_next = false;
    words.iter().enumerate().filter_map(move |(i, word)| {
        if std::mem::take(&mut skip_next) {
            return None;
        }
        if word.starts_with('-') && word.len() > 1 {
            skip_next = value_options.contains(&word.as_str());
            return None;
        }
        Some(i)
    })
}

/// A program's name as the table spells it: the basename of a path (`/` or `\`), lower
/// case, without a Windows launcher extension.
fn program_name(word: &str) -> String {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let lower = base.to_ascii_lowercase();
    for extension in [".exe", ".cmd", ".bat", ".ps1"] {
        if let Some(stem) = lower.strip_suffix(extension) {
            return stem.to_owned();
        }
    }
    lower
}

/// Where a launcher needs a `--` for options to reach the program it starts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Separator {
    /// Nowhere: it passes everything after the program on (and would pass a `--` on too).
    None,
    /// Before the options, anywhere after the program (`npm exec vite -- --port N`).
    AtEnd,
    /// Before the program (`yarn exec -- vite --port N`).
    BeforeProgram,
}

/// How a launcher hands over to the program it starts.
struct Launcher {
    /// The launcher's program and, if any, its command word (`npm exec`, `uv run`).
    program: &'static str,
    commands: &'static [&'static str],
    /// Whether the launcher also runs a program without a command word (`pnpm vite`).
    bare: bool,
    /// Its options that take a value as the next word.
    value_options: &'static [&'static str],
    /// Options after which no program can be found (`npx -c 'vite dev'`).
    stop_options: &'static [&'static str],
    /// The command words after which it reads options past the program, and the `--`
    /// that stops it.
    separated: &'static [&'static str],
    separator: Separator,
}

const NO_LAUNCHER: Launcher = Launcher {
    program: "",
    commands: &[],
    bare: false,
    value_options: &[],
    stop_options: &[],
    separated: &[],
    separator: Separator::None,
};

/// The launchers, each tried with a program that prints its arguments: npm 11, pnpm 10,
/// Yarn 1.22 and 4.9, bun 1.4, uv, Poetry 2 and pipenv pass what follows the program on
/// (Poetry and pipenv drop a `--`; npx, pnpm, Yarn 2+, bun and uv pass it on as a word),
/// except `npm exec`/`npm x` and Yarn 1's `yarn exec`, which read options up to a `--`.
const LAUNCHERS: &[Launcher] = &[
    Launcher {
        program: "npx",
        bare: true,
        value_options: &["-p", "--package", "--cache", "--userconfig", "--registry"],
        stop_options: &["-c", "--call"],
        ..NO_LAUNCHER
    },
    Launcher {
        program: "npm",
        commands: &["exec", "x"],
        value_options: &[
            "-p",
            "--package",
            "-w",
            "--workspace",
            "--prefix",
            "--cache",
            "--userconfig",
            "--registry",
        ],
        stop_options: &["-c", "--call"],
        separated: &["exec", "x"],
        separator: Separator::AtEnd,
        ..NO_LAUNCHER
    },
    Launcher {
        program: "pnpm",
        commands: &["exec", "dlx"],
        bare: true,
        value_options: &[
            "-C",
            "--dir",
            "-F",
            "--filter",
            "--package",
            "--workspace-dir",
        ],
        stop_options: &["-c", "--shell-mode"],
        ..NO_LAUNCHER
    },
    Launcher {
        program: "yarn",
        commands: &["exec", "dlx", "run"],
        bare: true,
        value_options: &["--cwd", "-p", "--package"],
        separated: &["exec"],
        separator: Separator::BeforeProgram,
        ..NO_LAUNCHER
    },
    Launcher {
        program: "bunx",
        bare: true,
        value_options: &["-p", "--package"],
        ..NO_LAUNCHER
    },
    Launcher {
        program: "bun",
        commands: &["x", "run"],
        bare: true,
        value_options: &["-p", "--package", "--cwd"],
        ..NO_LAUNCHER
    },
    Launcher {
        // `node SCRIPT`: the script is the program (a Nitro build, `node_modules/.bin/vite`).
        program: "node",
        bare: true,
        value_options: &[
            "-r",
            "--require",
            "--import",
            "--loader",
            "--experimental-loader",
            "-C",
            "--conditions",
            "--env-file",
            "--title",
            "--input-type",
        ],
        stop_options: &[
            "-e",
            "--eval",
            "-p",
            "--print",
            "-c",
            "--check",
            "-i",
            "--interactive",
            "--run",
            "--test",
        ],
        ..NO_LAUNCHER
    },
    Launcher {
        program: "uv",
        commands: &["run"],
        value_options: &[
            "--with",
            "--with-editable",
            "--with-requirements",
            "-p",
            "--python",
            "--directory",
            "--project",
            "--package",
            "--extra",
            "--group",
            "--only-group",
            "--no-group",
            "--env-file",
            "--index",
            "--index-url",
            "--extra-index-url",
            "--config-file",
        ],
        stop_options: &["-m", "--module"],
        ..NO_LAUNCHER
    },
    Launcher {
        program: "uvx",
        bare: true,
        value_options: &[
            "--from",
            "--with",
            "--with-editable",
            "--with-requirements",
            "-p",
            "--python",
            "--index",
            "--index-url",
            "--extra-index-url",
            "--config-file",
        ],
        ..NO_LAUNCHER
    },
    Launcher {
        program: "poetry",
        commands: &["run"],
        value_options: &["-C", "--directory", "-P", "--project"],
        ..NO_LAUNCHER
    },
    Launcher {
        program: "pipenv",
        commands: &["run"],
        value_options: &["--python"],
        ..NO_LAUNCHER
    },
    Launcher {
        program: "bundle",
        commands: &["exec"],
        value_options: &["--gemfile"],
        ..NO_LAUNCHER
    },
];

/// The program a command really runs.
struct Found {
    /// The index of the word naming it, and its name as the table spells it (a script's
    /// basename, or the module of `-m`).
    at: usize,
    name: String,
    /// The launcher that starts it (its index), the index of the word that launcher starts
    /// (`python` of `yarn exec python manage.py`), and the `--` that launcher needs.
    launcher_at: usize,
    started_at: usize,
    separator: Separator,
}

/// The program `cmd` really runs, looking through launchers.
fn find_program(cmd: &[String]) -> Option<Found> {
    let mut at = 0;
    let mut launcher_at = 0;
    let mut separator = Separator::None;
    // Launchers may nest (`uv run python manage.py`); each step moves right.
    loop {
        let name = program_name(cmd.get(at)?);
        if is_python(&name) {
            let (script_at, name) = python_program(cmd, at)?;
            return Some(Found {
                at: script_at,
                name,
                launcher_at,
                started_at: at,
                separator,
            });
        }
        let Some(launcher) = LAUNCHERS.iter().find(|l| l.program == name) else {
            return Some(Found {
                at,
                name,
                launcher_at,
                started_at: at,
                separator,
            });
        };
        // A module run through `uv run -m MODULE`.
        if launcher.program == "uv"
            && let Some((module_at, name)) = uv_module(cmd, at)
        {
            return Some(Found {
                at: module_at,
                name,
                launcher_at: at,
                started_at: module_at,
                separator: Separator::None,
            });
        }
        let (program, command) = launched(cmd, at, launcher)?;
        launcher_at = at;
        separator = match command {
            Some(command) if launcher.separated.contains(&command) => launcher.separator,
            _ => Separator::None,
        };
        at = program;
    }
}

/// The index of the program a launcher at `at` starts, and the command word it was given.
fn launched(
    cmd: &[String],
    at: usize,
    launcher: &Launcher,
) -> Option<(usize, Option<&'static str>)> {
    let mut i = at + 1;
    let mut command = None;
    while let Some(word) = cmd.get(i) {
        if word == "--" {
            i += 1;
            continue;
        }
        if word.starts_with('-') && word.len() > 1 {
            let flag = word.split_once('=').map_or(word.as_str(), |(flag, _)| flag);
            if launcher.stop_options.contains(&flag) {
                return None;
            }
            i += if launcher.value_options.contains(&word.as_str()) {
                2
            } else {
                1
            };
            continue;
        }
        if command.is_none()
            && let Some(found) = launcher.commands.iter().find(|c| **c == word.as_str())
        {
            command = Some(*found);
            i += 1;
            continue;
        }
        let commanded = launcher.commands.is_empty() || command.is_some();
        return (commanded || launcher.bare).then_some((i, command));
    }
    None
}

fn is_python(name: &str) -> bool {
    let version = name
        .strip_prefix("python")
        .or_else(|| (name == "py").then_some(""));
    version.is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.') || v == "w")
}

/// `python [options] SCRIPT ...` → the script; `python [options] -m MODULE ...` → the
/// module (as the index of the word after which its arguments start).
fn python_program(cmd: &[String], at: usize) -> Option<(usize, String)> {
    let mut i = at + 1;
    while let Some(word) = cmd.get(i) {
        match word.as_str() {
            "-c" => return None,
            "-m" => return Some((i + 1, cmd.get(i + 1)?.clone())),
            "-X" | "-W" | "--check-hash-based-pycs" => i += 2,
            _ if word.starts_with("-m") => return Some((i, word[2..].to_owned())),
            _ if word.starts_with('-') && word.len() > 1 => i += 1,
            _ => return Some((i, program_name(word))),
        }
    }
    None
}

/// `uv run [options] -m MODULE ...`: the module, if that is how uv is asked to run.
fn uv_module(cmd: &[String], at: usize) -> Option<(usize, String)> {
    if cmd.get(at + 1).map(String::as_str) != Some("run") {
        return None;
    }
    let uv = LAUNCHERS.iter().find(|l| l.program == "uv")?;
    let mut i = at + 2;
    while let Some(word) = cmd.get(i) {
        match word.as_str() {
            "-m" | "--module" => return Some((i + 1, cmd.get(i + 1)?.clone())),
            _ if word.starts_with('-') && word.len() > 1 => {
                i += if uv.value_options.contains(&word.as_str()) {
                    2
                } else {
                    1
                };
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(cmd: &str) -> Vec<String> {
        cmd.split(' ').map(str::to_owned).collect()
    }

    fn with_port(cmd: &str) -> String {
        port_arguments(&words(cmd), 21225).join(" ")
    }

    fn prepared(cmd: &str) -> Prepared {
        prepare(&words(cmd), 21225, &BTreeMap::new())
    }

    fn inheriting(cmd: &str, variable: &str, value: &str) -> Prepared {
        let inherited = BTreeMap::from([(variable.to_owned(), value.to_owned())]);
        prepare(&words(cmd), 21225, &inherited)
    }

    fn variables(prepared: &Prepared) -> Vec<String> {
        prepared
            .variables
            .iter()
            .map(|(variable, value)| format!("{variable}={value}"))
            .collect()
    }

    #[test]
    fn vite_gets_a_strict_port_when_it_serves_and_has_none() {
        assert_eq!(with_port("vite"), "vite --port 21225 --strictPort");
        assert_eq!(with_port("vite dev"), "vite dev --port 21225 --strictPort");
        assert_eq!(
            with_port("vite serve"),
            "vite serve --port 21225 --strictPort"
        );
        assert_eq!(
            with_port("vite preview --open"),
            "vite preview --port 21225 --strictPort --open"
        );
        assert_eq!(
            with_port("vite ./site --host"),
            "vite --port 21225 --strictPort ./site --host"
        );
        assert_eq!(
            with_port("vite --mode staging"),
            "vite --port 21225 --strictPort --mode staging"
        );
        assert_eq!(
            with_port("vite --strictPort"),
            "vite --port 21225 --strictPort"
        );
    }

    #[test]
    fn vite_keeps_a_port_it_was_given_and_builds_get_none() {
        for cmd in [
            "vite --port 5555",
            "vite dev --port=5555",
            "vite preview --port 4173 --strictPort",
            "vite build",
            "vite optimize",
            "vite --mode production build",
            "vite --port 5555 dev",
            "vite --host build",
        ] {
            assert_eq!(with_port(cmd), cmd);
        }
        assert_eq!(
            prepared("vite --port 5555").own_port.as_deref(),
            Some("--port")
        );
        assert_eq!(prepared("vite build").own_port, None);
    }

    #[test]
    fn astro_angular_and_storybook_get_their_flags() {
        assert_eq!(with_port("astro dev"), "astro dev --port 21225");
        assert_eq!(with_port("astro preview"), "astro preview --port 21225");
        assert_eq!(with_port("astro build"), "astro build");
        assert_eq!(with_port("astro dev --port 4321"), "astro dev --port 4321");
        assert_eq!(with_port("ng serve"), "ng serve --port 21225");
        assert_eq!(with_port("ng s --open"), "ng s --port 21225 --open");
        assert_eq!(with_port("ng serve --port=4300"), "ng serve --port=4300");
        assert_eq!(with_port("ng build"), "ng build");
        assert_eq!(with_port("ng"), "ng");
        assert_eq!(with_port("storybook build"), "storybook build");
    }

    #[test]
    fn storybook_gets_its_port_and_loopback_unless_the_command_names_them() {
        assert_eq!(
            with_port("storybook dev"),
            "storybook dev -p 21225 --exact-port --host 127.0.0.1"
        );
        assert_eq!(
            with_port("storybook dev -p 6006"),
            "storybook dev --host 127.0.0.1 -p 6006"
        );
        assert_eq!(
            with_port("storybook dev -p6006 -h 0.0.0.0"),
            "storybook dev -p6006 -h 0.0.0.0"
        );
        assert_eq!(
            with_port("storybook dev --port 6006 --host=0.0.0.0"),
            "storybook dev --port 6006 --host=0.0.0.0"
        );
        assert_eq!(
            with_port("storybook dev --exact-port"),
            "storybook dev -p 21225 --host 127.0.0.1 --exact-port"
        );
    }

    #[test]
    fn django_runserver_gets_an_address_unless_it_has_one() {
        assert_eq!(
            with_port("./manage.py runserver"),
            "./manage.py runserver 127.0.0.1:21225"
        );
        assert_eq!(
            with_port("python manage.py runserver --noreload"),
            "python manage.py runserver 127.0.0.1:21225 --noreload"
        );
        assert_eq!(
            with_port("python3 -u manage.py runserver --settings app.dev"),
            "python3 -u manage.py runserver 127.0.0.1:21225 --settings app.dev"
        );
        assert_eq!(
            with_port("django-admin runserver -6"),
            "django-admin runserver [::1]:21225 -6"
        );
        assert_eq!(
            with_port("python -m django runserver"),
            "python -m django runserver 127.0.0.1:21225"
        );
        for cmd in [
            "python manage.py runserver 8001",
            "python manage.py runserver 0.0.0.0:8001 --noreload",
            "python manage.py runserver --settings=app.dev 8001",
            "python manage.py migrate",
            "python manage.py",
        ] {
            assert_eq!(with_port(cmd), cmd);
        }
        assert_eq!(
            prepared("python manage.py runserver 8001")
                .own_port
                .as_deref(),
            Some("port")
        );
    }

    #[test]
    fn python_http_server_gets_a_port_and_loopback_unless_it_has_them() {
        assert_eq!(
            with_port("python3 -m http.server"),
            "python3 -m http.server 21225 --bind 127.0.0.1"
        );
        assert_eq!(
            with_port("python -m http.server --bind 127.0.0.1"),
            "python -m http.server 21225 --bind 127.0.0.1"
        );
        assert_eq!(
            with_port("python -m http.server -b ::1"),
            "python -m http.server 21225 -b ::1"
        );
        assert_eq!(
            with_port("python -m http.server 8000"),
            "python -m http.server --bind 127.0.0.1 8000"
        );
        assert_eq!(
            with_port("python -m http.server -d site 8000 --bind=0.0.0.0"),
            "python -m http.server -d site 8000 --bind=0.0.0.0"
        );
    }

    #[test]
    fn gunicorn_is_bound_to_loopback_on_the_port_unless_the_command_binds_it() {
        assert_eq!(
            with_port("gunicorn app:app"),
            "gunicorn --bind 127.0.0.1:21225 app:app"
        );
        assert_eq!(
            with_port("gunicorn -w 2 app:app"),
            "gunicorn --bind 127.0.0.1:21225 -w 2 app:app"
        );
        assert_eq!(
            with_port("python -m gunicorn app:app"),
            "python -m gunicorn --bind 127.0.0.1:21225 app:app"
        );
        assert_eq!(
            with_port("uv run gunicorn -k uvicorn.workers.UvicornWorker app:app"),
            "uv run gunicorn --bind 127.0.0.1:21225 -k uvicorn.workers.UvicornWorker app:app"
        );
        for cmd in [
            "gunicorn -b 0.0.0.0:8000 app:app",
            "gunicorn -b0.0.0.0:8000 app:app",
            "gunicorn --bind=unix:/tmp/app.sock app:app",
            "gunicorn app:app --bind 127.0.0.1:9000",
        ] {
            assert_eq!(with_port(cmd), cmd);
        }
        // GUNICORN_CMD_ARGS holds options of the command's own.
        let given = inheriting(
            "gunicorn app:app",
            "GUNICORN_CMD_ARGS",
            "-w 2 --bind 0.0.0.0:80",
        );
        assert_eq!(given.argv, words("gunicorn app:app"));
        assert_eq!(given.own_port.as_deref(), Some("--bind"));
        let other = inheriting("gunicorn app:app", "GUNICORN_CMD_ARGS", "--workers 2");
        assert_eq!(other.argv, words("gunicorn --bind 127.0.0.1:21225 app:app"));
        assert_eq!(prepared("gunicorn app:app").variables, []);
    }

    #[test]
    fn hypercorn_daphne_waitress_and_mkdocs_get_their_flags() {
        assert_eq!(
            with_port("hypercorn app:app"),
            "hypercorn --bind 127.0.0.1:21225 app:app"
        );
        assert_eq!(
            with_port("python -m hypercorn --reload app:app"),
            "python -m hypercorn --bind 127.0.0.1:21225 --reload app:app"
        );
        assert_eq!(
            with_port("daphne app.asgi:application"),
            "daphne -p 21225 app.asgi:application"
        );
        // A host of the command's own gets the port all the same (daphne's default host is
        // loopback already).
        assert_eq!(
            with_port("daphne -b 0.0.0.0 app.asgi:application"),
            "daphne -p 21225 -b 0.0.0.0 app.asgi:application"
        );
        assert_eq!(
            with_port("waitress-serve app:app"),
            "waitress-serve --port=21225 --host=127.0.0.1 app:app"
        );
        assert_eq!(
            with_port("python -m waitress --threads=8 app:app"),
            "python -m waitress --port=21225 --host=127.0.0.1 --threads=8 app:app"
        );
        assert_eq!(
            with_port("waitress-serve --host=0.0.0.0 app:app"),
            "waitress-serve --port=21225 --host=0.0.0.0 app:app"
        );
        assert_eq!(
            with_port("waitress-serve --port=9000 app:app"),
            "waitress-serve --host=127.0.0.1 --port=9000 app:app"
        );
        assert_eq!(
            with_port("mkdocs serve"),
            "mkdocs serve --dev-addr 127.0.0.1:21225"
        );
        assert_eq!(
            with_port("python -m mkdocs serve --livereload"),
            "python -m mkdocs serve --dev-addr 127.0.0.1:21225 --livereload"
        );
        for cmd in [
            "hypercorn -b 0.0.0.0:8000 app:app",
            "hypercorn --bind=unix:/tmp/s app:app",
            "daphne -p 9000 app.asgi:application",
            "daphne --port=9000 -b 0.0.0.0 app.asgi:application",
            "daphne -u /tmp/daphne.sock app.asgi:application",
            "daphne --fd 5 app.asgi:application",
            "daphne -e tcp:port=9000 app.asgi:application",
            "waitress-serve --listen=*:8080 app:app",
            "waitress-serve --port=9000 --host=0.0.0.0 app:app",
            "waitress-serve --unix-socket=/tmp/s app:app",
            "mkdocs serve -a 0.0.0.0:8000",
            "mkdocs serve --dev-addr=localhost:8001",
            "mkdocs build",
            "mkdocs gh-deploy",
        ] {
            assert_eq!(with_port(cmd), cmd);
        }
    }

    #[test]
    fn granian_and_litestar_read_their_variables_and_their_flags_win() {
        let granian = prepared("granian --interface asgi app:app");
        assert_eq!(granian.tool.unwrap().name, "granian");
        assert_eq!(variables(&granian), ["GRANIAN_PORT=21225"]);
        assert_eq!(granian.argv, words("granian --interface asgi app:app"));
        assert_eq!(granian.own_port, None);
        let given = prepared("granian --interface asgi --port 9000 app:app");
        assert_eq!(given.own_port.as_deref(), Some("--port"));
        assert_eq!(variables(&given), ["GRANIAN_PORT=21225"]);
        let litestar = prepared("litestar --app app:app run --reload");
        assert_eq!(variables(&litestar), ["LITESTAR_PORT=21225"]);
        assert_eq!(litestar.argv, words("litestar --app app:app run --reload"));
        assert_eq!(
            prepared("python -m litestar run -p 9000")
                .own_port
                .as_deref(),
            Some("-p")
        );
        assert_eq!(
            prepared("litestar run --uds /tmp/s").own_port.as_deref(),
            Some("--uds")
        );
    }

    #[test]
    fn next_and_rails_read_port_and_next_gets_loopback() {
        let dev = prepared("next dev");
        assert_eq!(dev.argv, words("next dev --hostname 127.0.0.1"));
        assert!(dev.reads_port);
        assert_eq!(dev.variables, []);
        assert_eq!(with_port("next"), "next --hostname 127.0.0.1");
        assert_eq!(with_port("next ./app"), "next --hostname 127.0.0.1 ./app");
        assert_eq!(
            with_port("next start --keepAliveTimeout 5000"),
            "next start --hostname 127.0.0.1 --keepAliveTimeout 5000"
        );
        assert_eq!(
            with_port("npx next dev --turbopack"),
            "npx next dev --hostname 127.0.0.1 --turbopack"
        );
        for cmd in [
            "next dev -H 0.0.0.0",
            "next start --hostname=::",
            "next build",
        ] {
            assert_eq!(with_port(cmd), cmd);
        }
        assert!(!prepared("next build").reads_port);
        let own = prepared("next dev -p 4000");
        assert_eq!(own.own_port.as_deref(), Some("-p"));
        assert_eq!(own.argv, words("next dev --hostname 127.0.0.1 -p 4000"));
        for cmd in [
            "rails server",
            "bin/rails s -e development",
            "bundle exec rails server",
        ] {
            let rails = prepared(cmd);
            assert_eq!(rails.tool.unwrap().name, "rails server", "{cmd}");
            assert!(rails.reads_port, "{cmd}");
            assert_eq!(rails.argv, words(cmd));
        }
        assert!(!prepared("rails console").reads_port);
    }

    #[test]
    fn variable_tools_get_a_loopback_host_unless_the_environment_chooses_one() {
        let streamlit = prepared("streamlit run app.py");
        assert_eq!(
            variables(&streamlit),
            [
                "STREAMLIT_SERVER_PORT=21225",
                "STREAMLIT_SERVER_ADDRESS=127.0.0.1"
            ]
        );
        let chosen = inheriting(
            "streamlit run app.py",
            "STREAMLIT_SERVER_ADDRESS",
            "0.0.0.0",
        );
        assert_eq!(variables(&chosen), ["STREAMLIT_SERVER_PORT=21225"]);
        let flagged = prepared("streamlit run app.py --server.address=0.0.0.0");
        assert_eq!(variables(&flagged), ["STREAMLIT_SERVER_PORT=21225"]);
        assert_eq!(variables(&prepared("nuxt dev --host")), ["NUXT_PORT=21225"]);
        let nitro = prepared("node .output/server/index.mjs");
        assert_eq!(nitro.tool.unwrap().name, "the Nitro server");
        assert_eq!(
            variables(&nitro),
            ["NITRO_PORT=21225", "NITRO_HOST=127.0.0.1"]
        );
        assert_eq!(
            variables(&inheriting(
                "node .output/server/index.mjs",
                "HOST",
                "0.0.0.0"
            )),
            ["NITRO_PORT=21225"]
        );
        assert_eq!(
            variables(&inheriting("node .output/server/index.mjs", "HOST", "")),
            ["NITRO_PORT=21225", "NITRO_HOST=127.0.0.1"]
        );
        for cmd in [
            "node ./.output/server/index.mjs",
            "node --env-file=.env /srv/app/.output/server/index.mjs",
            "node -r dotenv/config .output\\server\\index.mjs",
            "bun .output/server/index.mjs",
        ] {
            let found = prepared(cmd);
            assert_eq!(
                found.tool.map(|t| t.name),
                Some("the Nitro server"),
                "{cmd}"
            );
        }
        for cmd in [
            "node server.js",
            "node index.mjs",
            "node my.output/server/index.mjs",
            "node -e .output/server/index.mjs",
        ] {
            assert!(prepared(cmd).tool.is_none(), "{cmd}");
        }
        let nuxt = prepared("nuxi dev");
        assert_eq!(
            variables(&nuxt),
            ["NUXT_PORT=21225", "NITRO_HOST=127.0.0.1"]
        );
        assert_eq!(
            variables(&inheriting("nuxt preview", "NUXT_HOST", "0.0.0.0")),
            ["NUXT_PORT=21225"]
        );
    }

    #[test]
    fn only_the_tool_the_command_is_gets_variables() {
        assert_eq!(
            variables(&prepared("uvicorn app:app")),
            ["UVICORN_PORT=21225"]
        );
        assert_eq!(
            variables(&prepared("uv run -m flask run")),
            ["FLASK_RUN_PORT=21225"]
        );
        assert_eq!(
            variables(&prepared("jupyter lab --no-browser")),
            ["JUPYTER_PORT=21225"]
        );
        assert_eq!(
            variables(&prepared("gradio app.py")),
            ["GRADIO_SERVER_PORT=21225"]
        );
        for cmd in [
            "python app.py",
            "npm run dev",
            "vite",
            "node server.js",
            "sh -c uvicorn",
        ] {
            assert_eq!(prepared(cmd).variables, [], "{cmd}");
        }
        assert_eq!(
            prepared("uvicorn app:app --port 8001").own_port.as_deref(),
            Some("--port")
        );
        assert_eq!(prepared("flask run -p5001").own_port.as_deref(), Some("-p"));
        assert_eq!(
            prepared("uvicorn app:app --uds /tmp/u.sock")
                .own_port
                .as_deref(),
            Some("--uds")
        );
    }

    #[test]
    fn tools_are_found_through_launchers_paths_and_windows_names() {
        let cases = [
            ("npx vite", "npx vite --port 21225 --strictPort"),
            (
                "npx --yes vite dev",
                "npx --yes vite dev --port 21225 --strictPort",
            ),
            (
                "npx -p vite@5 vite",
                "npx -p vite@5 vite --port 21225 --strictPort",
            ),
            ("pnpm vite", "pnpm vite --port 21225 --strictPort"),
            ("pnpm exec astro dev", "pnpm exec astro dev --port 21225"),
            (
                "pnpm --filter web exec vite",
                "pnpm --filter web exec vite --port 21225 --strictPort",
            ),
            (
                "pnpm dlx storybook dev",
                "pnpm dlx storybook dev -p 21225 --exact-port --host 127.0.0.1",
            ),
            ("yarn vite", "yarn vite --port 21225 --strictPort"),
            ("yarn run vite", "yarn run vite --port 21225 --strictPort"),
            (
                "yarn dlx astro preview",
                "yarn dlx astro preview --port 21225",
            ),
            ("bunx vite", "bunx vite --port 21225 --strictPort"),
            ("bun x vite", "bun x vite --port 21225 --strictPort"),
            ("bun run vite", "bun run vite --port 21225 --strictPort"),
            ("bun vite", "bun vite --port 21225 --strictPort"),
            (
                "uv run manage.py runserver",
                "uv run manage.py runserver 127.0.0.1:21225",
            ),
            (
                "uv run --with django python manage.py runserver",
                "uv run --with django python manage.py runserver 127.0.0.1:21225",
            ),
            (
                "uv run -m http.server",
                "uv run -m http.server 21225 --bind 127.0.0.1",
            ),
            (
                "uvx --from django django-admin runserver",
                "uvx --from django django-admin runserver 127.0.0.1:21225",
            ),
            (
                "uvx mkdocs serve",
                "uvx mkdocs serve --dev-addr 127.0.0.1:21225",
            ),
            (
                "poetry run python manage.py runserver",
                "poetry run python manage.py runserver 127.0.0.1:21225",
            ),
            (
                "poetry run gunicorn app:app",
                "poetry run gunicorn --bind 127.0.0.1:21225 app:app",
            ),
            (
                "pipenv run ./manage.py runserver",
                "pipenv run ./manage.py runserver 127.0.0.1:21225",
            ),
            (
                "pipenv run waitress-serve app:app",
                "pipenv run waitress-serve --port=21225 --host=127.0.0.1 app:app",
            ),
            (
                "node_modules/.bin/vite",
                "node_modules/.bin/vite --port 21225 --strictPort",
            ),
            (
                "node node_modules/.bin/vite",
                "node node_modules/.bin/vite --port 21225 --strictPort",
            ),
            (
                "/usr/local/bin/vite preview",
                "/usr/local/bin/vite preview --port 21225 --strictPort",
            ),
            (
                "node_modules\\.bin\\vite.cmd",
                "node_modules\\.bin\\vite.cmd --port 21225 --strictPort",
            ),
            (
                "C:\\tools\\NG.EXE serve",
                "C:\\tools\\NG.EXE serve --port 21225",
            ),
            (
                "python3.12 manage.py runserver",
                "python3.12 manage.py runserver 127.0.0.1:21225",
            ),
            (
                "py -mhttp.server",
                "py -mhttp.server 21225 --bind 127.0.0.1",
            ),
        ];
        for (cmd, expected) in cases {
            assert_eq!(with_port(cmd), expected, "{cmd}");
        }
    }

    #[test]
    fn npm_exec_gets_its_port_flags_after_a_double_dash() {
        let cases = [
            // npm reads every option up to its first `--`: one is added at the end.
            (
                "npm exec vite",
                "npm exec vite -- --port 21225 --strictPort",
            ),
            ("npm x vite", "npm x vite -- --port 21225 --strictPort"),
            (
                "npm exec vite preview --open",
                "npm exec vite preview --open -- --port 21225 --strictPort",
            ),
            (
                "npm x --package=@angular/cli ng serve",
                "npm x --package=@angular/cli ng serve -- --port 21225",
            ),
            (
                "npm exec --yes storybook dev",
                "npm exec --yes storybook dev -- -p 21225 --exact-port --host 127.0.0.1",
            ),
            (
                "npm exec django-admin runserver",
                "npm exec django-admin runserver -- 127.0.0.1:21225",
            ),
            // A `--` of the command's own is used, never doubled.
            (
                "npm exec -- vite preview",
                "npm exec -- vite preview --port 21225 --strictPort",
            ),
            (
                "npm exec vite -- preview",
                "npm exec vite -- preview --port 21225 --strictPort",
            ),
            (
                "npm exec vite -- --open",
                "npm exec vite -- --open --port 21225 --strictPort",
            ),
            (
                "npm exec -w web -- next dev",
                "npm exec -w web -- next dev --hostname 127.0.0.1",
            ),
            // Yarn 1's exec reads options up to a `--`, Yarn 2+ passes a `--` after the
            // program on: the one place both read alike is before the program.
            (
                "yarn exec vite",
                "yarn exec -- vite --port 21225 --strictPort",
            ),
            ("yarn exec ng serve", "yarn exec -- ng serve --port 21225"),
            (
                "yarn exec python manage.py runserver",
                "yarn exec -- python manage.py runserver 127.0.0.1:21225",
            ),
            (
                "npm exec python -- manage.py runserver",
                "npm exec python -- manage.py runserver 127.0.0.1:21225",
            ),
            (
                "yarn exec -- vite dev",
                "yarn exec -- vite dev --port 21225 --strictPort",
            ),
        ];
        for (cmd, expected) in cases {
            assert_eq!(with_port(cmd), expected, "{cmd}");
        }
        // Nothing added, nothing changed.
        for cmd in [
            "npm exec vite build",
            "npm exec vite -- --port 5555",
            "yarn exec vite build",
        ] {
            assert_eq!(with_port(cmd), cmd, "{cmd}");
        }
        let npm = prepared("npm exec vite");
        assert_eq!(
            npm.added,
            ["--port", "21225", "--strictPort"],
            "the `--` is not the tool's"
        );
    }

    #[test]
    fn commands_portplan_cannot_read_are_left_alone() {
        for cmd in [
            "npm run dev",
            "npm start",
            "npx -c vite",
            "sh -c vite",
            "python -c import http.server",
            "pnpm run dev",
            "uv run -m flask run",
            "uvicorn app:app",
            "flask --app app run",
            "vitest",
            "npx",
            "python",
            "uv run",
            "node --run dev",
            "",
        ] {
            assert_eq!(with_port(cmd), cmd, "{cmd}");
        }
        for cmd in [
            "npm run dev",
            "sh -c vite",
            "python app.py",
            "vitest",
            "",
            "npx",
        ] {
            assert!(prepared(cmd).tool.is_none(), "{cmd}");
        }
    }

    #[test]
    fn the_table_names_each_program_once_and_every_tool_has_a_rule() {
        let mut programs: Vec<&str> = TOOLS.iter().flat_map(|t| t.programs).copied().collect();
        let count = programs.len();
        programs.sort_unstable();
        programs.dedup();
        assert_eq!(programs.len(), count, "a program is in two rows");
        let mut names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TOOLS.len(), "two rows share a name");
        for tool in TOOLS {
            assert!(!tool.programs.is_empty(), "{}", tool.name);
            assert!(
                !tool.variables.is_empty() || tool.argument.is_some(),
                "{} has neither a variable nor an argument",
                tool.name
            );
            for variable in tool.variables {
                assert!(variable.ends_with("_PORT"), "{variable}");
            }
            if let Some(loopback) = &tool.loopback_variable {
                assert!(
                    loopback.chosen_by.contains(&loopback.variable),
                    "{}",
                    tool.name
                );
            }
            if let Some(PortArgument {
                port: PortWords::Options { words, .. },
                ..
            }) = &tool.argument
            {
                assert!(words.iter().any(|w| w.contains("{port}")), "{}", tool.name);
                assert!(!tool.port_options.is_empty(), "{}", tool.name);
            }
        }
        for launcher in LAUNCHERS {
            for command in launcher.separated {
                assert!(launcher.commands.contains(command), "{}", launcher.program);
            }
        }
    }
}
