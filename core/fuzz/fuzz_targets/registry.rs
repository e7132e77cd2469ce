//! Any bytes as registry text: parsed, or refused with an error; allocation and release on
//! whatever parses never panic, and what is written parses again to the same registry.
#![no_main]
use libfuzzer_sys::fuzz_target;
use portplan::{Config, Registry};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(mut registry) = Registry::parse(&text) else {
        return;
    };
    let config = Config::from_text(r#"{"namespace": "fuzz", "range": [1, 300], "exclude": [], "services": {"a": true, "b": true, "c": 5}}"#)
        .expect("a valid config");
    let _ = registry.allocate(&config, &[1, 2, 3], 1_800_000_000, None);
    let written = registry.to_text();
    assert_eq!(
        Registry::parse(&written).expect("what is written parses"),
        registry
    );
    registry.release("fuzz", None);
});
