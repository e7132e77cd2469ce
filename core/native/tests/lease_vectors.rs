//! The shared lease vectors (tests/vectors/leases.json): every scenario's command lines run
//! as whole CLI sessions with this crate's executor on a real file system, their output and
//! the registry they leave checked after each step. The Node and Python CLIs run the same
//! file (bindings-js/test/leaseVectors.test.js, bindings-python/tests/test_lease_vectors.py);
//! the file's `how` says what each field means and how output and times are normalized.

mod common;

use common::TempDir;
use portplan::session::Session;
use portplan::session::effects::{Effect, Reply, Stream};
use portplan::session::machine::Step;
use portplan_native::Executor;
use serde_json::{Value, json};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/leases.json"
);

/// A time within this many seconds of the scenario's start is "NOW".
const NOW_WINDOW: i64 = 600;
/// Times further than this from the start are compared as numbers.
const RELATIVE_LIMIT: i64 = 400 * 86_400;

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// One scenario's world: its folders (label → real path), the registry folder, the start.
struct World {
    _dir: TempDir,
    labels: Vec<(String, String)>,
    state: PathBuf,
    home: PathBuf,
    base: i64,
}

/// `NOW`, `NOW+2d`, `NOW-50m` → the offset in seconds.
fn offset_of(label: &str) -> Option<i64> {
    let rest = label.strip_prefix("NOW")?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, rest) = match rest.split_at(1) {
        ("+", rest) => (1, rest),
        ("-", rest) => (-1, rest),
        _ => return None,
    };
    let (number, unit) = rest.split_at(rest.len().checked_sub(1)?);
    let unit = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return None,
    };
    Some(sign * number.parse::<i64>().ok()? * unit)
}

/// A time as the vectors write it after normalization.
fn time_label(time: i64, base: i64) -> Value {
    let delta = time - base;
    if delta.abs() <= NOW_WINDOW {
        return json!("NOW");
    }
    if delta.abs() > RELATIVE_LIMIT {
        return json!(time);
    }
    let sign = if delta < 0 { '-' } else { '+' };
    let (size, unit) = [(86_400, 'd'), (3_600, 'h'), (60, 'm'), (1, 's')]
        .into_iter()
        .find(|(size, _)| delta % size == 0)
        .unwrap();
    json!(format!("NOW{sign}{}{unit}", delta.abs() / size))
}

impl World {
    fn new(scenario: &Value) -> World {
        let dir = TempDir::new("vectors");
        let tmp = fs::canonicalize(dir.path()).unwrap();
        let mut labels = Vec::new();
        for (label, folder) in scenario["folders"].as_object().unwrap() {
            let path = tmp.join(folder["path"].as_str().unwrap());
            fs::create_dir_all(&path).unwrap();
            for (name, text) in folder["files"].as_object().unwrap() {
                let file = path.join(name);
                fs::create_dir_all(file.parent().unwrap()).unwrap();
                fs::write(file, text.as_str().unwrap()).unwrap();
            }
            labels.push((label.clone(), path.to_str().unwrap().to_owned()));
        }
        let state = tmp.join("state");
        labels.push(("STATE".to_owned(), state.to_str().unwrap().to_owned()));
        // Longest first, so that no path is replaced inside a longer one.
        labels.sort_by_key(|(_, path)| std::cmp::Reverse(path.len()));
        let home = tmp.join("home");
        fs::create_dir_all(&home).unwrap();
        let world = World {
            _dir: dir,
            labels,
            state,
            home,
            base: now_seconds(),
        };
        match &scenario["registry"] {
            Value::Null => {}
            initial => {
                fs::create_dir_all(&world.state).unwrap();
                let text = match initial {
                    Value::String(text) => text.clone(),
                    registry => serde_json::to_string_pretty(&world.filled(registry)).unwrap(),
                };
                fs::write(world.registry(), text).unwrap();
            }
        }
        world
    }

    fn registry(&self) -> PathBuf {
        self.state.join("registry.json")
    }

    fn path_of(&self, label: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, p)| p.as_str())
    }

    /// `LABEL` or `LABEL/sub/folder` → the real path.
    fn folder(&self, place: &str) -> PathBuf {
        let (label, rest) = place.split_once('/').unwrap_or((place, ""));
        let base = PathBuf::from(self.path_of(label).expect("a label"));
        if rest.is_empty() {
            base
        } else {
            base.join(rest)
        }
    }

    /// A registry of the vectors with its placeholders replaced.
    fn filled(&self, registry: &Value) -> Value {
        let mut registry = registry.clone();
        for lease in registry["leases"].as_array_mut().unwrap() {
            if let Some(root) = lease["root"].as_str()
                && let Some(path) = self.path_of(root)
            {
                lease["root"] = json!(path);
            }
            for key in ["created", "used"] {
                if let Some(offset) = lease[key].as_str().and_then(offset_of) {
                    lease[key] = json!(self.base + offset);
                }
            }
        }
        registry
    }

    /// A registry as read, normalized as the vectors write it.
    fn normalized(&self, registry: &Value) -> Value {
        let mut registry = registry.clone();
        if let Some(leases) = registry["leases"].as_array_mut() {
            for lease in leases.iter_mut() {
                if let Some(root) = lease["root"].as_str()
                    && let Some((label, _)) = self.labels.iter().find(|(_, p)| p == root)
                {
                    lease["root"] = json!(label);
                }
                for key in ["created", "used"] {
                    if let Some(time) = lease[key].as_i64() {
                        lease[key] = time_label(time, self.base);
                    }
                }
            }
            sort_leases(leases);
        }
        registry
    }

    /// Output with the real paths as their labels and dates as `{DATE}`.
    fn text(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (label, path) in &self.labels {
            text = text.replace(path.as_str(), &format!("{{{label}}}"));
        }
        dates(&text)
    }

    /// The registry as the vectors compare it with `wanted`: null without a file; its text
    /// when `wanted` is text (or the file is no JSON object); else the normalized object.
    fn registry_now(&self, wanted: &Value) -> Value {
        match fs::read_to_string(self.registry()) {
            Err(_) => Value::Null,
            Ok(text) if wanted.is_string() => json!(text),
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Ok(value) if value.is_object() => self.normalized(&value),
                _ => json!(text),
            },
        }
    }
}

fn sort_leases(leases: &mut [Value]) {
    leases.sort_by_key(|lease| {
        (
            lease["namespace"].as_str().unwrap_or_default().to_owned(),
            lease["name"].as_str().unwrap_or_default().to_owned(),
            lease["root"].as_str().unwrap_or_default().to_owned(),
        )
    });
}

/// Every `YYYY-MM-DD` as `{DATE}`.
fn dates(text: &str) -> String {
    let bytes = text.as_bytes();
    let is_date = |at: usize| {
        bytes.get(at..at + 10).is_some_and(|window| {
            window.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            })
        })
    };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < bytes.len() {
        if is_date(at) {
            out.push_str("{DATE}");
            at += 10;
        } else {
            let c = text[at..].chars().next().unwrap();
            out.push(c);
            at += c.len_utf8();
        }
    }
    out
}

/// What identifies the registry file's content and the file itself.
fn file_state(path: &Path) -> Option<(Vec<u8>, u64, SystemTime, u64)> {
    let meta = fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((
        fs::read(path).ok()?,
        meta.len(),
        meta.modified().ok()?,
        inode,
    ))
}

/// One command line of the CLIs as a whole session: exit code, stdout, stderr.
fn cli(world: &World, cwd: &Path, argv: &[String]) -> (i64, String, String) {
    let platform = std::env::consts::OS
        .replace("macos", "darwin")
        .replace("windows", "win32");
    let start = json!({
        "host": {
            "platform": platform,
            "cwd": cwd.to_str().unwrap(),
            "home": world.home.to_str().unwrap(),
            "env": { "PORTPLAN_HOME": world.state.to_str().unwrap() },
            "pid": std::process::id(),
            "hostname": "vectors",
            "engine": "native",
        },
        "call": "cli",
        "argv": argv,
    });
    let mut session = Session::from_json(&start.to_string());
    let mut executor = Executor::new();
    let (mut out, mut err) = (String::new(), String::new());
    let mut reply = None;
    loop {
        let effect = match session.step(reply.take()) {
            Step::Done(answer) => {
                let answer = serde_json::to_value(&answer).unwrap();
                let exit = answer["exit"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("a command line answers its exit: {answer}"));
                return (exit, out, err);
            }
            Step::Do(effect) => effect,
        };
        reply = Some(match &effect {
            Effect::Sleep { ms } => {
                std::thread::sleep(std::time::Duration::from_millis(*ms));
                Reply::Done { error: None }
            }
            Effect::Print { stream, text } => {
                match stream {
                    Stream::Stdout => out.push_str(text),
                    Stream::Stderr => err.push_str(text),
                }
                Reply::Done { error: None }
            }
            Effect::Spawn { .. } | Effect::Listen { .. } => {
                panic!("the lease vectors start nothing: {effect:?}")
            }
            _ => executor.run(&effect).expect("a native effect"),
        });
    }
}

/// Runs one scenario; the faults found, each naming its step.
fn run(scenario: &Value) -> Vec<String> {
    let id = scenario["id"].as_str().unwrap();
    let world = World::new(scenario);
    let mut faults = Vec::new();
    for (index, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
        let at = format!("{id} step {}", index + 1);
        if let Some(label) = step.get("remove") {
            fs::remove_dir_all(world.folder(label.as_str().unwrap())).unwrap();
            continue;
        }
        if let Some(files) = step.get("write") {
            for (place, text) in files.as_object().unwrap() {
                fs::write(world.folder(place), text.as_str().unwrap()).unwrap();
            }
            continue;
        }
        let argv: Vec<String> = serde_json::from_value(step["argv"].clone()).unwrap();
        let before = file_state(&world.registry());
        let (exit, out, err) = cli(&world, &world.folder(step["cwd"].as_str().unwrap()), &argv);
        let at = format!("{at} (portplan {})", argv.join(" "));
        let mut expect = |what: &str, got: Value, wanted: &Value| {
            if !wanted.is_null() && got != *wanted {
                faults.push(format!("{at}: {what}\n  got:  {got}\n  want: {wanted}"));
            }
        };
        expect("exit", json!(exit), &step["exit"]);
        expect("stdout", json!(world.text(&out)), &step["stdout"]);
        expect("stderr", json!(world.text(&err)), &step["stderr"]);
        if step["writes"] == json!(false) && file_state(&world.registry()) != before {
            faults.push(format!("{at}: wrote the registry"));
        }
        let mut wanted = step["registry"].clone();
        if let Some(leases) = wanted.get_mut("leases").and_then(Value::as_array_mut) {
            sort_leases(leases);
        }
        let got = world.registry_now(&wanted);
        if got != wanted {
            faults.push(format!("{at}: registry\n  got:  {got}\n  want: {wanted}"));
        }
    }
    faults
}

#[test]
fn every_lease_vector_holds_through_the_cli_sessions() {
    let text = fs::read_to_string(VECTORS).expect("tests/vectors/leases.json");
    let vectors: Value = serde_json::from_str(&text).expect("the vectors are JSON");
    let scenarios = vectors["scenarios"].as_array().expect("scenarios");
    assert!(scenarios.len() >= 10, "{} scenarios", scenarios.len());
    let only = std::env::var("LEASE_VECTOR").ok();
    let faults: Vec<String> = scenarios
        .iter()
        .filter(|s| only.as_deref().is_none_or(|id| s["id"] == id))
        .flat_map(run)
        .collect();
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn times_are_labelled_as_the_vectors_write_them() {
    let base = 1_800_000_000;
    for (offset, label) in [
        (0, "NOW"),
        (599, "NOW"),
        (-2 * 86_400, "NOW-2d"),
        (31 * 86_400, "NOW+31d"),
        (-3_600 * 2, "NOW-2h"),
        (-50 * 60, "NOW-50m"),
        (-4_000, "NOW-4000s"),
    ] {
        assert_eq!(time_label(base + offset, base), json!(label));
        if label != "NOW" {
            assert_eq!(offset_of(label), Some(offset));
        }
    }
    assert_eq!(time_label(5, base), json!(5));
    assert_eq!(dates("x 2026-11-23  /a"), "x {DATE}  /a");
}
