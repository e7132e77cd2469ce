//! The host-facing entry points: config discovery rules, allocation against the registry,
//! the command line and the CLI's text.

use serde_json::{Value, json};

fn call(f: fn(&str) -> String, request: Value) -> Value {
    serde_json::from_str(&f(&request.to_string())).expect("answers are JSON")
}

fn ports(answer: &Value) -> Vec<(String, u64)> {
    answer["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["port"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn config_files_are_found_by_their_sections() {
    assert_eq!(
        call(|_| portplan::config_files_json(), json!({}))["files"],
        json!(["portplan.toml", "package.json", "pyproject.toml"])
    );
    let extract = |file: &str, text: &str| {
        call(
            portplan::extract_config_json,
            json!({ "file": file, "text": text }),
        )
    };
    assert_eq!(
        extract(
            "package.json",
            r#"{"name": "x", "portplan": {"range": [1, 9]}}"#
        )["config"],
        json!({ "range": [1, 9] })
    );
    assert_eq!(
        extract("package.json", r#"{"name": "x"}"#)["config"],
        Value::Null
    );
    assert_eq!(
        extract("pyproject.toml", "[tool.portplan]\nrange = [1, 9]\n")["config"],
        json!({ "range": [1, 9] })
    );
    assert_eq!(
        extract("pyproject.toml", "[project]\nname = 'x'\n")["config"],
        Value::Null
    );
    assert_eq!(
        extract("portplan.toml", "[services]\nweb = true\n")["config"],
        json!({ "services": { "web": true } })
    );
    assert_eq!(
        extract("/some/dir/package.json", "{")["error"]["kind"],
        "invalid_config"
    );
    assert!(
        extract("pyproject.toml", "[tool")["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pyproject.toml")
    );
}

#[test]
fn git_namespace_is_repo_at_branch() {
    let load = |git: Value| {
        call(
            portplan::load_config_json,
            json!({ "cwd": "/w", "options": { "namespace": "git" }, "git": git }),
        )
    };
    assert_eq!(
        call(
            portplan::load_config_json,
            json!({ "cwd": "/w", "options": { "namespace": "git" } })
        ),
        json!({ "need": "git" })
    );
    let ns = |git: Value| load(git)["config"]["namespace"].clone();
    assert_eq!(
        ns(
            json!({ "remote": "git@github.com:me/shop.git", "toplevel": "/w/shop-wt", "branch": "main" })
        ),
        "shop@main"
    );
    assert_eq!(
        ns(json!({ "remote": "https://example.com/me/shop/", "branch": "feature-x" })),
        "shop@feature-x"
    );
    assert_eq!(
        ns(
            json!({ "remote": null, "toplevel": "/home/me/shop", "branch": null, "head": "1a2b3c4" })
        ),
        "shop@1a2b3c4"
    );
    assert_eq!(load(json!({}))["error"]["kind"], "invalid_config");
}

#[test]
fn allocation_keeps_leases_across_calls_and_lists_probes() {
    let config = json!({ "namespace": "p", "range": [40000, 40009], "exclude": [], "services": { "web": true, "api": true, "db": 5432 } });
    let first = call(
        portplan::allocate_json,
        json!({ "config": config, "root": "/p", "now": 100, "lease": ["web"] }),
    );
    let registry = first["registry"].as_str().unwrap();
    let mut probe: Vec<u64> = serde_json::from_value(first["probe"].clone()).unwrap();
    probe.sort();
    let mut free: Vec<u64> = ports(&first)
        .iter()
        .filter(|p| p.0 != "db")
        .map(|p| p.1)
        .collect();
    free.sort();
    assert_eq!(
        probe, free,
        "nothing is kept yet: every free port is probed, the pin never"
    );
    assert_eq!(first["root"], "/p");
    assert_eq!(first["config_file"], Value::Null);
    let leases = call(portplan::leases_json, json!({ "registry": registry }));
    assert_eq!(
        leases["leases"].as_array().unwrap().len(),
        1,
        "only web was asked for"
    );
    // Next call: web is kept (not probed, even when its port is busy), api still free.
    let web = ports(&first).into_iter().find(|p| p.0 == "web").unwrap().1;
    let second = call(
        portplan::allocate_json,
        json!({ "config": config, "root": "/p", "now": 200, "registry": registry, "busy": [web] }),
    );
    let entry = second["plan"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "web")
        .unwrap()
        .clone();
    assert_eq!(entry["port"], web);
    assert_eq!(entry["reason"], json!({ "kind": "kept", "since": 100 }));
    assert!(!second["probe"].as_array().unwrap().contains(&json!(web)));
    // release frees it; a corrupt registry is an error, not an empty one.
    let released = call(
        portplan::release_json,
        json!({ "registry": second["registry"], "namespace": "p", "root": "/p", "name": "web" }),
    );
    assert_eq!(released["released"][0]["port"], web);
    assert_eq!(
        call(
            portplan::allocate_json,
            json!({ "config": config, "root": "/p", "registry": "{" })
        )["error"]["kind"],
        "invalid_registry"
    );
    assert_eq!(
        call(
            portplan::allocate_json,
            json!({ "config": config, "root": "/p", "busy": [0] })
        )["error"]["kind"],
        "invalid_port"
    );
    assert_eq!(
        call(
            portplan::allocate_json,
            json!({ "config": config, "root": "/p", "now": -1 })
        )["error"]["kind"],
        "invalid_request"
    );
}

#[test]
fn command_lines_parse_once_for_both_clis() {
    let cli = |argv: &[&str]| call(portplan::cli_json, json!({ "argv": argv }));
    let get = cli(&[
        "get",
        "web",
        "--range",
        "3000-3999",
        "--namespace=git",
        "--no-probe",
    ]);
    assert_eq!(get["command"], "get");
    assert_eq!(get["name"], "web");
    assert_eq!(get["probe"], false);
    assert_eq!(
        get["options"],
        json!({ "range": [3000, 3999], "namespace": "git" })
    );
    let run = cli(&[
        "run", "web", "--config", "x.toml", "--", "npm", "start", "--port", "1",
    ]);
    assert_eq!(run["cmd"], json!(["npm", "start", "--port", "1"]));
    assert_eq!(run["config_path"], "x.toml");
    assert_eq!(cli(&["plan", "--json"])["json"], true);
    assert_eq!(cli(&["release", "--all"])["all"], true);
    assert!(
        cli(&[])["help"]
            .as_str()
            .unwrap()
            .contains("usage: portplan")
    );
    assert!(cli(&["--help"])["help"].is_string());
    assert!(cli(&["--version"])["version"].is_string());
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
        let answer = cli(bad);
        assert_eq!(answer["error"]["kind"], "usage", "{bad:?}: {answer}");
    }
}

#[test]
fn cli_text_is_rendered_once_for_both_clis() {
    let config = json!({ "range": [40000, 40010], "exclude": [], "services": { "web": true, "ssh": 22, "my-api": true } });
    let planned = call(
        portplan::plan_json,
        json!({ "config": config, "busy": [40005] }),
    );
    let render = |request: Value| call(portplan::render_json, request);
    let table = render(json!({ "what": "table", "plan": planned }))["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "SERVICE  PORT   REASON");
    assert_eq!(lines.len(), 4);
    assert!(
        table.contains("web      40006  displaced from 40005 by a process (busy)"),
        "{table}"
    );
    assert!(table.contains("ssh      22     pinned"), "{table}");
    let why = render(json!({ "what": "why", "plan": planned, "name": "web" }))["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        why,
        "web gets 40006: its home port is 40005 (SHA-256 of web), but a process on this host is using it, so it took the closest free port above it (wrapping to the start of the range).\n"
    );
    assert_eq!(
        render(json!({ "what": "why", "plan": planned, "name": "nope" }))["error"]["kind"],
        "unknown_service"
    );
    let env = render(json!({ "what": "env", "plan": planned }))["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        env.starts_with("MY_API_PORT=") && env.contains("\nSSH_PORT=22\nWEB_PORT=40006\n"),
        "{env}"
    );
    let json_text = render(json!({ "what": "json", "plan": planned }))["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(serde_json::from_str::<Value>(&json_text).unwrap(), planned);
    let error = render(
        json!({ "what": "error", "error": { "kind": "duplicate_pin", "message": "two\nlines" } }),
    );
    assert_eq!(
        error,
        json!({ "text": "portplan: error: two lines\n", "exit": 2 })
    );
    assert_eq!(
        render(json!({ "what": "error", "error": { "kind": "host", "message": "locked" } }))["exit"],
        1
    );
    let colliding = call(
        portplan::plan_json,
        json!({ "config": { "services": { "web-1": true, "web_1": true } } }),
    );
    assert_eq!(
        render(json!({ "what": "env", "plan": colliding }))["error"]["kind"],
        "invalid_name"
    );
    let leases = json!([
        { "namespace": "", "name": "web", "root": null, "port": 21225, "created": 0, "used": 1795392000 },
        { "namespace": "shop", "name": "api", "root": "/w/shop", "port": 21226, "created": 0, "used": 1795392000 }
    ]);
    assert_eq!(
        render(json!({ "what": "leases", "leases": leases }))["text"],
        "NAMESPACE  SERVICE  PORT   USED        ROOT\n-          web      21225  2026-11-23  -\nshop       api      21226  2026-11-23  /w/shop\n"
    );
}

#[test]
fn host_errors_have_one_wording_and_exit_code() {
    let host = |request: Value| {
        let error = call(portplan::host_error_json, request);
        let rendered = call(
            portplan::render_json,
            json!({ "what": "error", "error": error }),
        );
        (
            error["error"].clone(),
            rendered["text"].as_str().unwrap().to_owned(),
            rendered["exit"].as_i64().unwrap(),
        )
    };
    let (error, text, exit) = host(
        json!({ "problem": "locked", "path": "/r/registry.json", "pid": 42, "host": "box", "time": 1_795_428_245_000u64 }),
    );
    assert_eq!(error["kind"], "host");
    assert_eq!(
        text,
        "portplan: error: the registry /r/registry.json is locked by pid 42 on box since 2026-11-23T10:04:05Z, and stayed locked for 10 s; if that process hangs, stop it (the lock goes with it)\n"
    );
    assert_eq!(exit, 1);
    let inner = call(portplan::allocate_json, json!({ "registry": "{" }));
    let (error, text, exit) =
        host(json!({ "problem": "with_path", "path": "/r/registry.json", "error": inner }));
    assert_eq!(error["kind"], "invalid_registry");
    assert!(
        text.starts_with("portplan: error: /r/registry.json: the registry is not valid JSON"),
        "{text}"
    );
    assert_eq!(
        (exit, error["path"].clone()),
        (1, json!("/r/registry.json"))
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
    assert_eq!(
        call(portplan::host_error_json, json!({ "problem": "nope" }))["error"]["kind"],
        "invalid_request"
    );
}

#[test]
fn each_command_says_what_it_leases() {
    let cli = |argv: &[&str]| call(portplan::cli_json, json!({ "argv": argv }));
    assert_eq!(
        (
            cli(&["get", "web"])["lease"].clone(),
            cli(&["get", "web"])["allocate"].clone()
        ),
        (json!(["web"]), json!(true))
    );
    assert_eq!(cli(&["run", "web", "--", "x"])["lease"], json!(["web"]));
    assert_eq!(cli(&["plan"])["lease"], json!([]));
    assert_eq!(cli(&["env"])["lease"], Value::Null);
    assert_eq!(cli(&["why", "web"])["lease"], json!([]));
    // Only commands that hand out ports (and release) write; the others never lock.
    for (argv, write) in [
        (&["get", "web"][..], true),
        (&["run", "web", "--", "x"], true),
        (&["env"], true),
        (&["release", "web"], true),
        (&["release", "--all"], true),
        (&["plan"], false),
        (&["why", "web"], false),
        (&["ls"], false),
    ] {
        assert_eq!(cli(argv)["write"], write, "{argv:?}");
    }
    assert_eq!(cli(&["ls"])["allocate"], false);
    assert_eq!(cli(&["release", "web"])["allocate"], false);
    assert_eq!(cli(&["get", "web"])["names"], json!(["web"]));
    assert_eq!(cli(&["run", "web", "--", "x"])["names"], json!(["web"]));
    assert_eq!(cli(&["why", "web"])["names"], json!([]));
    assert_eq!(cli(&["release", "web"])["names"], json!([]));
    assert_eq!(
        cli(&["--version"])["text"],
        format!("{}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn release_says_what_it_freed() {
    let render = |request: Value| {
        call(portplan::render_json, request)["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let lease =
        json!({ "namespace": "shop", "name": "web", "port": 21225, "created": 0, "used": 0 });
    assert_eq!(
        render(json!({ "what": "released", "released": [lease], "name": "web" })),
        "released shop/web (port 21225)\n"
    );
    assert_eq!(
        render(json!({ "what": "released", "released": [], "name": "web" })),
        "no lease of web to release\n"
    );
    assert_eq!(
        render(json!({ "what": "released", "released": [] })),
        "no leases to release\n"
    );
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
        call(portplan::host_error_json, request)["error"].clone()
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
    let allocated = call(
        portplan::allocate_json,
        json!({ "config": { "namespace": "shop", "range": [40000, 40010], "exclude": [], "services": { "web": true } },
                "root": "/home/me/shop", "config_file": null, "lease": [] }),
    );
    let table = call(
        portplan::render_json,
        json!({ "what": "table", "plan": allocated }),
    )["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "no portplan config found (portplan.toml, package.json \"portplan\" or pyproject.toml [tool.portplan]) from this folder up; showing the leases of /home/me/shop"
    );
    assert_eq!(lines[1], "SERVICE  PORT   REASON");
    // With a config, or for a pure plan answer: the table alone.
    let mut with_config = allocated.clone();
    with_config["config_file"] = json!("/home/me/shop/portplan.toml");
    for plan in [
        with_config,
        call(
            portplan::plan_json,
            json!({ "config": { "services": { "web": true } } }),
        ),
    ] {
        let text = call(
            portplan::render_json,
            json!({ "what": "table", "plan": plan }),
        )["text"]
            .clone();
        assert!(
            text.as_str().unwrap().starts_with("SERVICE  PORT"),
            "{text}"
        );
    }
    // `--json` prints the plan alone.
    let json_text = call(
        portplan::render_json,
        json!({ "what": "json", "plan": allocated }),
    )["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let printed: Value = serde_json::from_str(&json_text).unwrap();
    assert!(printed.get("registry").is_none() && printed.get("config_file").is_none());
}
