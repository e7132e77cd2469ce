//! Any bytes, as a whole request and as config text inside one: an answer, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let answer = portplan::plan_json(&text);
    assert!(answer.starts_with('{'));
    let wrapped = serde_json::json!({ "config": text, "busy": [20001, 65535] }).to_string();
    assert!(portplan::plan_json(&wrapped).starts_with('{'));
    assert!(
        portplan::render_json(&serde_json::json!({ "what": "table", "plan": text }).to_string())
            .starts_with('{')
    );
    assert!(
        portplan::cli_json(
            &serde_json::json!({ "argv": text.split(' ').collect::<Vec<_>>() }).to_string()
        )
        .starts_with('{')
    );
});
