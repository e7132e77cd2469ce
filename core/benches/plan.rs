//! Plan time next to the hashing floor: the same keys, SHA-256 alone; `plan_json` from
//! request text to answer text; and allocation against the registry (every service leased
//! afresh, then every one kept).
//! `cargo bench -p portplan --bench plan`; figures go to docs/benchmarks.md.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use portplan::plan::home::name_hash;
use portplan::registry::leases::{Request, allocate};
use portplan::{Config, Registry, plan, plan_json};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::hint::black_box;

/// The config of `count` free services in [1024, 65535] (60,000 fill 93% of it), no
/// excludes, as a JSON object.
fn config_object(count: usize) -> Value {
    let services: Map<String, Value> = (0..count)
        .map(|i| (format!("service-{i}"), json!(true)))
        .collect();
    json!({ "range": [1024, 65535], "exclude": [], "services": services })
}

fn config(count: usize) -> Config {
    Config::from_input(serde_json::from_value(config_object(count)).unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(20);
    for count in [100, 10_000, 60_000] {
        let cfg = config(count);
        group.bench_with_input(BenchmarkId::new("plan", count), &cfg, |b, cfg| {
            b.iter(|| plan(black_box(cfg), &[]).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("sha256_floor", count), &cfg, |b, cfg| {
            b.iter(|| {
                cfg.services
                    .keys()
                    .map(|name| name_hash(&cfg.namespace, name))
                    .fold(0u64, |a, h| a ^ h)
            })
        });
        // The whole entry point: request text read, config validated, plan, answer written.
        let request = json!({ "config": config_object(count) }).to_string();
        group.bench_with_input(
            BenchmarkId::new("plan_json", count),
            &request,
            |b, request| b.iter(|| plan_json(black_box(request))),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("allocate");
    group.sample_size(20);
    let roots = BTreeMap::new();
    let request = Request {
        root: "/home/me/shop",
        busy: &[],
        now: 1_795_392_000,
        lease: None,
        existing_roots: &roots,
    };
    for count in [100, 10_000] {
        let cfg = config(count);
        let empty = Registry::default();
        group.bench_with_input(BenchmarkId::new("fresh", count), &cfg, |b, cfg| {
            b.iter(|| allocate(black_box(cfg), &empty, &request).unwrap())
        });
        let full = allocate(&cfg, &empty, &request).unwrap().registry.unwrap();
        group.bench_with_input(BenchmarkId::new("kept", count), &cfg, |b, cfg| {
            b.iter(|| allocate(black_box(cfg), &full, &request).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
