//! The wasm engine's lock (tests/wasm_lock.cjs: Node's fs and child_process only) and
//! this crate's kernel lock exclude each other, and a killed Node holder frees it.
//! Skipped, saying why, where Node (or Linux's flock(1)) is not installed.

mod common;

use common::TempDir;
use portplan::session::effects::{Effect, Reply};
use portplan_native::Executor;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn node_can_lock() -> bool {
    let node = Command::new("node").arg("--version").output().is_ok();
    let flock =
        !cfg!(target_os = "linux") || Command::new("flock").arg("--version").output().is_ok();
    if !(node && flock) {
        eprintln!("skipped: needs node (and flock(1) on Linux) on the PATH");
    }
    node && flock
}

/// A Node process trying the lock; its first word, and the process while it holds it.
fn node_holder(path: &str) -> (Child, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wasm_lock.cjs");
    let mut child = Command::new("node")
        .args([script, "hold", path])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    (child, said.trim().to_string())
}

fn lock(executor: &mut Executor, path: &str) -> Reply {
    executor
        .run(&Effect::Lock {
            hold: false,
            path: path.to_string(),
        })
        .unwrap()
}

fn taken(taken: bool) -> Reply {
    Reply::Lock { taken, error: None }
}

#[test]
fn the_wasm_engines_lock_and_the_kernel_lock_exclude_each_other() {
    if !node_can_lock() {
        return;
    }
    let dir = TempDir::new("wasmlock");
    let path = dir.join("registry.json.lock");
    let mut executor = Executor::new();

    // Node holds it: the native engine waits.
    let (mut node, said) = node_holder(&path);
    assert_eq!(said, "locked");
    assert_eq!(lock(&mut executor, &path), taken(false));
    // Node killed (SIGKILL): the kernel frees it with Node's last descriptor.
    node.kill().unwrap();
    node.wait().unwrap();
    assert_eq!(lock(&mut executor, &path), taken(true));

    // The native engine holds it: Node is refused.
    let (mut node, said) = node_holder(&path);
    assert_eq!(said, "busy");
    node.wait().unwrap();

    // Released: Node takes it; closing its stdin ends it, releasing the lock.
    let unlocked = executor.run(&Effect::Unlock { path: path.clone() });
    assert_eq!(unlocked, Some(Reply::Done { error: None }));
    let (mut node, said) = node_holder(&path);
    assert_eq!(said, "locked");
    drop(node.stdin.take());
    assert!(node.wait().unwrap().success());
    assert_eq!(lock(&mut executor, &path), taken(true));
}

#[cfg(unix)]
#[test]
fn the_wasm_engines_lock_refuses_a_link_and_a_fifo() {
    if !node_can_lock() {
        return;
    }
    let dir = TempDir::new("wasmlocklink");
    let dangling = dir.join("dangling.lock");
    std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).unwrap();
    let (_, said) = node_holder(&dangling);
    assert_eq!(said, "error ELOOP", "the same code as the native engine");
    let fifo = dir.join("fifo.lock");
    let c_path = std::ffi::CString::new(fifo.clone()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let (_, said) = node_holder(&fifo);
    assert_eq!(said, "error EFTYPE");
}
