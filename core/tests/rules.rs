//! One test per rule of SPEC.md §1–§6 (the registry's rules are in tests/leases.rs).

use portplan::plan::home::{home_port, java_string_hash, lagom_hash};
use portplan::{Config, ConfigInput, ErrorKind, Holder, Reason, plan};
use serde_json::{Value, json};

/// A config from its JSON form (the tests build configs with `json!`).
fn config_of(value: &Value) -> Result<Config, portplan::PlanError> {
    Config::from_input(
        serde_json::from_value::<ConfigInput>(value.clone())
            .expect("any JSON value is a config input"),
    )
}

fn config(value: Value) -> Config {
    config_of(&value).unwrap_or_else(|e| panic!("{e}"))
}

fn error_of(value: Value, busy: &[u16]) -> portplan::PlanError {
    match config_of(&value) {
        Err(e) => e,
        Ok(c) => plan(&c, busy).expect_err("an error"),
    }
}

fn reason(plan: &portplan::Plan, name: &str) -> Reason {
    plan.entries
        .iter()
        .find(|e| e.name == name)
        .unwrap()
        .reason
        .clone()
}

#[test]
fn defaults_are_those_of_the_spec() {
    let c = config(json!({}));
    assert_eq!((c.range.min, c.range.max), (20000, 29999));
    assert!(c.browser_safe);
    assert_eq!(c.block_size, 100);
    assert!(c.is_excluded(27017) && c.is_excluded(25565) && !c.is_excluded(27016));
    assert_eq!(c.namespace, "");
}

#[test]
fn sha256_home_hashes_namespace_zero_name() {
    // "web" alone gives 21225 (shared vector); with a namespace the key changes.
    assert_eq!(home_port(&config(json!({})), "web"), 21225);
    assert_eq!(
        home_port(&config(json!({ "namespace": "shop@feature-x" })), "web"),
        26363
    );
}

#[test]
fn java_hash_code_is_over_utf16_units() {
    assert_eq!(java_string_hash(""), 0);
    assert_eq!(java_string_hash("a"), 97);
    assert_eq!(java_string_hash("Aa"), java_string_hash("BB"));
    // U+1F680 is two UTF-16 units: 0xD83D, 0xDE80.
    assert_eq!(java_string_hash("🚀"), 0xD83D * 31 + 0xDE80);
}

#[test]
fn lagom_published_homes() {
    let c = config(json!({ "range": [7, 14], "hash": "lagom", "exclude": [] }));
    for (name, home) in [("AaAa", 7), ("AaAa-tls", 14), ("dad", 10), ("dad-tls", 13)] {
        assert_eq!(home_port(&c, name), home, "{name}");
    }
}

/// A name whose Lagom hash is exactly i32::MIN, built by inverting the hash.
fn name_with_lagom_min() -> String {
    fn inverse(a: u32) -> u32 {
        // Newton's iteration for the inverse of an odd number modulo 2^32.
        let mut x = a;
        for _ in 0..5 {
            x = x.wrapping_mul(2u32.wrapping_sub(a.wrapping_mul(x)));
        }
        x
    }
    let unshift = |y: u32, s: u32| {
        let mut x = y;
        for _ in 0..(32 / s + 1) {
            x = y ^ (x >> s);
        }
        x
    };
    let mut h = i32::MIN as u32;
    h = unshift(h, 16);
    h = h.wrapping_mul(inverse(0xc2b2_ae35));
    h = unshift(h, 13);
    h = h.wrapping_mul(inverse(0x85eb_ca6b));
    h = unshift(h, 16);
    h ^= 1;
    h = h.wrapping_sub(0xe654_6b64).wrapping_mul(inverse(5));
    h = h.rotate_right(13);
    let mut k = h ^ 0xcafe_babe;
    k = k.wrapping_mul(inverse(0x1b87_3593));
    k = k.rotate_right(15);
    let s = k.wrapping_mul(inverse(0xcc9e_2d51));
    // hashCode(prefix + c1 + c2) = P * 961 + 31 * c1 + c2 (mod 2^32): find a prefix that
    // leaves a remainder two printable BMP characters can make exactly.
    let letters: Vec<char> = ('a'..='z').chain('A'..='Z').collect();
    // Six letters, so that the prefix's hash wraps around and spreads over all 2^32 values.
    for i in 0u64..1_000_000 {
        let prefix: String = (0..6)
            .map(|d| letters[((i * 7919 + d * 104_729) / 52u64.pow(d as u32) % 52) as usize])
            .collect();
        let rest = s.wrapping_sub((java_string_hash(&prefix) as u32).wrapping_mul(961));
        let c2 = 0x20 + (rest.wrapping_sub(0x20)) % 31;
        let Some(c1) = rest.checked_sub(c2).map(|r| r / 31) else {
            continue;
        };
        if (0x20..0xD800).contains(&c1) && c1 != 0x7f && c2 != 0x7f {
            let name = format!(
                "{prefix}{}{}",
                char::from_u32(c1).unwrap(),
                char::from_u32(c2).unwrap()
            );
            assert_eq!(java_string_hash(&name) as u32, s);
            return name;
        }
    }
    panic!("no name found");
}

#[test]
fn lagom_min_value_gives_a_home_below_min_as_java_does() {
    let name = name_with_lagom_min();
    assert_eq!(lagom_hash(&name), i32::MIN);
    // Java: Math.abs(MIN) == MIN and MIN % 11 == -2, so the home is min - 2.
    let c = config(
        json!({ "range": [30000, 30010], "hash": "lagom", "exclude": [], "services": { name.clone(): true } }),
    );
    assert_eq!(home_port(&c, &name), 29998);
    let p = plan(&c, &[]).unwrap();
    assert_eq!(
        p.port(&name),
        Some(29998),
        "pass 1 hands out the home as Lagom does"
    );
    // A twin with the same Java hash code (first char + 1, second - 31, as "Aa" and "BB"):
    // it finds that home given out and is displaced into the range.
    let mut chars: Vec<char> = name.chars().collect();
    chars[0] = char::from_u32(chars[0] as u32 + 1).unwrap();
    chars[1] = char::from_u32(chars[1] as u32 - 31).unwrap();
    let twin: String = chars.into_iter().collect();
    assert_eq!(lagom_hash(&twin), i32::MIN);
    let both = config(
        json!({ "range": [30000, 30010], "hash": "lagom", "exclude": [], "services": { name.clone(): true, twin.clone(): true } }),
    );
    let p = plan(&both, &[]).unwrap();
    let (first, second) = if name.encode_utf16().lt(twin.encode_utf16()) {
        (&name, &twin)
    } else {
        (&twin, &name)
    };
    assert_eq!(p.port(first), Some(29998));
    assert_eq!(p.port(second), Some(30000));
    // In [1, 10], MIN % 10 == -8 gives home -7, no port at all: the service wraps to min.
    // browser_safe off: 1 is a port browsers refuse, and Lagom knows nothing of that.
    let low = config(
        json!({ "range": [1, 10], "hash": "lagom", "exclude": [], "browser_safe": false, "services": { name.clone(): true } }),
    );
    let p = plan(&low, &[]).unwrap();
    assert_eq!(p.port(&name), Some(1));
    assert_eq!(
        reason(&p, &name),
        Reason::Displaced {
            home: -7,
            by: Holder::Range
        }
    );
}

#[test]
fn displaced_services_say_what_held_their_home() {
    let c = config(
        json!({ "range": [40000, 40004], "exclude": [], "services": { "a": true, "b": true, "c": true, "d": true, "e": true } }),
    );
    let p = plan(&c, &[]).unwrap();
    // c and e collide with earlier services (shared vector small_range_collisions).
    for entry in &p.entries {
        match &entry.reason {
            Reason::Home { home } => assert_eq!(*home, entry.port),
            Reason::Displaced {
                by: Holder::Service { service: other },
                home,
            } => {
                assert!(other < &entry.name, "{other} sorts before {}", entry.name);
                assert_eq!(p.port(other), Some(*home as u16));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let busy = plan(
        &config(json!({ "range": [40000, 40010], "exclude": [], "services": { "web": true } })),
        &[40005],
    )
    .unwrap();
    assert_eq!(
        reason(&busy, "web"),
        Reason::Displaced {
            home: 40005,
            by: Holder::Busy
        }
    );
    let excluded = plan(&config(json!({ "range": [40000, 40010], "exclude": [[40005, 40006]], "services": { "web": true } })), &[]).unwrap();
    assert_eq!(excluded.port("web"), Some(40007));
    assert_eq!(
        reason(&excluded, "web"),
        Reason::Displaced {
            home: 40005,
            by: Holder::Excluded
        }
    );
    let pinned = plan(&config(json!({ "range": [40000, 40010], "exclude": [], "services": { "web": true, "db": 40005 } })), &[]).unwrap();
    assert_eq!(
        reason(&pinned, "web"),
        Reason::Displaced {
            home: 40005,
            by: Holder::Pinned {
                service: "db".into()
            }
        }
    );
}

#[test]
fn disabled_services_are_declared_but_get_no_port() {
    let c = config(
        json!({ "range": [3000, 3010], "layout": "sequential", "exclude": [], "services": { "a": true, "off": false, "b": true } }),
    );
    assert_eq!(c.services["off"], portplan::Service::Disabled);
    let p = plan(&c, &[]).unwrap();
    assert_eq!(
        p.entries
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!((p.port("a"), p.port("b")), (Some(3000), Some(3001)));
    // The canonical form keeps it, as `false`.
    assert_eq!(
        serde_json::to_value(&c).unwrap()["services"],
        json!({ "a": true, "b": true, "off": false })
    );
}

#[test]
fn browsers_refused_ports_join_the_taken_set_unless_browser_safe_is_off() {
    // 6665-6669 are refused by browsers: sequential starts after them.
    let safe = config(
        json!({ "range": [6665, 6700], "layout": "sequential", "exclude": [], "services": { "a": true } }),
    );
    assert_eq!(plan(&safe, &[]).unwrap().port("a"), Some(6670));
    let off = config(
        json!({ "range": [6665, 6700], "layout": "sequential", "exclude": [], "browser_safe": false, "services": { "a": true } }),
    );
    assert_eq!(plan(&off, &[]).unwrap().port("a"), Some(6665));
    // A hash home on a refused port is displaced, and says so.
    let c = config(
        json!({ "range": [5998, 6001], "exclude": [], "namespace": "shop", "services": { "x0": true, "x1": true, "x2": true } }),
    );
    let p = plan(&c, &[]).unwrap();
    assert_eq!(
        (p.port("x0"), p.port("x1"), p.port("x2")),
        (Some(6001), Some(5999), Some(5998))
    );
    assert_eq!(
        reason(&p, "x0"),
        Reason::Displaced {
            home: 6000,
            by: Holder::Unsafe
        }
    );
    // The busy and the excluded say so first: they are the host's and the user's statements.
    let busy = plan(&c, &[6000]).unwrap();
    assert_eq!(
        reason(&busy, "x0"),
        Reason::Displaced {
            home: 6000,
            by: Holder::Busy
        }
    );
    // A pin may name a refused port; and a range of refused ports only is exhausted.
    let pinned = config(json!({ "services": { "x11": 6000, "web": true } }));
    assert_eq!(plan(&pinned, &[]).unwrap().port("x11"), Some(6000));
    let refused =
        config(json!({ "range": [6665, 6669], "exclude": [], "services": { "a": true } }));
    assert_eq!(
        plan(&refused, &[]).unwrap_err().kind,
        ErrorKind::RangeExhausted
    );
}

#[test]
fn pass_two_wraps_from_max_to_min() {
    // web's home in [40000, 40010] is 40005; with 40005..=40010 busy it wraps to 40000.
    let c = config(json!({ "range": [40000, 40010], "exclude": [], "services": { "web": true } }));
    let p = plan(&c, &[40005, 40006, 40007, 40008, 40009, 40010]).unwrap();
    assert_eq!(p.port("web"), Some(40000));
}

#[test]
fn errors_carry_kind_sentence_and_data() {
    let e = error_of(
        json!({ "services": { "ssh": 22, "sshd": 22, "web": true } }),
        &[],
    );
    assert_eq!(e.kind, ErrorKind::DuplicatePin);
    assert_eq!(e.data.port, Some(22));
    assert_eq!(
        e.data.services,
        Some(vec!["ssh".to_owned(), "sshd".to_owned()])
    );
    assert!(e.message.contains("ssh") && e.message.contains("sshd") && e.message.contains("22"));

    let e = error_of(json!({ "services": { "db": 5432 } }), &[5432]);
    assert_eq!(e.kind, ErrorKind::PinBusy);
    assert_eq!(
        (e.data.service.as_deref(), e.data.port),
        (Some("db"), Some(5432))
    );

    let e = error_of(
        json!({ "range": [40000, 40001], "exclude": [], "services": { "a": true, "b": true, "c": true } }),
        &[],
    );
    assert_eq!(e.kind, ErrorKind::RangeExhausted);
    assert_eq!((e.data.needed, e.data.free), (Some(3), Some(2)));
    assert!(e.message.contains("3 services") && e.message.contains("only 2"));
}

#[test]
fn bad_configs_name_the_key() {
    let cases = [
        (
            json!({ "servics": {} }),
            ErrorKind::InvalidConfig,
            "servics",
        ),
        (
            json!({ "range": [0, 10] }),
            ErrorKind::InvalidRange,
            "range",
        ),
        (
            json!({ "range": [1, 65536] }),
            ErrorKind::InvalidRange,
            "range",
        ),
        (
            json!({ "range": "20000-29999" }),
            ErrorKind::InvalidRange,
            "range",
        ),
        (json!({ "hash": "md5" }), ErrorKind::InvalidConfig, "hash"),
        (
            json!({ "hash": "lagom", "layout": "block" }),
            ErrorKind::InvalidConfig,
            "hash",
        ),
        (
            json!({ "block_size": 0, "layout": "block" }),
            ErrorKind::InvalidConfig,
            "block_size",
        ),
        (
            json!({ "layout": "block", "range": [1, 50] }),
            ErrorKind::InvalidConfig,
            "block_size",
        ),
        (
            json!({ "exclude": [1, [5, 3]] }),
            ErrorKind::InvalidConfig,
            "exclude[1]",
        ),
        (
            json!({ "exclude": [70000] }),
            ErrorKind::InvalidConfig,
            "exclude[0]",
        ),
        (
            json!({ "namespace": "a\u{7f}b" }),
            ErrorKind::InvalidName,
            "namespace",
        ),
        (
            json!({ "services": { "": true } }),
            ErrorKind::InvalidName,
            "services.\"\"",
        ),
        (
            json!({ "services": { "x".repeat(256): true } }),
            ErrorKind::InvalidName,
            "services.xxx",
        ),
        (
            json!({ "services": { "web": null } }),
            ErrorKind::InvalidPort,
            "services.web",
        ),
        (
            json!({ "services": { "web": "x" } }),
            ErrorKind::InvalidPort,
            "services.web",
        ),
        (
            json!({ "browser_safe": "yes" }),
            ErrorKind::InvalidConfig,
            "browser_safe",
        ),
        (
            json!({ "browser_safe": 1 }),
            ErrorKind::InvalidConfig,
            "browser_safe",
        ),
        (
            json!({ "services": { "a\u{85}b": true } }),
            ErrorKind::InvalidName,
            "control character",
        ),
        (
            json!({ "services": { "a\u{2028}b": true } }),
            ErrorKind::InvalidName,
            "line or paragraph separator",
        ),
        (
            json!({ "services": { "admin\u{202e}gnp.exe": true } }),
            ErrorKind::InvalidName,
            "bidirectional control",
        ),
        (
            json!({ "namespace": "ns\u{2066}" }),
            ErrorKind::InvalidName,
            "bidirectional control",
        ),
        (
            json!({ "services": { "web": 22.5 } }),
            ErrorKind::InvalidPort,
            "services.web",
        ),
        (
            json!({ "services": { "web": 0 } }),
            ErrorKind::InvalidPort,
            "services.web",
        ),
        (
            json!({ "services": { "web": -1 } }),
            ErrorKind::InvalidPort,
            "services.web",
        ),
        (json!([1, 2]), ErrorKind::InvalidConfig, "table"),
    ];
    for (value, kind, needle) in cases {
        let e = config_of(&value).expect_err(&value.to_string());
        assert_eq!(e.kind, kind, "{value}: {e}");
        assert!(e.message.contains(needle), "{value}: {e}");
        assert!(!e.message.contains('\n'), "{value}: a message is one line");
        assert!(
            !e.message.chars().any(portplan::text::forbidden_in_name),
            "{value}: a message prints no forbidden character"
        );
    }
    // A name of exactly 255 bytes is fine; pins may be outside the range.
    let c = config(json!({ "services": { "é".repeat(127): true, "ssh": 22 } }));
    assert_eq!(plan(&c, &[]).unwrap().port("ssh"), Some(22));
}

#[test]
fn toml_and_json_text_give_the_same_config() {
    let toml = "range = [40000, 40100]\nexclude = [40001, [40010, 40020]]\n[services]\nweb = true\nssh = 22\n";
    let json = r#"{"range": [40000, 40100], "exclude": [40001, [40010, 40020]], "services": {"web": true, "ssh": 22}}"#;
    assert_eq!(
        Config::from_text(toml).unwrap(),
        Config::from_text(json).unwrap()
    );
    let e = Config::from_text("range = [1,\n").unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidConfig);
    assert!(
        e.message.contains("TOML") && e.message.contains("line"),
        "{e}"
    );
    let e = Config::from_text("{\"range\": }").unwrap_err();
    assert!(
        e.message.contains("JSON") && e.message.contains("line"),
        "{e}"
    );
}

#[test]
fn sequential_skips_taken_ports_and_block_skips_taken_blocks() {
    let c = config(
        json!({ "range": [3000, 3999], "layout": "sequential", "exclude": [3001], "services": { "a": true, "b": true, "c": 3002 } }),
    );
    let p = plan(&c, &[3000]).unwrap();
    assert_eq!((p.port("a"), p.port("b")), (Some(3003), Some(3004)));

    let c = config(
        json!({ "layout": "block", "namespace": "shop@main", "services": { "web": true, "api": true, "db": true } }),
    );
    let free = plan(&c, &[]).unwrap();
    assert_eq!(free.port("api"), Some(27400));
    // A busy port in that block moves all three to the next whole block.
    let moved = plan(&c, &[27401]).unwrap();
    assert_eq!(
        (moved.port("api"), moved.port("db"), moved.port("web")),
        (Some(27500), Some(27501), Some(27502))
    );
    assert_eq!(
        reason(&moved, "db"),
        Reason::Block {
            base: 27500,
            offset: 1
        }
    );
    let too_many = config(
        json!({ "layout": "block", "block_size": 2, "services": { "a": true, "b": true, "c": true } }),
    );
    assert_eq!(
        plan(&too_many, &[]).unwrap_err().kind,
        ErrorKind::RangeExhausted
    );
}
