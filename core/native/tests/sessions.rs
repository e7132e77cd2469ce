//! Whole sessions on a real file system: the core's commands with this crate's effects, and
//! a small host for the four effects a host language does (sleep, print, spawn, listen).
//! The host can lie about the clock and act between effects, to test what the session
//! decides when clocks are wrong, the lock is held, or a file changes under a write.

mod common;

use common::TempDir;
use portplan::session::Session;
use portplan::session::effects::{Effect, Reply};
use portplan::session::machine::Step;
use portplan_native::Executor;
use serde_json::{Value, json};
use std::fs;
use std::path::Path;

/// What a session printed, and its answer.
struct Ran {
    out: String,
    err: String,
    answer: Value,
}

/// What a test does before the host does an effect (change a file, release a lock).
type Before<'a> = Box<dyn FnMut(&Effect, &mut Executor) + 'a>;

/// A host: the native executor, plus a clock offset and a hook run before each effect.
struct TestHost<'a> {
    clock_offset_ms: f64,
    before: Before<'a>,
}

impl Default for TestHost<'_> {
    fn default() -> Self {
        TestHost {
            clock_offset_ms: 0.0,
            before: Box::new(|_, _| {}),
        }
    }
}

fn facts(cwd: &Path, home: &Path) -> Value {
    json!({
        "platform": std::env::consts::OS.replace("macos", "darwin").replace("windows", "win32"),
        "cwd": cwd.to_str().unwrap(),
        "home": home.to_str().unwrap(),
        "env": { "PORTPLAN_HOME": home.join("state").to_str().unwrap() },
        "pid": std::process::id(),
        "hostname": "test-host",
        "engine": "native",
    })
}

impl TestHost<'_> {
    fn run(&mut self, start: Value) -> Ran {
        let mut session = Session::from_json(&start.to_string());
        let mut executor = Executor::new();
        let (mut out, mut err) = (String::new(), String::new());
        let mut reply = None;
        loop {
            let effect = match session.step(reply.take()) {
                Step::Done(answer) => {
                    return Ran {
                        out,
                        err,
                        answer: serde_json::to_value(&answer).unwrap(),
                    };
                }
                Step::Do(effect) => effect,
            };
            (self.before)(&effect, &mut executor);
            reply = Some(match &effect {
                Effect::Clock => match executor.run(&effect) {
                    Some(Reply::Clock { ms }) => Reply::Clock {
                        ms: ms + self.clock_offset_ms,
                    },
                    other => panic!("clock: {other:?}"),
                },
                Effect::Sleep { ms } => {
                    std::thread::sleep(std::time::Duration::from_millis(*ms));
                    Reply::Done { error: None }
                }
                Effect::Print { stream, text } => {
                    match stream {
                        portplan::session::effects::Stream::Stdout => out.push_str(text),
                        portplan::session::effects::Stream::Stderr => err.push_str(text),
                    }
                    Reply::Done { error: None }
                }
                Effect::Spawn { argv, env, .. } => {
                    let status = std::process::Command::new(&argv[0])
                        .args(&argv[1..])
                        .envs(env)
                        .status()
                        .unwrap();
                    Reply::Exit {
                        code: status.code(),
                        signal: None,
                        error: None,
                    }
                }
                Effect::Listen { .. } => Reply::Done { error: None },
                _ => executor.run(&effect).expect("a native effect"),
            });
        }
    }
}

/// A project folder with a portplan.toml, and a home folder for the registry.
struct World {
    dir: TempDir,
}

impl World {
    fn new(config: &str) -> World {
        let dir = TempDir::new("sessions");
        let project = dir.path().join("shop");
        fs::create_dir_all(&project).unwrap();
        fs::create_dir_all(dir.path().join("home")).unwrap();
        fs::write(project.join("portplan.toml"), config).unwrap();
        World { dir }
    }

    fn project(&self) -> std::path::PathBuf {
        fs::canonicalize(self.dir.path().join("shop")).unwrap()
    }

    fn home(&self) -> std::path::PathBuf {
        self.dir.path().join("home")
    }

    fn registry(&self) -> std::path::PathBuf {
        self.home().join("state").join("registry.json")
    }

    fn cli(&self, host: &mut TestHost, argv: &[&str]) -> Ran {
        let start = json!({
            "host": facts(&self.project(), &self.home()),
            "call": "cli",
            "argv": argv,
        });
        host.run(start)
    }

    fn leases(&self) -> Vec<Value> {
        let text = fs::read_to_string(self.registry()).unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["leases"]
            .as_array()
            .unwrap()
            .clone()
    }
}

const CONFIG: &str =
    "namespace = \"shop\"\nrange = [41000, 41999]\n[services]\nweb = true\napi = true\n";

#[test]
fn get_twice_gives_one_port_and_the_second_writes_nothing() {
    let world = World::new(CONFIG);
    let mut host = TestHost::default();
    let first = world.cli(&mut host, &["get", "web"]);
    assert_eq!(first.answer, json!({"exit": 0}), "{}", first.err);
    let written = fs::metadata(world.registry()).unwrap().modified().unwrap();
    let mut effects = Vec::new();
    let mut watching = TestHost {
        before: Box::new(|effect, _| effects.push(effect.clone())),
        ..TestHost::default()
    };
    let second = world.cli(&mut watching, &["get", "web"]);
    drop(watching);
    assert_eq!(first.out, second.out);
    assert_eq!(
        fs::metadata(world.registry()).unwrap().modified().unwrap(),
        written
    );
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Lock { .. } | Effect::Create { .. } | Effect::Rename { .. }
        )),
        "asking again takes no lock and writes nothing: {effects:?}"
    );
    // Its only probe is the look at who holds the port now (for the warning).
    let probes = effects
        .iter()
        .filter(|e| matches!(e, Effect::Probe { .. }))
        .count();
    assert_eq!(probes, 1, "{effects:?}");
}

#[test]
fn a_clock_31_days_ahead_drops_no_lease_and_stamps_the_kernels_time() {
    let world = World::new(CONFIG);
    let mut host = TestHost::default();
    world.cli(&mut host, &["get", "web"]);
    let mut ahead = TestHost {
        clock_offset_ms: 31.0 * 86_400_000.0,
        ..TestHost::default()
    };
    let ran = world.cli(&mut ahead, &["get", "api"]);
    assert_eq!(ran.answer, json!({"exit": 0}), "{}", ran.err);
    let leases = world.leases();
    let names: Vec<&str> = leases.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["api", "web"],
        "web survives a write from a clock 31 days ahead"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let api_used = leases[0]["used"].as_u64().unwrap();
    assert!(
        api_used.abs_diff(now) < 60,
        "api's lease carries the kernel's time ({api_used}), not the process clock's"
    );
}

#[test]
fn a_clock_31_days_behind_stamps_the_kernels_time_so_the_lease_lives() {
    let world = World::new(CONFIG);
    let mut behind = TestHost {
        clock_offset_ms: -31.0 * 86_400_000.0,
        ..TestHost::default()
    };
    let first = world.cli(&mut behind, &["get", "web"]);
    let mut host = TestHost::default();
    world.cli(&mut host, &["get", "api"]);
    let web = world
        .leases()
        .into_iter()
        .find(|l| l["name"] == "web")
        .expect("the next normal write keeps the lease a slow clock made");
    assert_eq!(first.out.trim(), web["port"].to_string());
}

#[test]
fn a_writer_waits_for_the_lock_and_goes_on_when_it_is_released() {
    let world = World::new(CONFIG);
    let state = world.home().join("state");
    fs::create_dir_all(&state).unwrap();
    let lock = state.join("registry.lock");
    let mut other = Executor::new();
    let lock_effect = Effect::Lock {
        path: lock.to_str().unwrap().to_owned(),
        hold: false,
    };
    assert_eq!(
        other.run(&lock_effect),
        Some(Reply::Lock {
            taken: true,
            error: None
        })
    );
    let mut sleeps = 0;
    let mut host = TestHost {
        before: Box::new(|effect, _| {
            if matches!(effect, Effect::Sleep { .. }) {
                sleeps += 1;
                if sleeps == 5 {
                    other.run(&Effect::Unlock {
                        path: lock.to_str().unwrap().to_owned(),
                    });
                }
            }
        }),
        ..TestHost::default()
    };
    let ran = world.cli(&mut host, &["get", "web"]);
    drop(host);
    assert_eq!(ran.answer, json!({"exit": 0}), "{}", ran.err);
    assert!(sleeps >= 5, "it waited ({sleeps} sleeps)");
}

#[test]
fn env_write_refuses_a_default_env_that_links_out_of_the_project() {
    let world = World::new(CONFIG);
    let outside = world.dir.path().join("secret.txt");
    fs::write(&outside, "keep me\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, world.project().join(".env")).unwrap();
    let mut host = TestHost::default();
    let ran = world.cli(&mut host, &["env", "--write"]);
    assert_eq!(ran.answer, json!({"exit": 1}));
    assert!(ran.err.contains("outside the project"), "{}", ran.err);
    assert_eq!(fs::read_to_string(&outside).unwrap(), "keep me\n");
    // Named on the command line, the user asks for it: written through the link.
    let ran = world.cli(&mut host, &["env", "--write", ".env"]);
    assert_eq!(ran.answer, json!({"exit": 0}), "{}", ran.err);
    assert!(
        fs::read_to_string(&outside)
            .unwrap()
            .starts_with("keep me\n# >>> portplan")
    );
}

#[cfg(unix)]
#[test]
fn env_write_refuses_a_link_to_nothing_and_creates_nothing() {
    let world = World::new(CONFIG);
    let target = world.dir.path().join("nowhere.env");
    std::os::unix::fs::symlink(&target, world.project().join(".env")).unwrap();
    let mut host = TestHost::default();
    let ran = world.cli(&mut host, &["env", "--write", ".env"]);
    assert_eq!(ran.answer, json!({"exit": 1}));
    assert!(ran.err.contains("does not exist"), "{}", ran.err);
    assert!(!target.exists());
    assert!(
        !world.registry().exists(),
        "nothing written before the checks"
    );
}

#[test]
fn env_write_keeps_lines_another_process_appends_meanwhile() {
    let world = World::new(CONFIG);
    let env = world.project().join(".env");
    fs::write(&env, "A=1\n").unwrap();
    let mut appended = false;
    let mut host = TestHost {
        before: Box::new(|effect, _| {
            // While the registry is written, another process appends to .env.
            if let Effect::Create { path, .. } = effect
                && path.contains("registry.json.tmp.")
                && !appended
            {
                appended = true;
                let mut text = fs::read_to_string(&env).unwrap();
                text.push_str("B=2\n");
                fs::write(&env, text).unwrap();
            }
        }),
        ..TestHost::default()
    };
    let ran = world.cli(&mut host, &["env", "--write"]);
    drop(host);
    assert_eq!(ran.answer, json!({"exit": 0}), "{}", ran.err);
    let text = fs::read_to_string(world.project().join(".env")).unwrap();
    assert!(text.starts_with("A=1\nB=2\n"), "{text}");
    assert!(text.contains("WEB_PORT="), "{text}");
}

#[test]
fn temporary_files_of_dead_writers_are_swept_at_the_next_write() {
    let world = World::new(CONFIG);
    let state = world.home().join("state");
    fs::create_dir_all(&state).unwrap();
    fs::write(state.join("registry.json.tmp.999999"), "half").unwrap();
    fs::write(world.project().join(".env.portplan-tmp.1"), "x").unwrap();
    fs::write(world.project().join("..env.portplan-tmp.12"), "SECRET=1").unwrap();
    let mut host = TestHost::default();
    assert_eq!(
        world.cli(&mut host, &["get", "web"]).answer,
        json!({"exit": 0})
    );
    assert!(!state.join("registry.json.tmp.999999").exists());
    assert_eq!(
        world.cli(&mut host, &["env", "--write"]).answer,
        json!({"exit": 0})
    );
    assert!(!world.project().join("..env.portplan-tmp.12").exists());
}

#[test]
fn read_only_commands_write_nothing() {
    let world = World::new(CONFIG);
    let mut effects = Vec::new();
    let mut host = TestHost {
        before: Box::new(|effect, _| effects.push(effect.clone())),
        ..TestHost::default()
    };
    for argv in [&["plan"][..], &["why", "web"], &["ls"], &["plan", "--json"]] {
        let ran = world.cli(&mut host, argv);
        assert_eq!(ran.answer, json!({"exit": 0}), "{argv:?}: {}", ran.err);
    }
    drop(host);
    let writes: Vec<_> = effects
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::Lock { .. }
                    | Effect::Create { .. }
                    | Effect::Rename { .. }
                    | Effect::Remove { .. }
                    | Effect::MakeDir { .. }
            )
        })
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[test]
fn a_mistyped_name_is_refused_with_the_declared_one_it_resembles() {
    let world = World::new(CONFIG);
    let mut host = TestHost::default();
    let ran = world.cli(&mut host, &["get", "wbe"]);
    assert_eq!(ran.answer, json!({"exit": 2}));
    assert!(ran.err.contains("did you mean web?"), "{}", ran.err);
    assert!(!world.registry().exists(), "nothing leased");
    let ran = world.cli(&mut host, &["get", "database"]);
    assert!(ran.err.contains("it declares api, web"), "{}", ran.err);
}

#[test]
fn a_huge_registry_of_nul_bytes_is_an_error_read_in_1_mib() {
    let world = World::new(CONFIG);
    let state = world.home().join("state");
    fs::create_dir_all(&state).unwrap();
    let file = fs::File::create(world.registry()).unwrap();
    file.set_len(63 * 1024 * 1024).unwrap();
    drop(file);
    let mut reads = Vec::new();
    let mut host = TestHost {
        before: Box::new(|effect, _| {
            if let Effect::Read { path, limit, .. } = effect
                && path.ends_with("registry.json")
            {
                reads.push(*limit);
            }
        }),
        ..TestHost::default()
    };
    let ran = world.cli(&mut host, &["get", "web"]);
    drop(host);
    assert_eq!(ran.answer, json!({"exit": 1}));
    assert!(ran.err.contains("is not valid JSON"), "{}", ran.err);
    assert_eq!(
        reads,
        [1024 * 1024],
        "one bounded read, never the whole file"
    );
    assert_eq!(
        fs::metadata(world.registry()).unwrap().len(),
        63 * 1024 * 1024,
        "never overwritten"
    );
}

#[test]
fn each_command_leases_what_it_hands_out_and_only_those_that_hand_out_write() {
    let world = World::new(CONFIG);
    let mut host = TestHost::default();
    let names = |world: &World| -> Vec<String> {
        if !world.registry().exists() {
            return Vec::new();
        }
        world
            .leases()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for argv in [&["plan"][..], &["why", "web"], &["ls"], &["who", "web"]] {
        world.cli(&mut host, argv);
        assert!(!world.registry().exists(), "{argv:?} writes nothing");
    }
    world.cli(&mut host, &["get", "web"]);
    assert_eq!(names(&world), ["web"], "get leases its name only");
    world.cli(&mut host, &["release", "--all"]);
    world.cli(&mut host, &["run", "web", "--", "true"]);
    assert_eq!(
        names(&world),
        ["api", "web"],
        "run leases every port it passes on"
    );
    world.cli(&mut host, &["release", "--all"]);
    world.cli(&mut host, &["env"]);
    assert_eq!(names(&world), ["api", "web"], "env leases every service");
}
