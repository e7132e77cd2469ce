//! Issue 15 through the JSON entry points, as the hosts call them: `run`, `env --write`,
//! `preview`, the dev-server `serving` line and the test namespace (docs/core-api.md).

use serde_json::{Value, json};

fn call(f: fn(&str) -> String, request: Value) -> Value {
    serde_json::from_str(&f(&request.to_string())).expect("answers are JSON")
}

fn render(request: Value) -> Value {
    call(portplan::render_json, request)
}

/// An `allocate_json` answer for services `api` and `web` (web asked for, and leased).
fn allocated(services: Value) -> Value {
    let config = json!({ "namespace": "shop", "range": [40000, 40099], "exclude": [], "services": services });
    let answer = call(
        portplan::allocate_json,
        json!({ "config": config, "root": "/home/me/shop", "now": 100, "lease": ["web"] }),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    answer
}

fn port_of(plan: &Value, name: &str) -> u64 {
    plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap()["port"]
        .as_u64()
        .unwrap()
}

#[test]
fn run_answers_the_environment_and_the_command_to_spawn() {
    let plan = allocated(json!({ "web": true, "api": true }));
    let (web, api) = (port_of(&plan, "web"), port_of(&plan, "api"));
    let answer = render(
        json!({ "what": "run", "plan": plan, "name": "web", "cmd": ["npx", "vite", "preview"] }),
    );
    assert_eq!(answer["text"], "");
    assert_eq!(
        answer["argv"],
        json!([
            "npx",
            "vite",
            "preview",
            "--port",
            web.to_string(),
            "--strictPort"
        ])
    );
    let env = &answer["env"];
    assert_eq!(env["PORT"], web.to_string());
    assert_eq!(env["WEB_PORT"], web.to_string());
    assert_eq!(env["API_PORT"], api.to_string());
    // Only the tool's own variables (issue 26): vite reads none, so no other tool's is set.
    assert!(env.get("UVICORN_PORT").is_none() && env.get("FLASK_RUN_PORT").is_none());
    // A command that is not a known tool is spawned as it is.
    let answer =
        render(json!({ "what": "run", "plan": plan, "name": "web", "cmd": ["npm", "run", "dev"] }));
    assert_eq!(answer["argv"], json!(["npm", "run", "dev"]));
}

#[test]
fn run_refuses_collisions_and_bad_requests() {
    let plan = allocated(json!({ "web": true, "nuxt": true }));
    // Running nuxt as web: NUXT_PORT would be web's, but `nuxt`'s service is NUXT_PORT too.
    let answer =
        render(json!({ "what": "run", "plan": plan, "name": "web", "cmd": ["nuxt", "dev"] }));
    assert_eq!(answer["error"]["kind"], "invalid_name");
    assert_eq!(answer["error"]["services"], json!(["nuxt", "web"]));
    // Running nuxt itself: NUXT_PORT is its own port.
    let answer =
        render(json!({ "what": "run", "plan": plan, "name": "nuxt", "cmd": ["nuxt", "dev"] }));
    assert_eq!(
        answer["env"]["NUXT_PORT"],
        port_of(&plan, "nuxt").to_string()
    );
    for request in [
        json!({ "what": "run", "plan": plan, "name": "web", "cmd": [] }),
        json!({ "what": "run", "plan": plan, "name": "web" }),
        json!({ "what": "run", "plan": plan, "cmd": ["x"] }),
    ] {
        assert_eq!(render(request)["error"]["kind"], "invalid_request");
    }
    let answer = render(json!({ "what": "run", "plan": plan, "name": "nope", "cmd": ["x"] }));
    assert_eq!(answer["error"]["kind"], "unknown_service");
}

#[test]
fn env_file_merges_the_block_and_reports_what_it_did() {
    let plan = allocated(json!({ "web": true, "api": true }));
    let lines = call(
        portplan::render_json,
        json!({ "what": "env", "plan": plan }),
    )["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let created =
        render(json!({ "what": "env_file", "plan": plan, "path": ".env", "existing": null }));
    let text = created["text"].as_str().unwrap();
    assert!(text.starts_with("# >>> portplan"), "{text}");
    assert!(text.contains(&lines), "the block holds env's lines: {text}");
    assert!(text.ends_with("# <<< portplan <<<\n"));
    assert_eq!(created["changed"], true);
    assert_eq!(
        created["message"],
        "wrote 2 ports to .env (portplan block created)\n"
    );
    let kept = format!("SECRET=1\r\n{}", text.replace('\n', "\r\n"));
    let again =
        render(json!({ "what": "env_file", "plan": plan, "path": ".env", "existing": kept }));
    assert_eq!(again["changed"], false);
    assert_eq!(again["text"], kept);
    // A file that breaks the block rules: the error names the file and line.
    let broken = format!("A=1\n{text}{text}");
    let error =
        &render(json!({ "what": "env_file", "plan": plan, "path": "dev.env", "existing": broken }))
            ["error"];
    assert_eq!(error["kind"], "invalid_config");
    assert_eq!(error["path"], "dev.env");
    assert_eq!(error["line"], 6);
    let error = &render(
        json!({ "what": "env_file", "plan": plan, "path": ".env", "existing": "A=\u{fffd}\n", "utf8": false }),
    )["error"];
    assert_eq!(error["line"], 1);
    let error = &render(
        json!({ "what": "env_file", "plan": plan, "path": ".env", "too_large": true }),
    )["error"];
    assert_eq!(error["kind"], "invalid_config");
    // Colliding variables fail before any text is made.
    let colliding = allocated(json!({ "web": true, "web-api": true, "web_api": true }));
    let error = &render(json!({ "what": "env_file", "plan": colliding, "path": ".env" }))["error"];
    assert_eq!(error["kind"], "invalid_name");
}

#[test]
fn serving_says_the_port_and_why_in_one_line() {
    let plan = allocated(json!({ "web": true }));
    let web = port_of(&plan, "web");
    let answer = render(json!({ "what": "serving", "plan": plan, "name": "web" }));
    assert_eq!(answer["text"], format!("portplan: web → {web} (home)\n"));
    // Asked again with the registry: kept.
    let config = json!({ "namespace": "shop", "range": [40000, 40099], "exclude": [], "services": { "web": true } });
    let kept = call(
        portplan::allocate_json,
        json!({ "config": config, "root": "/home/me/shop", "now": 200, "lease": ["web"], "registry": plan["registry"] }),
    );
    let answer = render(json!({ "what": "serving", "plan": kept, "name": "web" }));
    assert_eq!(answer["text"], format!("portplan: web → {web} (kept)\n"));
    // Busy at home: displaced.
    let busy = call(
        portplan::allocate_json,
        json!({ "config": config, "root": "/home/me/other", "now": 100, "lease": ["web"], "busy": [web] }),
    );
    let moved = port_of(&busy, "web");
    let answer = render(json!({ "what": "serving", "plan": busy, "name": "web" }));
    assert_eq!(
        answer["text"],
        format!("portplan: web → {moved} (displaced from {web} by a process using it)\n")
    );
    let answer = render(
        json!({ "what": "serving", "name": "web", "explicit": 5555, "source": "server.port" }),
    );
    assert_eq!(
        answer["text"],
        "portplan: web → 5555 (server.port, set by you; not leased)\n"
    );
    let answer = render(json!({ "what": "serving", "plan": plan, "name": "nope" }));
    assert_eq!(answer["error"]["kind"], "unknown_service");
    let answer = render(json!({ "what": "preview_service", "name": "storefront" }));
    assert_eq!(answer["text"], "storefront-preview");
}

#[test]
fn preview_and_env_write_parse_and_python_prints_where_the_preview_is() {
    let answer = call(
        portplan::cli_json,
        json!({ "argv": ["preview", "--no-open"] }),
    );
    assert_eq!(answer["command"], "preview");
    assert_eq!(answer["write"], false);
    assert_eq!(answer["lease"], json!([]));
    assert_eq!(answer["open"], false);
    assert_eq!(answer["preview_port"], Value::Null);
    let answer = call(portplan::cli_json, json!({ "argv": ["env", "--write"] }));
    assert_eq!(answer["env_file"], ".env");
    assert_eq!(answer["lease"], Value::Null);
    let answer = render(json!({ "what": "preview" }));
    assert_eq!(
        answer["text"],
        "portplan: the browser preview is in the npm package: npx portplan preview\n"
    );
}

#[test]
fn a_test_session_gets_a_namespace_of_its_worker_and_checkout() {
    let of = |worker: Value, root: &str| {
        render(json!({ "what": "test_namespace", "namespace": "shop", "root": root, "worker": worker }))["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let gw0 = of(json!("gw0"), "/a/shop");
    assert!(gw0.starts_with("shop:test-gw0-") && gw0.len() == "shop:test-gw0-".len() + 8);
    assert_eq!(of(json!("gw0"), "/a/shop"), gw0);
    assert_ne!(of(json!("gw1"), "/a/shop"), gw0);
    assert_ne!(of(json!("gw0"), "/b/shop"), gw0);
    assert!(of(Value::Null, "/a/shop").starts_with("shop:test-main-"));
    // The namespace is one a config accepts, and plans ports of its own.
    let config = |namespace: &str| json!({ "namespace": namespace, "range": [40000, 49999], "services": { "api": true } });
    let home = |namespace: &str| {
        port_of(
            &call(portplan::plan_json, json!({ "config": config(namespace) })),
            "api",
        )
    };
    assert_ne!(home(&gw0), home(&of(json!("gw1"), "/a/shop")));
    let answer =
        render(json!({ "what": "test_namespace", "namespace": "", "root": "/a", "hash": "lagom" }));
    assert_eq!(answer["error"]["kind"], "invalid_config");
    let answer = render(json!({ "what": "test_namespace", "namespace": "shop" }));
    assert_eq!(answer["error"]["kind"], "invalid_request");
}

#[test]
fn an_env_file_that_is_not_a_regular_file_has_words() {
    let answer = call(
        portplan::host_error_json,
        json!({ "problem": "not_regular_file", "path": ".env", "why": "fifo" }),
    );
    assert_eq!(
        answer["error"]["message"],
        "cannot use .env: it is a FIFO (named pipe), not a regular file; nothing was written"
    );
    assert_eq!(answer["error"]["kind"], "host");
    assert_eq!(answer["error"]["path"], ".env");
}
