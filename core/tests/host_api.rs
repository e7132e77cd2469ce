//! What the host layer of both CLIs decides, once, in the core: config files found by their
//! sections, the git namespace, allocation against the registry, the command line, the
//! CLIs' text and the words of the hosts' problems. Through the typed rules the sessions
//! use, and a whole session where the rule is the session's.

mod common;

use common::MemoryHost;
use portplan::commands::cli::{self, Command, Parsed};
use portplan::commands::render;
use portplan::project::discovery::{self, GitInfo, Resolved, Walk};
use portplan::registry::leases::{self, Request};
use portplan::registry::{Lease, Registry};
use portplan::words::problems::Problem;
use portplan::{Config, ConfigInput, ErrorKind, PlanError, Reason};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn config(value: Value) -> Config {
    Config::from_input(serde_json::from_value::<ConfigInput>(value).unwrap()).unwrap()
}

fn plan_json(request: Value) -> Value {
    serde_json::from_str(&portplan::plan_json(&request.to_string())).expect("answers are JSON")
}

/// A plan (a `plan_json` answer) as the typed plan.
fn typed(answer: &Value) -> portplan::Plan {
    serde_json::from_value(answer.clone()).expect("a plan answer")
}

#[test]
fn config_files_are_found_by_their_sections() {
    assert_eq!(
        discovery::CONFIG_FILES,
        ["portplan.toml", "package.json", "pyproject.toml"]
    );
    let extract = |file: &str, text: &str| -> Result<Value, PlanError> {
        discovery::extract_config(file, text).map(|config| {
            config.map_or(Value::Null, |written| {
                serde_json::from_str(written.json()).unwrap()
            })
        })
    };
    assert_eq!(
        extract(
            "package.json",
            r#"{"name": "x", "portplan": {"range": [1, 9]}}"#
        )
        .unwrap(),
        json!({ "range": [1, 9] })
    );
    assert_eq!(
        extract("package.json", r#"{"name": "x"}"#).unwrap(),
        Value::Null
    );
    assert_eq!(
        extract("pyproject.toml", "[tool.portplan]\nrange = [1, 9]\n").unwrap(),
        json!({ "range": [1, 9] })
    );
    assert_eq!(
        extract("pyproject.toml", "[project]\nname = 'x'\n").unwrap(),
        Value::Null
    );
    assert_eq!(
        extract("portplan.toml", "[services]\nweb = true\n").unwrap(),
        json!({ "services": { "web": true } })
    );
    assert_eq!(
        extract("/some/dir/package.json", "{").unwrap_err().kind,
        ErrorKind::InvalidConfig
    );
    assert!(
        extract("pyproject.toml", "[tool")
            .unwrap_err()
            .message
            .contains("pyproject.toml")
    );
}

#[test]
fn git_namespace_is_repo_at_branch() {
    // Git is asked only when the namespace is `git`.
    let walk: Walk = serde_json::from_value(json!({ "cwd": "/w" })).unwrap();
    let project = discovery::find_project(&walk).unwrap();
    let options =
        || Some(serde_json::from_value::<ConfigInput>(json!({ "namespace": "git" })).unwrap());
    assert!(matches!(
        discovery::resolve(&project, options(), &[], None),
        Ok(Resolved::NeedGit)
    ));
    let ns = |git: Value| {
        let info: GitInfo = serde_json::from_value(git).unwrap();
        match discovery::resolve(&project, options(), &[], Some(&info)) {
            Ok(Resolved::Config(config)) => Ok(config.namespace),
            Ok(Resolved::NeedGit) => panic!("git was given"),
            Err(error) => Err(error.kind),
        }
    };
    assert_eq!(
        ns(
            json!({ "remote": "git@github.com:me/shop.git", "toplevel": "/w/shop-wt", "branch": "main" })
        ),
        Ok("shop@main".to_owned())
    );
    assert_eq!(
        ns(json!({ "remote": "https://example.com/me/shop/", "branch": "feature-x" })),
        Ok("shop@feature-x".to_owned())
    );
    assert_eq!(
        ns(
            json!({ "remote": null, "toplevel": "/home/me/shop", "branch": null, "head": "1a2b3c4" })
        ),
        Ok("shop@1a2b3c4".to_owned())
    );
    assert_eq!(ns(json!({})), Err(ErrorKind::InvalidConfig));
}

#[test]
fn allocation_keeps_leases_across_calls_and_lists_probes() {
    let config = config(
        json!({ "namespace": "p", "range": [40000, 40009], "exclude": [], "services": { "web": true, "api": true, "db": 5432 } }),
    );
    let roots = BTreeMap::new();
    let web = vec!["web".to_owned()];
    let first = leases::allocate(
        &config,
        &Registry::default(),
        &Request {
            root: "/p",
            busy: &[],
            now: 100,
            lease: Some(&web),
            existing_roots: &roots,
        },
    )
    .unwrap();
    let mut probe = leases::ports_to_probe(&first.plan);
    probe.sort_unstable();
    let mut free: Vec<u16> = first
        .plan
        .entries
        .iter()
        .filter(|e| e.name != "db")
        .map(|e| e.port)
        .collect();
    free.sort_unstable();
    assert_eq!(
        probe, free,
        "nothing is kept yet: every free port is probed, the pin never"
    );
    let registry = first.registry.expect("web is leased");
    let names: Vec<&str> = registry.leases().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["web"], "only web was asked for");
    // Next call: web is kept (not probed, even when its port is busy), api still free.
    let web_port = first.plan.port("web").unwrap();
    let busy = vec![web_port];
    let second = leases::allocate(
        &config,
        &registry,
        &Request {
            root: "/p",
            busy: &busy,
            now: 200,
            lease: None,
            existing_roots: &roots,
        },
    )
    .unwrap();
    let entry = second
        .plan
        .entries
        .iter()
        .find(|e| e.name == "web")
        .unwrap();
    assert_eq!(entry.port, web_port);
    assert_eq!(entry.reason, Reason::Kept { since: 100 });
    assert!(!leases::ports_to_probe(&second.plan).contains(&web_port));
    // release frees it; a corrupt registry is an error, not an empty one.
    let mut after = second.registry.expect("api and db are handed out");
    let released = after.release("p", "/p", Some("web"));
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].port, web_port);
    assert_eq!(
        Registry::parse("{").unwrap_err().kind,
        ErrorKind::InvalidRegistry
    );
    assert_eq!(
        plan_json(json!({ "config": {}, "busy": [0] }))["error"]["kind"],
        "invalid_port"
    );
}

fn parsed(argv: &[&str]) -> Result<Parsed, PlanError> {
    let argv: Vec<String> = argv.iter().map(|a| (*a).to_owned()).collect();
    cli::parse(&argv)
}

fn command(argv: &[&str]) -> Command {
    match parsed(argv) {
        Ok(Parsed::Run(command)) => *command,
        _ => panic!("{argv:?} is a command"),
    }
}

#[test]
fn command_lines_parse_once_for_both_clis() {
    let get = command(&[
        "get",
        "web",
        "--range",
        "3000-3999",
        "--namespace=git",
        "--no-probe",
    ]);
    assert_eq!(get.command, "get");
    assert_eq!(get.name.as_deref(), Some("web"));
    assert!(!get.probe);
    assert_eq!(
        serde_json::to_value(&get.options).unwrap(),
        json!({ "range": [3000, 3999], "namespace": "git" })
    );
    let run = command(&[
        "run", "web", "--config", "x.toml", "--", "npm", "start", "--port", "1",
    ]);
    assert_eq!(run.cmd, ["npm", "start", "--port", "1"]);
    assert_eq!(run.config_path.as_deref(), Some("x.toml"));
    assert!(command(&["plan", "--json"]).json);
    assert!(command(&["release", "--all"]).all);
    assert!(matches!(parsed(&[]), Ok(Parsed::Bare)));
    assert!(cli::USAGE.contains("usage: portplan"));
    assert!(matches!(parsed(&["--help"]), Ok(Parsed::Help(_))));
    assert!(matches!(parsed(&["--version"]), Ok(Parsed::Version)));
    for bad in [
        &["get"][..],
        &["frob"],
        &["get", "a", "b"],
        &["run", "web"],
        &["plan", "--range", "x"],
        &["env", "--json"],
        &["plan", "--strict"],
        &["plan", "--bogus"],
        &["ls", "--", "x"],
        &["get", "--config"],
    ] {
        let error = parsed(bad).err().unwrap_or_else(|| panic!("{bad:?}"));
        assert_eq!(error.kind, ErrorKind::Usage, "{bad:?}: {error}");
    }
}

#[test]
fn cli_text_is_rendered_once_for_both_clis() {
    let config = json!({ "range": [40000, 40010], "exclude": [], "services": { "web": true, "ssh": 22, "my-api": true } });
    let planned = plan_json(json!({ "config": config, "busy": [40005] }));
    let plan = typed(&planned);
    let table = render::table(&plan);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "SERVICE  PORT   REASON");
    assert_eq!(lines.len(), 4);
    assert!(
        table.contains("web      40006  displaced from 40005 by a process (busy)"),
        "{table}"
    );
    assert!(table.contains("ssh      22     pinned"), "{table}");
    assert_eq!(
        render::why(&plan, "web").unwrap(),
        "web gets 40006: its home port is 40005 (SHA-256 of web), but a process on this host is using it, so it took the closest free port above it (wrapping to the start of the range).\n"
    );
    assert_eq!(
        render::why(&plan, "nope").unwrap_err().kind,
        ErrorKind::UnknownService
    );
    let env = render::env(&plan).unwrap();
    assert!(
        env.starts_with("MY_API_PORT=") && env.contains("\nSSH_PORT=22\nWEB_PORT=40006\n"),
        "{env}"
    );
    // `plan --json` prints the plan's fields in the types' order: it reads back as itself.
    assert_eq!(serde_json::to_value(&plan).unwrap(), planned);
    let error = PlanError::new(ErrorKind::DuplicatePin, "two\nlines");
    assert_eq!(
        render::error(&error),
        ("portplan: error: two lines\n".to_owned(), 2)
    );
    assert_eq!(
        render::error(&PlanError::new(ErrorKind::Host, "locked")).1,
        1
    );
    let colliding = typed(&plan_json(
        json!({ "config": { "services": { "web-1": true, "web_1": true } } }),
    ));
    assert_eq!(
        render::env(&colliding).unwrap_err().kind,
        ErrorKind::InvalidName
    );
    let leases: Vec<Lease> = serde_json::from_value(json!([
        { "namespace": "", "name": "web", "root": null, "port": 21225, "created": 0, "used": 1795392000 },
        { "namespace": "shop", "name": "api", "root": "/w/shop", "port": 21226, "created": 0, "used": 1795392000 }
    ]))
    .unwrap();
    assert_eq!(
        render::leases(&leases),
        "NAMESPACE  SERVICE  PORT   USED        ROOT\n-          web      21225  2026-11-23  -\nshop       api      21226  2026-11-23  /w/shop\n"
    );
}

/// A problem's error, and what a CLI prints for it and exits with.
fn host(problem: Value) -> (PlanError, String, i32) {
    let error = serde_json::from_value::<Problem>(problem)
        .expect("a problem")
        .error();
    let (text, exit) = render::error(&error);
    (error, text, exit)
}

#[test]
fn host_errors_have_one_wording_and_exit_code() {
    let (error, text, exit) = host(
        json!({ "problem": "locked", "path": "/r/registry.json", "pid": 42, "host": "box", "time": 1_795_428_245_000u64 }),
    );
    assert_eq!(error.kind, ErrorKind::Host);
    assert_eq!(
        text,
        "portplan: error: the registry /r/registry.json is locked by pid 42 on box since 2026-11-23T10:04:05Z, and stayed locked for 10 s; if that process hangs, stop it (the lock goes with it)\n"
    );
    assert_eq!(exit, 1);
    let inner = Registry::parse("{").unwrap_err();
    let (error, text, exit) = host(
        json!({ "problem": "with_path", "path": "/r/registry.json", "error": { "error": inner } }),
    );
    assert_eq!(error.kind, ErrorKind::InvalidRegistry);
    assert!(
        text.starts_with("portplan: error: /r/registry.json: the registry is not valid JSON"),
        "{text}"
    );
    assert_eq!(
        (exit, error.data.path.as_deref()),
        (1, Some("/r/registry.json"))
    );
    assert_eq!(
        host(json!({ "problem": "config_missing", "path": "x.toml" })).2,
        2
    );
    assert_eq!(
        host(json!({ "problem": "config_has_no_section", "path": "pyproject.toml" })).2,
        2
    );
    assert!(
        host(json!({ "problem": "unsafe_registry", "path": "/r", "why": "symlink" }))
            .1
            .contains("symbolic link")
    );
    assert!(
        host(json!({ "problem": "kept_busy", "name": "web", "port": 21225 }))
            .1
            .contains("`portplan release web`")
    );
    assert_eq!(host(json!({ "problem": "spawn", "command": "nope", "reason": "not found", "not_found": true })).2, 127);
    assert_eq!(
        host(json!({ "problem": "spawn", "command": "./x", "reason": "permission denied" })).2,
        126
    );
    assert_eq!(
        host(json!({ "problem": "io", "path": "/r", "action": "write", "reason": "disk full" })).1,
        "portplan: error: cannot write /r: disk full\n"
    );
    // The errno name wins over the host's own words, so every host prints the same.
    let io = json!({ "problem": "io", "path": "/r", "action": "read", "code": "EEXIST", "reason": "file already exists" });
    assert_eq!(host(io).1, "portplan: error: cannot read /r: File exists\n");
    let io = json!({ "problem": "io", "path": "/r", "action": "read", "code": "EWEIRD", "reason": "weird" });
    assert_eq!(host(io).1, "portplan: error: cannot read /r: weird\n");
    let spawn = json!({ "problem": "spawn", "command": "./x", "code": "EACCES", "reason": "permission denied" });
    assert_eq!(
        host(spawn).1,
        "portplan: error: cannot run \"./x\": Permission denied\n"
    );
}

#[test]
fn release_says_what_it_freed() {
    let lease: Lease = serde_json::from_value(
        json!({ "namespace": "shop", "name": "web", "root": null, "port": 21225, "created": 0, "used": 0 }),
    )
    .unwrap();
    assert_eq!(
        render::released(&[lease], Some("web")),
        "released shop/web (port 21225)\n"
    );
    assert_eq!(
        render::released(&[], Some("web")),
        "no lease of web to release\n"
    );
    assert_eq!(render::released(&[], None), "no leases to release\n");
}

#[test]
fn a_request_is_a_json_object() {
    let answer = |text: &str| -> Value {
        serde_json::from_str(&portplan::plan_json(text)).expect("answers are JSON")
    };
    for (text, message) in [
        ("[1, 2]", "the request must be a JSON object"),
        ("5", "the request must be a JSON object"),
        (
            "{",
            "the request is not valid JSON: line 1, column 1: EOF while parsing an object",
        ),
        (
            r#"{"busy": "x"}"#,
            "`busy` must be a list of ports, not \"x\"",
        ),
        (
            r#"{"config": "range = [1,"}"#,
            "the config is not valid TOML: line 1, column 12: unclosed array, expected `]`",
        ),
    ] {
        let answer = answer(text);
        assert_eq!(answer["error"]["message"], message, "{text}");
    }
    assert_eq!(answer("[1, 2]")["error"]["kind"], "invalid_request");
    assert_eq!(
        answer(r#"{"config": "range = [1,"}"#)["error"]["kind"],
        "invalid_config"
    );
}

#[test]
fn a_failed_bind_says_its_real_cause() {
    let bind = |fields: Value| {
        let mut request = json!({ "problem": "bind_failed", "name": "web", "port": 21225 });
        for (key, value) in fields.as_object().unwrap() {
            request[key] = value.clone();
        }
        serde_json::to_value(host(request).0).unwrap()
    };
    let absent = bind(
        json!({ "host": "10.1.2.3", "code": "EADDRNOTAVAIL", "reason": "address not available" }),
    );
    assert_eq!(
        absent,
        json!({ "kind": "host", "message": "cannot start web on 10.1.2.3:21225: 10.1.2.3 is not an address of this host",
                "service": "web", "port": 21225, "code": "EADDRNOTAVAIL" })
    );
    assert_eq!(
        bind(json!({ "host": "::1", "code": "EACCES", "reason": "x" }))["message"],
        "cannot start web on [::1]:21225: not permitted (Permission denied)"
    );
    assert_eq!(
        bind(json!({ "host": null, "code": "EPERM" }))["message"],
        "cannot start web on port 21225: not permitted (Operation not permitted)"
    );
    assert_eq!(
        bind(json!({ "code": "EADDRINUSE" }))["message"],
        "cannot start web on port 21225: another process is using it"
    );
    assert_eq!(
        bind(json!({ "code": "EWHAT", "reason": "the OS's words" }))["message"],
        "cannot start web on port 21225: the OS's words"
    );
}

#[test]
fn plan_says_when_no_config_was_found() {
    let mut host = MemoryHost::default();
    host.dir("/home/me/shop/.git");
    host.dir("/home/me/shop/src");
    let ran = host.cli("/home/me/shop/src", &["plan", "--range", "40000-40010"]);
    assert_eq!(ran.answer, json!({ "exit": 0 }), "{}", ran.err);
    assert_eq!(
        ran.out,
        "no portplan config found (portplan.toml, package.json \"portplan\" or pyproject.toml [tool.portplan]) from this folder up; showing the leases of /home/me/shop\nSERVICE  PORT  REASON\n"
    );
    // With a config: the table alone.
    host.file("/home/me/shop/portplan.toml", "[services]\nweb = true\n");
    let ran = host.cli("/home/me/shop/src", &["plan"]);
    assert!(ran.out.starts_with("SERVICE  PORT"), "{}", ran.out);
    // `--json` prints the plan with its project, never the registry or the probes.
    host.files.remove("/home/me/shop/portplan.toml");
    let ran = host.cli("/home/me/shop/src", &["plan", "--json"]);
    let printed: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(printed["root"], "/home/me/shop");
    assert_eq!(printed["config_file"], Value::Null);
    assert!(printed.get("registry").is_none() && printed.get("probe").is_none());
    assert!(!host.wrote_or_locked(), "plan only reads");
}
