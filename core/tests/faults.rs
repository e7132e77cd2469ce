//! The registry under faults (issue 17, SPEC §7 "Writes", "Messages"), through the JSON
//! entry points the hosts call.

use serde_json::{Value, json};

fn call(f: fn(&str) -> String, request: Value) -> Value {
    serde_json::from_str(&f(&request.to_string())).expect("answers are JSON")
}

const LOCK: &str = "/s/registry.json.lock";

fn lock(text: &str, alive: Value) -> Value {
    call(
        portplan::lock_verdict_json,
        json!({ "path": LOCK, "text": text, "longer": false, "this_host": "box",
                "now": 1_795_000_100_000_u64, "age_ms": 5_000, "alive": alive }),
    )
}

#[test]
fn a_live_owner_on_this_host_keeps_its_lock_however_old() {
    let week_old = r#"{"pid": 4242, "host": "box", "time": 1794395300000}"#;
    assert_eq!(
        lock(week_old, Value::Null),
        json!({ "verdict": "check_pid", "pid": 4242 })
    );
    assert_eq!(
        lock(week_old, json!(true)),
        json!({ "verdict": "wait", "owner": { "pid": 4242, "host": "box", "time": 1_794_395_300_000_u64 } })
    );
    assert_eq!(
        lock(week_old, json!(false)),
        json!({ "verdict": "stale", "why": "dead" })
    );
    let elsewhere = r#"{"pid": 4242, "host": "far", "time": 1794395300000}"#;
    assert_eq!(
        lock(elsewhere, Value::Null),
        json!({ "verdict": "stale", "why": "old" })
    );
    // An empty lock (its owner died before writing) is stale after 2 s of mtime age.
    assert_eq!(
        lock("", Value::Null),
        json!({ "verdict": "stale", "why": "incomplete" })
    );
}

#[test]
fn hostile_lock_contents_are_errors_naming_the_lock_in_one_short_line() {
    let texts = [
        "[".repeat(100_000),
        r#"{"pid": 9223372036854775808, "host": "box", "time": 1}"#.to_owned(),
        r#"{"pid": 1, "host": "box", "time": NaN}"#.to_owned(),
        r#"{"pid": 1, "host": "box", "time": Infinity}"#.to_owned(),
        "y".repeat(10 * 1024 * 1024),
        "\u{202e}".repeat(10),
    ];
    for text in &texts {
        let answer = lock(text, Value::Null);
        let error = &answer["error"];
        assert_eq!(error["kind"], "host", "{answer}");
        assert_eq!(error["path"], LOCK);
        let message = error["message"].as_str().unwrap();
        assert!(message.starts_with("/s/registry.json.lock is not a portplan lock ("));
        assert!(message.len() < 300, "{} bytes", message.len());
        assert!(!message.contains('\u{202e}') && !message.contains('\n'));
    }
}

#[test]
fn temp_files_of_dead_writers_are_named_for_removal_after_their_pids_were_checked() {
    let names = json!([
        "registry.json.tmp.301.aa",
        "registry.json.tmp.302.bb",
        "registry.json.lock"
    ]);
    let first = call(portplan::temp_files_json, json!({ "names": names }));
    assert_eq!(first, json!({ "check_pids": [301, 302] }));
    let then = call(
        portplan::temp_files_json,
        json!({ "names": names, "alive": { "301": false, "302": true } }),
    );
    assert_eq!(then, json!({ "remove": ["registry.json.tmp.301.aa"] }));
}

#[test]
fn env_with_colliding_names_fails_before_a_registry_is_answered() {
    let request = |env: bool| {
        json!({ "config": { "namespace": "p", "services": { "a-b": true, "a_b": true } },
                "root": "/p", "now": 100, "lease": null, "env": env })
    };
    let writes = call(portplan::allocate_json, request(false));
    assert!(writes["registry"].is_string(), "without env: {writes}");
    let refused = call(portplan::allocate_json, request(true));
    assert_eq!(refused["error"]["kind"], "invalid_name", "{refused}");
    assert!(refused.get("registry").is_none());
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("would both be A_B_PORT")
    );
}

#[test]
fn a_lease_whose_used_lies_in_the_future_is_kept_at_a_write() {
    let registry = json!({ "version": 2, "leases": [
        { "namespace": "x", "name": "ahead", "root": "/x", "port": 40001, "created": 1,
          "used": 1_795_000_000_u64 + 31 * 86_400 },
    ] })
    .to_string();
    let answer = call(
        portplan::allocate_json,
        json!({ "config": { "namespace": "p", "range": [40000, 40010], "services": { "web": true } },
                "root": "/p", "registry": registry, "now": 1_795_000_000_u64, "lease": ["web"] }),
    );
    let leases = call(
        portplan::leases_json,
        json!({ "registry": answer["registry"] }),
    );
    let names: Vec<&str> = leases["leases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web", "ahead"], "{leases}");
}

#[test]
fn huge_unknown_keys_are_quoted_as_short_excerpts() {
    let key = "k".repeat(10 * 1024 * 1024);
    let registry = format!(r#"{{"version": 2, "leases": [], "{key}": 1}}"#);
    let answer = call(portplan::leases_json, json!({ "registry": registry }));
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("unknown key kkkk") && message.contains('…'));
    assert!(message.len() < 200, "{} bytes", message.len());

    let config = format!("range = [1, 9]\n{key} = 1\n");
    let answer = call(portplan::plan_json, json!({ "config": config }));
    assert_eq!(answer["error"]["kind"], "invalid_config");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.len() < 300, "{} bytes", message.len());
    assert!(answer["error"]["key"].as_str().unwrap().len() < 100);

    let name = "n".repeat(10 * 1024 * 1024);
    let answer = call(
        portplan::plan_json,
        json!({ "config": { "services": { name: true } } }),
    );
    assert_eq!(answer["error"]["kind"], "invalid_name");
    assert!(answer["error"]["message"].as_str().unwrap().len() < 300);
}

#[test]
fn unsafe_files_and_a_full_disk_are_worded_by_the_core() {
    let words = |request: Value| {
        call(portplan::host_error_json, request)["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        words(json!({ "problem": "unsafe_lock", "path": LOCK, "why": "fifo" })),
        "the lock /s/registry.json.lock is a FIFO (named pipe), not a regular file; remove it"
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
        call(
            portplan::host_error_json,
            json!({ "problem": "lost_lock", "path": LOCK })
        )["error"]["kind"]
            == "invalid_request"
    );
    assert_eq!(
        words(
            json!({ "problem": "io", "path": LOCK, "action": "lock", "code": "ENOSPC", "reason": "[Errno 28] raw" })
        ),
        "cannot lock /s/registry.json.lock: No space left on device"
    );
}

#[test]
fn a_double_dash_lets_get_ask_for_a_service_named_like_an_option() {
    let answer = call(
        portplan::cli_json,
        json!({ "argv": ["get", "--", "--help"] }),
    );
    assert_eq!(answer["name"], "--help", "{answer}");
    assert_eq!(answer["lease"], json!(["--help"]));
    let run = call(
        portplan::cli_json,
        json!({ "argv": ["run", "web", "--", "npm", "start"] }),
    );
    assert_eq!(run["cmd"], json!(["npm", "start"]));
}

#[test]
fn a_toml_syntax_error_on_a_huge_line_is_quoted_short() {
    let line = "k".repeat(1024 * 1024);
    for config in [
        format!("{line} = \n"),
        format!("x = \"{line}\n"),
        format!("[{line}\n"),
    ] {
        let answer = call(portplan::plan_json, json!({ "config": config }));
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
    let answer = call(
        portplan::leases_json,
        json!({ "registry": later.to_string() }),
    );
    assert_eq!(answer["leases"][0]["name"], "a");
    let leases = [
        json!({ "namespace": huge.clone(), "name": "a", "root": "/x", "port": 1, "created": 1, "used": 1 }),
        json!({ "namespace": "x", "name": "a\u{202e}", "root": "/x", "port": 1, "created": 1, "used": 1 }),
        json!({ "namespace": "x", "name": "a", "root": huge.clone(), "port": huge.clone(), "created": 1, "used": 1 }),
    ];
    for lease in leases {
        let registry = json!({ "version": 2, "leases": [lease] }).to_string();
        let answer = call(portplan::leases_json, json!({ "registry": registry }));
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{answer}");
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
        let answer = call(
            portplan::plan_json,
            json!({ "config": { "services": { bad: true } } }),
        );
        assert_eq!(answer["error"]["kind"], "invalid_name", "{bad:?}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(!message.contains(bad), "{message}");
        let registry = json!({ "version": 2, "leases": [
            { "namespace": "x", "name": bad, "root": "/x", "port": 1, "created": 1, "used": 1 },
        ] })
        .to_string();
        let answer = call(portplan::leases_json, json!({ "registry": registry }));
        assert!(answer["error"].is_object(), "{bad:?}: {answer}");
    }
}
