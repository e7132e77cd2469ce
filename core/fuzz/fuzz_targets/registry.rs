//! Any bytes as registry text: parsed, or refused with an error; allocation (for two roots,
//! one with a root gone, and a read-only question) and release on whatever parses never
//! panic, and what is written parses again to the same registry.
#![no_main]
use libfuzzer_sys::fuzz_target;
use portplan::registry::leases::{Request, allocate};
use portplan::{Config, Registry};
use std::collections::BTreeMap;

fn reread(registry: &Registry) {
    let written = registry.to_text();
    assert_eq!(
        &Registry::parse(&written).expect("what is written parses"),
        registry
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(mut registry) = Registry::parse(&text) else {
        return;
    };
    let config = Config::from_text(r#"{"namespace": "fuzz", "range": [1, 300], "exclude": [], "services": {"a": true, "b": true, "c": 5}}"#)
        .expect("a valid config");
    let gone = BTreeMap::from([("/gone".to_owned(), false)]);
    let names = ["a".to_owned()];
    for (root, lease) in [("/r", None), ("/s", Some(&names[..])), ("/r", Some(&[][..]))] {
        let request = Request {
            root,
            busy: &[1, 2, 3, 5],
            now: 1_800_000_000,
            lease,
            existing_roots: &gone,
        };
        if let Ok(allocated) = allocate(&config, &registry, &request) {
            assert!(lease != Some(&[][..]) || allocated.registry.is_none());
            if let Some(next) = allocated.registry {
                reread(&next);
                registry = next;
            }
        }
    }
    registry.release("fuzz", "/r", None);
    reread(&registry);
});
