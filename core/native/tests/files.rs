//! The file effects against real files, links, FIFOs and folders.

mod common;

use common::TempDir;
use portplan::session::effects::{Effect, FileRead, Kind, Reply, Seen};
use portplan_native::Executor;
use std::fs;

fn run(effect: Effect) -> Reply {
    Executor::new()
        .run(&effect)
        .expect("a file effect is run here")
}

fn read(path: &str, limit: u64, follow: bool) -> FileRead {
    match run(Effect::Read {
        path: path.to_string(),
        limit,
        follow,
    }) {
        Reply::Read { read } => read,
        other => panic!("a read reply, not {other:?}"),
    }
}

fn error_code(reply: Reply) -> Option<String> {
    match reply {
        Reply::Done { error } => error.map(|error| error.code),
        other => panic!("a done reply, not {other:?}"),
    }
}

#[test]
fn a_file_is_read_whole_with_its_owner_and_mode() {
    let dir = TempDir::new("read");
    let path = dir.join("registry.json");
    fs::write(&path, "{\"version\": 2}").unwrap();
    match read(&path, 4096, false) {
        FileRead::File {
            text,
            utf8,
            longer,
            uid,
            mode,
        } => {
            assert_eq!(text, "{\"version\": 2}");
            assert!(utf8 && !longer);
            if cfg!(unix) {
                assert!(uid.is_some() && mode.is_some());
                assert_eq!(mode.unwrap() & !0o7777, 0, "permission bits alone");
            }
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_over_the_limit_is_cut_and_said_longer() {
    let dir = TempDir::new("limit");
    let path = dir.join("big");
    fs::write(&path, "0123456789").unwrap();
    let FileRead::File { text, longer, .. } = read(&path, 4, false) else {
        panic!()
    };
    assert_eq!((text.as_str(), longer), ("0123", true));
    let FileRead::File { text, longer, .. } = read(&path, 10, false) else {
        panic!()
    };
    assert_eq!(
        (text.as_str(), longer),
        ("0123456789", false),
        "exactly the limit"
    );
}

#[test]
fn bad_utf8_is_read_lossily_and_said() {
    let dir = TempDir::new("utf8");
    let path = dir.join("bad");
    fs::write(&path, b"ok \xff\xfe end").unwrap();
    let FileRead::File { text, utf8, .. } = read(&path, 100, false) else {
        panic!()
    };
    assert!(!utf8);
    assert_eq!(text, "ok \u{fffd}\u{fffd} end");
}

#[test]
fn a_missing_file_or_folder_is_missing() {
    let dir = TempDir::new("missing");
    assert_eq!(read(&dir.join("nothing"), 10, false), FileRead::Missing);
    let file = dir.join("file");
    fs::write(&file, "x").unwrap();
    // ENOTDIR: a file where a folder should be.
    assert_eq!(read(&format!("{file}/below"), 10, false), FileRead::Missing);
}

#[test]
fn a_folder_is_not_read() {
    let dir = TempDir::new("folder");
    assert_eq!(
        read(dir.path().to_str().unwrap(), 10, false),
        FileRead::NotFile {
            kind: Kind::Directory
        }
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_is_not_followed_unless_asked() {
    let dir = TempDir::new("link");
    let target = dir.join("target");
    fs::write(&target, "secret").unwrap();
    let link = dir.join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert_eq!(
        read(&link, 100, false),
        FileRead::NotFile {
            kind: Kind::Symlink
        }
    );
    let FileRead::File { text, .. } = read(&link, 100, true) else {
        panic!()
    };
    assert_eq!(text, "secret");
    let dangling = dir.join("dangling");
    std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).unwrap();
    assert_eq!(
        read(&dangling, 100, false),
        FileRead::NotFile {
            kind: Kind::Symlink
        }
    );
    assert_eq!(read(&dangling, 100, true), FileRead::Missing);
}

#[cfg(unix)]
fn mkfifo(path: &str) {
    let path = std::ffi::CString::new(path).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
}

#[cfg(unix)]
#[test]
fn a_fifo_never_hangs_and_is_not_read() {
    let dir = TempDir::new("fifo");
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let (sender, receiver) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || sender.send(read(&path, 100, true)).unwrap());
    let answer = receiver
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("a FIFO without a writer must not block the read");
    assert_eq!(answer, FileRead::NotFile { kind: Kind::Fifo });
}

#[cfg(unix)]
#[test]
fn a_device_is_not_read() {
    assert_eq!(
        read("/dev/zero", 100, true),
        FileRead::NotFile { kind: Kind::Device }
    );
}

#[test]
fn stat_tells_each_path_kind_size_and_mtime() {
    let dir = TempDir::new("stat");
    let file = dir.join("file");
    fs::write(&file, "12345").unwrap();
    let Reply::Stat { seen } = run(Effect::Stat {
        paths: vec![
            file.clone(),
            dir.path().to_str().unwrap().to_string(),
            dir.join("none"),
        ],
        follow: false,
    }) else {
        panic!()
    };
    let Seen::There {
        kind,
        size,
        mtime_ms,
        ..
    } = &seen[0]
    else {
        panic!("{seen:?}")
    };
    assert_eq!((*kind, *size), (Kind::File, 5));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64;
    assert!((now - mtime_ms).abs() < 60_000.0, "{now} vs {mtime_ms}");
    assert!(matches!(
        seen[1],
        Seen::There {
            kind: Kind::Directory,
            ..
        }
    ));
    assert_eq!(seen[2], Seen::Missing);
}

#[cfg(unix)]
#[test]
fn stat_sees_a_link_itself_unless_following() {
    let dir = TempDir::new("statlink");
    let link = dir.join("link");
    std::os::unix::fs::symlink(dir.join("nowhere"), &link).unwrap();
    let Reply::Stat { seen } = run(Effect::Stat {
        paths: vec![link.clone()],
        follow: false,
    }) else {
        panic!()
    };
    assert!(matches!(
        seen[0],
        Seen::There {
            kind: Kind::Symlink,
            ..
        }
    ));
    let Reply::Stat { seen } = run(Effect::Stat {
        paths: vec![link],
        follow: true,
    }) else {
        panic!()
    };
    assert_eq!(seen[0], Seen::Missing, "a dangling link followed");
}

#[cfg(unix)]
#[test]
fn realpath_resolves_every_link() {
    let dir = TempDir::new("realpath");
    let real = fs::canonicalize(dir.path()).unwrap();
    fs::create_dir(real.join("inner")).unwrap();
    std::os::unix::fs::symlink(real.join("inner"), real.join("alias")).unwrap();
    let Reply::Path { path, error } = run(Effect::Realpath {
        path: dir.join("alias"),
    }) else {
        panic!()
    };
    assert_eq!(error, None);
    assert_eq!(path.unwrap(), real.join("inner").to_str().unwrap());
    let Reply::Path { path, error } = run(Effect::Realpath {
        path: dir.join("none"),
    }) else {
        panic!()
    };
    assert_eq!((path, error.unwrap().code.as_str()), (None, "ENOENT"));
}

#[test]
fn list_gives_the_names_with_the_prefix_sorted() {
    let dir = TempDir::new("list");
    for name in [
        "registry.json.tmp-2",
        "registry.json",
        "registry.json.tmp-1",
        "other",
    ] {
        fs::write(dir.join(name), "").unwrap();
    }
    let Reply::Names { names, error } = run(Effect::List {
        dir: dir.path().to_str().unwrap().to_string(),
        prefix: "registry.json.tmp-".into(),
    }) else {
        panic!()
    };
    assert_eq!(error, None);
    assert_eq!(names, ["registry.json.tmp-1", "registry.json.tmp-2"]);
    let Reply::Names { names, error } = run(Effect::List {
        dir: dir.join("none"),
        prefix: String::new(),
    }) else {
        panic!()
    };
    assert!(names.is_empty());
    assert_eq!(error.unwrap().code, "ENOENT");
}

#[test]
fn make_dir_makes_the_parents_private() {
    let dir = TempDir::new("mkdir");
    let deep = dir.join("a/b/c");
    assert_eq!(
        error_code(run(Effect::MakeDir { path: deep.clone() })),
        None
    );
    assert!(fs::metadata(&deep).unwrap().is_dir());
    assert_eq!(
        error_code(run(Effect::MakeDir { path: deep.clone() })),
        None,
        "an existing folder is fine"
    );
    #[cfg(unix)]
    for path in [dir.join("a"), deep] {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & !0o700, 0, "0700 less the umask");
    }
    let file = dir.join("file");
    fs::write(&file, "").unwrap();
    assert_eq!(
        error_code(run(Effect::MakeDir { path: file })).as_deref(),
        Some("EEXIST")
    );
}

fn create(path: &str, text: &str, sync: bool) -> Option<String> {
    error_code(run(Effect::Create {
        path: path.to_string(),
        text: text.to_string(),
        mode: 0o600,
        sync,
    }))
}

#[test]
fn create_writes_a_new_file_and_never_an_existing_one() {
    let dir = TempDir::new("create");
    let path = dir.join("new");
    assert_eq!(create(&path, "first", true), None);
    assert_eq!(fs::read_to_string(&path).unwrap(), "first");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(create(&path, "second", false).as_deref(), Some("EEXIST"));
    assert_eq!(fs::read_to_string(&path).unwrap(), "first");
}

#[cfg(unix)]
#[test]
fn create_never_writes_through_a_link() {
    let dir = TempDir::new("createlink");
    let target = dir.join("target");
    let link = dir.join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert_eq!(create(&link, "x", false).as_deref(), Some("EEXIST"));
    assert!(
        fs::symlink_metadata(&target).is_err(),
        "the dangling link's target is not made"
    );
    fs::write(&target, "kept").unwrap();
    assert_eq!(create(&link, "x", false).as_deref(), Some("EEXIST"));
    assert_eq!(fs::read_to_string(&target).unwrap(), "kept");
}

#[cfg(unix)]
#[test]
fn copy_owner_gives_the_owner_group_and_mode_of_the_model() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = TempDir::new("owner");
    let like = dir.join(".env");
    let path = dir.join(".env.tmp");
    fs::write(&like, "A=1").unwrap();
    fs::write(&path, "A=2").unwrap();
    fs::set_permissions(&like, fs::Permissions::from_mode(0o640)).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&like, Some(4321), Some(4322)).unwrap();
    }
    let reply = run(Effect::CopyOwner {
        path: path.clone(),
        like: like.clone(),
    });
    assert_eq!(error_code(reply), None);
    let (model, copy) = (fs::metadata(&like).unwrap(), fs::metadata(&path).unwrap());
    assert_eq!((copy.uid(), copy.gid()), (model.uid(), model.gid()));
    assert_eq!(copy.mode() & 0o7777, 0o640);
    if root {
        assert_eq!(copy.uid(), 4321);
    }
    // Never through a link.
    let link = dir.join("link");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let reply = run(Effect::CopyOwner { path: link, like });
    assert_eq!(error_code(reply).as_deref(), Some("ELOOP"));
}

#[cfg(unix)]
#[test]
fn copy_owner_as_a_plain_user_of_their_own_file_is_no_error() {
    // chown(2) to one's own uid is refused (EPERM) on some systems for a plain user
    // when the group differs; the owner already being the same is not an error. Run in a
    // child as `nobody` when this test runs as root (the usual case here and in CI).
    if std::env::var_os("PORTPLAN_NATIVE_AS_NOBODY").is_some() {
        let dir = TempDir::new("nobody");
        let like = dir.join("like");
        let path = dir.join("path");
        fs::write(&like, "").unwrap();
        fs::write(&path, "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&like, fs::Permissions::from_mode(0o604)).unwrap();
        let reply = run(Effect::CopyOwner {
            path: path.clone(),
            like,
        });
        assert_eq!(error_code(reply), None);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o604
        );
        return;
    }
    if unsafe { libc::geteuid() } != 0
        || std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_err()
    {
        return; // a plain user runs the body above only through root's child
    }
    let status = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "copy_owner_as_a_plain_user_of_their_own_file_is_no_error",
            "--exact",
            "--quiet",
        ])
        .env("PORTPLAN_NATIVE_AS_NOBODY", "1")
        .env("TMPDIR", "/tmp")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn rename_replaces_and_remove_removes() {
    let dir = TempDir::new("rename");
    let (from, to) = (dir.join("from"), dir.join("to"));
    fs::write(&from, "new").unwrap();
    fs::write(&to, "old").unwrap();
    let reply = run(Effect::Rename {
        from: from.clone(),
        to: to.clone(),
    });
    assert_eq!(error_code(reply), None);
    assert_eq!(fs::read_to_string(&to).unwrap(), "new");
    assert_eq!(error_code(run(Effect::Remove { path: to.clone() })), None);
    assert_eq!(
        error_code(run(Effect::Remove { path: to })).as_deref(),
        Some("ENOENT")
    );
}

#[cfg(unix)]
#[test]
fn remove_takes_a_link_not_its_target() {
    let dir = TempDir::new("removelink");
    let (target, link) = (dir.join("target"), dir.join("link"));
    fs::write(&target, "kept").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert_eq!(error_code(run(Effect::Remove { path: link })), None);
    assert_eq!(fs::read_to_string(target).unwrap(), "kept");
}

#[test]
fn the_clock_is_unix_ms() {
    let Reply::Clock { ms } = run(Effect::Clock) else {
        panic!()
    };
    assert!(ms > 1.7e12 && ms < 1e14, "{ms}");
}

#[test]
fn effects_of_the_host_language_are_left_to_it() {
    let mut executor = Executor::new();
    for effect in [
        Effect::Sleep { ms: 1 },
        Effect::Print {
            stream: portplan::session::effects::Stream::Stdout,
            text: "x".into(),
        },
        Effect::Spawn {
            argv: vec!["true".into()],
            env: Default::default(),
            forward: vec![],
        },
        Effect::Listen {
            port: 1,
            host: None,
        },
    ] {
        assert_eq!(executor.run(&effect), None, "{effect:?}");
    }
}

#[test]
fn append_adds_to_an_existing_file_only_and_never_through_a_link() {
    let dir = TempDir::new("append");
    let file = dir.join("env");
    fs::write(&file, "A=1\n").unwrap();
    let append = |path: &str| {
        error_code(run(Effect::Append {
            path: path.to_string(),
            text: "LATE=1\n".to_string(),
        }))
    };
    assert_eq!(append(&file), None);
    assert_eq!(fs::read_to_string(&file).unwrap(), "A=1\nLATE=1\n");
    assert_eq!(append(&dir.join("missing")).as_deref(), Some("ENOENT"));
    assert!(!std::path::Path::new(&dir.join("missing")).exists());
    #[cfg(unix)]
    {
        let link = dir.join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(append(&link).is_some(), "a link is refused");
        assert_eq!(fs::read_to_string(&file).unwrap(), "A=1\nLATE=1\n");
    }
}

#[test]
fn close_removes_what_the_session_created_or_linked_and_did_not_rename() {
    let dir = TempDir::new("close");
    let kept = dir.join("kept");
    fs::write(&kept, "SECRET=1\n").unwrap();
    let mut executor = Executor::new();
    let mut run = |effect: Effect| error_code(executor.run(&effect).expect("a file effect"));
    let (temp, renamed, second) = (dir.join("temp"), dir.join("renamed"), dir.join("second"));
    for path in [&temp, &renamed] {
        let create = Effect::Create {
            path: path.clone(),
            text: "x".to_string(),
            mode: 0o600,
            sync: false,
        };
        assert_eq!(run(create), None);
    }
    let rename = Effect::Rename {
        from: renamed.clone(),
        to: dir.join("final"),
    };
    assert_eq!(run(rename), None);
    let link = Effect::Link {
        from: kept.clone(),
        to: second.clone(),
    };
    assert_eq!(run(link), None);
    executor.close();
    let exists = |path: &str| std::path::Path::new(path).exists();
    assert!(!exists(&temp), "a created file left");
    assert!(!exists(&second), "a second name left");
    assert!(
        exists(&dir.join("final")),
        "a renamed file is the session's result"
    );
    assert_eq!(fs::read_to_string(&kept).unwrap(), "SECRET=1\n");
}
