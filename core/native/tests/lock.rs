//! The kernel lock: exclusion between executors of one process, between processes, its
//! release when a holder is killed, and lock paths that are not regular files.

mod common;

use common::TempDir;
use portplan::session::effects::{Effect, Reply};
use portplan_native::Executor;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn lock(executor: &mut Executor, path: &str) -> Reply {
    executor
        .run(&Effect::Lock {
            hold: false,
            path: path.to_string(),
        })
        .unwrap()
}

fn unlock(executor: &mut Executor, path: &str) -> Reply {
    executor
        .run(&Effect::Unlock {
            path: path.to_string(),
        })
        .unwrap()
}

fn taken(taken: bool) -> Reply {
    Reply::Lock { taken, error: None }
}

#[cfg(unix)]
fn error_of(reply: Reply) -> String {
    match reply {
        Reply::Lock {
            taken: false,
            error: Some(error),
        } => error.code,
        other => panic!("an error reply, not {other:?}"),
    }
}

#[test]
fn two_executors_of_one_process_exclude_each_other() {
    let dir = TempDir::new("lock");
    let path = dir.join("registry.json.lock");
    let (mut first, mut second) = (Executor::new(), Executor::new());
    assert_eq!(lock(&mut first, &path), taken(true));
    assert!(first.holds_lock(&path));
    assert_eq!(
        lock(&mut second, &path),
        taken(false),
        "another open file holds it"
    );
    assert_eq!(unlock(&mut first, &path), Reply::Done { error: None });
    assert_eq!(lock(&mut second, &path), taken(true));
    assert_eq!(lock(&mut first, &path), taken(false));
    assert_eq!(unlock(&mut second, &path), Reply::Done { error: None });
}

#[test]
fn the_lock_file_is_created_private_and_kept() {
    let dir = TempDir::new("lockmode");
    let path = dir.join("registry.json.lock");
    let mut executor = Executor::new();
    assert_eq!(lock(&mut executor, &path), taken(true));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    unlock(&mut executor, &path);
    assert!(
        std::fs::metadata(&path).is_ok(),
        "unlock leaves the file for the next"
    );
}

#[test]
fn unlocking_what_is_not_held_is_an_error() {
    let dir = TempDir::new("unlock");
    let Reply::Done { error: Some(error) } = unlock(&mut Executor::new(), &dir.join("x")) else {
        panic!()
    };
    assert_eq!(error.code, "EBADF");
}

#[cfg(unix)]
#[test]
fn a_link_as_lock_path_is_an_error_never_a_wait() {
    let dir = TempDir::new("locklink");
    let dangling = dir.join("dangling.lock");
    std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).unwrap();
    assert_eq!(error_of(lock(&mut Executor::new(), &dangling)), "ELOOP");
    assert!(
        std::fs::symlink_metadata(dir.join("nowhere")).is_err(),
        "nothing is created through the link"
    );
    let target = dir.join("target");
    std::fs::write(&target, "").unwrap();
    let link = dir.join("link.lock");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert_eq!(error_of(lock(&mut Executor::new(), &link)), "ELOOP");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_folder_as_lock_path_is_an_error_never_a_hang() {
    let dir = TempDir::new("lockfifo");
    let fifo = dir.join("fifo.lock");
    let c_path = std::ffi::CString::new(fifo.clone()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    assert_eq!(error_of(lock(&mut Executor::new(), &fifo)), "EFTYPE");
    let folder = dir.join("folder.lock");
    std::fs::create_dir(&folder).unwrap();
    assert_eq!(error_of(lock(&mut Executor::new(), &folder)), "EISDIR");
}

/// The child's side of the cross-process tests: take the lock, say so, hold it until
/// killed or stdin closes.
#[test]
fn child_holds_a_lock() {
    let Some(path) = std::env::var_os("PORTPLAN_NATIVE_HOLD") else {
        return;
    };
    let mut executor = Executor::new();
    let reply = lock(&mut executor, path.to_str().unwrap());
    println!(
        "{}",
        if reply == taken(true) {
            "locked"
        } else {
            "busy"
        }
    );
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// Starts a child process of this test binary that holds `path`'s lock; returns it once
/// it said whether it took it.
fn holder(path: &str) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["child_holds_a_lock", "--exact", "--nocapture", "--quiet"])
        .env("PORTPLAN_NATIVE_HOLD", path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    while !(said.starts_with("locked") || said.starts_with("busy")) {
        said.clear();
        assert!(
            out.read_line(&mut said).unwrap() > 0,
            "the child ended early"
        );
    }
    (child, said.trim().to_string())
}

#[test]
fn another_process_is_excluded_until_its_holder_is_killed() {
    let dir = TempDir::new("lockproc");
    let path = dir.join("registry.json.lock");
    let (mut child, said) = holder(&path);
    assert_eq!(said, "locked");
    let mut executor = Executor::new();
    assert_eq!(lock(&mut executor, &path), taken(false));
    // SIGKILL (TerminateProcess on Windows): the kernel releases the lock with the
    // holder's last descriptor; nothing is left to judge.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(lock(&mut executor, &path), taken(true));
    // And the other way round: this process holds it, a new child is refused.
    let (mut child, said) = holder(&path);
    assert_eq!(said, "busy");
    child.kill().unwrap();
    child.wait().unwrap();
    unlock(&mut executor, &path);
}
