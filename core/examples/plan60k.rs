//! Plans 60,000 services in [1024, 65535] a few times (for profilers: perf, callgrind).
use serde_json::{Map, Value, json};

fn main() {
    let services: Map<String, Value> = (0..60_000)
        .map(|i| (format!("service-{i}"), json!(true)))
        .collect();
    let config = portplan::Config::from_input(
        serde_json::from_value(
            json!({ "range": [1024, 65535], "exclude": [], "services": services }),
        )
        .unwrap(),
    )
    .unwrap();
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let mut displaced = 0;
    for _ in 0..rounds {
        let plan = portplan::plan(&config, &[]).unwrap();
        displaced = plan
            .entries
            .iter()
            .filter(|e| matches!(e.reason, portplan::Reason::Displaced { .. }))
            .count();
    }
    println!("{displaced} of 60000 displaced");
}
