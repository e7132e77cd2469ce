//! The bench's two ratios (`plan()` and `plan_json` ÷ the SHA-256 floor) measured
//! interleaved in one process: floor, `plan()`, `plan_json`, one after the other, `rounds`
//! times, each one's minimum and median kept. Steadier than criterion on a shared machine,
//! where load moves absolute times between the runs of separate benchmarks.
//! `cargo run --release -p portplan --example ratios -- [services] [rounds]`
use portplan::plan::home::name_hash;
use portplan::{Config, plan, plan_json};
use serde_json::{Map, Value, json};
use std::hint::black_box;
use std::time::Instant;

/// The bench's config (core/benches/plan.rs): `count` free services in [1024, 65535].
fn config_object(count: usize) -> Value {
    let services: Map<String, Value> = (0..count)
        .map(|i| (format!("service-{i}"), json!(true)))
        .collect();
    json!({ "range": [1024, 65535], "exclude": [], "services": services })
}

fn millis(run: impl FnOnce()) -> f64 {
    let start = Instant::now();
    run();
    start.elapsed().as_secs_f64() * 1e3
}

fn min_and_median(mut runs: Vec<f64>) -> (f64, f64) {
    runs.sort_by(f64::total_cmp);
    (runs[0], runs[runs.len() / 2])
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let count = args.next().flatten().unwrap_or(60_000);
    let rounds = args.next().flatten().unwrap_or(15);
    let config = Config::from_input(serde_json::from_value(config_object(count)).unwrap()).unwrap();
    let request = json!({ "config": config_object(count) }).to_string();
    let (mut floor, mut planned, mut json_plan) = (vec![], vec![], vec![]);
    for _ in 0..rounds {
        floor.push(millis(|| {
            let hashes = config
                .services
                .keys()
                .map(|name| name_hash(&config.namespace, name))
                .fold(0u64, |a, h| a ^ h);
            black_box(hashes);
        }));
        planned.push(millis(|| drop(black_box(plan(&config, &[]).unwrap()))));
        json_plan.push(millis(|| drop(black_box(plan_json(black_box(&request))))));
    }
    let (floor_min, floor_median) = min_and_median(floor);
    for (what, runs) in [("plan()", planned), ("plan_json", json_plan)] {
        let (min, median) = min_and_median(runs);
        println!(
            "{count} services, {what}: min {min:.2} ms ({:.2}x floor {floor_min:.2} ms), median {median:.2} ms ({:.2}x floor {floor_median:.2} ms)",
            min / floor_min,
            median / floor_median
        );
    }
}
