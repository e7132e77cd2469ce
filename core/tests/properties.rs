//! Invariants of every plan, over generated configs, and of the sessions' boundary over any
//! input (proptest).

mod common;

use common::{LOCK, MemoryHost, OWNER, REGISTRY};
use portplan::{Config, ConfigInput, ErrorKind, Reason, Registry, Service, plan};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};

/// A config from its JSON form (the tests build configs with `json!`).
fn config_of(value: &Value) -> Result<Config, portplan::PlanError> {
    Config::from_input(
        serde_json::from_value::<ConfigInput>(value.clone())
            .expect("any JSON value is a config input"),
    )
}

/// A service's value: free (`true`), pinned (`Some(Some(port))`) or disabled (`false`).
type Spec = Option<Option<u16>>;

/// Allocates every service of `config` for one root and keeps what the call would write.
fn allocate_all(
    registry: &mut Registry,
    config: &Config,
    busy: &[u16],
    now: u64,
) -> Result<portplan::Plan, portplan::PlanError> {
    let roots = BTreeMap::new();
    let request = portplan::registry::leases::Request {
        root: "/p",
        busy,
        now,
        lease: None,
        existing_roots: &roots,
    };
    let allocated = portplan::registry::leases::allocate(config, registry, &request)?;
    if let Some(next) = allocated.registry {
        // What is written reads back as itself: one lease per port, keys unique.
        let reread = Registry::parse(&next.to_text()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reread, next);
        *registry = next;
    }
    Ok(allocated.plan)
}

fn spec_value(spec: &Spec) -> Value {
    match spec {
        None => json!(true),
        Some(Some(port)) => json!(port),
        Some(None) => json!(false),
    }
}

/// Names from a small alphabet so that homes collide often in small ranges.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-e]{1,3}",
        "[a-zA-Z0-9_.-]{1,12}",
        "\\PC{1,4}", // any printable Unicode, including astral characters
    ]
}

#[derive(Debug, Clone)]
struct Case {
    min: u16,
    len: u16,
    layout: &'static str,
    hash: &'static str,
    namespace: String,
    browser_safe: bool,
    services: Vec<(String, Spec)>,
    exclude: Vec<u16>,
    busy: Vec<u16>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1u16..65000,
        1u16..60,
        prop_oneof![
            Just("hash"),
            Just("hash"),
            Just("sequential"),
            Just("block")
        ],
        prop_oneof![Just("sha256"), Just("sha256"), Just("lagom")],
        prop_oneof![Just(String::new()), name()],
        prop::bool::weighted(0.8),
        prop::collection::vec(
            (
                name(),
                prop::option::weighted(0.3, prop::option::weighted(0.7, 1u16..=65535)),
            ),
            0..25,
        ),
        prop::collection::vec(0u16..80, 0..6),
        prop::collection::vec(0u16..80, 0..6),
    )
        .prop_map(
            |(min, len, layout, hash, namespace, browser_safe, services, exclude, busy)| {
                // Now and then a range among the ports browsers refuse.
                let min = if min % 7 == 0 { min % 6700 + 1 } else { min }.min(65535 - len);
                let near = |offsets: Vec<u16>| {
                    offsets
                        .into_iter()
                        .map(|o| min.saturating_add(o).max(1))
                        .collect()
                };
                let (hash, namespace) = if hash == "lagom" && layout == "hash" {
                    (hash, String::new())
                } else {
                    ("sha256", namespace)
                };
                Case {
                    min,
                    len,
                    layout,
                    hash,
                    namespace,
                    browser_safe,
                    services,
                    exclude: near(exclude),
                    busy: near(busy),
                }
            },
        )
}

impl Case {
    fn config_value(&self, services: &[(String, Spec)]) -> Value {
        let mut map = Map::new();
        for (name, spec) in services {
            map.insert(name.clone(), spec_value(spec));
        }
        json!({
            "range": [self.min, self.min + self.len],
            "layout": self.layout,
            "hash": self.hash,
            "namespace": self.namespace,
            "block_size": 8,
            "exclude": self.exclude,
            "browser_safe": self.browser_safe,
            "services": map,
        })
    }
}

fn check_invariants(config: &Config, busy: &[u16], p: &portplan::Plan) {
    let mut seen = HashSet::new();
    let taken: HashSet<u16> = busy.iter().copied().collect();
    let declared = config
        .services
        .values()
        .filter(|s| **s != Service::Disabled)
        .count();
    assert_eq!(
        p.entries.len(),
        declared,
        "every service but the disabled is in the plan"
    );
    for entry in &p.entries {
        assert!(seen.insert(entry.port), "port {} given twice", entry.port);
        match config.services[&entry.name] {
            Service::Disabled => panic!("disabled {} is in the plan", entry.name),
            Service::Pinned(port) => assert_eq!(entry.port, port, "pin of {} kept", entry.name),
            Service::Free => {
                let lagom_min_case = config.hash == portplan::HashKind::Lagom
                    && portplan::plan::home::lagom_hash(&entry.name) == i32::MIN;
                if !lagom_min_case {
                    assert!(
                        config.in_range(i64::from(entry.port)),
                        "{} at {} is outside the range",
                        entry.name,
                        entry.port
                    );
                }
                assert!(
                    !taken.contains(&entry.port),
                    "{} got busy port {}",
                    entry.name,
                    entry.port
                );
                assert!(
                    !config.is_excluded(entry.port),
                    "{} got excluded port {}",
                    entry.name,
                    entry.port
                );
                assert!(
                    !config.is_unsafe(entry.port),
                    "{} got port {}, which browsers refuse",
                    entry.name,
                    entry.port
                );
                assert!(!matches!(entry.reason, Reason::Pinned));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn plans_keep_every_invariant(case in case()) {
        let config = match config_of(&case.config_value(&case.services)) {
            Ok(config) => config,
            Err(e) => { prop_assert!(!e.message.is_empty()); return Ok(()); }
        };
        match plan(&config, &case.busy) {
            Ok(p) => {
                check_invariants(&config, &case.busy, &p);
                // Identical inputs give identical plans.
                prop_assert_eq!(plan(&config, &case.busy).unwrap(), p);
            }
            Err(e) => prop_assert!(matches!(e.kind, ErrorKind::DuplicatePin | ErrorKind::PinBusy | ErrorKind::RangeExhausted), "{}", e),
        }
    }

    #[test]
    fn the_plan_does_not_depend_on_input_order(case in case(), seed in any::<u64>()) {
        // Build the JSON text by hand in two different orders (a JSON object keeps none).
        let mut services: BTreeMap<String, Spec> = BTreeMap::new();
        for (name, spec) in &case.services { services.insert(name.clone(), *spec); }
        let mut items: Vec<(String, Spec)> = services.into_iter().collect();
        let text = |items: &[(String, Spec)]| {
            let body: Vec<String> = items.iter().map(|(n, spec)| format!("{}: {}", Value::from(n.as_str()), spec_value(spec))).collect();
            let mut value = case.config_value(&[]);
            value.as_object_mut().unwrap().remove("services");
            let head = value.to_string();
            format!("{}, \"services\": {{{}}}}}", &head[..head.len() - 1], body.join(", "))
        };
        let forward = text(&items);
        let mut state = seed | 1;
        for i in (1..items.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            items.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled = text(&items);
        let answer = |t: &str| portplan::plan_json(&json!({ "config": t, "busy": case.busy }).to_string());
        prop_assert_eq!(answer(&forward), answer(&shuffled));
    }

    #[test]
    fn a_plan_with_leases_never_moves_a_leased_service(case in case(), extra in prop::collection::vec(name(), 1..5)) {
        let Ok(config) = config_of(&case.config_value(&case.services)) else { return Ok(()) };
        let mut registry = Registry::default();
        let Ok(first) = allocate_all(&mut registry, &config, &case.busy, 1000) else { return Ok(()) };
        let mut grown = case.services.clone();
        grown.extend(extra.into_iter().map(|n| (n, None)));
        let Ok(bigger) = config_of(&case.config_value(&grown)) else { return Ok(()) };
        // Busy ports found later never move a lease either.
        let busy: Vec<u16> = case.busy.iter().copied().chain(first.entries.iter().map(|e| e.port)).collect();
        if let Ok(second) = allocate_all(&mut registry, &bigger, &busy, 2000) {
            for entry in first.entries.iter().filter(|e| !matches!(e.reason, Reason::Pinned)) {
                if bigger.services.get(&entry.name) == Some(&Service::Free) {
                    prop_assert_eq!(second.port(&entry.name), Some(entry.port), "{} moved", entry.name);
                }
            }
        }
    }

    #[test]
    fn a_held_lock_is_never_taken_whatever_its_owner_file_says(owner in "\\PC{0,300}", argv in prop_oneof![Just(vec!["get", "web"]), Just(vec!["env"]), Just(vec!["release", "web"])]) {
        // The lock is the kernel's: a writer never judges its holder by the owner file (a pid,
        // a host, an age); it waits its 10 s and says who holds it, in one line.
        let mut host = MemoryHost::default();
        host.file("/p/portplan.toml", "namespace = \"p\"\n[services]\nweb = true\n");
        host.foreign_locks.insert(LOCK.to_owned());
        host.file(OWNER, &owner);
        let started = host.clock_ms;
        let ran = host.cli("/p", &argv);
        prop_assert_eq!(&ran.answer, &json!({ "exit": 1 }));
        prop_assert!(ran.err.starts_with("portplan: error: the registry /state/registry.json is locked by "), "{}", ran.err);
        prop_assert_eq!(ran.err.matches('\n').count(), 1);
        prop_assert!(host.clock_ms - started >= 10_000.0);
        prop_assert!(!host.files.contains_key(REGISTRY));
    }

    #[test]
    fn no_input_panics(text in "\\PC{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for input in [text.as_str(), lossy.as_str()] {
            let answer: Value = serde_json::from_str(&portplan::plan_json(input)).expect("answers are JSON");
            prop_assert!(answer.is_object());
            let _ = Registry::parse(input);
            let _ = Config::from_text(input);
            let _ = portplan::commands::cli::parse(&[input.to_owned()]);
            let _ = serde_json::from_str::<portplan::words::problems::Problem>(input);
            // Any session request: an answer (an error for most), never a panic.
            let mut session = portplan::session::Session::from_json(input);
            let step = portplan::session::step_text(&session.step(None));
            prop_assert!(serde_json::from_str::<Value>(&step).is_ok());
            let request = json!({ "config": input, "registry": input, "busy": [1], "what": "table", "plan": input, "argv": [input] });
            let _ = portplan::plan_json(&request.to_string());
            // Any word on the command line: an exit code and its words, never a panic.
            let mut host = MemoryHost::default();
            host.file("/p/portplan.toml", input);
            host.file(REGISTRY, input);
            for argv in [vec![input], vec!["get", input], vec!["why", input], vec!["env"]] {
                let ran = host.cli("/p", &argv);
                prop_assert!(ran.answer.get("exit").is_some(), "{:?}: {}", argv, ran.answer);
            }
        }
    }

    #[test]
    fn arbitrary_json_configs_give_answers_not_panics(value in arbitrary_json()) {
        let request = json!({ "config": value, "busy": [] }).to_string();
        let answer: Value = serde_json::from_str(&portplan::plan_json(&request)).unwrap();
        prop_assert!(answer.get("plan").is_some() || answer.get("error").is_some());
        let services = json!({ "config": { "services": value.clone(), "range": value.clone() } }).to_string();
        let _ = portplan::plan_json(&services);
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u64..70000).prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,10}".prop_map(Value::from),
        prop_oneof![
            Just("range"),
            Just("services"),
            Just("exclude"),
            Just("layout"),
            Just("block"),
            Just("hash"),
            Just("lagom")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("range".to_owned()),
                    Just("services".to_owned()),
                    Just("exclude".to_owned()),
                    Just("layout".to_owned()),
                    Just("namespace".to_owned()),
                    "[a-z]{1,4}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
