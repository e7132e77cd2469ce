//! Issue 15's rules, as the sessions apply them: what `run` starts, `env --write`'s block,
//! `preview`, the dev-server `serving` line and the test namespace (the typed rules of
//! `portplan::commands` and `portplan::project::test_namespace`).

use portplan::commands::cli::{self, Parsed};
use portplan::commands::{env_file, render, run};
use portplan::plan::Plan;
use portplan::project::test_namespace::test_namespace;
use portplan::registry::Registry;
use portplan::registry::leases::{self, Allocated, Request};
use portplan::words::problems::Problem;
use portplan::{Config, ConfigInput, ErrorKind, HashKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const SHOP: &str = "/home/me/shop";

fn config(services: Value) -> Config {
    let value = json!({ "namespace": "shop", "range": [40000, 40099], "exclude": [], "services": services });
    Config::from_input(serde_json::from_value::<ConfigInput>(value).unwrap()).unwrap()
}

/// `web` asked for and leased in `root` at `now`, against `registry`.
fn allocate(services: Value, registry: &Registry, root: &str, now: u64, busy: &[u16]) -> Allocated {
    let web = ["web".to_owned()];
    leases::allocate(
        &config(services),
        registry,
        &Request {
            root,
            busy,
            now,
            lease: Some(&web),
            existing_roots: &BTreeMap::new(),
        },
    )
    .unwrap()
}

/// The plan of `services` with `web` asked for (and leased) in a fresh registry.
fn allocated(services: Value) -> Plan {
    allocate(services, &Registry::default(), SHOP, 100, &[]).plan
}

fn port_of(plan: &Plan, name: &str) -> String {
    plan.port(name).unwrap().to_string()
}

fn cmd(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn run_answers_the_environment_and_the_command_to_spawn() {
    let plan = allocated(json!({ "web": true, "api": true }));
    let (web, api) = (port_of(&plan, "web"), port_of(&plan, "api"));
    let launch = run::launch(&plan, "web", &cmd(&["npx", "vite", "preview"])).unwrap();
    assert_eq!(
        launch.argv,
        ["npx", "vite", "preview", "--port", &web, "--strictPort"]
    );
    let env = &launch.env;
    assert_eq!(env["PORT"], web);
    assert_eq!(env["WEB_PORT"], web);
    assert_eq!(env["API_PORT"], api);
    // Only the tool's own variables (issue 26): vite reads none, so no other tool's is set.
    assert!(!env.contains_key("UVICORN_PORT") && !env.contains_key("FLASK_RUN_PORT"));
    // A command that is not a known tool is spawned as it is.
    let launch = run::launch(&plan, "web", &cmd(&["npm", "run", "dev"])).unwrap();
    assert_eq!(launch.argv, ["npm", "run", "dev"]);
}

#[test]
fn run_refuses_collisions_and_unknown_names() {
    let plan = allocated(json!({ "web": true, "nuxt": true }));
    // Running nuxt as web: NUXT_PORT would be web's, but `nuxt`'s service is NUXT_PORT too.
    let error = run::launch(&plan, "web", &cmd(&["nuxt", "dev"])).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidName);
    assert_eq!(
        error.data.services.as_deref(),
        Some(&["nuxt".to_owned(), "web".to_owned()][..])
    );
    // Running nuxt itself: NUXT_PORT is its own port.
    let launch = run::launch(&plan, "nuxt", &cmd(&["nuxt", "dev"])).unwrap();
    assert_eq!(launch.env["NUXT_PORT"], port_of(&plan, "nuxt"));
    let error = run::launch(&plan, "nope", &cmd(&["x"])).unwrap_err();
    assert_eq!(error.kind, ErrorKind::UnknownService);
}

/// `env --write`'s merge of the plan's lines into `existing`.
fn merge(
    plan: &Plan,
    path: &str,
    existing: &env_file::Existing,
) -> portplan::error::Result<env_file::Merged> {
    let lines: Vec<String> = render::env_variables(plan)?
        .iter()
        .map(|(variable, entry)| format!("{variable}={}", entry.port))
        .collect();
    env_file::merge(path, existing, &lines)
}

fn existing(text: Option<&str>) -> env_file::Existing<'_> {
    env_file::Existing {
        text,
        utf8: true,
        too_large: false,
    }
}

#[test]
fn env_file_merges_the_block_and_reports_what_it_did() {
    let plan = allocated(json!({ "web": true, "api": true }));
    let lines = render::env(&plan).unwrap();
    let created = merge(&plan, ".env", &existing(None)).unwrap();
    let text = created.text.as_str();
    assert!(text.starts_with("# >>> portplan"), "{text}");
    assert!(text.contains(&lines), "the block holds env's lines: {text}");
    assert!(text.ends_with("# <<< portplan <<<\n"));
    assert!(created.changed);
    assert_eq!(
        created.message,
        "wrote 2 ports to .env (portplan block created)\n"
    );
    let kept = format!("SECRET=1\r\n{}", text.replace('\n', "\r\n"));
    let again = merge(&plan, ".env", &existing(Some(&kept))).unwrap();
    assert!(!again.changed);
    assert_eq!(again.text, kept);
    // A file that breaks the block rules: the error names the file and line.
    let broken = format!("A=1\n{text}{text}");
    let error = merge(&plan, "dev.env", &existing(Some(&broken))).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidConfig);
    assert_eq!(error.data.path.as_deref(), Some("dev.env"));
    assert_eq!(error.data.line, Some(6));
    let not_utf8 = env_file::Existing {
        text: Some("A=\u{fffd}\n"),
        utf8: false,
        too_large: false,
    };
    assert_eq!(
        merge(&plan, ".env", &not_utf8).unwrap_err().data.line,
        Some(1)
    );
    let too_large = env_file::Existing {
        text: None,
        utf8: true,
        too_large: true,
    };
    assert_eq!(
        merge(&plan, ".env", &too_large).unwrap_err().kind,
        ErrorKind::InvalidConfig
    );
    // Colliding variables fail before any text is made.
    let colliding = allocated(json!({ "web": true, "web-api": true, "web_api": true }));
    assert_eq!(
        merge(&colliding, ".env", &existing(None)).unwrap_err().kind,
        ErrorKind::InvalidName
    );
}

#[test]
fn serving_says_the_port_and_why_in_one_line() {
    let services = json!({ "web": true });
    let first = allocate(services.clone(), &Registry::default(), SHOP, 100, &[]);
    let web = first.plan.port("web").unwrap();
    assert_eq!(
        render::serving(&first.plan, "web").unwrap(),
        format!("portplan: web → {web} (home)\n")
    );
    // Asked again with the registry: kept.
    let registry = first.registry.expect("web leased");
    let kept = allocate(services.clone(), &registry, SHOP, 200, &[]);
    assert_eq!(
        render::serving(&kept.plan, "web").unwrap(),
        format!("portplan: web → {web} (kept)\n")
    );
    // Busy at home: displaced.
    let busy = allocate(
        services,
        &Registry::default(),
        "/home/me/other",
        100,
        &[web],
    );
    let moved = busy.plan.port("web").unwrap();
    assert_eq!(
        render::serving(&busy.plan, "web").unwrap(),
        format!("portplan: web → {moved} (displaced from {web} by a process using it)\n")
    );
    assert_eq!(
        render::serving_explicit("web", 5555, Some("server.port")),
        "portplan: web → 5555 (server.port, set by you; not leased)\n"
    );
    assert_eq!(
        render::serving(&first.plan, "nope").unwrap_err().kind,
        ErrorKind::UnknownService
    );
    assert_eq!(
        format!("storefront{}", render::PREVIEW_SUFFIX),
        "storefront-preview"
    );
}

#[test]
fn preview_and_env_write_parse_and_python_prints_where_the_preview_is() {
    let parse = |argv: &[&str]| match cli::parse(&cmd(argv)).unwrap() {
        Parsed::Run(command) => *command,
        _ => panic!("a command"),
    };
    let preview = parse(&["preview", "--no-open"]);
    assert_eq!(preview.command, "preview");
    assert!(!preview.open);
    assert_eq!(preview.preview_port, None);
    let env = parse(&["env", "--write"]);
    assert_eq!(env.env_file.as_deref(), Some(".env"));
    assert_eq!(
        render::PREVIEW_LINE,
        "portplan: the browser preview is in the npm package: npx portplan preview\n"
    );
}

#[test]
fn a_test_session_gets_a_namespace_of_its_worker_and_checkout() {
    let of = |worker: Option<&str>, root: &str| {
        test_namespace("shop", root, worker, HashKind::Sha256).unwrap()
    };
    let gw0 = of(Some("gw0"), "/a/shop");
    assert!(gw0.starts_with("shop:test-gw0-") && gw0.len() == "shop:test-gw0-".len() + 8);
    assert_eq!(of(Some("gw0"), "/a/shop"), gw0);
    assert_ne!(of(Some("gw1"), "/a/shop"), gw0);
    assert_ne!(of(Some("gw0"), "/b/shop"), gw0);
    assert!(of(None, "/a/shop").starts_with("shop:test-main-"));
    // The namespace is one a config accepts, and plans ports of its own.
    let home = |namespace: &str| {
        let config = json!({ "config": { "namespace": namespace, "range": [40000, 49999], "services": { "api": true } } });
        let answer: Value =
            serde_json::from_str(&portplan::plan_json(&config.to_string())).unwrap();
        answer["plan"][0]["port"].as_u64().unwrap()
    };
    assert_ne!(home(&gw0), home(&of(Some("gw1"), "/a/shop")));
    assert_eq!(
        test_namespace("", "/a", None, HashKind::Lagom)
            .unwrap_err()
            .kind,
        ErrorKind::InvalidConfig
    );
}

#[test]
fn an_env_file_that_is_not_a_regular_file_has_words() {
    let problem: Problem = serde_json::from_value(
        json!({ "problem": "not_regular_file", "path": ".env", "why": "fifo" }),
    )
    .unwrap();
    let error = problem.error();
    assert_eq!(
        error.message,
        "cannot use .env: it is a FIFO (named pipe), not a regular file; nothing was written"
    );
    assert_eq!(error.kind, ErrorKind::Host);
    assert_eq!(error.data.path.as_deref(), Some(".env"));
}
