//! Times `plan_json` (request text → answer text) next to `plan` for 60,000 services in
//! [1024, 65535]: what a Node or Python caller pays beyond the plan itself.
use serde_json::{Map, Value, json};
use std::time::Instant;

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn main() {
    let services: Map<String, Value> = (0..60_000)
        .map(|i| (format!("service-{i}"), json!(true)))
        .collect();
    let config = json!({ "range": [1024, 65535], "exclude": [], "services": services });
    let request = json!({ "config": config }).to_string();
    let parsed = portplan::Config::from_input(serde_json::from_value(config).unwrap()).unwrap();
    let time = |f: &dyn Fn()| {
        median(
            (0..7)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect(),
        )
    };
    let plan_ms = time(&|| {
        portplan::plan(&parsed, &[]).unwrap();
    });
    let json_ms = time(&|| {
        portplan::plan_json(&request);
    });
    println!(
        "plan {plan_ms:.1} ms, plan_json {json_ms:.1} ms ({:.1}x), answer {} bytes",
        json_ms / plan_ms,
        portplan::plan_json(&request).len()
    );
}
