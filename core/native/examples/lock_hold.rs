//! How long a writing command holds the registry lock (docs/reliability.md): `env` of a
//! project of N services (all new: every port probed), and `get` against a registry of N
//! leases, through a real session with this crate's effects, timing each lock from `lock`
//! to `unlock`.
//!
//!     cargo run --release -p portplan-native --example lock_hold -- 60000

use portplan::session::Session;
use portplan::session::effects::{Effect, Reply};
use portplan::session::machine::Step;
use portplan_native::Executor;
use serde_json::json;
use std::time::{Duration, Instant};

/// Runs one CLI command; its total time and the time the lock was held.
fn run(
    cwd: &std::path::Path,
    home: &std::path::Path,
    argv: &[&str],
) -> (Duration, Duration, String) {
    let start = json!({
        "host": {
            "platform": "linux", "cwd": cwd, "home": home, "pid": std::process::id(),
            "env": { "PORTPLAN_HOME": home }, "hostname": "bench", "engine": "native",
        },
        "call": "cli", "argv": argv,
    });
    let mut session = Session::from_json(&start.to_string());
    let mut executor = Executor::new();
    let began = Instant::now();
    let (mut locked_at, mut held) = (None, Duration::ZERO);
    let mut out = String::new();
    let mut reply = None;
    loop {
        let effect = match session.step(reply.take()) {
            Step::Done(_) => return (began.elapsed(), held, out),
            Step::Do(effect) => effect,
        };
        reply = Some(match &effect {
            Effect::Print { text, .. } => {
                out.push_str(text);
                Reply::Done { error: None }
            }
            Effect::Sleep { ms } => {
                std::thread::sleep(Duration::from_millis(*ms));
                Reply::Done { error: None }
            }
            _ => {
                let done = executor.run(&effect).expect("a native effect");
                match (&effect, &done) {
                    (Effect::Lock { .. }, Reply::Lock { taken: true, .. }) => {
                        locked_at = Some(Instant::now())
                    }
                    (Effect::Unlock { .. }, _) => {
                        held += locked_at.take().map_or(Duration::ZERO, |t| t.elapsed())
                    }
                    _ => {}
                }
                done
            }
        });
    }
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(60_000);
    let dir = std::env::temp_dir().join(format!("portplan-lock-hold-{}", std::process::id()));
    let (project, home) = (dir.join("shop"), dir.join("home"));
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let services: String = (0..count).map(|i| format!("s{i} = true\n")).collect();
    std::fs::write(
        project.join("portplan.toml"),
        format!("namespace = \"shop\"\nrange = [1024, 65535]\n[services]\n{services}"),
    )
    .unwrap();
    let (total, held, _) = run(&project, &home, &["env"]);
    println!(
        "env of {count} new services: {:.2} s in all, the lock held {:.3} s",
        total.as_secs_f64(),
        held.as_secs_f64()
    );
    let (total, held, _) = run(&project, &home, &["env"]);
    println!(
        "env again (every lease kept): {:.3} s in all, the lock held {:.3} s",
        total.as_secs_f64(),
        held.as_secs_f64()
    );
    // A small project beside it: its gets against the registry of those leases.
    let small = dir.join("small");
    std::fs::create_dir_all(&small).unwrap();
    std::fs::write(
        small.join("portplan.toml"),
        "namespace = \"small\"\n[services]\nweb = true\napi = true\n",
    )
    .unwrap();
    for what in ["get of a new name", "get of that name again"] {
        let (total, held, _) = run(&small, &home, &["get", "web"]);
        println!(
            "{what} against {count} leases: {:.1} ms, the lock held {:.1} ms",
            total.as_secs_f64() * 1e3,
            held.as_secs_f64() * 1e3
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
