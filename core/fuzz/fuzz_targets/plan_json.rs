//! Any bytes, as a whole request and as config text inside one: an answer, never a panic;
//! the CLIs' text of whatever was planned, and of any text read as a plan (what Python's
//! `plan_text` renders), never a panic either; any words as a command line parse or are
//! refused.
#![no_main]
use libfuzzer_sys::fuzz_target;
use portplan::commands::{cli, render};
use portplan::plan::Plan;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let answer = portplan::plan_json(&text);
    assert!(answer.starts_with('{'));
    let wrapped = serde_json::json!({ "config": text, "busy": [20001, 65535] }).to_string();
    let planned = portplan::plan_json(&wrapped);
    assert!(planned.starts_with('{'));
    for plan_text in [planned.as_str(), &text] {
        if let Ok(plan) = serde_json::from_str::<Plan>(plan_text) {
            assert!(render::table(&plan).starts_with("SERVICE"));
            for entry in &plan.entries {
                assert!(render::why(&plan, &entry.name).is_ok());
            }
            let _ = render::env(&plan);
        }
    }
    let argv: Vec<String> = text.split(' ').map(str::to_owned).collect();
    let _ = cli::parse(&argv);
});
