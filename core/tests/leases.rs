//! The registry's rules (SPEC §7, format 2): one test per rule, through the typed rules a
//! session applies (`portplan::registry::leases`, `portplan::registry::Registry`). The same
//! rules through both CLIs, end to end, are the shared vectors (tests/vectors/leases.json).

use portplan::registry::Lease;
use portplan::registry::file::{LEASE_TTL_SECONDS, REGISTRY_VERSION};
use portplan::registry::leases::{self, Allocated, Request};
use portplan::{Config, ConfigInput, ErrorKind, Holder, Plan, Reason, Registry};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const NOW: u64 = 1_795_392_000;
const HOUR: u64 = 3600;
const SHOP: &str = "/home/me/shop";
const CLONE: &str = "/home/me/other/shop";

fn config(value: Value) -> Config {
    let input: ConfigInput = serde_json::from_value(value).expect("a config input");
    Config::from_input(input).unwrap_or_else(|e| panic!("{e}"))
}

/// One call: `lease` None hands out every service, `Some(&[])` only asks.
struct Call<'a> {
    root: &'a str,
    busy: &'a [u16],
    now: u64,
    lease: Option<&'a [&'a str]>,
    existing_roots: BTreeMap<String, bool>,
}

impl<'a> Call<'a> {
    fn new(root: &'a str) -> Self {
        Call {
            root,
            busy: &[],
            now: NOW,
            lease: None,
            existing_roots: BTreeMap::new(),
        }
    }

    fn at(mut self, now: u64) -> Self {
        self.now = now;
        self
    }

    fn busy(mut self, busy: &'a [u16]) -> Self {
        self.busy = busy;
        self
    }

    fn lease(mut self, names: &'a [&'a str]) -> Self {
        self.lease = Some(names);
        self
    }

    fn gone(mut self, root: &str) -> Self {
        self.existing_roots.insert(root.to_owned(), false);
        self
    }

    fn run(&self, config: &Config, registry: &Registry) -> portplan::error::Result<Allocated> {
        let names: Option<Vec<String>> = self
            .lease
            .map(|names| names.iter().map(|n| (*n).to_owned()).collect());
        leases::allocate(
            config,
            registry,
            &Request {
                root: self.root,
                busy: self.busy,
                now: self.now,
                lease: names.as_deref(),
                existing_roots: &self.existing_roots,
            },
        )
    }

    /// Runs the call and keeps what it would write.
    fn apply(&self, config: &Config, registry: &mut Registry) -> Plan {
        let allocated = self.run(config, registry).unwrap_or_else(|e| panic!("{e}"));
        if let Some(next) = allocated.registry {
            *registry = next;
        }
        allocated.plan
    }
}

fn reason(plan: &Plan, name: &str) -> Reason {
    plan.entries
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("{name} is in the plan"))
        .reason
        .clone()
}

fn lease_of<'r>(registry: &'r Registry, name: &str, root: Option<&str>) -> Option<&'r Lease> {
    registry
        .leases()
        .find(|l| l.name == name && l.root.as_deref() == root)
}

fn v1(leases: Value) -> Registry {
    Registry::parse(&json!({ "version": 1, "leases": leases }).to_string()).unwrap()
}

#[test]
fn adding_a_service_never_moves_a_leased_one() {
    let mut registry = Registry::default();
    let small = config(
        json!({ "namespace": "p", "range": [40000, 40004], "exclude": [], "services": { "b": true, "d": true } }),
    );
    let first = Call::new(SHOP).apply(&small, &mut registry);
    // "a" sorts first and may share a home with b or d: without leases it would take it.
    let grown = config(
        json!({ "namespace": "p", "range": [40000, 40004], "exclude": [], "services": { "a": true, "b": true, "c": true, "d": true, "e": true } }),
    );
    let second = Call::new(SHOP).apply(&grown, &mut registry);
    for name in ["b", "d"] {
        assert_eq!(second.port(name), first.port(name), "{name} keeps its port");
        assert_eq!(reason(&second, name), Reason::Kept { since: NOW });
    }
    assert_eq!(registry.leases().count(), 5);
}

#[test]
fn other_leases_are_busy_and_release_frees_only_this_roots() {
    let mut registry = Registry::default();
    let one = config(
        json!({ "namespace": "one", "range": [40000, 40000], "exclude": [], "services": { "web": true } }),
    );
    assert_eq!(
        Call::new(SHOP).apply(&one, &mut registry).port("web"),
        Some(40000)
    );
    let two = config(
        json!({ "namespace": "two", "range": [40000, 40000], "exclude": [], "services": { "web": true } }),
    );
    let e = Call::new(SHOP).run(&two, &registry).unwrap_err();
    assert_eq!(e.kind, ErrorKind::RangeExhausted);
    let wide = config(
        json!({ "namespace": "two", "range": [40000, 40001], "exclude": [], "services": { "web": true } }),
    );
    let p = Call::new(SHOP).apply(&wide, &mut registry);
    assert_eq!(p.port("web"), Some(40001));
    assert_eq!(
        reason(&p, "web"),
        Reason::Displaced {
            home: 40000,
            by: Holder::Lease {
                namespace: "one".into(),
                service: "web".into(),
                root: None
            }
        }
    );
    // Another root's release frees nothing of this root.
    assert!(registry.release("one", CLONE, Some("web")).is_empty());
    assert_eq!(registry.release("one", SHOP, Some("web")).len(), 1);
    assert_eq!(registry.leases().count(), 1);
    assert_eq!(registry.release("two", SHOP, None).len(), 1);
    assert_eq!(registry.leases().count(), 0);
}

#[test]
fn probes_never_move_a_lease_but_config_changes_do() {
    let mut registry = Registry::default();
    let c = config(
        json!({ "namespace": "p", "range": [40000, 40010], "exclude": [], "services": { "web": true } }),
    );
    let port = Call::new(SHOP)
        .apply(&c, &mut registry)
        .port("web")
        .unwrap();
    // Busy (its own server is listening): kept, and not probed.
    let kept = Call::new(SHOP).busy(&[port]).run(&c, &registry).unwrap();
    assert_eq!(kept.plan.port("web"), Some(port));
    assert!(leases::ports_to_probe(&kept.plan).is_empty());
    // Excluded now: it moves when handed out.
    let excluded = config(
        json!({ "namespace": "p", "range": [40000, 40010], "exclude": [port], "services": { "web": true } }),
    );
    let moved = Call::new(SHOP).apply(&excluded, &mut registry);
    assert_ne!(moved.port("web"), Some(port));
    assert_eq!(
        lease_of(&registry, "web", Some(SHOP)).map(|l| l.port),
        moved.port("web")
    );
    // Pinned now: handed out as its pin, its lease goes.
    let pinned = config(json!({ "namespace": "p", "services": { "web": 5000 } }));
    Call::new(SHOP).apply(&pinned, &mut registry);
    assert_eq!(registry.leases().count(), 0);
}

#[test]
fn a_lease_on_a_port_browsers_refuse_moves_when_browser_safe() {
    let mut registry = Registry::default();
    let unsafe_ok = config(
        json!({ "namespace": "p", "range": [6000, 6000], "exclude": [], "browser_safe": false, "services": { "x": true } }),
    );
    assert_eq!(
        Call::new(SHOP).apply(&unsafe_ok, &mut registry).port("x"),
        Some(6000)
    );
    let safe = config(
        json!({ "namespace": "p", "range": [6000, 6001], "exclude": [], "services": { "x": true } }),
    );
    let p = Call::new(SHOP).apply(&safe, &mut registry);
    assert_eq!(p.port("x"), Some(6001));
    assert!(!matches!(reason(&p, "x"), Reason::Kept { .. }));
}

#[test]
fn pins_are_never_probed_nor_busy() {
    // postgres listens on its pin: nothing fails, and the pin is not probed.
    let c = config(
        json!({ "namespace": "p", "range": [40000, 40010], "exclude": [], "services": { "web": true, "db": 5432 } }),
    );
    let mut registry = Registry::default();
    let allocated = Call::new(SHOP).busy(&[5432]).run(&c, &registry).unwrap();
    assert_eq!(allocated.plan.port("db"), Some(5432));
    assert_eq!(reason(&allocated.plan, "db"), Reason::Pinned);
    let probe = leases::ports_to_probe(&allocated.plan);
    assert_eq!(probe, vec![allocated.plan.port("web").unwrap()]);
    // Another project's lease on the pinned port does not make it busy either; both stay.
    let other = config(
        json!({ "namespace": "q", "range": [5432, 5432], "exclude": [], "services": { "api": true } }),
    );
    Call::new(CLONE).apply(&other, &mut registry);
    let p = Call::new(SHOP).busy(&[5432]).apply(&c, &mut registry);
    assert_eq!(p.port("db"), Some(5432));
    assert_eq!(
        lease_of(&registry, "api", Some(CLONE)).map(|l| l.port),
        Some(5432)
    );
    // `db` is handed out (env) but a pin holds no lease.
    assert!(lease_of(&registry, "db", Some(SHOP)).is_none());
    // The pure plan keeps SPEC §2's pin_busy.
    assert_eq!(
        portplan::plan(&c, &[5432]).unwrap_err().kind,
        ErrorKind::PinBusy
    );
}

#[test]
fn two_roots_of_one_project_get_home_then_a_stable_other_port() {
    let c = config(json!({ "namespace": "shop", "services": { "web": true } }));
    let mut registry = Registry::default();
    let first = Call::new(SHOP).lease(&["web"]).apply(&c, &mut registry);
    let home = first.port("web").unwrap();
    assert!(matches!(reason(&first, "web"), Reason::Home { .. }));
    let second = Call::new(CLONE).lease(&["web"]).apply(&c, &mut registry);
    let other = second.port("web").unwrap();
    assert_ne!(other, home);
    assert_eq!(
        reason(&second, "web"),
        Reason::Displaced {
            home: i64::from(home),
            by: Holder::Lease {
                namespace: "shop".into(),
                service: "web".into(),
                root: Some(SHOP.into())
            }
        }
    );
    // Each keeps its own port from then on, in any order.
    for (root, port) in [(CLONE, other), (SHOP, home), (CLONE, other)] {
        let again = Call::new(root)
            .at(NOW + 10)
            .lease(&["web"])
            .apply(&c, &mut registry);
        assert_eq!(again.port("web"), Some(port), "{root}");
        assert_eq!(reason(&again, "web"), Reason::Kept { since: NOW });
    }
    assert_eq!(registry.leases().count(), 2);
}

#[test]
fn only_the_names_handed_out_are_recorded() {
    let c = config(json!({ "namespace": "shop", "services": { "web": true, "api": true } }));
    let mut registry = Registry::default();
    Call::new(SHOP).lease(&["web"]).apply(&c, &mut registry);
    let names: Vec<&str> = registry.leases().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["web"]);
    Call::new(SHOP).apply(&c, &mut registry);
    assert_eq!(registry.leases().count(), 2, "env hands out every service");
}

#[test]
fn a_one_off_range_leaves_other_leases_alone() {
    let c = config(json!({ "namespace": "shop", "services": { "web": true } }));
    let mut registry = Registry::default();
    let web = Call::new(SHOP)
        .apply(&c, &mut registry)
        .port("web")
        .unwrap();
    // port('other', {range: [3000, 3999]}): web is outside that range, its lease stays.
    let one_off = config(
        json!({ "namespace": "shop", "range": [3000, 3999], "services": { "web": true, "other": true } }),
    );
    let p = Call::new(SHOP)
        .lease(&["other"])
        .apply(&one_off, &mut registry);
    assert!((3000..=3999).contains(&p.port("other").unwrap()));
    let web_lease = lease_of(&registry, "web", Some(SHOP)).expect("web keeps its lease");
    assert_eq!((web_lease.port, web_lease.used), (web, NOW));
    assert_eq!(
        Call::new(SHOP).apply(&c, &mut registry).port("web"),
        Some(web)
    );
}

#[test]
fn a_disabled_service_is_not_planned_and_its_lease_is_left_alone() {
    let mut registry = Registry::default();
    Call::new(SHOP).apply(
        &config(json!({ "namespace": "p", "services": { "web": true } })),
        &mut registry,
    );
    let p = Call::new(SHOP).apply(
        &config(json!({ "namespace": "p", "services": { "web": false } })),
        &mut registry,
    );
    assert!(p.entries.is_empty());
    assert_eq!(
        registry.leases().count(),
        1,
        "no other name's lease changes"
    );
}

#[test]
fn read_only_questions_write_nothing_and_show_leased_names() {
    let c = config(json!({ "namespace": "shop", "services": { "web": true } }));
    let mut registry = Registry::default();
    // `get scratch`: a name the config does not list.
    let with_scratch =
        config(json!({ "namespace": "shop", "services": { "web": true, "scratch": true } }));
    let scratch = Call::new(SHOP)
        .lease(&["scratch"])
        .apply(&with_scratch, &mut registry)
        .port("scratch");
    // `plan` / `why`: nothing to write, even with leases expired and roots gone, and the
    // leased name is shown as kept.
    let asked = Call::new(SHOP)
        .at(NOW + LEASE_TTL_SECONDS / 2)
        .lease(&[])
        .gone("/tmp/gone")
        .run(&c, &registry)
        .unwrap();
    assert!(asked.registry.is_none());
    assert_eq!(asked.plan.port("scratch"), scratch);
    assert_eq!(reason(&asked.plan, "scratch"), Reason::Kept { since: NOW });
    assert!(
        !matches!(reason(&asked.plan, "web"), Reason::Kept { .. }),
        "web has no lease: shown fresh, not leased"
    );
    // Another checkout does not see this root's names.
    let elsewhere = Call::new(CLONE).lease(&[]).run(&c, &registry).unwrap();
    assert!(elsewhere.plan.port("scratch").is_none());
}

#[test]
fn asking_again_writes_nothing_and_used_is_refreshed_hourly() {
    let c = config(json!({ "namespace": "shop", "services": { "web": true } }));
    let mut registry = Registry::default();
    Call::new(SHOP).lease(&["web"]).apply(&c, &mut registry);
    let again = Call::new(SHOP)
        .at(NOW + HOUR - 1)
        .lease(&["web"])
        .run(&c, &registry)
        .unwrap();
    assert!(
        again.registry.is_none(),
        "within the hour: nothing to write"
    );
    let later = Call::new(SHOP)
        .at(NOW + HOUR)
        .lease(&["web"])
        .run(&c, &registry)
        .unwrap();
    let next = later.registry.expect("an hour later: used is refreshed");
    let web = lease_of(&next, "web", Some(SHOP)).unwrap();
    assert_eq!((web.created, web.used), (NOW, NOW + HOUR));
}

#[test]
fn leases_expire_after_30_days_and_a_future_used_is_restamped() {
    let c = config(json!({ "namespace": "shop", "services": { "web": true, "api": true } }));
    let registry = Registry::parse(
        &json!({ "version": 2, "leases": [
            { "namespace": "x", "name": "old", "root": "/x", "port": 40000, "created": 1, "used": NOW - LEASE_TTL_SECONDS },
            { "namespace": "x", "name": "future", "root": "/x", "port": 40001, "created": 1, "used": NOW + 1_000_000 },
        ] })
        .to_string(),
    )
    .unwrap();
    let mut at_limit = registry.clone();
    Call::new(SHOP).lease(&["web"]).apply(&c, &mut at_limit);
    assert!(
        lease_of(&at_limit, "old", Some("/x")).is_some(),
        "30 days: kept"
    );
    let mut after = registry.clone();
    Call::new(SHOP)
        .at(NOW + 1)
        .lease(&["web"])
        .apply(&c, &mut after);
    assert!(lease_of(&after, "old", Some("/x")).is_none(), "dropped");
    // SPEC v3 §9: a lease a wrong clock stamped in the future is kept, and lives 30 days of
    // real time from the next write (which re-stamps it with its own "now").
    let future = lease_of(&after, "future", Some("/x")).expect("a future used is kept");
    assert_eq!(future.used, NOW + 1);
}

#[test]
fn leases_of_deleted_roots_are_dropped_at_a_write() {
    let c = config(json!({ "namespace": "shop", "services": { "web": true } }));
    let mut registry = Registry::default();
    Call::new("/tmp/pytest-1/t0").apply(&c, &mut registry);
    Call::new(CLONE).apply(&c, &mut registry);
    assert_eq!(
        registry.roots(),
        ["/home/me/other/shop", "/tmp/pytest-1/t0"]
    );
    // A write from another root drops the gone root's lease, and only that one.
    let p = Call::new(SHOP)
        .gone("/tmp/pytest-1/t0")
        .apply(&c, &mut registry);
    assert!(lease_of(&registry, "web", Some("/tmp/pytest-1/t0")).is_none());
    assert!(lease_of(&registry, "web", Some(CLONE)).is_some());
    // Its port was free again for this plan: the home port, held by the gone root before.
    assert!(matches!(reason(&p, "web"), Reason::Home { .. }));
    // A call that changes nothing else still writes the drop.
    let mut registry2 = Registry::default();
    Call::new("/gone").apply(&c, &mut registry2);
    let other = config(json!({ "namespace": "q", "services": { "db": 5432 } }));
    let dropped = Call::new(SHOP)
        .gone("/gone")
        .run(&other, &registry2)
        .unwrap();
    assert_eq!(dropped.registry.expect("a write").leases().count(), 0);
}

#[test]
fn a_version_1_registry_is_upgraded_without_losing_a_lease() {
    let text = json!({ "version": 1, "leases": [
        { "namespace": "shop", "name": "api", "port": 21300, "created": 5, "used": NOW },
        { "namespace": "shop", "name": "web", "port": 21225, "created": 5, "used": NOW },
        { "namespace": "zoo", "name": "web", "port": 21226, "created": 5, "used": NOW },
    ] })
    .to_string();
    let mut registry = Registry::parse(&text).unwrap();
    assert_eq!(registry.version(), 1);
    assert!(registry.leases().all(|l| l.root.is_none()));
    let c = config(json!({ "namespace": "shop", "services": { "web": true, "api": true } }));
    // A question shows the v1 leases as kept and writes nothing.
    let asked = Call::new(SHOP).lease(&[]).run(&c, &registry).unwrap();
    assert!(asked.registry.is_none());
    assert_eq!(asked.plan.port("web"), Some(21225));
    assert_eq!(reason(&asked.plan, "api"), Reason::Kept { since: 5 });
    // `get web` adopts web's lease: same port, same created, now with the root.
    let p = Call::new(SHOP).lease(&["web"]).apply(&c, &mut registry);
    assert_eq!(p.port("web"), Some(21225));
    assert_eq!(reason(&p, "web"), Reason::Kept { since: 5 });
    assert_eq!(
        lease_of(&registry, "web", Some(SHOP)).map(|l| (l.port, l.created)),
        Some((21225, 5))
    );
    let shop_web_v1 = registry
        .leases()
        .find(|l| l.namespace == "shop" && l.name == "web" && l.root.is_none());
    assert!(shop_web_v1.is_none(), "adopted, not copied");
    // api was not handed out: still waiting, with root null; zoo's untouched.
    assert_eq!(
        lease_of(&registry, "api", None).map(|l| l.port),
        Some(21300)
    );
    let zoo = registry.leases().find(|l| l.namespace == "zoo").unwrap();
    assert_eq!((zoo.port, zoo.root.as_deref()), (21226, None));
    assert_eq!(registry.leases().count(), 3);
    // Written as version 2, the unadopted lease with "root": null; it reads back the same.
    let written = registry.to_text();
    assert!(written.starts_with("{\n  \"version\": 2,"), "{written}");
    assert!(written.contains("\"root\": null"), "{written}");
    assert_eq!(Registry::parse(&written).unwrap(), registry);
    // Another checkout now finds web taken by the adopter and gets its own port; api is
    // adopted by whichever root asks first.
    let clone = Call::new(CLONE)
        .lease(&["web", "api"])
        .apply(&c, &mut registry);
    assert_ne!(clone.port("web"), Some(21225));
    assert_eq!(clone.port("api"), Some(21300));
    assert_eq!(
        lease_of(&registry, "api", Some(CLONE)).map(|l| l.port),
        Some(21300)
    );
    // A writing call on a v1 file that changes no lease still writes it as version 2.
    let pinned = config(json!({ "namespace": "q", "services": { "db": 5432 } }));
    let v1_only = v1(
        json!([{ "namespace": "zoo", "name": "web", "port": 21226, "created": 5, "used": NOW }]),
    );
    let upgraded = Call::new(SHOP).run(&pinned, &v1_only).unwrap();
    assert_eq!(
        upgraded.registry.expect("upgraded").version(),
        REGISTRY_VERSION
    );
}

#[test]
fn registry_text_round_trips_and_bad_files_are_errors() {
    let mut registry = Registry::default();
    Call::new(SHOP).apply(
        &config(json!({ "namespace": "p", "services": { "web": true, "api": true } })),
        &mut registry,
    );
    let text = registry.to_text();
    assert_eq!(Registry::parse(&text).unwrap(), registry);
    let lease = |root: Value| {
        json!({ "version": 2, "leases": [{ "namespace": "", "name": "a", "root": root, "port": 1, "created": 0, "used": 0 }] }).to_string()
    };
    let bad = [
        "".to_owned(),
        "   \n".to_owned(),
        "{".to_owned(),
        "[]".to_owned(),
        r#"{"leases": []}"#.to_owned(),
        r#"{"version": 3, "leases": []}"#.to_owned(),
        r#"{"version": 2}"#.to_owned(),
        r#"{"version": 1, "leases": [{"namespace": "", "name": "a", "port": 70000, "created": 0, "used": 0}]}"#.to_owned(),
        r#"{"version": 1, "leases": [{"namespace": "", "name": "a", "port": 1, "created": 0, "used": 0}, {"namespace": "", "name": "b", "port": 1, "created": 0, "used": 0}]}"#.to_owned(),
        r#"{"version": 1, "leases": [{"namespace": "", "name": "a\n", "port": 1, "created": 0, "used": 0}]}"#.to_owned(),
        r#"{"version": 2, "leases": [], "extra": true}"#.to_owned(),
        r#"{"version": 2, "leases": {}}"#.to_owned(),
        r#"{"version": 2, "leases": [7]}"#.to_owned(),
        r#"{"version": 2, "leases": [{"namespace": "", "name": "a", "port": 1, "created": 0, "used": 0}]}"#.to_owned(),
        lease(json!("")),
        lease(json!(7)),
        r#"{"version": 2, "leases": [{"namespace": "", "name": "a", "root": "/r", "port": 1, "created": 0, "used": 0}, {"namespace": "", "name": "a", "root": "/r", "port": 2, "created": 0, "used": 0}]}"#.to_owned(),
        r#"{"version": 1, "leases": [{"namespace": "", "name": "a", "port": "1", "created": 0, "used": 0}]}"#.to_owned(),
        r#"{"version": 1, "leases": [{"namespace": "", "name": "a", "port": 1, "created": -1, "used": 0}]}"#.to_owned(),
        r#"{"version": 1, "leases": [{"namespace": 0, "name": "a", "port": 1, "created": 0, "used": 0}]}"#.to_owned(),
    ];
    for text in &bad {
        let e = Registry::parse(text).expect_err(text);
        assert_eq!(e.kind, ErrorKind::InvalidRegistry, "{text}");
    }
    let e = Registry::parse(&lease(json!(7))).unwrap_err();
    assert!(
        e.message
            .contains("lease 1: `root` of a lease must be a folder's path or null, not 7"),
        "{}",
        e.message
    );
    let e = Registry::parse(r#"{"version": 3, "leases": []}"#).unwrap_err();
    assert!(
        e.message.contains("reads versions 1 and 2"),
        "{}",
        e.message
    );
    assert_eq!(e.data.version, Some(3));
    // A v1 file may hold leases of one name in two namespaces; a v2 file the same name in
    // two roots.
    assert!(Registry::parse(&lease(Value::Null)).is_ok());
    let two_roots = r#"{"version": 2, "leases": [{"namespace": "", "name": "a", "root": "/r", "port": 1, "created": 0, "used": 0}, {"namespace": "", "name": "a", "root": "/s", "port": 2, "created": 0, "used": 0}, {"namespace": "", "name": "a", "root": null, "port": 3, "created": 0, "used": 0}]}"#;
    let parsed = Registry::parse(two_roots).unwrap();
    let roots: Vec<Option<&str>> = parsed.leases().map(|l| l.root.as_deref()).collect();
    assert_eq!(roots, [None, Some("/r"), Some("/s")], "sorted, null first");
    // A repeated key is found also where the file is not sorted (edited by hand), and the
    // first fault in file order is the one named.
    let leases = |list: &[(&str, u16)]| {
        let leases: Vec<Value> = list
            .iter()
            .map(|(name, port)| json!({ "namespace": "", "name": name, "root": "/r", "port": port, "created": 0, "used": 0 }))
            .collect();
        json!({ "version": 2, "leases": leases }).to_string()
    };
    let message = |list: &[(&str, u16)]| Registry::parse(&leases(list)).unwrap_err().message;
    assert!(message(&[("b", 1), ("c", 2), ("a", 3), ("c", 4)]).contains("two leases for `c`"));
    assert!(message(&[("b", 1), ("a", 2), ("b", 3)]).contains("two leases for `b`"));
    assert!(message(&[("b", 1), ("a", 1), ("b", 3)]).contains("two leases hold port 1"));
    assert!(message(&[("a", 1), ("a", 2), ("b", 2)]).contains("two leases for `a`"));
    let unsorted = Registry::parse(&leases(&[("c", 1), ("a", 2), ("b", 3)])).unwrap();
    let names: Vec<&str> = unsorted.leases().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(Registry::parse(&unsorted.to_text()).unwrap(), unsorted);
    // The file's layout: fields in this order, two-space indents, a final newline.
    let mut one = Registry::default();
    Call::new("/p").at(7).apply(
        &config(json!({ "namespace": "p", "range": [3000, 3000], "exclude": [], "services": { "web": true } })),
        &mut one,
    );
    assert_eq!(
        one.to_text(),
        "{\n  \"version\": 2,\n  \"leases\": [\n    {\n      \"namespace\": \"p\",\n      \"name\": \"web\",\n      \"root\": \"/p\",\n      \"port\": 3000,\n      \"created\": 7,\n      \"used\": 7\n    }\n  ]\n}\n"
    );
    assert_eq!(
        Registry::default().to_text(),
        "{\n  \"version\": 2,\n  \"leases\": []\n}\n"
    );
}

#[test]
fn release_frees_this_roots_leases_and_the_v1_ones_it_would_adopt() {
    let registry = Registry::parse(
        &json!({ "version": 2, "leases": [
            { "namespace": "shop", "name": "api", "root": null, "port": 21300, "created": 1, "used": NOW },
            { "namespace": "shop", "name": "web", "root": CLONE, "port": 21226, "created": 1, "used": NOW },
            { "namespace": "shop", "name": "web", "root": SHOP, "port": 21225, "created": 1, "used": NOW },
        ] })
        .to_string(),
    )
    .unwrap();
    let mut one = registry.clone();
    let released = one.release("shop", SHOP, Some("web"));
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].root.as_deref(), Some(SHOP));
    assert_eq!(one.leases().count(), 2);
    let mut all = registry.clone();
    let ports: Vec<u16> = all
        .release("shop", SHOP, None)
        .iter()
        .map(|l| l.port)
        .collect();
    assert_eq!(ports, [21300, 21225]);
    let mut none = registry.clone();
    assert!(none.release("shop", "/else", Some("web")).is_empty());
    assert!(
        !none.differs_from(&registry),
        "nothing freed, nothing to write"
    );
    // A release is a write: what every write drops is dropped too.
    let mut pruned = registry.clone();
    pruned.release("shop", SHOP, Some("web"));
    pruned.prune(NOW, &BTreeMap::from([(CLONE.to_owned(), false)]));
    let left: Vec<&str> = pruned.leases().map(|l| l.name.as_str()).collect();
    assert_eq!(left, ["api"]);
}

#[test]
fn asking_again_within_the_hour_writes_nothing_and_probes_nothing() {
    let c = config(json!({ "namespace": "shop", "services": { "web": true } }));
    let web = ["web".to_owned()];
    let ask = |registry: &Registry, now: u64| {
        leases::allocate(
            &c,
            registry,
            &Request {
                root: SHOP,
                busy: &[],
                now,
                lease: Some(&web),
                existing_roots: &BTreeMap::new(),
            },
        )
        .unwrap()
    };
    let first = ask(&Registry::default(), NOW);
    let written = first.registry.expect("a new lease to write");
    assert_eq!(
        leases::ports_to_probe(&first.plan),
        [first.plan.port("web").unwrap()]
    );
    let again = ask(&written, NOW + 60);
    assert!(again.registry.is_none());
    assert!(
        leases::ports_to_probe(&again.plan).is_empty(),
        "a kept lease is not probed"
    );
    assert_eq!(written.roots(), [SHOP]);
    assert_eq!(written.leases().next().unwrap().root.as_deref(), Some(SHOP));
}
