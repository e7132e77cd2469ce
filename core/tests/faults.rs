//! The registry under faults (issue 17, SPEC §7 "Writes", "Messages"; SPEC v3 §9 "The lock
//! is the kernel's"): the kernel lock's wait and its words, checks before any write, and
//! hostile values quoted short, through whole sessions on a host in memory and through the
//! typed rules.

mod common;

use common::{LOCK, MemoryHost, OWNER, REGISTRY};
use portplan::commands::cli::{self, Parsed};
use portplan::registry::Registry;
use portplan::registry::leases::{self, Request};
use portplan::words::problems::Problem;
use portplan::{Config, ConfigInput, ErrorKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn plan_json(request: Value) -> Value {
    serde_json::from_str(&portplan::plan_json(&request.to_string())).expect("answers are JSON")
}

fn config(value: Value) -> Config {
    Config::from_input(serde_json::from_value::<ConfigInput>(value).unwrap()).unwrap()
}

/// A project `/home/me/shop` with `config` as its portplan.toml.
fn shop(config: &str) -> MemoryHost {
    let mut host = MemoryHost::default();
    host.file("/home/me/shop/portplan.toml", config);
    host
}

const WEB: &str = "namespace = \"shop\"\nrange = [41000, 41999]\n[services]\nweb = true\n";

#[test]
fn a_lock_held_for_the_whole_wait_is_an_error_that_names_its_holder() {
    let mut host = shop(WEB);
    host.foreign_locks.insert(LOCK.to_owned());
    host.file(
        OWNER,
        r#"{"pid": 77, "host": "far", "time": 1795428245000}"#,
    );
    let started = host.clock_ms;
    let ran = host.cli("/home/me/shop", &["get", "web"]);
    assert_eq!(ran.answer, json!({ "exit": 1 }));
    assert_eq!(
        ran.err,
        "portplan: error: the registry /state/registry.json is locked by pid 77 on far since 2026-11-23T10:04:05Z, and stayed locked for 10 s; if that process hangs, stop it (the lock goes with it)\n"
    );
    let waited = host.clock_ms - started;
    assert!((10_000.0..11_000.0).contains(&waited), "waited {waited} ms");
    assert!(!host.files.contains_key(REGISTRY), "nothing written");
    // A lock whose holder wrote no owner file yet (or died before): the same wait, unknown
    // words, never a broken lock.
    host.files.remove(OWNER);
    let ran = host.cli("/home/me/shop", &["get", "web"]);
    assert!(
        ran.err
            .contains("is locked by pid ? on an unknown host since an unknown time"),
        "{}",
        ran.err
    );
}

#[test]
fn a_new_holder_of_the_lock_starts_a_new_wait() {
    // Each owner the writer sees is progress: it waits 10 s for each, and only then fails.
    let mut host = shop(WEB);
    host.foreign_locks.insert(LOCK.to_owned());
    host.file(OWNER, r#"{"pid": 1, "host": "box", "time": 1}"#);
    let started = host.clock_ms;
    let mut session = portplan::session::Session::from_json(
        &json!({ "host": common::facts("/home/me/shop"), "call": "cli", "argv": ["get", "web"] })
            .to_string(),
    );
    let mut reply = None;
    let mut owners = 1;
    let err = loop {
        match session.step(reply.take()) {
            portplan::session::machine::Step::Done(answer) => {
                break serde_json::to_value(answer).unwrap();
            }
            portplan::session::machine::Step::Do(effect) => {
                // After 8 s of the first owner, another process takes the lock.
                if host.clock_ms - started >= 8_000.0 && owners == 1 {
                    owners = 2;
                    host.file(OWNER, r#"{"pid": 2, "host": "box", "time": 2}"#);
                }
                reply = Some(host.answer(&effect));
            }
        }
    };
    assert_eq!(err, json!({ "exit": 1 }));
    let waited = host.clock_ms - started;
    assert!(waited >= 18_000.0, "waited {waited} ms for two owners");
}

#[test]
fn hostile_owner_files_are_named_in_one_short_line() {
    let texts = [
        "[".repeat(100_000),
        r#"{"pid": 9223372036854775808, "host": "box", "time": 1}"#.to_owned(),
        r#"{"pid": 1, "host": "box", "time": NaN}"#.to_owned(),
        format!(
            r#"{{"pid": 1, "host": "{}", "time": 1}}"#,
            "\u{202e}".repeat(10)
        ),
        "y".repeat(10 * 1024 * 1024),
    ];
    for text in &texts {
        let mut host = shop(WEB);
        host.foreign_locks.insert(LOCK.to_owned());
        host.file(OWNER, text);
        let ran = host.cli("/home/me/shop", &["get", "web"]);
        assert_eq!(ran.answer, json!({ "exit": 1 }));
        assert!(
            ran.err
                .starts_with("portplan: error: the registry /state/registry.json is locked by "),
            "{}",
            ran.err
        );
        assert!(ran.err.len() < 400, "{} bytes", ran.err.len());
        assert_eq!(ran.err.matches('\n').count(), 1);
        assert!(!ran.err.contains('\u{202e}'), "{}", ran.err);
        // The owner file is read in at most 4 KiB, whatever its size.
        assert!(host.effects.iter().all(|effect| match effect {
            portplan::session::effects::Effect::Read { path, limit, .. } if path == OWNER =>
                *limit <= 4096,
            _ => true,
        }));
    }
}

#[test]
fn a_long_host_in_the_owner_file_is_quoted_short() {
    let mut host = shop(WEB);
    host.foreign_locks.insert(LOCK.to_owned());
    host.file(
        OWNER,
        &format!(r#"{{"pid": 1, "host": "{}", "time": 1}}"#, "y".repeat(3000)),
    );
    let ran = host.cli("/home/me/shop", &["get", "web"]);
    assert!(ran.err.len() < 400, "{} bytes", ran.err.len());
}

#[test]
fn a_lock_file_that_is_not_a_file_is_an_error_not_a_wait() {
    let mut host = shop(WEB);
    host.dir(LOCK);
    let ran = host.cli("/home/me/shop", &["get", "web"]);
    assert_eq!(ran.answer, json!({ "exit": 1 }));
    assert!(
        ran.err
            .contains("the lock /state/registry.lock is a directory"),
        "{}",
        ran.err
    );
}

#[test]
fn temporary_files_under_the_lock_are_removed_at_a_write_and_not_by_a_read() {
    // Under the lock no writer is between its temporary file and its rename: any there
    // belongs to a writer that died, whatever its pid.
    let mut host = shop(WEB);
    host.file("/state/registry.json.tmp.4242", "half");
    host.file("/state/registry.json.tmp.1.aa", "half");
    host.file("/state/registry.jsonx", "not ours");
    assert_eq!(
        host.cli("/home/me/shop", &["plan"]).answer,
        json!({ "exit": 0 })
    );
    assert!(host.files.contains_key("/state/registry.json.tmp.1.aa"));
    assert_eq!(
        host.cli("/home/me/shop", &["get", "web"]).answer,
        json!({ "exit": 0 })
    );
    let left: Vec<&String> = host
        .files
        .keys()
        .filter(|p| p.starts_with("/state/"))
        .collect();
    assert_eq!(
        left,
        [
            "/state/registry.json",
            "/state/registry.jsonx",
            "/state/registry.lock",
            "/state/registry.owner"
        ]
    );
}

#[test]
fn env_with_colliding_names_fails_before_anything_is_written() {
    let mut host = shop("namespace = \"p\"\n[services]\na-b = true\na_b = true\n");
    let ran = host.cli("/home/me/shop", &["env"]);
    assert_eq!(ran.answer, json!({ "exit": 2 }), "{}", ran.err);
    assert!(ran.err.contains("would both be A_B_PORT"), "{}", ran.err);
    assert!(!host.wrote_or_locked(), "{:?}", host.effects);
    assert!(!host.files.contains_key(REGISTRY));
    // The same plan leased by `get` (no variables) writes.
    let ran = host.cli("/home/me/shop", &["get", "a-b"]);
    assert_eq!(ran.answer, json!({ "exit": 0 }), "{}", ran.err);
    assert!(host.files.contains_key(REGISTRY));
}

#[test]
fn a_corrupt_registry_is_reported_with_its_path_and_never_overwritten() {
    let mut host = shop(WEB);
    host.file(REGISTRY, "{\"version\": 2, \"leases\": [");
    for argv in [
        &["get", "web"][..],
        &["env"],
        &["release", "web"],
        &["plan"],
    ] {
        let ran = host.cli("/home/me/shop", argv);
        assert_eq!(ran.answer, json!({ "exit": 1 }), "{argv:?}");
        assert!(
            ran.err.starts_with(
                "portplan: error: /state/registry.json: the registry is not valid JSON"
            ),
            "{argv:?}: {}",
            ran.err
        );
    }
    assert_eq!(host.files[REGISTRY], "{\"version\": 2, \"leases\": [");
    assert!(!host.effects.iter().any(|e| match e {
        portplan::session::effects::Effect::Rename { to, .. } => to == REGISTRY,
        portplan::session::effects::Effect::Create { path, .. } => path.starts_with(REGISTRY),
        _ => false,
    }));
}

#[test]
fn a_lease_whose_used_lies_in_the_future_is_kept_at_a_write() {
    let now = 1_795_000_000_u64;
    let registry = Registry::parse(
        &json!({ "version": 2, "leases": [
            { "namespace": "x", "name": "ahead", "root": "/x", "port": 40001, "created": 1,
              "used": now + 31 * 86_400 },
        ] })
        .to_string(),
    )
    .unwrap();
    let allocated = leases::allocate(
        &config(json!({ "namespace": "p", "range": [40000, 40010], "services": { "web": true } })),
        &registry,
        &Request {
            root: "/p",
            busy: &[],
            now,
            lease: Some(&["web".to_owned()]),
            existing_roots: &BTreeMap::new(),
        },
    )
    .unwrap();
    let written = allocated.registry.expect("web is leased");
    let names: Vec<(&str, u64)> = written
        .leases()
        .map(|l| (l.name.as_str(), l.used))
        .collect();
    assert_eq!(
        names,
        [("web", now), ("ahead", now)],
        "kept, and re-stamped"
    );
}

#[test]
fn huge_unknown_keys_are_quoted_as_short_excerpts() {
    let key = "k".repeat(10 * 1024 * 1024);
    let registry = format!(r#"{{"version": 2, "leases": [], "{key}": 1}}"#);
    let message = Registry::parse(&registry).unwrap_err().message;
    assert!(message.contains("unknown key kkkk") && message.contains('…'));
    assert!(message.len() < 200, "{} bytes", message.len());

    let config = format!("range = [1, 9]\n{key} = 1\n");
    let answer = plan_json(json!({ "config": config }));
    assert_eq!(answer["error"]["kind"], "invalid_config");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.len() < 300, "{} bytes", message.len());
    assert!(answer["error"]["key"].as_str().unwrap().len() < 100);

    let name = "n".repeat(10 * 1024 * 1024);
    let answer = plan_json(json!({ "config": { "services": { name: true } } }));
    assert_eq!(answer["error"]["kind"], "invalid_name");
    assert!(answer["error"]["message"].as_str().unwrap().len() < 300);
}

/// The words of a problem a session met, from its facts as JSON.
fn words(problem: Value) -> String {
    serde_json::from_value::<Problem>(problem)
        .expect("a problem")
        .error()
        .message
}

#[test]
fn unsafe_files_and_a_full_disk_are_worded_by_the_core() {
    assert_eq!(
        words(json!({ "problem": "unsafe_lock", "path": LOCK, "why": "fifo" })),
        "the lock /state/registry.lock is a FIFO (named pipe), not a regular file; remove it"
    );
    assert!(
        words(json!({ "problem": "unsafe_lock", "path": LOCK, "why": "symlink" }))
            .contains("is a symbolic link, which portplan never follows")
    );
    assert_eq!(
        words(json!({ "problem": "unsafe_registry", "path": "/s/registry.json", "why": "device" })),
        "the registry /s/registry.json is a device, not a regular file; remove it or set PORTPLAN_HOME to another folder"
    );
    assert!(
        words(
            json!({ "problem": "unsafe_registry", "path": "/s/registry.json", "why": "too_large" })
        )
        .contains("larger than 64 MiB")
    );
    // A kernel lock cannot be taken from its holder (SPEC v3 §9): no "lost lock" remains.
    assert!(
        serde_json::from_value::<Problem>(json!({ "problem": "lost_lock", "path": LOCK })).is_err()
    );
    assert_eq!(
        words(
            json!({ "problem": "io", "path": LOCK, "action": "lock", "code": "ENOSPC", "reason": "[Errno 28] raw" })
        ),
        "cannot lock /state/registry.lock: No space left on device"
    );
}

#[test]
fn a_double_dash_lets_get_ask_for_a_service_named_like_an_option() {
    let parse = |argv: &[&str]| {
        let argv: Vec<String> = argv.iter().map(|a| (*a).to_owned()).collect();
        match cli::parse(&argv).unwrap() {
            Parsed::Run(command) => *command,
            _ => panic!("a command"),
        }
    };
    let get = parse(&["get", "--", "--help"]);
    assert_eq!(get.name.as_deref(), Some("--help"));
    let run = parse(&["run", "web", "--", "npm", "start"]);
    assert_eq!(run.cmd, ["npm", "start"]);
}

#[test]
fn a_toml_syntax_error_on_a_huge_line_is_quoted_short() {
    let line = "k".repeat(1024 * 1024);
    for config in [
        format!("{line} = \n"),
        format!("x = \"{line}\n"),
        format!("[{line}\n"),
    ] {
        let answer = plan_json(json!({ "config": config }));
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.len() < 400,
            "{} bytes: {}",
            message.len(),
            &message[..200]
        );
    }
}

#[test]
fn huge_values_inside_a_lease_are_quoted_short() {
    let huge = "v".repeat(1024 * 1024);
    // A later version's field in a lease is read past, whatever its size.
    let later = json!({ "version": 2, "leases": [
        { "namespace": "x", "name": "a", "root": "/x", "port": 1, "created": 1, "used": 1, huge.clone(): 1 },
    ] });
    let registry = Registry::parse(&later.to_string()).unwrap();
    assert_eq!(registry.leases().next().unwrap().name, "a");
    let leases = [
        json!({ "namespace": huge.clone(), "name": "a", "root": "/x", "port": 1, "created": 1, "used": 1 }),
        json!({ "namespace": "x", "name": "a\u{202e}", "root": "/x", "port": 1, "created": 1, "used": 1 }),
        json!({ "namespace": "x", "name": "a", "root": huge.clone(), "port": huge.clone(), "created": 1, "used": 1 }),
    ];
    for lease in leases {
        let text = json!({ "version": 2, "leases": [lease] }).to_string();
        let error = Registry::parse(&text).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidRegistry);
        let message = error.message;
        assert!(!message.is_empty());
        assert!(
            message.len() < 400,
            "{} bytes: {}",
            message.len(),
            &message[..300]
        );
        assert!(!message.contains('\u{202e}'));
    }
}

#[test]
fn names_that_print_as_something_else_are_refused_in_configs_and_registries() {
    for bad in [
        "web\u{202e}x",
        "a\u{2028}b",
        "c\u{85}",
        "d\u{9b}1m",
        "e\u{2066}",
        "f\u{61c}",
    ] {
        let answer = plan_json(json!({ "config": { "services": { bad: true } } }));
        assert_eq!(answer["error"]["kind"], "invalid_name", "{bad:?}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(!message.contains(bad), "{message}");
        let registry = json!({ "version": 2, "leases": [
            { "namespace": "x", "name": bad, "root": "/x", "port": 1, "created": 1, "used": 1 },
        ] })
        .to_string();
        assert!(Registry::parse(&registry).is_err(), "{bad:?}");
    }
}

/// The file `env --write` replaces, appended to or rewritten by another process just before
/// the rename: `change` gets the replaced file's text (its second name's) and gives the new.
fn env_write_racing(change: fn(&str) -> String) -> (MemoryHost, common::Ran) {
    const ENV: &str = "/home/me/shop/.env";
    let mut host = shop(WEB);
    host.file(ENV, "A=1\n");
    let ran = host.run_with(
        json!({ "host": common::facts("/home/me/shop"), "call": "cli", "argv": ["env", "--write"] }),
        |host, effect| {
            let portplan::session::effects::Effect::Rename { to, .. } = effect else {
                return;
            };
            let second: Vec<String> = host
                .files
                .keys()
                .filter(|path| path.contains("..env.portplan-tmp.old."))
                .cloned()
                .collect();
            if to == ENV {
                for path in second.into_iter().chain([ENV.to_owned()]) {
                    let text = change(&host.files[&path]);
                    host.files.insert(path, text);
                }
            }
        },
    );
    (host, ran)
}

#[test]
fn a_line_appended_to_env_just_before_its_rename_is_appended_again() {
    let (host, ran) = env_write_racing(|text| format!("{text}LATE=1\n"));
    assert_eq!(ran.answer, json!({ "exit": 0 }), "{}", ran.err);
    let env = &host.files["/home/me/shop/.env"];
    assert!(env.starts_with("A=1\n# >>> portplan"), "{env}");
    assert!(env.ends_with("# <<< portplan <<<\nLATE=1\n"), "{env}");
    assert!(
        host.temporary_files().is_empty(),
        "{:?}",
        host.temporary_files()
    );
}

#[test]
fn env_rewritten_just_before_its_rename_is_kept_beside_it_and_said() {
    let (host, ran) = env_write_racing(|_| "B=2\n".to_owned());
    assert_eq!(ran.answer, json!({ "exit": 1 }), "{}", ran.err);
    assert!(
        ran.err.contains("was changed by another process while portplan replaced it; that version is kept in /home/me/shop/.env.portplan-replaced"),
        "{}",
        ran.err
    );
    assert_eq!(host.files["/home/me/shop/.env.portplan-replaced"], "B=2\n");
}

/// A lease another process writes between the plan made before the lock and the lock: the
/// plan is made again under the lock (it is reused only from the very registry it was made
/// from), so the two never share a port.
#[test]
fn a_lease_written_just_before_the_lock_is_seen_under_it() {
    let first = shop(WEB).cli("/home/me/shop", &["get", "web", "--no-probe"]);
    let home: u16 = first.out.trim().parse().expect(&first.err);
    let mut host = shop(WEB);
    host.dir("/home/me/other");
    let ran = host.run_with(
        json!({ "host": common::facts("/home/me/shop"), "call": "cli", "argv": ["get", "web", "--no-probe"] }),
        |host, effect| {
            if matches!(effect, portplan::session::effects::Effect::Lock { .. })
                && !host.files.contains_key(REGISTRY)
            {
                let now = (host.clock_ms / 1000.0) as u64;
                let registry = json!({ "version": 2, "leases": [{
                    "namespace": "other", "name": "api", "root": "/home/me/other",
                    "port": home, "created": now, "used": now,
                }] });
                host.file(REGISTRY, &registry.to_string());
            }
        },
    );
    assert_eq!(ran.answer, json!({ "exit": 0 }), "{}", ran.err);
    let port: u16 = ran.out.trim().parse().expect(&ran.err);
    assert_ne!(port, home, "the other process' lease holds {home}");
    let registry = Registry::parse(&host.files[REGISTRY]).unwrap();
    let held: Vec<(&str, u16)> = registry
        .leases()
        .map(|lease| (lease.name.as_str(), lease.port))
        .collect();
    assert_eq!(held, [("api", home), ("web", port)]);
}

/// `env --write` of `C:\shop\.env` while another process keeps it open without delete
/// sharing (an editor, a virus scanner) for `refusals` renames, on `platform`.
fn env_write_while_open(platform: &str, refusals: usize) -> (MemoryHost, common::Ran, f64) {
    const ENV: &str = "C:\\shop\\.env";
    let mut host = MemoryHost::default();
    host.dir("C:\\state");
    host.file("C:\\shop\\portplan.toml", WEB);
    host.file(ENV, "A=1\r\n");
    host.open_elsewhere.insert(ENV.to_owned(), refusals);
    let facts = json!({
        "platform": platform, "cwd": "C:\\shop", "home": "C:\\Users\\me",
        "env": { "PORTPLAN_HOME": "C:\\state" }, "pid": 4242, "hostname": "box", "engine": "native",
    });
    let began = host.clock_ms;
    let ran =
        host.run(json!({ "host": facts, "call": "cli", "argv": ["env", "--write", "--no-probe"] }));
    let waited = host.clock_ms - began;
    (host, ran, waited)
}

#[test]
fn on_windows_a_rename_over_a_file_open_elsewhere_is_retried_for_ten_seconds() {
    // Open for 2 s (80 tries 25 ms apart): the write waits it out.
    let (host, ran, waited) = env_write_while_open("win32", 80);
    assert_eq!(ran.answer, json!({ "exit": 0 }), "{}", ran.err);
    assert!(host.files["C:\\shop\\.env"].starts_with("A=1\r\n# >>> portplan"));
    assert!((2000.0..2100.0).contains(&waited), "{waited}");
    // Never let go: an error after 10 s, .env as it was, nothing left beside it.
    let (host, ran, waited) = env_write_while_open("win32", usize::MAX);
    assert_eq!(ran.answer, json!({ "exit": 1 }), "{}", ran.err);
    assert!(
        ran.err
            .contains("cannot write .env: Device or resource busy"),
        "{}",
        ran.err
    );
    assert!((10_000.0..10_100.0).contains(&waited), "{waited}");
    assert_eq!(host.files["C:\\shop\\.env"], "A=1\r\n");
    assert!(
        host.temporary_files().is_empty(),
        "{:?}",
        host.temporary_files()
    );
    // Elsewhere EBUSY is no sharing violation: no wait.
    let (_, ran, waited) = env_write_while_open("linux", 1);
    assert_eq!(ran.answer, json!({ "exit": 1 }), "{}", ran.err);
    assert!(waited < 25.0, "{waited}");
}
