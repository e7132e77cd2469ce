//! One "asked again" `get` against a registry of N leases, repeated, for a profiler
//! (`perf record`): cargo run --release -p portplan-native --example get_again -- 50000 20

use portplan::session::Session;
use portplan::session::effects::{Effect, Reply};
use portplan::session::machine::Step;
use portplan_native::Executor;
use serde_json::json;

fn run(cwd: &std::path::Path, home: &std::path::Path, argv: &[&str]) {
    let start = json!({
        "host": {
            "platform": "linux", "cwd": cwd, "home": home, "pid": std::process::id(),
            "env": { "PORTPLAN_HOME": home }, "hostname": "bench", "engine": "native",
        },
        "call": "cli", "argv": argv,
    });
    let mut session = Session::from_json(&start.to_string());
    let mut executor = Executor::new();
    let mut reply = None;
    loop {
        let effect = match session.step(reply.take()) {
            Step::Done(_) => return,
            Step::Do(effect) => effect,
        };
        reply = Some(match &effect {
            Effect::Print { .. } | Effect::Sleep { .. } => Reply::Done { error: None },
            _ => executor.run(&effect).expect("a native effect"),
        });
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(50_000);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("portplan-get-again-{}", std::process::id()));
    let (big, small, home) = (dir.join("big"), dir.join("small"), dir.join("home"));
    for folder in [&big, &small, &home] {
        std::fs::create_dir_all(folder).unwrap();
    }
    let services: String = (0..count).map(|i| format!("s{i} = true\n")).collect();
    std::fs::write(
        big.join("portplan.toml"),
        format!("namespace = \"big\"\nrange = [1024, 65535]\n[services]\n{services}"),
    )
    .unwrap();
    std::fs::write(
        small.join("portplan.toml"),
        "namespace = \"small\"\n[services]\nweb = true\n",
    )
    .unwrap();
    run(&big, &home, &["env", "--no-probe"]);
    run(&small, &home, &["get", "web", "--no-probe"]);
    let began = std::time::Instant::now();
    for _ in 0..rounds {
        run(&small, &home, &["get", "web", "--no-probe"]);
    }
    println!(
        "{:.1} ms a get",
        began.elapsed().as_secs_f64() * 1e3 / rounds as f64
    );
    std::fs::remove_dir_all(&dir).ok();
}
