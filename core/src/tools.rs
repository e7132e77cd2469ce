//! The tools `portplan run NAME -- CMD...` knows: which environment variable each reads its
//! port from, or which command-line argument tells it the port when it reads none. One
//! table, [`TOOLS`]; the README mirrors it. Recognising the tool inside a command line
//! (through `npx`, `uv run`, `python -m` ...) is [`port_arguments`].

/// A tool people start that needs more than `PORT` to listen on the planned port.
#[derive(Debug)]
pub struct Tool {
    /// What users call it (the README's first column).
    pub name: &'static str,
    /// Its program names (basenames, compared without `.exe`/`.cmd`/`.bat`/`.ps1`) and the
    /// Python modules that start it (`python -m django`).
    pub programs: &'static [&'static str],
    /// The environment variable it reads its port from; `run` sets it to NAME's port.
    pub variable: Option<&'static str>,
    /// How its command line is told the port when it reads it only from there.
    pub argument: Option<PortArgument>,
}

/// Where a port goes on a tool's command line.
#[derive(Debug)]
pub struct PortArgument {
    /// The command words (the first word after the program that is not an option) that
    /// serve: `dev`, `preview`, `runserver`. The port goes right after that word.
    pub commands: &'static [&'static str],
    /// Whether the tool also serves without a command word; a first word that is not a
    /// command is then its argument (`vite ./site`, `python -m http.server 8000`), except
    /// the words of `other_commands`, which do not serve.
    pub serves_without_command: bool,
    pub other_commands: &'static [&'static str],
    /// The options that take a value as the next word (so that word is not a command or a
    /// positional argument).
    pub value_options: &'static [&'static str],
    pub adds: Adds,
}

/// What is added, and when it is left out.
#[derive(Debug)]
pub enum Adds {
    /// `port` (its `{port}` replaced), unless one of `given` is on the command line; then
    /// each word of `extra` that is not on it (`--strictPort`).
    Options {
        port: &'static [&'static str],
        given: &'static [&'static str],
        extra: &'static [&'static str],
    },
    /// `address` as a positional argument, unless the command line has a positional
    /// argument already; `ipv6_address` when one of `ipv6_flags` is on it.
    Positional {
        address: &'static str,
        ipv6_flags: &'static [&'static str],
        ipv6_address: &'static str,
    },
}

/// The tools. A tool that reads `PORT` itself (Next.js, Express apps, gunicorn, Dash ...)
/// needs no row: `run` always sets `PORT`.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "uvicorn",
        programs: &["uvicorn"],
        variable: Some("UVICORN_PORT"),
        argument: None,
    },
    Tool {
        name: "flask run",
        programs: &["flask"],
        variable: Some("FLASK_RUN_PORT"),
        argument: None,
    },
    Tool {
        name: "jupyter (lab, notebook, server)",
        programs: &[
            "jupyter",
            "jupyter-lab",
            "jupyter-notebook",
            "jupyter-server",
        ],
        variable: Some("JUPYTER_PORT"),
        argument: None,
    },
    Tool {
        name: "nuxt dev, nuxt preview",
        programs: &["nuxt", "nuxi"],
        variable: Some("NUXT_PORT"),
        argument: None,
    },
    Tool {
        name: "a Nitro server build (node .output/server/index.mjs)",
        programs: &[],
        variable: Some("NITRO_PORT"),
        argument: None,
    },
    Tool {
        name: "streamlit run",
        programs: &["streamlit"],
        variable: Some("STREAMLIT_SERVER_PORT"),
        argument: None,
    },
    Tool {
        name: "gradio",
        programs: &["gradio"],
        variable: Some("GRADIO_SERVER_PORT"),
        argument: None,
    },
    Tool {
        name: "vite, vite dev, vite preview",
        programs: &["vite"],
        variable: None,
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
            adds: Adds::Options {
                port: &["--port", "{port}"],
                given: &["--port"],
                extra: &["--strictPort"],
            },
        }),
    },
    Tool {
        name: "astro dev, astro preview",
        programs: &["astro"],
        variable: None,
        argument: Some(PortArgument {
            commands: &["dev", "preview"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["--root", "--config", "--site", "--base", "--host", "--port"],
            adds: Adds::Options {
                port: &["--port", "{port}"],
                given: &["--port"],
                extra: &[],
            },
        }),
    },
    Tool {
        name: "ng serve",
        programs: &["ng"],
        variable: None,
        argument: Some(PortArgument {
            commands: &["serve", "s", "dev"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["-c", "--configuration", "--host", "--port"],
            adds: Adds::Options {
                port: &["--port", "{port}"],
                given: &["--port"],
                extra: &[],
            },
        }),
    },
    Tool {
        name: "storybook dev",
        programs: &["storybook", "sb"],
        variable: None,
        argument: Some(PortArgument {
            commands: &["dev"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["-c", "--config-dir", "-h", "--host", "-p", "--port"],
            adds: Adds::Options {
                port: &["-p", "{port}"],
                given: &["-p", "--port"],
                extra: &["--exact-port"],
            },
        }),
    },
    Tool {
        name: "Django runserver (manage.py, django-admin, python -m django)",
        programs: &["manage.py", "django-admin", "django-admin.py", "django"],
        variable: None,
        argument: Some(PortArgument {
            commands: &["runserver"],
            serves_without_command: false,
            other_commands: &[],
            value_options: &["--settings", "--pythonpath", "-v", "--verbosity"],
            adds: Adds::Positional {
                address: "127.0.0.1:{port}",
                ipv6_flags: &["-6", "--ipv6"],
                ipv6_address: "[::1]:{port}",
            },
        }),
    },
    Tool {
        name: "python -m http.server",
        programs: &["http.server"],
        variable: None,
        argument: Some(PortArgument {
            commands: &[],
            serves_without_command: true,
            other_commands: &[],
            value_options: &["-b", "--bind", "-d", "--directory", "-p", "--protocol"],
            adds: Adds::Positional {
                address: "{port}",
                ipv6_flags: &[],
                ipv6_address: "{port}",
            },
        }),
    },
];

/// The environment variables of [`TOOLS`], with the tool that reads each.
pub fn tool_variables() -> impl Iterator<Item = (&'static str, &'static Tool)> {
    TOOLS
        .iter()
        .filter_map(|tool| tool.variable.map(|variable| (variable, tool)))
}

/// `cmd` with its tool's port argument added when the tool reads its port only from its
/// command line and `cmd` gives none; else `cmd` unchanged.
pub fn port_arguments(cmd: &[String], port: u16) -> Vec<String> {
    let mut argv = cmd.to_vec();
    if let Some((at, words)) = insertion(cmd, port) {
        argv.splice(at..at, words);
    }
    argv
}

/// Where to insert which words, if anything is to be added.
fn insertion(cmd: &[String], port: u16) -> Option<(usize, Vec<String>)> {
    let (program_at, program) = find_program(cmd)?;
    let argument = TOOLS
        .iter()
        .find(|tool| tool.programs.contains(&program.as_str()))?
        .argument
        .as_ref()?;
    let after_program = &cmd[program_at + 1..];
    let first = positionals(after_program, argument.value_options).next();
    let (at, rest) = match first {
        Some(i) if argument.commands.contains(&after_program[i].as_str()) => {
            (program_at + 1 + i + 1, &after_program[i + 1..])
        }
        Some(i)
            if !argument.serves_without_command
                || argument.other_commands.contains(&after_program[i].as_str()) =>
        {
            return None;
        }
        _ if argument.serves_without_command => (program_at + 1, after_program),
        _ => return None,
    };
    let fill = |words: &[&str]| -> Vec<String> {
        words
            .iter()
            .map(|word| word.replace("{port}", &port.to_string()))
            .collect()
    };
    let words = match &argument.adds {
        Adds::Options { port, given, extra } => {
            // Options may come before the command word too (`vite --port 5555 dev`).
            if given.iter().any(|flag| has_option(after_program, flag)) {
                return None;
            }
            let mut words = fill(port);
            for flag in extra.iter().filter(|flag| !has_option(after_program, flag)) {
                words.push((*flag).to_owned());
            }
            words
        }
        Adds::Positional {
            address,
            ipv6_flags,
            ipv6_address,
        } => {
            if positionals(rest, argument.value_options).next().is_some() {
                return None;
            }
            if ipv6_flags
                .iter()
                .any(|flag| has_option(after_program, flag))
            {
                fill(&[ipv6_address])
            } else {
                fill(&[address])
            }
        }
    };
    Some((at, words))
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
}

const LAUNCHERS: &[Launcher] = &[
    Launcher {
        program: "npx",
        commands: &[],
        bare: true,
        value_options: &["-p", "--package", "--cache", "--userconfig", "--registry"],
        stop_options: &["-c", "--call"],
    },
    Launcher {
        program: "npm",
        commands: &["exec", "x"],
        bare: false,
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
    },
    Launcher {
        program: "yarn",
        commands: &["exec", "dlx"],
        bare: true,
        value_options: &["--cwd", "-p", "--package"],
        stop_options: &[],
    },
    Launcher {
        program: "bunx",
        commands: &[],
        bare: true,
        value_options: &["-p", "--package"],
        stop_options: &[],
    },
    Launcher {
        program: "bun",
        commands: &["x", "run"],
        bare: false,
        value_options: &["-p", "--package", "--cwd"],
        stop_options: &[],
    },
    Launcher {
        program: "uv",
        commands: &["run"],
        bare: false,
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
    },
    Launcher {
        program: "uvx",
        commands: &[],
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
        stop_options: &[],
    },
    Launcher {
        program: "poetry",
        commands: &["run"],
        bare: false,
        value_options: &["-C", "--directory", "-P", "--project"],
        stop_options: &[],
    },
    Launcher {
        program: "pipenv",
        commands: &["run"],
        bare: false,
        value_options: &["--python"],
        stop_options: &[],
    },
];

/// The index of the word naming the program `cmd` really runs, and its name as the table
/// spells it (a script's basename, or the module of `-m`), looking through launchers.
fn find_program(cmd: &[String]) -> Option<(usize, String)> {
    let mut at = 0;
    // Launchers may nest (`uv run python manage.py`); each step moves right.
    loop {
        let name = program_name(cmd.get(at)?);
        if is_python(&name) {
            return python_program(cmd, at);
        }
        let Some(launcher) = LAUNCHERS.iter().find(|l| l.program == name) else {
            return Some((at, name));
        };
        // A module run through `uv run -m MODULE`.
        if let Some(found) = uv_module(cmd, at).filter(|_| launcher.program == "uv") {
            return Some(found);
        }
        at = launched(cmd, at, launcher)?;
    }
}

/// The index of the program a launcher at `at` starts.
fn launched(cmd: &[String], at: usize, launcher: &Launcher) -> Option<usize> {
    let mut i = at + 1;
    let mut commanded = launcher.commands.is_empty();
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
        if !commanded && launcher.commands.contains(&word.as_str()) {
            commanded = true;
            i += 1;
            continue;
        }
        return (commanded || launcher.bare).then_some(i);
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

    fn with_port(cmd: &str) -> String {
        let cmd: Vec<String> = cmd.split(' ').map(str::to_owned).collect();
        port_arguments(&cmd, 21225).join(" ")
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
        assert_eq!(
            with_port("storybook dev"),
            "storybook dev -p 21225 --exact-port"
        );
        assert_eq!(with_port("storybook dev -p 6006"), "storybook dev -p 6006");
        assert_eq!(with_port("storybook dev -p6006"), "storybook dev -p6006");
        assert_eq!(
            with_port("storybook dev --port 6006"),
            "storybook dev --port 6006"
        );
        assert_eq!(
            with_port("storybook dev --exact-port"),
            "storybook dev -p 21225 --exact-port"
        );
        assert_eq!(with_port("storybook build"), "storybook build");
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
    }

    #[test]
    fn python_http_server_gets_a_port_unless_it_has_one() {
        assert_eq!(
            with_port("python3 -m http.server"),
            "python3 -m http.server 21225"
        );
        assert_eq!(
            with_port("python -m http.server --bind 127.0.0.1"),
            "python -m http.server 21225 --bind 127.0.0.1"
        );
        assert_eq!(
            with_port("python -m http.server 8000"),
            "python -m http.server 8000"
        );
        assert_eq!(
            with_port("python -m http.server -d site 8000"),
            "python -m http.server -d site 8000"
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
            ("npm exec vite", "npm exec vite --port 21225 --strictPort"),
            (
                "npm exec -- vite preview",
                "npm exec -- vite preview --port 21225 --strictPort",
            ),
            (
                "npm x --package=@angular/cli ng serve",
                "npm x --package=@angular/cli ng serve --port 21225",
            ),
            ("pnpm vite", "pnpm vite --port 21225 --strictPort"),
            ("pnpm exec astro dev", "pnpm exec astro dev --port 21225"),
            (
                "pnpm --filter web exec vite",
                "pnpm --filter web exec vite --port 21225 --strictPort",
            ),
            (
                "pnpm dlx storybook dev",
                "pnpm dlx storybook dev -p 21225 --exact-port",
            ),
            ("yarn vite", "yarn vite --port 21225 --strictPort"),
            ("yarn exec ng serve", "yarn exec ng serve --port 21225"),
            (
                "yarn dlx astro preview",
                "yarn dlx astro preview --port 21225",
            ),
            ("bunx vite", "bunx vite --port 21225 --strictPort"),
            ("bun x vite", "bun x vite --port 21225 --strictPort"),
            ("bun run vite", "bun run vite --port 21225 --strictPort"),
            (
                "uv run manage.py runserver",
                "uv run manage.py runserver 127.0.0.1:21225",
            ),
            (
                "uv run --with django python manage.py runserver",
                "uv run --with django python manage.py runserver 127.0.0.1:21225",
            ),
            ("uv run -m http.server", "uv run -m http.server 21225"),
            (
                "uvx --from django django-admin runserver",
                "uvx --from django django-admin runserver 127.0.0.1:21225",
            ),
            (
                "poetry run python manage.py runserver",
                "poetry run python manage.py runserver 127.0.0.1:21225",
            ),
            (
                "pipenv run ./manage.py runserver",
                "pipenv run ./manage.py runserver 127.0.0.1:21225",
            ),
            (
                "node_modules/.bin/vite",
                "node_modules/.bin/vite --port 21225 --strictPort",
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
            ("py -mhttp.server", "py -mhttp.server 21225"),
        ];
        for (cmd, expected) in cases {
            assert_eq!(with_port(cmd), expected, "{cmd}");
        }
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
            "",
        ] {
            assert_eq!(with_port(cmd), cmd, "{cmd}");
        }
    }

    #[test]
    fn the_table_names_each_program_and_variable_once() {
        let mut programs: Vec<&str> = TOOLS.iter().flat_map(|t| t.programs).copied().collect();
        let count = programs.len();
        programs.sort_unstable();
        programs.dedup();
        assert_eq!(programs.len(), count, "a program is in two rows");
        for tool in TOOLS {
            assert!(
                tool.variable.is_some() || tool.argument.is_some(),
                "{} has neither a variable nor an argument",
                tool.name
            );
            if let Some(variable) = tool.variable {
                assert!(variable.ends_with("_PORT"), "{variable}");
            }
        }
        let variables: Vec<&str> = tool_variables().map(|(v, _)| v).collect();
        for required in [
            "UVICORN_PORT",
            "FLASK_RUN_PORT",
            "JUPYTER_PORT",
            "NUXT_PORT",
        ] {
            assert!(variables.contains(&required), "{required}");
        }
    }
}
