//! Probe and Who against real sockets and processes.

use portplan::session::effects::{Effect, Reply};
use portplan_native::{Executor, probe};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};

fn fresh_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(unix)]
/// A server on `port` accepts one connection and closes it first: the server's side of
/// that connection stays in TIME_WAIT on `port` (about 60 s on Linux), as after a dev
/// server that just stopped. The listener is closed too.
fn leave_time_wait_on(port: u16) {
    use std::io::Read;
    use std::net::{SocketAddr, TcpStream};
    let server = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    server.set_reuse_address(true).unwrap();
    server
        .bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())
        .unwrap();
    server.listen(1).unwrap();
    let server: TcpListener = server.into();
    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (accepted, _) = server.accept().unwrap();
    drop(accepted); // the active close: TIME_WAIT is on the server's side
    let mut byte = [0u8; 1];
    assert_eq!(
        client.read(&mut byte).unwrap(),
        0,
        "the client sees the close"
    );
    drop(client);
    drop(server);
}

#[test]
fn a_listener_is_busy_for_both_probes() {
    let listener = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    assert_eq!(probe(&[port], false), [false]);
    assert_eq!(
        probe(&[port], true),
        [false],
        "a listener is busy for a server too"
    );
    drop(listener);
    assert_eq!(probe(&[port], false), [true]);
}

#[cfg(unix)]
#[test]
fn a_port_whose_only_sockets_are_in_time_wait_is_free_for_a_server() {
    use std::net::SocketAddr;
    let port = fresh_port();
    leave_time_wait_on(port);
    assert_eq!(
        probe(&[port], false),
        [false],
        "the strict probe counts TIME_WAIT as taken"
    );
    assert_eq!(
        probe(&[port], true),
        [true],
        "a server binds over its TIME_WAIT"
    );
    // A reusing listener on it is busy again, for both.
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener.set_reuse_address(true).unwrap();
    listener
        .bind(&SocketAddr::from(([0, 0, 0, 0], port)).into())
        .unwrap();
    listener.listen(1).unwrap();
    assert_eq!(probe(&[port], true), [false]);
    assert_eq!(probe(&[port], false), [false]);
}

#[test]
fn the_probe_effect_answers_in_order() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = held.local_addr().unwrap().port();
    let free = fresh_port();
    let reply = Executor::new()
        .run(&Effect::Probe {
            ports: vec![free, busy],
            server: false,
        })
        .unwrap();
    assert_eq!(
        reply,
        Reply::Probe {
            free: vec![true, false]
        }
    );
}

/// The child's side of the Who test: listen on the port given, say so, wait.
#[test]
fn child_listens() {
    let Some(port) = std::env::var_os("PORTPLAN_NATIVE_LISTEN") else {
        return;
    };
    let listener =
        TcpListener::bind(("127.0.0.1", port.to_str().unwrap().parse::<u16>().unwrap())).unwrap();
    println!("listening");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(listener);
}

#[cfg(any(target_os = "linux", target_os = "macos", windows))]
#[test]
fn who_names_a_real_listener_by_pid_command_and_folder() {
    let port = fresh_port();
    let folder = std::env::temp_dir().canonicalize().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["child_listens", "--exact", "--nocapture", "--quiet"])
        .env("PORTPLAN_NATIVE_LISTEN", port.to_string())
        .current_dir(&folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("listening") {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child ended early"
        );
    }
    let reply = Executor::new()
        .run(&Effect::Who {
            ports: vec![port, fresh_port()],
        })
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let Reply::Who { listeners, known } = reply else {
        panic!("{reply:?}")
    };
    assert!(known);
    assert_eq!(listeners.len(), 1, "{listeners:?}");
    let found = &listeners[0];
    assert_eq!(found.port, port);
    assert_eq!(found.pid, Some(child.id()));
    let command = found.command.join(" ");
    let binary = std::env::current_exe().unwrap();
    let name = binary.file_name().unwrap().to_str().unwrap();
    assert!(command.contains(name), "{command}");
    assert!(
        command.contains("child_listens"),
        "the whole command line: {command}"
    );
    assert_eq!(found.cwd.as_deref(), Some(folder.to_str().unwrap()));
}

#[test]
fn who_finds_nobody_on_a_free_port() {
    let reply = Executor::new()
        .run(&Effect::Who {
            ports: vec![fresh_port()],
        })
        .unwrap();
    assert_eq!(
        reply,
        Reply::Who {
            listeners: vec![],
            known: true
        }
    );
}
