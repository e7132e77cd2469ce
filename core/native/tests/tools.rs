//! Which and Git.

use portplan::session::effects::{Effect, Reply};
use portplan_native::Executor;

fn run(effect: Effect) -> Reply {
    Executor::new().run(&effect).unwrap()
}

#[test]
fn which_finds_a_command_on_the_path_or_says_null() {
    let command = if cfg!(windows) { "cmd" } else { "sh" };
    let Reply::Path {
        path: Some(path),
        error: None,
    } = run(Effect::Which {
        command: command.into(),
    })
    else {
        panic!()
    };
    assert!(std::path::Path::new(&path).is_absolute(), "{path}");
    assert_eq!(
        run(Effect::Which {
            command: "portplan-no-such-command-anywhere".into()
        }),
        Reply::Path {
            path: None,
            error: None
        }
    );
}

fn git(cwd: &str, args: &[&str]) -> Option<String> {
    match run(Effect::Git {
        cwd: cwd.into(),
        args: args.iter().map(|arg| arg.to_string()).collect(),
    }) {
        Reply::Output { stdout } => stdout,
        other => panic!("{other:?}"),
    }
}

#[test]
fn git_gives_stdout_on_success_and_null_otherwise() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        // No git on this machine: every call is null, which is the contract too.
        assert_eq!(git(".", &["--version"]), None);
        return;
    }
    let here = env!("CARGO_MANIFEST_DIR");
    assert!(
        git(here, &["--version"])
            .unwrap()
            .starts_with("git version")
    );
    assert_eq!(
        git(here, &["no-such-subcommand"]),
        None,
        "exit status not 0"
    );
    assert_eq!(git("/no/such/folder/anywhere", &["--version"]), None);
}
